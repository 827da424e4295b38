package dev.mmstats.writer.v2;

/** An f64 gauge: one copy, the last set wins. NaN, the infinities and -0.0 are stored as given. */
public final class DoubleGauge {
    private final long at;

    DoubleGauge(MmStats.Placement p) {
        this.at = p.address() + p.at();
    }

    /** One 8-byte (release) store of the bits of {@code value}. */
    public void set(double value) {
        Memory.storeRelease(at, Double.doubleToRawLongBits(value));
    }

    /** An atomic add (a compare-and-swap loop): safe from any number of threads. */
    public void add(double n) {
        long old;
        do {
            old = Memory.loadAcquire(at);
        } while (!Memory.compareAndSet(at, old, Double.doubleToRawLongBits(Double.longBitsToDouble(old) + n)));
    }
}
