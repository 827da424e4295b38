package dev.mmstats.writer.v2;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * The 64-bit sequence in front of a multi-word value (spec: "Updating a multi-word value"): odd while the
 * payload changes. {@link #beginOwned} is for a copy only the calling thread writes; {@link #beginShared} takes
 * the sequence with a compare-and-swap (acquire), spinning while another writer holds it. Both end with the
 * release fence that orders the odd sequence before the payload stores; {@link #end} release-stores s + 2.
 * Nothing between begin and end may block.
 */
final class SeqLock {
    private SeqLock() {
    }

    /** Returns the even sequence s; the word now holds s + 1. */
    static long beginOwned(ByteBuffer buf, int seq) {
        long s = (long) Words.LONG.getOpaque(buf, seq);
        Words.LONG.setOpaque(buf, seq, s + 1);
        VarHandle.releaseFence();
        return s;
    }

    static long beginShared(ByteBuffer buf, int seq) {
        while (true) {
            long s = (long) Words.LONG.getOpaque(buf, seq);
            if ((s & 1) == 0 && Words.LONG.weakCompareAndSetAcquire(buf, seq, s, s + 1)) {
                VarHandle.releaseFence();
                return s;
            }
            Thread.onSpinWait();
        }
    }

    static void end(ByteBuffer buf, int seq, long s) {
        Words.LONG.setRelease(buf, seq, s + 2);
    }
}
