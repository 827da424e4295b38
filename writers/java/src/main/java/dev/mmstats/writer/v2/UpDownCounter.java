package dev.mmstats.writer.v2;

/** An i64 up-down counter: a total that grows and shrinks by additions, wrapping modulo 2^64. */
public final class UpDownCounter extends SlottedWord {
    UpDownCounter(MmStats.Placement p) {
        super(p);
    }

    public void inc() {
        addBits(1);
    }

    public void dec() {
        addBits(-1);
    }

    public void add(long n) {
        addBits(n);
    }
}
