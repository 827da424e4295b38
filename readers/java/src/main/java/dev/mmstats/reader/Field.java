package dev.mmstats.reader;

/** One field as a reader returns it: label, type signature as stored, whether buffered, and its value. */
public record Field(String label, String type, boolean buffered, Value value) {
}
