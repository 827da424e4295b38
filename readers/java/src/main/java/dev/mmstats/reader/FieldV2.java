package dev.mmstats.reader;

/** One version 2 field as a reader returns it: its metadata and its value (null: no consistent value). */
public record FieldV2(LayoutV2.Entry entry, Value value) {
}
