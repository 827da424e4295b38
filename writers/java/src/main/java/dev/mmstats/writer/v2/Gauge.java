package dev.mmstats.writer.v2;

/** A 64-bit integer gauge (i64, or u64 from {@link MmStats#unsignedGauge}): one copy, the last set wins. */
public final class Gauge {
    private final long at;

    Gauge(MmStats.Placement p) {
        this.at = p.address() + p.at();
    }

    /** One 8-byte (release) store. */
    public void set(long value) {
        Memory.storeRelease(at, value);
    }

    /** An atomic add, modulo 2^64: safe from any number of threads. */
    public void add(long n) {
        Memory.getAndAdd(at, n);
    }
}
