package dev.mmstats.writer.v1;

import dev.mmstats.reader.TypeSpec;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A handle on one field of a mapped file: what the hot path uses. Each slot has one writer thread.
 *
 * <p>An update of a buffered field follows the spec's "Updating a buffered value": a release fence, the
 * new value into value[wb] (the copy readers are not reading), then the write-buffer byte wb ^ 1 behind a
 * second release fence. A fence followed by a plain store orders like a release store of that byte; the
 * JDK has no byte view VarHandle over a ByteBuffer that could {@code setRelease} a single byte.
 * The slot keeps its own copy of wb and of the value, so nothing is loaded back from the map.
 */
public abstract sealed class Slot permits IntSlot, FloatSlot, BoolSlot, TextSlot {
    // Plain (unaligned) little-endian stores of 2, 4 and 8 bytes into the mapping.
    static final VarHandle SHORT = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    final ByteBuffer map;
    final FieldSpec spec;
    final boolean buffered;
    final int size;
    final int writeBufferAt;
    final int valueAt;
    int wb; // the writer's copy of write_buffer: the index written next (0 for a new file)

    Slot(ByteBuffer map, Layout.Placed placed) {
        this.map = map;
        this.spec = placed.spec();
        this.buffered = spec.buffered();
        this.size = spec.type().size();
        this.writeBufferAt = placed.writeBufferOffset();
        this.valueAt = placed.valueOffset();
    }

    static Slot of(ByteBuffer map, Layout.Placed placed) {
        return switch (placed.spec().type().kind()) {
            case SIGNED_INT, UNSIGNED_INT -> new IntSlot(map, placed);
            case FLOAT -> new FloatSlot(map, placed);
            case BOOL -> new BoolSlot(map, placed);
            case STRING -> new TextSlot(map, placed);
        };
    }

    public String label() {
        return spec.label();
    }

    public TypeSpec type() {
        return spec.type();
    }

    public boolean buffered() {
        return buffered;
    }

    /** The write-buffer byte as this writer last stored it (0 or 1; meaningless when unbuffered). */
    public int writeBuffer() {
        return wb;
    }

    /** Where this update's bytes go: value[wb] after a release fence when buffered, else the value. */
    final int beginStore() {
        if (!buffered) {
            return valueAt;
        }
        // Orders the previous flip of this record before the bytes of this update.
        VarHandle.releaseFence();
        return valueAt + wb * size;
    }

    /** Publishes the update of a buffered field: wb ^ 1 behind a release fence. */
    final void endStore() {
        if (buffered) {
            int next = wb ^ 1;
            wb = next;
            VarHandle.releaseFence();
            map.put(writeBufferAt, (byte) next);
        }
    }

    /** The low {@code size} bytes of {@code bits}, little-endian, at {@code at}. */
    final void putBits(int at, long bits) {
        switch (size) {
            case 1 -> map.put(at, (byte) bits);
            case 2 -> SHORT.set(map, at, (short) bits);
            case 4 -> INT.set(map, at, (int) bits);
            default -> LONG.set(map, at, bits);
        }
    }
}
