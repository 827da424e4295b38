package dev.mmstats.writer.v2;

import dev.mmstats.reader.FormatV2;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Hands out the thread slots of one file (spec: "Slots"). A thread's first slotted update takes a free slot
 * under this object's lock, or a new one (slots_used release-stored before its first store), or, when none is
 * left, the shared slot for good. Nothing about ownership is in the file.
 *
 * <p>A slot goes back when its thread has terminated: every hand-out first looks for owners that are no longer
 * alive ({@link Thread#isAlive()} false, which in the Java memory model orders all of the dead thread's stores
 * before this thread's next action) and frees their slots, values kept. So a dead thread's slot is reused by the
 * next thread that needs one, with no garbage collection or finalization involved.
 */
final class Slots {
    /**
     * The calling thread's slot (the byte offset of its first byte in the file, or -1 for the shared slot) and
     * its record of binding misses ({@link Slotted}). Only its thread touches it: a miss writes nothing shared.
     */
    static final class Lease {
        final int base;
        private int missedField = -1; // the field of this thread's latest misses (its offset in a slot)
        private int streak;           // misses on it since this thread last took its binding
        private long misses;          // all misses, a probe for the tests

        private Lease(int base) {
            this.base = base;
        }

        /**
         * Counts a miss on the field at {@code offset} in each slot (which names a field of this file); returns the
         * misses in a row on it since this thread last took its binding.
         */
        int missed(int offset) {
            misses++;
            if (offset != missedField) {
                missedField = offset;
                streak = 0;
            }
            return ++streak;
        }

        /** This thread has just taken the binding of the field of its latest misses. */
        void tookBinding() {
            streak = 0;
        }
    }

    private final ByteBuffer map;
    private final int slotsOffset;
    private final int slotSize;
    private final int slotCount;
    private final boolean threadSlots;
    private final List<Thread> owners = new ArrayList<>(); // index = slot; null: free or never used
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final ThreadLocal<Lease> lease = ThreadLocal.withInitial(this::acquire);
    private int used = 1;

    Slots(ByteBuffer map, int slotsOffset, int slotSize, int slotCount, boolean threadSlots) {
        this.map = map;
        this.slotsOffset = slotsOffset;
        this.slotSize = slotSize;
        this.slotCount = slotCount;
        this.threadSlots = threadSlots && slotCount > 1;
        owners.add(null); // slot 0 is nobody's
    }

    /** Slots of a field that is not in the file: every thread uses the shared copy, at offset 0. */
    static Slots sharedOnly(ByteBuffer privateValue) {
        return new Slots(privateValue, 0, 0, 1, false);
    }

    /** The calling thread's lease: its slot (taken now if it has none) and its binding misses. */
    Lease lease() {
        return lease.get();
    }

    /** Binding misses of the calling thread on the fields of this file (a probe for the tests). */
    long misses() {
        return lease.get().misses;
    }

    /** Byte offset of slot 0, the shared slot. */
    int sharedBase() {
        return slotsOffset;
    }

    /** Slots handed out so far (slots_used). */
    synchronized int used() {
        return used;
    }

    private synchronized Lease acquire() {
        if (!threadSlots) {
            return new Lease(-1);
        }
        for (int k = 1; k < owners.size(); k++) {
            Thread t = owners.get(k);
            if (t != null && !t.isAlive()) {
                owners.set(k, null);
                free.push(k); // values kept: the next owner adds to them
            }
        }
        int k;
        if (!free.isEmpty()) {
            k = free.pop();
        } else if (used < slotCount) {
            k = used++;
            owners.add(null);
            Words.INT.setRelease(map, FormatV2.H_SLOTS_USED, used); // before the first store into slot k
        } else {
            return new Lease(-1); // no slot left: this thread shares slot 0 for good
        }
        Thread me = Thread.currentThread();
        owners.set(k, me);
        return new Lease(slotsOffset + k * slotSize);
    }
}
