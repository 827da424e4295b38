package dev.mmstats.writer.v2;

import java.lang.invoke.VarHandle;

/**
 * The 64-bit sequence in front of a multi-word value (spec: "Updating a multi-word value"): odd while the
 * payload changes. {@link #beginOwned} is for a copy only the calling thread writes; {@link #beginShared} takes
 * the sequence with a compare-and-swap (a full barrier, so also acquire), spinning while another writer holds
 * it. Both end with the release fence that orders the odd sequence before the payload stores; {@link #end}
 * release-stores s + 2. Nothing between begin and end may block.
 */
final class SeqLock {
    private SeqLock() {
    }

    /** Returns the even sequence s; the word at {@code seq} now holds s + 1. */
    static long beginOwned(long seq) {
        long s = Memory.load(seq);
        Memory.storeRelease(seq, s + 1);
        VarHandle.releaseFence();
        return s;
    }

    static long beginShared(long seq) {
        while (true) {
            long s = Memory.loadAcquire(seq);
            if ((s & 1) == 0 && Memory.compareAndSet(seq, s, s + 1)) {
                VarHandle.releaseFence();
                return s;
            }
            Thread.onSpinWait();
        }
    }

    static void end(long seq, long s) {
        Memory.storeRelease(seq, s + 2);
    }
}
