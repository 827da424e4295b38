package dev.mmstats.reader;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * Version 2 values from private copies of a file (spec/v2.md, "Reader protocol"). Slotted values are the
 * sum of their copies in slots 0 to slots_used - 1; a multi-word value is consistent when its sequence
 * was even and the same in the copy made before ({@code before}) and after ({@code after}) the copy its
 * payload comes from ({@code data}). A copy that is not consistent has no value: null.
 */
public final class ValuesV2 {
    /** Attempts per multi-word copy, and how often the reader yields between them (spec: "Retry bound"). */
    public static final int RETRIES = 100;
    static final int YIELD_EVERY = 10;

    private ValuesV2() {
    }

    /** Every field of the layout, in entry order, read from the three copies. */
    public static FileV2 fields(LayoutV2 layout, byte[] before, byte[] data, byte[] after) {
        LayoutV2.Header h = layout.header();
        List<FieldV2> out = new ArrayList<>(layout.entries().size());
        for (LayoutV2.Entry e : layout.entries()) {
            out.add(new FieldV2(e, value(e, h.slotsUsed(), before, data, after)));
        }
        return new FileV2(h, out);
    }

    /** A copy at rest: one copy serves as all three, so an odd sequence is no value at once. */
    public static FileV2 atRest(LayoutV2 layout, byte[] data) {
        return fields(layout, data, data, data);
    }

    static boolean consistent(byte[] before, byte[] after, long at) {
        long s1 = FormatV2.u64(before, at);
        return (s1 & 1) == 0 && s1 == FormatV2.u64(after, at);
    }

    static Value value(LayoutV2.Entry e, long slots, byte[] before, byte[] data, byte[] after) {
        if (e.kind() == FormatV2.Kind.HISTOGRAM) {
            return histogram(e, slots, before, data, after);
        }
        if (e.type() == FormatV2.ValueType.UTF8) {
            if (!consistent(before, after, e.at())) {
                return null;
            }
            long length = FormatV2.u32(data, e.at() + FormatV2.STRING_LENGTH);
            if (length > e.size() - FormatV2.STRING_HEADER_SIZE) {
                return null; // cannot happen with consistent sequences; never read past the value
            }
            return new Value.Text(Utf8.decodeLossy(data, Math.toIntExact(e.at() + FormatV2.STRING_HEADER_SIZE),
                    (int) length));
        }
        return number(e, slots, at -> FormatV2.u64(data, at));
    }

    /**
     * A number's value: its one copy, or the sum of its copies in slots 0 to {@code slots} - 1; {@code word}
     * gives the 8-byte word at a file offset.
     */
    static Value number(LayoutV2.Entry e, long slots, LongUnaryOperator word) {
        long copies = e.stride() == 0 ? 1 : slots;
        long bits = word.applyAsLong(e.at());
        if (e.type() == FormatV2.ValueType.F64) {
            double total = Double.longBitsToDouble(bits); // slot 0's copy first: -0.0 stays -0.0
            for (long k = 1; k < copies; k++) {
                total += Double.longBitsToDouble(word.applyAsLong(e.at() + k * e.stride()));
            }
            return new Value.Float(total);
        }
        for (long k = 1; k < copies; k++) {
            bits += word.applyAsLong(e.at() + k * e.stride()); // modulo 2^64, for u64 and i64 alike
        }
        return e.type() == FormatV2.ValueType.U64 ? new Value.UInt(bits) : new Value.Int(bits);
    }

    private static Value histogram(LayoutV2.Entry e, long slots, byte[] before, byte[] data, byte[] after) {
        int n = e.bounds().length + 1;
        long[] counts = new long[n];
        double sum = 0;
        for (long k = 0; k < slots; k++) {
            long at = e.at() + k * e.stride();
            if (!consistent(before, after, at)) {
                return null; // one copy without a value: the histogram has none
            }
            double s = Double.longBitsToDouble(FormatV2.u64(data, at + FormatV2.HISTOGRAM_SUM));
            sum = k == 0 ? s : sum + s;
            for (int i = 0; i < n; i++) {
                counts[i] += FormatV2.u64(data, at + FormatV2.HISTOGRAM_BUCKETS + (long) FormatV2.WORD * i);
            }
        }
        return histogram(e.bounds(), sum, counts);
    }

    /** The histogram of the summed copies: {@code counts} per bucket, made cumulative. */
    static Value.Histogram histogram(double[] bounds, double sum, long[] counts) {
        int n = counts.length;
        List<Value.Bucket> buckets = new ArrayList<>(n);
        long running = 0;
        for (int i = 0; i < n; i++) {
            running += counts[i];
            buckets.add(new Value.Bucket(i < n - 1 ? bounds[i] : Double.POSITIVE_INFINITY, running));
        }
        return new Value.Histogram(sum, buckets);
    }

    /**
     * "Readers that copy the file": {@code first} is copy A (already walked: {@code layout}); copies B and C
     * are read now, the walk is repeated on B (fields may have been added), and each multi-word copy whose
     * sequences in A and C disagree or are odd is read again on its own (sequence, value, sequence: three
     * small reads) up to {@link #RETRIES} times, none for a closed file (its odd sequences stay odd).
     *
     * @throws FormatException when copy B breaks the format
     */
    public static FileV2 read(ByteSource source, byte[] first, String path) throws IOException, FormatException {
        int size = first.length;
        byte[] data = new byte[size];
        byte[] after = new byte[size];
        if (source.read(data, size, 0) != size || source.read(after, size, 0) != size) {
            // the size changed, which a version 2 writer never does: the first copy, at rest
            return atRest(walkOrThrow(first, path), first);
        }
        return read(source, first, data, after, walkOrThrow(data, path));
    }

    /**
     * The protocol with the layout already known ({@link StatsReaderV2}): copies B and C are read now, and
     * fields published after {@code layout} was walked wait for the next read.
     */
    public static FileV2 read(ByteSource source, byte[] first, LayoutV2 layout) throws IOException {
        int size = first.length;
        byte[] data = new byte[size];
        byte[] after = new byte[size];
        if (source.read(data, size, 0) != size || source.read(after, size, 0) != size) {
            return atRest(layout, first);
        }
        return read(source, first, data, after, layout);
    }

    private static FileV2 read(ByteSource source, byte[] first, byte[] data, byte[] after, LayoutV2 layout)
            throws IOException {
        byte[] before = first.clone();
        List<long[]> pending = new ArrayList<>(); // {offset, size} of each multi-word copy
        for (LayoutV2.Entry e : layout.entries()) {
            if (e.sequenced()) {
                long copies = e.stride() == 0 ? 1 : layout.header().slotsUsed();
                for (long k = 0; k < copies; k++) {
                    pending.add(new long[] {e.at() + k * e.stride(), e.size()});
                }
            }
        }
        byte[] seq = new byte[FormatV2.SEQ_SIZE];
        for (int attempt = 0; attempt < RETRIES; attempt++) {
            pending.removeIf(r -> consistent(before, after, r[0]));
            if (pending.isEmpty() || layout.header().state() == FormatV2.STATE_CLOSED) {
                break;
            }
            if (attempt % YIELD_EVERY == YIELD_EVERY - 1) {
                Thread.yield();
            }
            for (long[] r : pending) {
                int at = Math.toIntExact(r[0]);
                int n = Math.toIntExact(r[1]);
                byte[] value = new byte[n];
                if (source.read(seq, seq.length, at) != seq.length) {
                    return atRest(layout, data);
                }
                System.arraycopy(seq, 0, before, at, seq.length);
                if (source.read(value, n, at) != n) {
                    return atRest(layout, data);
                }
                System.arraycopy(value, 0, data, at, n);
                if (source.read(seq, seq.length, at) != seq.length) {
                    return atRest(layout, data);
                }
                System.arraycopy(seq, 0, after, at, seq.length);
            }
        }
        return fields(layout, before, data, after);
    }

    /** The layout of a copy, or its first problem (the walk's order) as a FormatException naming {@code path}. */
    static LayoutV2 walkOrThrow(byte[] data, String path) throws FormatException {
        LayoutV2 layout = FormatV2.walk(data, true);
        if (!layout.valid()) {
            throw new FormatException(path, layout.problems().get(0));
        }
        return layout;
    }
}
