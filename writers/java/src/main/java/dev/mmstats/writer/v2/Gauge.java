package dev.mmstats.writer.v2;

import java.nio.ByteBuffer;

/** A 64-bit integer gauge (i64, or u64 from {@link MmStats#unsignedGauge}): one copy, the last set wins. */
public final class Gauge {
    private final ByteBuffer buf;
    private final int at;

    Gauge(MmStats.Placement p) {
        this.buf = p.buffer();
        this.at = p.at();
    }

    /** One opaque 8-byte store. */
    public void set(long value) {
        Words.LONG.setOpaque(buf, at, value);
    }

    /** An atomic add, modulo 2^64: safe from any number of threads. */
    public void add(long n) {
        Words.LONG.getAndAdd(buf, at, n);
    }
}
