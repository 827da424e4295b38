package dev.mmstats.writer.v1;

import java.nio.ByteBuffer;

/** A binary32 (f) or binary64 (d) field. */
public final class FloatSlot extends Slot {
    private double value;

    FloatSlot(ByteBuffer map, Layout.Placed placed) {
        super(map, placed);
    }

    /**
     * Stores {@code v}; an f field stores it rounded to binary32 (to nearest, ties to even), so values too
     * large become infinities. NaN bits are stored as they are.
     */
    public void set(double v) {
        long bits = size == 4 ? Float.floatToRawIntBits((float) v) : Double.doubleToRawLongBits(v);
        putBits(beginStore(), bits);
        endStore();
        value = size == 4 ? (float) v : v;
    }

    public double get() {
        return value;
    }
}
