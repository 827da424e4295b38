package dev.mmstats.writer.v2;

import dev.mmstats.reader.FormatV2;
import dev.mmstats.reader.FormatV2.Kind;
import dev.mmstats.reader.FormatV2.ValueType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The description of one field: help, unit (UCUM, e.g. "ms", "By", "{request}") and key=value attributes;
 * {@link #register()} adds it to the file and returns its handle. Keep the handle: registering the same
 * name and attributes again adds a second field.
 *
 * @param <T> the handle type (Void for a constant)
 */
public final class FieldBuilder<T> {
    private final MmStats stats;
    private final String name;
    private final Function<MmStats.Placement, T> handle;
    private final Kind kind;
    private final ValueType type;
    private final Map<String, String> attributes = new LinkedHashMap<>();
    private String help = "";
    private String unit = "";
    private double[] bounds = new double[0];
    private long valueSize = FormatV2.WORD;
    private byte[] initial;

    FieldBuilder(MmStats stats, String name, Function<MmStats.Placement, T> handle, Kind kind, ValueType type) {
        this.stats = stats;
        this.name = name;
        this.handle = handle;
        this.kind = kind;
        this.type = type;
    }

    /** One line of text saying what the field is. */
    public FieldBuilder<T> help(String help) {
        this.help = help;
        return this;
    }

    /** The UCUM unit: printable ASCII without spaces, at most 63 bytes. */
    public FieldBuilder<T> unit(String unit) {
        this.unit = unit;
        return this;
    }

    /** Adds (or replaces) the attribute {@code key}. */
    public FieldBuilder<T> attribute(String key, String value) {
        attributes.put(key, value);
        return this;
    }

    public FieldBuilder<T> attributes(Map<String, String> attributes) {
        this.attributes.putAll(attributes);
        return this;
    }

    FieldBuilder<T> bounds(double[] bounds) {
        this.bounds = bounds;
        return this;
    }

    FieldBuilder<T> valueSize(long valueSize) {
        this.valueSize = valueSize;
        return this;
    }

    FieldBuilder<T> initial(byte[] initial) {
        this.initial = initial;
        return this;
    }

    /**
     * Publishes the field and returns its handle. When the file is full the handle works but the field is not
     * in the file (overflow_count counts it).
     *
     * @throws IllegalArgumentException for a bad name, unit, help or attribute
     * @throws IllegalStateException when the file is closed
     */
    public T register() {
        Entry entry = Entry.of(kind, type, name, unit, help, attributes, bounds, valueSize);
        return handle.apply(stats.add(entry, initial));
    }
}
