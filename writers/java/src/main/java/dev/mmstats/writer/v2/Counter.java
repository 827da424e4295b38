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
        long at = own();
        return at >= 0 ? new OwnCopy(at) : new SharedCopy(shared);
    }

    /**
     * A counter's copy of one thread, its address in a final field: an update is a load of that field, a load
     * and a release store of the copy, with no lookup of the thread (which {@link Counter#inc()} pays on every
     * call). A thread without a slot of its own adds to the shared copy atomically, as the counter does. The
     * two are two classes rather than a branch on the address: a call site sees one of them, and the JIT keeps
     * the class check out of its loop (a branch on the field would be evaluated on every call).
     *
     * <p>Confined to the thread that made it: from another thread the load and store would race with the owner's
     * (lost updates, a total that goes back), and once the owner has ended its slot may be another thread's.
     * Checking the thread on every call would cost what the handle saves, so the check is an {@code assert}.
     */
    public abstract static sealed class Local permits OwnCopy, SharedCopy {
        private final Thread owner = Thread.currentThread();

        private Local() {
        }

        public abstract void inc();

        /** @throws IllegalArgumentException when {@code n} is negative (a counter only grows) */
        public final void add(long n) {
            if (n < 0) {
                throw negative(n);
            }
            addUnsigned(n);
        }

        /** Adds {@code n} read as unsigned, 0 to 2^64 - 1. */
        public abstract void addUnsigned(long n);

        /** True on the owner; else an AssertionError naming both threads (called as {@code assert onOwner()}). */
        final boolean onOwner() {
            if (Thread.currentThread() != owner) {
                throw new AssertionError("Counter.Local made by thread \"" + owner.getName() + "\" used by thread \""
                        + Thread.currentThread().getName() + "\"; call local() in each thread");
            }
            return true;
        }
    }

    /** The owner's copy in its thread slot: a load and a release store (spec: "Updating a number"). */
    private static final class OwnCopy extends Local {
        private final long at;

        OwnCopy(long at) {
            this.at = at;
        }

        @Override
        public void inc() {
            assert onOwner();
            Memory.storeRelease(at, Memory.load(at) + 1);
        }

        /**
         * Through {@link SlottedWord#addBits(long, long, long)}, whose shared branch is never taken here: in
         * {@code Bench} this loop measured 1.3x to 1.4x the floor against 1.7x for the store written out as in
         * {@link #inc()}; the work is the same, the loop the JIT makes of it is not.
         */
        @Override
        public void addUnsigned(long n) {
            assert onOwner();
            addBits(at, -1, n);
        }
    }

    /** The shared copy, for a thread without a slot: an atomic add. */
    private static final class SharedCopy extends Local {
        private final long shared;

        SharedCopy(long shared) {
            this.shared = shared;
        }

        @Override
        public void inc() {
            assert onOwner();
            Memory.getAndAdd(shared, 1);
        }

        @Override
        public void addUnsigned(long n) {
            assert onOwner();
            Memory.getAndAdd(shared, n);
        }
    }
}
