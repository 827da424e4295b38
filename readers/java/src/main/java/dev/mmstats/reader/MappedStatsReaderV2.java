package dev.mmstats.reader;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongUnaryOperator;

/**
 * Polls one version 2 file through a read-only shared mapping of the whole file (spec/v2.md, "Readers that
 * map the file"), giving what {@link StatsReaderV2} gives. Words are loaded from the writer's pages through
 * VarHandle views: acquire loads of state, field_count, slots_used and of each sequence's first load, opaque
 * (relaxed, single-copy-atomic) loads of numbers and payloads, an acquire fence before a sequence's second
 * load. Entries are copied to private memory before they are walked, once each: a read walks only those
 * published since the last one. Each read compares the channel's size with the mapping before its loads
 * (another size is bad_file_size, with no load) and after them (values loaded from a file that shrank
 * meanwhile are never returned), and the path's file key with the mapped file's (another file is mapped and
 * walked afresh). A load from a page past the end of a shrunk file faults: the JVM goes on with garbage and
 * throws an {@link InternalError} at a later point (the documentation of MappedByteBuffer allows it); when
 * that point is inside {@link #read}, it is bad_file_size, and otherwise the caller's thread gets it later.
 * A mapping is released when its buffer is collected: Java 17 has no unmap that is safe to call after a
 * fault (sun.misc.Unsafe.invokeCleaner would meet the pending InternalError and end the JVM).
 * A version 1 file is bad_version, as for StatsReaderV2. Not for several threads at once.
 */
public final class MappedStatsReaderV2 implements AutoCloseable {
    private static final VarHandle U64 = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U32 = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    /** Header bytes a writer never changes after publishing (all but the atomic words), as [from, to) pairs. */
    private static final int[][] FIXED_HEADER = {{0, FormatV2.H_STATE}, {FormatV2.H_PID, FormatV2.H_HEARTBEAT_UNIX_NS},
        {FormatV2.H_HEARTBEAT_INTERVAL_MS, FormatV2.H_SLOTS_USED}};

    private final Path path;
    private final String name;
    private final long maxSize;
    private FileChannel channel;
    private Object fileKey;
    private MappedByteBuffer map;
    private byte[] copy; // the file as last copied (header, metadata, process area): what the walk checks
    private LayoutV2.Header walked; // the header of the last walk
    private final List<LayoutV2.Entry> entries = new ArrayList<>();
    private LayoutV2.Cursor cursor;
    private final LongUnaryOperator word = at -> (long) U64.getOpaque(map, Math.toIntExact(at));
    private byte[] text = new byte[0];
    private int textLength;
    private long[] words = new long[0];
    int walks;          // whole-file walks (for tests)
    long entriesWalked; // entries walked, those of whole-file walks included
    long yields;        // Thread.yield calls between attempts

    public MappedStatsReaderV2(Path path, long maxSize) {
        this.path = Objects.requireNonNull(path);
        this.name = path.toString();
        this.maxSize = MmstatsReader.effectiveLimit(maxSize);
    }

    public MappedStatsReaderV2(Path path) {
        this(path, MmstatsReader.DEFAULT_MAX_SIZE);
    }

    /** Entries parsed so far, in entry order. */
    public List<LayoutV2.Entry> entries() {
        return List.copyOf(entries);
    }

    /** The file's current header and values. */
    public FileV2 read() throws IOException, FormatException {
        return guarded(() -> {
            if (map != null) {
                checkFile();
            }
            return readMapped();
        });
    }

    /** What a read does after the file checks. */
    interface Step {
        FileV2 run() throws IOException, FormatException;
    }

    /**
     * Runs {@code step}; a fault of the mapping, a problem or an I/O error closes the file first. A fault
     * can be reported after the step has dropped the mapping that faulted (see the class comment).
     */
    FileV2 guarded(Step step) throws IOException, FormatException {
        boolean mapped = map != null;
        try {
            try {
                return step.run();
            } catch (FormatException | IOException e) {
                close(); // map and walk afresh next time
                throw e;
            }
        } catch (InternalError fault) {
            if (!mapped && map == null) {
                throw fault; // no mapping was in use: not a fault of one
            }
            long now = sizeNow();
            close();
            throw new FormatException(name, new Problem(ErrorCode.BAD_FILE_SIZE, now,
                    "a load from the mapping faulted: the file shrank to " + now + " bytes while being read"));
        }
    }

    /** The file's size now: of the open file, else of the file the path names, else 0. */
    private long sizeNow() {
        try {
            return channel != null ? channel.size() : Files.size(path);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The size of the open file (fstat) against the mapping's, and the file the path names against it. */
    private void checkFile() throws IOException, FormatException {
        requireMappedSize("when mapped");
        BasicFileAttributes now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!Objects.equals(now.fileKey(), fileKey)) {
            close(); // replaced: the new file is mapped next
        }
    }

    /** bad_file_size unless the open file (fstat) is as large as the mapping. */
    private void requireMappedSize(String since) throws IOException, FormatException {
        long size = channel.size();
        if (size != map.capacity()) {
            throw new FormatException(name, new Problem(ErrorCode.BAD_FILE_SIZE, size,
                    "the file was " + map.capacity() + " bytes " + since + " and is " + size + " now"));
        }
    }

    /** Maps and walks the file when needed, walks new entries, and loads every value. */
    FileV2 readMapped() throws IOException, FormatException {
        long state = 0;
        long count = 0;
        if (map != null) {
            state = acquire32(FormatV2.H_STATE);
            count = acquire32(FormatV2.H_FIELD_COUNT);
            if (count < cursor.count() || !sameFixedHeader()) {
                close(); // rewritten in place: the walk names any problem
            }
        }
        if (map == null) {
            load();
            state = walked.state();
            count = walked.fieldCount();
        } else if (count > cursor.count()) {
            walkNew(state, count);
        }
        FileV2 out = values(state, count);
        requireMappedSize("before the loads"); // a load that faulted gave garbage: never returned
        return out;
    }

    /** Maps the file the path names and walks a private copy of it whole. */
    private void load() throws IOException, FormatException {
        OpenFile opened = OpenFile.open(path);
        channel = opened.channel(); // close() releases it from here on
        fileKey = opened.attributes().fileKey();
        long size = channel.size();
        if (size > maxSize) {
            throw MmstatsReader.tooLarge(name, size, maxSize);
        }
        byte[] data = new byte[(int) size];
        if (size > 0) {
            map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            copyHeaderFirst(data, data.length);
        }
        if (!MmstatsReader.isVersion2(data)) {
            throw new FormatException(name, data.length == 0 || data[0] == 0
                    ? new Problem(ErrorCode.NOT_READY, 0, "the file is empty or its version byte is 0x00")
                    : new Problem(ErrorCode.BAD_VERSION, 0, String.format(
                            "version byte 0x%02x: MappedStatsReaderV2 reads version 2 only", data[0] & 0xff)));
        }
        LayoutV2 layout = FormatV2.walk(data, true);
        if (!layout.valid()) {
            throw new FormatException(name, layout.problems().get(0));
        }
        copy = data;
        walked = layout.header();
        entries.addAll(layout.entries());
        cursor = layout.cursor();
        walks++;
        entriesWalked += cursor.count();
    }

    /**
     * Copies the first {@code n} bytes of the mapping into {@code dst}: state and field_count by acquire
     * loads first, then the bytes (entries published before that count are complete in the copy), and the
     * loaded words over their copies, so that the walk sees only what the acquire loads published.
     */
    private void copyHeaderFirst(byte[] dst, int n) {
        boolean header = n >= FormatV2.HEADER_SIZE;
        long state = header ? acquire32(FormatV2.H_STATE) : 0;
        long count = header ? acquire32(FormatV2.H_FIELD_COUNT) : 0;
        map.get(0, dst, 0, n);
        if (header) {
            putU32(dst, FormatV2.H_STATE, state);
            putU32(dst, FormatV2.H_FIELD_COUNT, count);
        }
    }

    /** Walks the entries published since the last walk, from a fresh copy of the header, metadata and process area. */
    private void walkNew(long state, long count) throws FormatException {
        int end = Math.toIntExact(walked.processOffset() + walked.processCapacity());
        map.get(0, copy, 0, end); // the process area too: the walk checks strings' lengths
        putU32(copy, FormatV2.H_STATE, state);
        putU32(copy, FormatV2.H_FIELD_COUNT, count);
        long before = cursor.count();
        LayoutV2 layout = FormatV2.walk(copy, true, cursor);
        entriesWalked += count - before;
        if (!layout.valid()) {
            throw new FormatException(name, layout.problems().get(0));
        }
        walked = layout.header();
        entries.addAll(layout.entries());
        cursor = layout.cursor();
    }

    private boolean sameFixedHeader() {
        for (int[] range : FIXED_HEADER) {
            for (int at = range[0]; at < range[1]; at += 4) {
                if ((int) U32.getOpaque(map, at) != (int) FormatV2.u32(copy, at)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The values of every entry walked, from the mapping. */
    private FileV2 values(long state, long count) throws FormatException {
        if (state == FormatV2.STATE_CREATING) {
            throw new FormatException(name, new Problem(ErrorCode.NOT_READY, FormatV2.H_STATE,
                    "state went back to 0 (creating)"));
        }
        if (state >= FormatV2.STATES.size()) {
            throw new FormatException(name, new Problem(ErrorCode.BAD_STATE, FormatV2.H_STATE,
                    "state changed to " + state + " after the file was published"));
        }
        long used = acquire32(FormatV2.H_SLOTS_USED);
        if (used < 1 || used > walked.slotCount()) {
            throw new FormatException(name, new Problem(ErrorCode.BAD_COUNT, FormatV2.H_SLOTS_USED,
                    "slots_used is " + used + "; want 1 to " + walked.slotCount()));
        }
        LayoutV2.Header w = walked;
        LayoutV2.Header h = new LayoutV2.Header(w.minor(), w.headerSize(), state, w.pid(), w.startTicks(),
                w.createdUnixNs(), (long) U64.getOpaque(map, FormatV2.H_HEARTBEAT_UNIX_NS), w.heartbeatIntervalMs(),
                w.entryFixedSize(), w.metaOffset(), w.metaCapacity(), w.processOffset(), w.processCapacity(),
                w.slotsOffset(), w.slotSize(), w.slotCount(), used, count,
                Integer.toUnsignedLong((int) U32.getOpaque(map, FormatV2.H_OVERFLOW_COUNT)));
        int tries = state == FormatV2.STATE_CLOSED ? 1 : ValuesV2.RETRIES; // a closed file's odd sequence stays odd
        List<FieldV2> out = new ArrayList<>(entries.size());
        for (LayoutV2.Entry e : entries) {
            out.add(new FieldV2(e, value(e, used, tries)));
        }
        return new FileV2(h, out);
    }

    private Value value(LayoutV2.Entry e, long slots, int tries) {
        if (e.kind() == FormatV2.Kind.HISTOGRAM) {
            int n = e.bounds().length + 1;
            long[] counts = new long[n];
            double sum = 0;
            for (long k = 0; k < slots; k++) {
                if (!consistent(Math.toIntExact(e.at() + k * e.stride()), n + 1, 0, tries)) {
                    return null; // one copy without a value: the histogram has none
                }
                double s = Double.longBitsToDouble(words[0]);
                sum = k == 0 ? s : sum + s;
                for (int i = 0; i < n; i++) {
                    counts[i] += words[1 + i];
                }
            }
            return ValuesV2.histogram(e.bounds(), sum, counts);
        }
        if (e.type() == FormatV2.ValueType.UTF8) {
            int capacity = Math.toIntExact(e.size() - FormatV2.STRING_HEADER_SIZE);
            if (!consistent(Math.toIntExact(e.at()), 0, capacity, tries) || textLength > capacity) {
                return null; // no consistent copy, or a consistent length over the capacity
            }
            return new Value.Text(Utf8.decodeLossy(text, 0, textLength));
        }
        return ValuesV2.number(e, slots, word);
    }

    /**
     * "Reading a multi-word value" on the mapping: the payload of the value at {@code at}, after its sequence,
     * into {@link #words} ({@code n} words: a histogram's sum and buckets) or, for n = 0, a text of at most
     * {@code capacity} bytes into {@link #text} and {@link #textLength}; true when the sequence was even and
     * unchanged around the copy, within {@code tries} attempts, yielding after every {@link ValuesV2#YIELD_EVERY}.
     */
    private boolean consistent(int at, int n, int capacity, int tries) {
        for (int attempt = 0; attempt < tries; attempt++) {
            if (attempt > 0 && attempt % ValuesV2.YIELD_EVERY == 0) {
                yields++;
                Thread.yield();
            }
            long s1 = (long) U64.getAcquire(map, at);
            if ((s1 & 1) != 0) {
                continue;
            }
            if (n == 0) {
                copyText(at, capacity);
            } else {
                copyWords(at + FormatV2.HISTOGRAM_SUM, n);
            }
            VarHandle.acquireFence();
            if ((long) U64.getOpaque(map, at) == s1) {
                return true;
            }
        }
        return false;
    }

    private void copyWords(int at, int n) {
        if (words.length < n) {
            words = new long[n];
        }
        for (int i = 0; i < n; i++) {
            words[i] = (long) U64.getOpaque(map, at + FormatV2.WORD * i);
        }
    }

    /** The text's bytes (a plain copy: a reader never uses a text whose sequence changed). */
    private void copyText(int at, int capacity) {
        textLength = (int) U32.getOpaque(map, at + FormatV2.STRING_LENGTH);
        if (textLength < 0 || textLength > capacity) {
            textLength = Integer.MAX_VALUE; // over the capacity (a u32 over 2^31 too): no value
            return;
        }
        if (text.length < textLength) {
            text = new byte[textLength];
        }
        map.get(at + FormatV2.STRING_HEADER_SIZE, text, 0, textLength);
    }

    private long acquire32(int at) {
        return Integer.toUnsignedLong((int) U32.getAcquire(map, at));
    }

    private static void putU32(byte[] dst, int at, long v) {
        for (int i = 0; i < 4; i++) {
            dst[at + i] = (byte) (v >>> (8 * i));
        }
    }

    /** Drops the mapping and closes the file; the next read maps the path again. */
    @Override
    public void close() throws IOException {
        map = null; // unmapped by the collector (Java 17 has no unmap: see the class comment)
        copy = null;
        walked = null;
        fileKey = null;
        entries.clear();
        cursor = null;
        if (channel != null) {
            FileChannel ch = channel;
            channel = null;
            ch.close();
        }
    }
}
