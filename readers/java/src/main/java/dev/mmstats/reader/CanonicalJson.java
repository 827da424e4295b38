package dev.mmstats.reader;

import java.util.List;

/**
 * The canonical decoded form (spec: "Canonical decoded form"):
 * {@code {"path": ..., "format_version": 1, "fields": [{"label", "type", "buffered", "value"}]}}.
 * Integers are exact, floats the shortest round-trip text, NaN and the infinities fixed strings.
 */
public final class CanonicalJson {
    private CanonicalJson() {
    }

    public static String of(String path, int formatVersion, List<Field> fields) {
        StringBuilder sb = new StringBuilder(64 + 64 * fields.size());
        sb.append("{\"path\": ");
        string(sb, path);
        sb.append(", \"format_version\": ").append(formatVersion).append(", \"fields\": [");
        for (int i = 0; i < fields.size(); i++) {
            Field f = fields.get(i);
            sb.append(i == 0 ? "\n  " : ",\n  ").append("{\"label\": ");
            string(sb, f.label());
            sb.append(", \"type\": ");
            string(sb, f.type());
            sb.append(", \"buffered\": ").append(f.buffered()).append(", \"value\": ");
            value(sb, f.value());
            sb.append('}');
        }
        return sb.append(fields.isEmpty() ? "]}" : "\n]}").toString();
    }

    /** One value as JSON. */
    public static String value(Value v) {
        StringBuilder sb = new StringBuilder();
        value(sb, v);
        return sb.toString();
    }

    static void value(StringBuilder sb, Value v) {
        // (pattern matching in switch is only a preview in Java 17)
        if (v instanceof Value.Int i) {
            sb.append(i.value());
        } else if (v instanceof Value.UInt u) {
            sb.append(Long.toUnsignedString(u.bits()));
        } else if (v instanceof Value.Bool b) {
            sb.append(b.value());
        } else if (v instanceof Value.Text t) {
            string(sb, t.value());
        } else if (v instanceof Value.Float f) {
            number(sb, f.value());
        } else if (v instanceof Value.Histogram h) {
            histogram(sb, h);
        } else {
            throw new IllegalArgumentException("unknown value " + v);
        }
    }

    /** {"count": C, "sum": S, "buckets": [{"le": b, "count": c}, ...]}, counts cumulative (spec/v2.md). */
    static void histogram(StringBuilder sb, Value.Histogram h) {
        sb.append("{\"count\": ").append(Long.toUnsignedString(h.count())).append(", \"sum\": ");
        number(sb, h.sum());
        sb.append(", \"buckets\": [");
        for (int i = 0; i < h.buckets().size(); i++) {
            Value.Bucket b = h.buckets().get(i);
            sb.append(i == 0 ? "{\"le\": " : ", {\"le\": ");
            number(sb, b.le());
            sb.append(", \"count\": ").append(Long.toUnsignedString(b.count())).append('}');
        }
        sb.append("]}");
    }

    static void number(StringBuilder sb, double d) {
        if (Double.isNaN(d)) {
            sb.append("\"NaN\"");
        } else if (Double.isInfinite(d)) {
            sb.append(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        } else {
            sb.append(FloatText.repr(d));
        }
    }

    /** A JSON string; non-ASCII characters are written as they are (the output is UTF-8). */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !validSurrogateAt(s, i)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static boolean validSurrogateAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
