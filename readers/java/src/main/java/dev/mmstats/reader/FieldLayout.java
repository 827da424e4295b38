package dev.mmstats.reader;

/**
 * Where one field lives in its file. Offsets are absolute; {@code valueOffset} is value[0] of a
 * buffered record. Fixed when the file is created, so it can be reused for every later read.
 */
public record FieldLayout(String label, TypeSpec type, boolean buffered, int offset, int writeBufferOffset,
                          int valueOffset) {

    /** Bytes of the value area: one value, or two when buffered. */
    public int valueAreaSize() {
        return buffered ? 2 * type.size() : type.size();
    }

    /** One past the last byte of the record. */
    public int end() {
        return valueOffset + valueAreaSize();
    }
}
