package dev.mmstats.writer;

/**
 * A type signature of format version 1 (spec/v1.md, "Type signatures"): how one value is stored and
 * S, its size in bytes.
 */
public record FieldType(String signature, Kind kind, int size) {

    public enum Kind {
        SIGNED_INT,
        UNSIGNED_INT,
        FLOAT,
        BOOL,
        STRING
    }

    /** N of {@code <N>s} has at most this many digits. */
    public static final int MAX_STRING_DIGITS = 9;

    public boolean isInteger() {
        return kind == Kind.SIGNED_INT || kind == Kind.UNSIGNED_INT;
    }

    /** The type of a signature; IllegalArgumentException when it is not in the table. */
    public static FieldType of(String signature) {
        FieldType t = lookup(signature);
        if (t == null) {
            throw new IllegalArgumentException("type signature '" + signature + "' is not in the type table "
                    + "(b B h H i I q Q f d ? <N>s)");
        }
        return t;
    }

    /** The type of a signature, or null. Case-sensitive, exact: no byte-order prefixes or repeat counts. */
    public static FieldType lookup(String sig) {
        switch (sig) {
            case "b": return new FieldType(sig, Kind.SIGNED_INT, 1);
            case "B": return new FieldType(sig, Kind.UNSIGNED_INT, 1);
            case "h": return new FieldType(sig, Kind.SIGNED_INT, 2);
            case "H": return new FieldType(sig, Kind.UNSIGNED_INT, 2);
            case "i": return new FieldType(sig, Kind.SIGNED_INT, 4);
            case "I": return new FieldType(sig, Kind.UNSIGNED_INT, 4);
            case "q": return new FieldType(sig, Kind.SIGNED_INT, 8);
            case "Q": return new FieldType(sig, Kind.UNSIGNED_INT, 8);
            case "f": return new FieldType(sig, Kind.FLOAT, 4);
            case "d": return new FieldType(sig, Kind.FLOAT, 8);
            case "?": return new FieldType(sig, Kind.BOOL, 1);
            default: break;
        }
        int digits = sig.length() - 1;
        if (digits < 1 || digits > MAX_STRING_DIGITS || sig.charAt(digits) != 's'
                || digits > 1 && sig.charAt(0) == '0') {
            return null;
        }
        int n = 0;
        for (int i = 0; i < digits; i++) {
            char c = sig.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            n = n * 10 + (c - '0');
        }
        return new FieldType(sig, Kind.STRING, n);
    }
}
