package dev.mmstats.writer.v2;

import java.nio.ByteBuffer;

/**
 * A number with a copy in every slot (counters, up-down counters). The calling thread's own copy is updated
 * with an opaque (relaxed) load, an add and an opaque store: no lock, no read-modify-write; a thread without a
 * slot of its own adds to the shared copy with an atomic read-modify-write (spec: "Updating a number").
 */
abstract class SlottedWord {
    private final ByteBuffer buf;
    private final Slots slots;
    private final int offset; // in each slot
    private final int shared; // the copy in slot 0

    SlottedWord(MmStats.Placement p) {
        this.buf = p.buffer();
        this.slots = p.slots();
        this.offset = p.at();
        this.shared = p.slots().sharedBase() + p.at();
    }

    /** Adds {@code n} modulo 2^64. */
    final void addBits(long n) {
        int base = slots.own();
        if (base >= 0) {
            int at = base + offset;
            Words.LONG.setOpaque(buf, at, (long) Words.LONG.getOpaque(buf, at) + n);
        } else {
            Words.LONG.getAndAdd(buf, shared, n);
        }
    }

    /** Adds {@code n} as binary64 (a compare-and-swap loop on the bits of the shared copy). */
    final void addDouble(double n) {
        int base = slots.own();
        if (base >= 0) {
            int at = base + offset;
            double v = Double.longBitsToDouble((long) Words.LONG.getOpaque(buf, at));
            Words.LONG.setOpaque(buf, at, Double.doubleToRawLongBits(v + n));
        } else {
            long old;
            do {
                old = (long) Words.LONG.getOpaque(buf, shared);
            } while (!Words.LONG.weakCompareAndSet(buf, shared, old,
                    Double.doubleToRawLongBits(Double.longBitsToDouble(old) + n)));
        }
    }
}
