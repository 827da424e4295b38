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

    /**
     * The calling thread's copy of this counter, found once (its slot is taken now if it has none): for a loop
     * that updates one counter from one thread. Only the calling thread may use the handle, for as long as it
     * lives; with assertions enabled ({@code -ea}) any other thread's update fails with an AssertionError.
     */
    public Local local() {
        return new Local(own(), shared, Thread.currentThread());
    }

    /**
     * A counter's copy of one thread, its address in a final field: an update is a load of that field, a load
     * and a release store of the copy, with no lookup of the thread (which {@link Counter#inc()} pays on every
     * call). A thread without a slot of its own adds to the shared copy atomically, as the counter does.
     *
     * <p>Confined to the thread that made it: from another thread the load and store would race with the owner's
     * (lost updates, a total that goes back), and once the owner has ended its slot may be another thread's.
     * Checking the thread on every call would cost what the handle saves, so the check is an {@code assert}.
     */
    public static final class Local {
        private final long at;       // the owner's copy, or -1: the shared copy
        private final long shared;
        private final Thread owner;

        private Local(long at, long shared, Thread owner) {
            this.at = at;
            this.shared = shared;
            this.owner = owner;
        }

        public void inc() {
            update(1);
        }

        /** @throws IllegalArgumentException when {@code n} is negative (a counter only grows) */
        public void add(long n) {
            if (n < 0) {
                throw negative(n);
            }
            update(n);
        }

        /** Adds {@code n} read as unsigned, 0 to 2^64 - 1. */
        public void addUnsigned(long n) {
            update(n);
        }

        private void update(long n) {
            assert Thread.currentThread() == owner : misuse(owner);
            addBits(at, shared, n);
        }

        private static String misuse(Thread owner) {
            return "Counter.Local made by thread \"" + owner.getName() + "\" used by thread \""
                    + Thread.currentThread().getName() + "\"; call local() in each thread";
        }
    }
}
