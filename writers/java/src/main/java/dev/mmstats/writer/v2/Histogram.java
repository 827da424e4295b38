package dev.mmstats.writer.v2;

import dev.mmstats.reader.FormatV2;
import java.nio.ByteBuffer;

/**
 * A histogram with explicit upper bounds: an observation v goes into the first bucket with v <= bound, else
 * the last (+Inf) bucket, and is added to the sum. Each slot holds a copy (sequence, sum, buckets); the calling
 * thread's copy is updated under its sequence without a lock, the shared copy under a compare-and-swap.
 */
public final class Histogram {
    private static final int LINEAR = 8; // up to this many bounds a scan beats a binary search

    private final ByteBuffer buf;
    private final Slots slots;
    private final int offset;
    private final int shared;
    private final double[] bounds;

    Histogram(MmStats.Placement p, double[] bounds) {
        this.buf = p.buffer();
        this.slots = p.slots();
        this.offset = p.at();
        this.shared = p.slots().sharedBase() + p.at();
        this.bounds = bounds;
    }

    public void observe(double v) {
        int bucket = bucket(v);
        int base = slots.own();
        if (base >= 0) {
            int seq = base + offset;
            long s = SeqLock.beginOwned(buf, seq);
            record(seq, bucket, v);
            SeqLock.end(buf, seq, s);
        } else {
            long s = SeqLock.beginShared(buf, shared);
            record(shared, bucket, v);
            SeqLock.end(buf, shared, s);
        }
    }

    /** The sum and the bucket, with opaque loads and stores: the sequence makes them one update. */
    private void record(int seq, int bucket, double v) {
        int sum = seq + FormatV2.HISTOGRAM_SUM;
        double total = Double.longBitsToDouble((long) Words.LONG.getOpaque(buf, sum)) + v;
        Words.LONG.setOpaque(buf, sum, Double.doubleToRawLongBits(total));
        int count = seq + FormatV2.HISTOGRAM_BUCKETS + FormatV2.WORD * bucket;
        Words.LONG.setOpaque(buf, count, (long) Words.LONG.getOpaque(buf, count) + 1);
    }

    /** The first i with v <= bounds[i], else bounds.length (+Inf; also for NaN). */
    int bucket(double v) {
        double[] b = bounds;
        if (b.length <= LINEAR) {
            int i = 0;
            while (i < b.length && !(v <= b[i])) {
                i++;
            }
            return i;
        }
        int lo = 0;
        int hi = b.length; // answer in [lo, hi]
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (v <= b[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
