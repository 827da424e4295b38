package dev.mmstats.reader;

/** A decoded file of any format version: what the read command prints. */
public interface Decoded {
    int formatVersion();

    /** The canonical JSON object of the file's version (spec: "Canonical decoded form"), with {@code path} as given. */
    String toCanonicalJson(String path);
}
