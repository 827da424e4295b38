package dev.mmstats.reader;

/**
 * One row of a format version's type table: the signature as stored, how a value is decoded, and
 * S, the size of one value in bytes.
 */
public record TypeSpec(String signature, Kind kind, int size) {

    /** How the bytes of one value become a {@link Value}. */
    public enum Kind {
        SIGNED_INT,
        UNSIGNED_INT,
        FLOAT,
        BOOL,
        STRING
    }

    public boolean isInteger() {
        return kind == Kind.SIGNED_INT || kind == Kind.UNSIGNED_INT;
    }
}
