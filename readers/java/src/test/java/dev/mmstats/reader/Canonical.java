package dev.mmstats.reader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The spec's comparison of canonical objects ("Comparing canonical forms"), written independently of the
 * code under test: both sides are parsed JSON; path is ignored; floats compare bit for bit except NaN.
 */
final class Canonical {
    private Canonical() {
    }

    /** Path-level differences, empty when equal. */
    @SuppressWarnings("unchecked")
    static List<String> diff(Map<String, Object> want, Map<String, Object> got) {
        List<String> out = new ArrayList<>();
        if (!(got.get("format_version") instanceof Json.Num n && n.isInteger()
                && n.integer().equals(((Json.Num) want.get("format_version")).integer()))) {
            out.add("format_version: want " + want.get("format_version") + ", got " + got.get("format_version"));
        }
        List<Object> wf = (List<Object>) want.get("fields");
        List<Object> gf = (List<Object>) got.get("fields");
        if (gf == null) {
            out.add("fields: missing");
            return out;
        }
        if (wf.size() != gf.size()) {
            out.add("fields: want " + wf.size() + ", got " + gf.size());
        }
        for (int k = 0; k < Math.min(wf.size(), gf.size()); k++) {
            Map<String, Object> w = (Map<String, Object>) wf.get(k);
            Map<String, Object> g = (Map<String, Object>) gf.get(k);
            for (String key : List.of("label", "type", "buffered")) {
                if (!w.get(key).equals(g.get(key))) {
                    out.add("fields[" + k + "]." + key + ": want " + w.get(key) + ", got " + g.get(key));
                }
            }
            String type = (String) w.get("type");
            if (!valueEquals(type, w.get("value"), g.get("value"))) {
                out.add("fields[" + k + "].value (" + w.get("label") + ", " + type + "): want " + w.get("value")
                        + ", got " + g.get("value"));
            }
        }
        return out;
    }

    static boolean valueEquals(String type, Object want, Object got) {
        switch (type) {
            case "b", "B", "h", "H", "i", "I", "q", "Q":
                return want instanceof Json.Num w && got instanceof Json.Num g && w.isInteger() && g.isInteger()
                        && w.integer().equals(g.integer());
            case "f", "d":
                Double w = asDouble(want);
                Double g = asDouble(got);
                if (w == null || g == null) {
                    return false;
                }
                return Double.isNaN(w) ? Double.isNaN(g)
                        : Double.doubleToRawLongBits(w) == Double.doubleToRawLongBits(g);
            case "?":
                return want instanceof Boolean && want.equals(got);
            default:
                return want instanceof String && want.equals(got);
        }
    }

    private static Double asDouble(Object v) {
        if (v instanceof Json.Num n) {
            return n.toDouble();
        }
        if ("NaN".equals(v)) {
            return Double.NaN;
        }
        if ("Infinity".equals(v)) {
            return Double.POSITIVE_INFINITY;
        }
        if ("-Infinity".equals(v)) {
            return Double.NEGATIVE_INFINITY;
        }
        return null;
    }
}
