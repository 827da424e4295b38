package dev.mmstats.writer.v1;

import dev.mmstats.writer.Json;
import dev.mmstats.reader.TypeSpec;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A writer scenario (conformance/writer-scenarios/*.json): fields in file order, then updates applied in
 * order, each one set(). Every update is checked against its field's type before any file is created.
 * Unknown members ({@code id}, {@code description}, {@code expect}, ...) are ignored.
 */
public final class Scenario {

    /** A scenario that cannot be applied: what is wrong, and where in the JSON when known. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    /** One checked update: the field's index and its value converted for that field's slot. */
    record Update(int field, Object value) {
    }

    private final List<FieldSpec> fields;
    private final List<Update> updates;

    private Scenario(List<FieldSpec> fields, List<Update> updates) {
        this.fields = List.copyOf(fields);
        this.updates = List.copyOf(updates);
    }

    public List<FieldSpec> fields() {
        return fields;
    }

    public int updateCount() {
        return updates.size();
    }

    /** Parses and checks a scenario's JSON text. */
    public static Scenario parse(String text) throws Invalid {
        Object root;
        try {
            root = Json.parse(text);
        } catch (Json.ParseException e) {
            throw new Invalid(Json.where(text, e.offset()) + ": " + e.getMessage());
        }
        Map<String, Object> top = object(root, "the scenario");
        List<Object> rawFields = array(top.get("fields"), "\"fields\"");
        List<FieldSpec> fields = new ArrayList<>();
        Map<String, Integer> index = new HashMap<>();
        for (int k = 0; k < rawFields.size(); k++) {
            String where = "fields[" + k + "]";
            Map<String, Object> f = object(rawFields.get(k), where);
            String label = string(f.get("label"), where + ".label");
            String type = string(f.get("type"), where + ".type");
            if (!(f.get("buffered") instanceof Boolean buffered)) {
                throw new Invalid(where + ".buffered: want true or false");
            }
            FieldSpec spec;
            try {
                spec = new FieldSpec(label, type, buffered);
            } catch (IllegalArgumentException e) {
                throw new Invalid(where + ": " + e.getMessage());
            }
            if (index.put(label, k) != null) {
                throw new Invalid(where + ": label '" + label + "' is used twice");
            }
            fields.add(spec);
        }
        List<Update> updates = new ArrayList<>();
        Object rawUpdates = top.get("updates");
        List<Object> ups = rawUpdates == null ? List.of() : array(rawUpdates, "\"updates\"");
        for (int k = 0; k < ups.size(); k++) {
            String where = "updates[" + k + "]";
            Map<String, Object> u = object(ups.get(k), where);
            String label = string(u.get("field"), where + ".field");
            Integer at = index.get(label);
            if (at == null) {
                throw new Invalid(where + ".field: no field labelled '" + label + "'");
            }
            if (!u.containsKey("value")) {
                throw new Invalid(where + ": no \"value\"");
            }
            updates.add(new Update(at, convert(fields.get(at).type(), u.get("value"), where + ".value")));
        }
        return new Scenario(fields, updates);
    }

    /**
     * A JSON value as the slot of {@code type} takes it: integers as BigInteger (wrapped when stored),
     * floats as Double (a JSON number, or "NaN", "Infinity", "-Infinity"), bools as Boolean (an integer
     * counts as true when not 0), strings as String. Any other pairing is refused.
     */
    static Object convert(TypeSpec type, Object v, String where) throws Invalid {
        switch (type.kind()) {
            case SIGNED_INT, UNSIGNED_INT -> {
                if (v instanceof Json.Num n && n.isInteger()) {
                    return n.integer();
                }
                throw new Invalid(where + ": " + type.signature() + " wants a JSON integer, not " + describe(v));
            }
            case FLOAT -> {
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
                throw new Invalid(where + ": " + type.signature() + " wants a JSON number or \"NaN\", \"Infinity\", "
                        + "\"-Infinity\", not " + describe(v));
            }
            case BOOL -> {
                if (v instanceof Boolean b) {
                    return b;
                }
                if (v instanceof Json.Num n && n.isInteger()) {
                    return n.integer().signum() != 0;
                }
                throw new Invalid(where + ": ? wants true or false, not " + describe(v));
            }
            default -> {
                if (v instanceof String s) {
                    if (hasUnpairedSurrogate(s)) {
                        throw new Invalid(where + ": text with an unpaired surrogate has no UTF-8 form");
                    }
                    return s;
                }
                throw new Invalid(where + ": " + type.signature() + " wants a JSON string, not " + describe(v));
            }
        }
    }

    private static boolean hasUnpairedSurrogate(String s) {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (Character.isHighSurrogate(c) && k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1))) {
                k++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** Creates {@code out} (which must not exist) and applies every update as one set(). */
    public void writeTo(Path out) throws IOException {
        try (MmstatsFile file = MmstatsFile.create(out, fields)) {
            apply(file);
        }
    }

    /** Applies every update, in order, to a file made from {@link #fields()}. */
    public void apply(MmstatsFile file) {
        List<Slot> slots = file.slots();
        for (Update u : updates) {
            Slot s = slots.get(u.field());
            if (s instanceof IntSlot i) {
                i.set((BigInteger) u.value());
            } else if (s instanceof FloatSlot f) {
                f.set((Double) u.value());
            } else if (s instanceof BoolSlot b) {
                b.set((Boolean) u.value());
            } else {
                ((TextSlot) s).set((String) u.value());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String what) throws Invalid {
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new Invalid(what + ": want a JSON object, not " + describe(v));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> array(Object v, String what) throws Invalid {
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new Invalid(what + ": want a JSON array, not " + describe(v));
    }

    private static String string(Object v, String what) throws Invalid {
        if (v instanceof String s) {
            return s;
        }
        throw new Invalid(what + ": want a JSON string, not " + describe(v));
    }

    private static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        if (v instanceof Json.Num n) {
            return "the number " + n.text();
        }
        if (v instanceof Boolean) {
            return v.toString();
        }
        return v instanceof Map ? "an object" : "an array";
    }
}
