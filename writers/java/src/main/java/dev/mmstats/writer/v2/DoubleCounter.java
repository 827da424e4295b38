package dev.mmstats.writer.v2;

/** An f64 counter: a total that only grows (seconds of CPU time, say). */
public final class DoubleCounter extends SlottedWord {
    DoubleCounter(MmStats.Placement p) {
        super(p);
    }

    /** @throws IllegalArgumentException when {@code n} is negative or NaN (a counter only grows) */
    public void add(double n) {
        if (!(n >= 0)) {
            throw new IllegalArgumentException("a counter only grows; cannot add " + n);
        }
        addDouble(n);
    }
}
