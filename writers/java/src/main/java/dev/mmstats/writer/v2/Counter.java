package dev.mmstats.writer.v2;

/** A u64 counter: a total that only grows, wrapping modulo 2^64. */
public final class Counter extends SlottedWord {
    Counter(MmStats.Placement p) {
        super(p);
    }

    public void inc() {
        addBits(1);
    }

    /** @throws IllegalArgumentException when {@code n} is negative (a counter only grows) */
    public void add(long n) {
        if (n < 0) {
            throw negative(n);
        }
        addBits(n);
    }

    /** Kept out of {@link #add(long)}, so that the hot path stays small enough to inline. */
    private static IllegalArgumentException negative(long n) {
        return new IllegalArgumentException("a counter only grows; use an up-down counter to add " + n);
    }

    /** Adds {@code n} read as unsigned, 0 to 2^64 - 1 (past 2^63 - 1 Java's long is negative). */
    public void addUnsigned(long n) {
        addBits(n);
    }
}
