package dev.mmstats.writer.v2;

/** An f64 up-down counter: a total that grows and shrinks by additions. */
public final class DoubleUpDownCounter extends SlottedWord {
    DoubleUpDownCounter(MmStats.Placement p) {
        super(p);
    }

    public void add(double n) {
        addDouble(n);
    }
}
