package dev.mmstats.reader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The comparison of version 2 canonical objects (spec/v2.md, "Canonical decoded form"), written independently
 * of the code under test: both sides are parsed JSON; path is ignored; integers exact, floats bit for bit
 * (all NaNs equal), attributes as objects.
 */
final class CanonicalV2 {
    private static final List<String> HEADER_INTEGERS = List.of("format_version", "minor", "pid", "start_ticks",
            "created_unix_ns", "heartbeat_unix_ns", "heartbeat_interval_ms", "overflow_count");
    private static final List<String> FIELD_TEXTS = List.of("label", "kind", "type", "unit", "help");

    private CanonicalV2() {
    }

    /** Differences, empty when equal. */
    @SuppressWarnings("unchecked")
    static List<String> diff(Map<String, Object> want, Map<String, Object> got) {
        List<String> out = new ArrayList<>();
        for (String k : HEADER_INTEGERS) {
            if (!integerEquals(want.get(k), got.get(k))) {
                out.add(k + ": want " + want.get(k) + ", got " + got.get(k));
            }
        }
        if (!want.get("state").equals(got.get("state"))) {
            out.add("state: want " + want.get("state") + ", got " + got.get("state"));
        }
        List<Object> wf = (List<Object>) want.get("fields");
        List<Object> gf = (List<Object>) got.get("fields");
        if (gf == null || wf.size() != gf.size()) {
            out.add("fields: want " + wf.size() + ", got " + (gf == null ? "none" : gf.size()));
            return out;
        }
        for (int i = 0; i < wf.size(); i++) {
            Map<String, Object> w = (Map<String, Object>) wf.get(i);
            Map<String, Object> g = (Map<String, Object>) gf.get(i);
            for (String k : FIELD_TEXTS) {
                if (!w.get(k).equals(g.get(k))) {
                    out.add("fields[" + i + "]." + k + ": want " + w.get(k) + ", got " + g.get(k));
                }
            }
            if (!w.get("attributes").equals(g.get("attributes"))) { // maps: member order does not matter
                out.add("fields[" + i + "].attributes: want " + w.get("attributes") + ", got " + g.get("attributes"));
            }
            if (!valueEquals((String) w.get("kind"), (String) w.get("type"), w.get("value"), g.get("value"))) {
                out.add("fields[" + i + "].value (" + w.get("label") + "): want " + w.get("value") + ", got "
                        + g.get("value"));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static boolean valueEquals(String kind, String type, Object want, Object got) {
        if (want == null || got == null) {
            return want == got;
        }
        if (kind.equals("histogram")) {
            if (!(want instanceof Map && got instanceof Map)) {
                return false;
            }
            Map<String, Object> w = (Map<String, Object>) want;
            Map<String, Object> g = (Map<String, Object>) got;
            List<Object> wb = (List<Object>) w.get("buckets");
            List<Object> gb = (List<Object>) g.get("buckets");
            if (!integerEquals(w.get("count"), g.get("count")) || !floatEquals(w.get("sum"), g.get("sum"))
                    || gb == null || wb.size() != gb.size() || g.size() != 3) {
                return false;
            }
            for (int i = 0; i < wb.size(); i++) {
                Map<String, Object> x = (Map<String, Object>) wb.get(i);
                Map<String, Object> y = (Map<String, Object>) gb.get(i);
                if (!floatEquals(x.get("le"), y.get("le")) || !integerEquals(x.get("count"), y.get("count"))) {
                    return false;
                }
            }
            return true;
        }
        return switch (type) {
            case "u64", "i64" -> integerEquals(want, got);
            case "f64" -> floatEquals(want, got);
            default -> want instanceof String && want.equals(got);
        };
    }

    static boolean integerEquals(Object want, Object got) {
        return want instanceof Json.Num w && got instanceof Json.Num g && w.isInteger() && g.isInteger()
                && w.integer().equals(g.integer());
    }

    static boolean floatEquals(Object want, Object got) {
        Double w = asDouble(want);
        Double g = asDouble(got);
        if (w == null || g == null) {
            return false;
        }
        return Double.isNaN(w) ? Double.isNaN(g) : Double.doubleToRawLongBits(w) == Double.doubleToRawLongBits(g);
    }

    private static Double asDouble(Object v) {
        if (v instanceof Json.Num n) {
            return n.toDouble();
        }
        return switch (String.valueOf(v)) {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> null;
        };
    }
}
