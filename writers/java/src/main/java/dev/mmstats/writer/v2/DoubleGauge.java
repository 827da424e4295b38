package dev.mmstats.writer.v2;

import java.nio.ByteBuffer;

/** An f64 gauge: one copy, the last set wins. NaN, the infinities and -0.0 are stored as given. */
public final class DoubleGauge {
    private final ByteBuffer buf;
    private final int at;

    DoubleGauge(MmStats.Placement p) {
        this.buf = p.buffer();
        this.at = p.at();
    }

    /** One opaque 8-byte store of the bits of {@code value}. */
    public void set(double value) {
        Words.LONG.setOpaque(buf, at, Double.doubleToRawLongBits(value));
    }

    /** An atomic add (a compare-and-swap loop): safe from any number of threads. */
    public void add(double n) {
        long old;
        do {
            old = (long) Words.LONG.getOpaque(buf, at);
        } while (!Words.LONG.weakCompareAndSet(buf, at, old, Double.doubleToRawLongBits(Double.longBitsToDouble(old) + n)));
    }
}
