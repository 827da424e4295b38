package dev.mmstats.writer.v2;

import dev.mmstats.writer.Json;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A version 2 writer scenario (conformance/v2/writer-scenarios/*.json): a file with exactly the given
 * capacities, the fields added in order (one the file has no room for is counted in overflow_count and its
 * updates go nowhere visible), the updates applied from one thread, then the file closed and kept. Every value
 * is checked against its field before the file is created.
 */
public final class ScenarioV2 {

    /** A scenario that cannot be applied: what is wrong and where in the JSON. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    private record Field(String kind, String type, String label, String unit, String help,
                         Map<String, String> attributes, double[] bounds, int capacity, Object value) {
    }

    private record Update(int field, String op, Object value) {
    }

    private final int[] capacities;
    private final List<Field> fields;
    private final List<Update> updates;

    private ScenarioV2(int[] capacities, List<Field> fields, List<Update> updates) {
        this.capacities = capacities;
        this.fields = fields;
        this.updates = updates;
    }

    /** The scenario in a parsed JSON document (its "format_version" is 2). */
    public static ScenarioV2 of(Map<String, Object> top) throws Invalid {
        Map<String, Object> caps = object(top.get("capacities"), "capacities");
        int[] capacities = new int[4];
        String[] names = {"meta_capacity", "process_capacity", "slot_size", "slot_count"};
        for (int i = 0; i < 4; i++) {
            capacities[i] = size(caps.get(names[i]), "capacities." + names[i]);
        }
        List<Field> fields = new ArrayList<>();
        List<Object> raw = array(top.get("fields"), "fields");
        for (int k = 0; k < raw.size(); k++) {
            fields.add(field(object(raw.get(k), "fields[" + k + "]"), "fields[" + k + "]"));
        }
        List<Update> updates = new ArrayList<>();
        Object rawUpdates = top.get("updates");
        List<Object> ups = rawUpdates == null ? List.of() : array(rawUpdates, "updates");
        for (int k = 0; k < ups.size(); k++) {
            String where = "updates[" + k + "]";
            Map<String, Object> u = object(ups.get(k), where);
            BigInteger index = integer(u.get("field"), where + ".field");
            if (index.signum() < 0 || index.compareTo(BigInteger.valueOf(fields.size())) >= 0) {
                throw new Invalid(where + ".field: no field " + index);
            }
            Field f = fields.get(index.intValue());
            String op = string(u.get("op"), where + ".op");
            String want = switch (f.kind) {
                case "counter", "updown_counter" -> "add";
                case "gauge" -> op.equals("add") ? "add" : "set";
                case "string" -> "set";
                case "histogram" -> "observe";
                default -> "(none: a constant never changes)";
            };
            if (!op.equals(want)) {
                throw new Invalid(where + ".op: a " + f.kind + " takes " + want + ", not " + op);
            }
            String type = f.kind.equals("histogram") ? "f64" : f.type;
            updates.add(new Update(index.intValue(), op, value(type, u.get("value"), where + ".value")));
        }
        return new ScenarioV2(capacities, fields, updates);
    }

    private static Field field(Map<String, Object> f, String where) throws Invalid {
        String kind = string(f.get("kind"), where + ".kind");
        String type = string(f.get("type"), where + ".type");
        Map<String, String> attributes = new LinkedHashMap<>();
        Object rawAttributes = f.get("attributes");
        if (rawAttributes != null) {
            for (Map.Entry<String, Object> kv : object(rawAttributes, where + ".attributes").entrySet()) {
                attributes.put(kv.getKey(), string(kv.getValue(), where + ".attributes." + kv.getKey()));
            }
        }
        double[] bounds = new double[0];
        if (kind.equals("histogram")) {
            List<Object> b = array(f.get("bounds"), where + ".bounds");
            bounds = new double[b.size()];
            for (int i = 0; i < bounds.length; i++) {
                bounds[i] = (Double) value("f64", b.get(i), where + ".bounds[" + i + "]");
            }
        }
        int capacity = -1;
        if (f.get("capacity") != null) {
            capacity = size(f.get("capacity"), where + ".capacity");
        } else if (kind.equals("string")) {
            throw new Invalid(where + ".capacity: a string needs one");
        }
        Object value = null;
        if (kind.equals("constant") || (kind.equals("string") && f.containsKey("value"))) {
            value = value(type, f.get("value"), where + ".value");
        }
        return new Field(kind, type, string(f.get("label"), where + ".label"), optional(f, "unit", where),
                optional(f, "help", where), attributes, bounds, capacity, value);
    }

    /** A JSON value as a field of {@code type} takes it: Long (bits, modulo 2^64), Double or String. */
    private static Object value(String type, Object v, String where) throws Invalid {
        switch (type) {
            case "u64", "i64" -> {
                return integer(v, where).longValue(); // the low 64 bits: the value modulo 2^64
            }
            case "f64" -> {
                if (v instanceof Json.Num n) {
                    return n.toDouble();
                }
                if (v instanceof String s) {
                    switch (s) {
                        case "NaN": return Double.NaN;
                        case "Infinity": return Double.POSITIVE_INFINITY;
                        case "-Infinity": return Double.NEGATIVE_INFINITY;
                        default: break;
                    }
                }
                throw new Invalid(where + ": f64 wants a JSON number or \"NaN\", \"Infinity\", \"-Infinity\"");
            }
            case "utf8" -> {
                return string(v, where);
            }
            default -> throw new Invalid(where + ": unknown value type '" + type + "'");
        }
    }

    /** Creates {@code out} (which must not exist), applies the scenario, closes the file and keeps it. */
    public void writeTo(Path out) throws IOException {
        MmStats stats = MmStats.builder().path(out).capacities(capacities[0], capacities[1], capacities[2],
                capacities[3]).keep(true).closeAtExit(false).build();
        try {
            List<Consumer<Object>> handles = new ArrayList<>();
            for (Field f : fields) {
                handles.add(register(stats, f));
            }
            for (Update u : updates) {
                handles.get(u.field).accept(u.value);
            }
        } catch (RuntimeException e) {
            stats.close();
            Files.deleteIfExists(out); // a bad field: no file left behind
            throw e;
        }
        stats.close();
    }

    private static Consumer<Object> register(MmStats s, Field f) {
        String n = f.label;
        switch (f.kind + " " + f.type) {
            case "counter u64": {
                Counter c = common(s.counter(n), f).register();
                return v -> c.addUnsigned((Long) v);
            }
            case "counter f64": {
                DoubleCounter c = common(s.doubleCounter(n), f).register();
                return v -> c.add((Double) v);
            }
            case "updown_counter i64": {
                UpDownCounter c = common(s.upDownCounter(n), f).register();
                return v -> c.add((Long) v);
            }
            case "updown_counter f64": {
                DoubleUpDownCounter c = common(s.doubleUpDownCounter(n), f).register();
                return v -> c.add((Double) v);
            }
            case "gauge i64", "gauge u64": {
                Gauge g = common(f.type.equals("i64") ? s.gauge(n) : s.unsignedGauge(n), f).register();
                return v -> g.set((Long) v);
            }
            case "gauge f64": {
                DoubleGauge g = common(s.doubleGauge(n), f).register();
                return v -> g.set((Double) v);
            }
            case "string utf8": {
                Text t = common(s.string(n, f.capacity, f.value == null ? "" : (String) f.value), f).register();
                return v -> t.set((String) v);
            }
            case "histogram f64": {
                Histogram h = common(s.histogram(n, f.bounds), f).register();
                return v -> h.observe((Double) v);
            }
            case "constant i64":
                common(s.constant(n, (Long) f.value), f).register();
                return null;
            case "constant u64":
                common(s.unsignedConstant(n, (Long) f.value), f).register();
                return null;
            case "constant f64":
                common(s.constant(n, (Double) f.value), f).register();
                return null;
            case "constant utf8":
                String text = (String) f.value;
                common(f.capacity < 0 ? s.constant(n, text) : s.constantText(n, text, f.capacity), f).register();
                return null;
            default:
                throw new IllegalArgumentException(n + ": no " + f.kind + " of type " + f.type);
        }
    }

    private static <T> FieldBuilder<T> common(FieldBuilder<T> b, Field f) {
        return b.help(f.help).unit(f.unit).attributes(f.attributes);
    }

    private static String optional(Map<String, Object> f, String key, String where) throws Invalid {
        Object v = f.get(key);
        return v == null ? "" : string(v, where + "." + key);
    }

    /** A JSON integer from 0 to 2^31 - 1. */
    private static int size(Object v, String where) throws Invalid {
        BigInteger n = integer(v, where);
        if (n.signum() < 0 || n.bitLength() > 31) {
            throw new Invalid(where + ": want 0 to " + Integer.MAX_VALUE + ", not " + n);
        }
        return n.intValue();
    }

    private static BigInteger integer(Object v, String where) throws Invalid {
        if (v instanceof Json.Num n && n.isInteger()) {
            return n.integer();
        }
        throw new Invalid(where + ": want a JSON integer");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String where) throws Invalid {
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new Invalid(where + ": want a JSON object");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> array(Object v, String where) throws Invalid {
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new Invalid(where + ": want a JSON array");
    }

    private static String string(Object v, String where) throws Invalid {
        if (v instanceof String s) {
            return s;
        }
        throw new Invalid(where + ": want a JSON string");
    }
}
