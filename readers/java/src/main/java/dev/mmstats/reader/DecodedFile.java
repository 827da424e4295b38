package dev.mmstats.reader;

import java.util.List;

/** What a reader returns for a valid file: its format version and its fields in file order. */
public record DecodedFile(int formatVersion, List<Field> fields) implements Decoded {

    public DecodedFile {
        fields = List.copyOf(fields);
    }

    /** The canonical JSON object (spec: "Canonical decoded form"), with {@code path} as given. */
    @Override
    public String toCanonicalJson(String path) {
        return CanonicalJson.of(path, formatVersion, fields);
    }
}
