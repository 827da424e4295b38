package dev.mmstats.writer.v2;

import dev.mmstats.reader.FormatV2;

/**
 * A histogram with explicit upper bounds: an observation v goes into the first bucket with v <= bound, else
 * the last (+Inf) bucket, and is added to the sum. Each slot holds a copy (sequence, sum, buckets); the calling
 * thread's copy is updated under its sequence without a lock, the shared copy under a compare-and-swap.
 */
public final class Histogram extends Slotted {
    private static final int LINEAR = 8; // up to this many bounds a scan beats a binary search

    private final double[] bounds;

    Histogram(MmStats.Placement p, double[] bounds) {
        super(p);
        this.bounds = bounds;
    }

    public void observe(double v) {
        int bucket = bucket(v);
        long seq = own();
        if (seq >= 0) {
            long s = SeqLock.beginOwned(seq);
            record(seq, bucket, v);
            SeqLock.end(seq, s);
        } else {
            long s = SeqLock.beginShared(shared);
            record(shared, bucket, v);
            SeqLock.end(shared, s);
        }
    }

    /** The sum and the bucket: loads and release stores, made one update by the sequence held. */
    private static void record(long seq, int bucket, double v) {
        long sum = seq + FormatV2.HISTOGRAM_SUM;
        Memory.storeRelease(sum, Double.doubleToRawLongBits(Double.longBitsToDouble(Memory.load(sum)) + v));
        long count = seq + FormatV2.HISTOGRAM_BUCKETS + (long) FormatV2.WORD * bucket;
        Memory.storeRelease(count, Memory.load(count) + 1);
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
