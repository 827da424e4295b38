package dev.mmstats.writer.v2;

/**
 * A number with a copy in every slot (counters, up-down counters). The calling thread's own copy is updated
 * with a load, an add and a release store: no lock, no read-modify-write (spec: "Updating a number"; the release
 * store also keeps the compiler from holding the value in a register across a loop). A thread without a slot of
 * its own adds to the shared copy with an atomic read-modify-write.
 */
abstract class SlottedWord extends Slotted {
    SlottedWord(MmStats.Placement p) {
        super(p);
    }

    /**
     * Adds {@code n} modulo 2^64. For the field's bound thread: the binding's two loads and compare, then the same
     * load and release store of the copy as {@link Counter.Local}; every other case is out of line.
     */
    final void addBits(long n) {
        long at = boundAt();
        if (boundThread == Thread.currentThread()) {
            Memory.storeRelease(at, Memory.load(at) + n);
        } else {
            addMissed(n);
        }
    }

    private void addMissed(long n) {
        addBits(miss(), shared, n);
    }

    /** Adds {@code n} modulo 2^64 to the copy at {@code at}, its owner's, or to {@code shared} when at is -1. */
    static void addBits(long at, long shared, long n) {
        if (at >= 0) {
            Memory.storeRelease(at, Memory.load(at) + n);
        } else {
            Memory.getAndAdd(shared, n);
        }
    }

    /** Adds {@code n} as binary64 (a compare-and-swap loop on the bits of the shared copy). */
    final void addDouble(double n) {
        long at = own();
        if (at >= 0) {
            Memory.storeRelease(at, Double.doubleToRawLongBits(Double.longBitsToDouble(Memory.load(at)) + n));
        } else {
            long old;
            do {
                old = Memory.loadAcquire(shared);
            } while (!Memory.compareAndSet(shared, old, Double.doubleToRawLongBits(Double.longBitsToDouble(old) + n)));
        }
    }
}
