package dev.mmstats.writer.v2;

import dev.mmstats.reader.FormatV2;
import dev.mmstats.reader.FormatV2.Kind;
import dev.mmstats.reader.FormatV2.ValueType;
import dev.mmstats.reader.MmstatsReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * One format version 2 file: the metrics of this process (spec/v2.md).
 *
 * <pre>{@code
 * MmStats stats = MmStats.builder().program("myapp").build();   // $MMSTATS_PATH/myapp-PID-START.mmstats
 * Counter requests = stats.counter("http.requests").help("Requests served").unit("{request}")
 *         .attribute("status", "2xx").register();
 * requests.inc();                                                // the calling thread's slot: a load and a store
 * }</pre>
 *
 * Fields can be added at any time; each is published by a release store of field_count after its entry and
 * value. A field that does not fit is counted in overflow_count and returned working but unpublished (its
 * updates go to private memory); the first such field is logged. {@link #close()} (also run at JVM shutdown)
 * stores state closed, removes the file unless {@link Builder#keep(boolean) kept}, and releases the liveness
 * lock last.
 */
public final class MmStats implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MmStats.class.getName());

    private final Path path;
    private final Object fileKey;
    private final ByteBuffer map;
    private final long address; // of byte 0 of the mapping, for the hot paths
    private final FileLock lock;
    private final boolean keep;
    private final Slots slots;
    private final int metaOffset;
    private final int metaCapacity;
    private final int processOffset;
    private final int processCapacity;
    private final int slotSize;
    private final Thread shutdownHook;
    // registration state, under "this"
    private int metaUsed;
    private int processUsed;
    private int slotUsed;
    private int fieldCount;
    private int overflowCount;
    private boolean closed;

    private MmStats(Builder b, Path path, Object fileKey, ByteBuffer map, FileLock lock, Layout layout) {
        this.path = path;
        this.fileKey = fileKey;
        this.map = map;
        this.address = Memory.address(map);
        this.lock = lock;
        this.keep = b.keep;
        this.metaOffset = layout.metaOffset;
        this.metaCapacity = b.metaCapacity;
        this.processOffset = layout.processOffset;
        this.processCapacity = b.processCapacity;
        this.slotSize = b.slotSize;
        this.slots = new Slots(map, layout.slotsOffset, b.slotSize, b.slotCount, b.threadSlots);
        this.shutdownHook = b.closeAtExit ? new Thread(this::close, "mmstats-close " + path.getFileName()) : null;
        if (shutdownHook != null) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The offsets of the regions: header, metadata, process area, slots (at a multiple of 128). */
    private record Layout(int metaOffset, int processOffset, int slotsOffset, int fileSize) {
        static Layout of(Builder b) {
            long meta = FormatV2.HEADER_SIZE;
            long process = meta + b.metaCapacity;
            long slots = Words.roundUp(process + b.processCapacity, 128); // no two threads' slots share a line pair
            long end = slots + (long) b.slotSize * b.slotCount;
            long size = Words.roundUp(Math.max(end, 1), FormatV2.PAGE_SIZE);
            if (size > MmstatsReader.DEFAULT_MAX_SIZE) {
                throw new IllegalArgumentException("the capacities need a file of " + size + " bytes; readers refuse "
                        + "files over " + MmstatsReader.DEFAULT_MAX_SIZE);
            }
            return new Layout((int) meta, (int) process, (int) slots, (int) size);
        }
    }

    /** Options of a new file; {@link #build()} creates and publishes it. */
    public static final class Builder {
        private Path path;
        private String program = "java";
        private int metaCapacity = 64 * 1024;
        private int processCapacity = 64 * 1024;
        private int slotSize = 1024;
        private int slotCount = 64;
        private boolean threadSlots = true;
        private boolean keep;
        private boolean closeAtExit = true;
        private Set<PosixFilePermission> mode = PosixFilePermissions.fromString("rw-r--r--");

        private Builder() {
        }

        /** The file's path (must not exist). Default: {@code $MMSTATS_PATH} (else java.io.tmpdir)/PROGRAM-PID-START.mmstats. */
        public Builder path(Path path) {
            this.path = path;
            return this;
        }

        /** The {CMD} of the default file name. */
        public Builder program(String program) {
            this.program = program;
            return this;
        }

        /** Bytes of the metadata region, process area and one slot (multiples of 8), and the number of slots. */
        public Builder capacities(int metaCapacity, int processCapacity, int slotSize, int slotCount) {
            for (int v : new int[] {metaCapacity, processCapacity, slotSize}) {
                if (v < 0 || v % FormatV2.ALIGN != 0) {
                    throw new IllegalArgumentException("capacities must be multiples of " + FormatV2.ALIGN + ", not " + v);
                }
            }
            if (slotCount < 1) {
                throw new IllegalArgumentException("slot_count must be at least 1 (the shared slot), not " + slotCount);
            }
            this.metaCapacity = metaCapacity;
            this.processCapacity = processCapacity;
            this.slotSize = slotSize;
            this.slotCount = slotCount;
            return this;
        }

        /** false: every thread updates the shared slot with atomic read-modify-writes. Default true. */
        public Builder threadSlots(boolean threadSlots) {
            this.threadSlots = threadSlots;
            return this;
        }

        /** true: {@link MmStats#close()} leaves the file for readers to collect the final values. Default false. */
        public Builder keep(boolean keep) {
            this.keep = keep;
            return this;
        }

        /** false: no shutdown hook; the caller closes. Default true. */
        public Builder closeAtExit(boolean closeAtExit) {
            this.closeAtExit = closeAtExit;
            return this;
        }

        public Builder mode(Set<PosixFilePermission> mode) {
            this.mode = Set.copyOf(mode);
            return this;
        }

        /**
         * Creates the file (spec: "Creating a file"): a temporary name, exclusive and without following a
         * symbolic link; the liveness lock; every page written; the header with state creating; the final name
         * (never replacing a file); state ready, release-stored last.
         */
        public MmStats build() throws IOException {
            Layout layout = Layout.of(this);
            Producer me = Producer.current();
            Path target = path != null ? path : defaultPath(program, me);
            Path tmp = target.resolveSibling(target.getFileName() + "." + me.pid() + ".creating"); // not *.mmstats
            Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            FileChannel ch;
            try {
                ch = FileChannel.open(tmp, options, permissions(mode));
            } catch (FileAlreadyExistsException e) {
                throw new FileAlreadyExistsException(tmp.toString(), null,
                        "a temporary file of this name exists (a writer with this pid died creating it?); left alone");
            }
            FileLock lock = null;
            boolean published = false;
            try (ch) {
                lock = FileLock.take(tmp);
                ByteBuffer zeros = ByteBuffer.allocate(Math.min(layout.fileSize, 1 << 16));
                for (long at = 0; at < layout.fileSize; at += zeros.capacity()) { // allocate every page now
                    zeros.clear().limit((int) Math.min(zeros.capacity(), layout.fileSize - at));
                    while (zeros.hasRemaining()) {
                        ch.write(zeros, at + zeros.position());
                    }
                }
                ByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, layout.fileSize);
                header(map.duplicate().order(ByteOrder.LITTLE_ENDIAN), layout, me);
                Object key = publishName(tmp, target);
                published = true;
                MmStats stats = new MmStats(this, target, key, map, lock, layout);
                Words.INT.setRelease(map, FormatV2.H_STATE, FormatV2.STATE_READY); // publishes the file
                return stats;
            } finally {
                if (!published) { // the temporary file is ours: it goes, and the lock with it
                    if (lock != null) {
                        lock.release();
                    }
                    Files.deleteIfExists(tmp);
                }
            }
        }

        private void header(ByteBuffer h, Layout layout, Producer me) {
            h.put(0, (byte) FormatV2.VERSION);
            h.put(FormatV2.H_MAGIC, FormatV2.magic());
            h.putShort(FormatV2.H_MINOR, (short) 0);
            h.putShort(FormatV2.H_HEADER_SIZE, (short) FormatV2.HEADER_SIZE);
            h.putInt(FormatV2.H_STATE, FormatV2.STATE_CREATING);
            h.putLong(FormatV2.H_PID, me.pid());
            h.putLong(FormatV2.H_START_TICKS, me.startTicks());
            h.putLong(FormatV2.H_CREATED_UNIX_NS, me.createdUnixNs());
            h.putShort(FormatV2.H_ENTRY_FIXED_SIZE, (short) FormatV2.ENTRY_FIXED_SIZE);
            h.putInt(FormatV2.H_META_OFFSET, layout.metaOffset);
            h.putInt(FormatV2.H_META_CAPACITY, metaCapacity);
            h.putInt(FormatV2.H_PROCESS_OFFSET, layout.processOffset);
            h.putInt(FormatV2.H_PROCESS_CAPACITY, processCapacity);
            h.putInt(FormatV2.H_SLOTS_OFFSET, layout.slotsOffset);
            h.putInt(FormatV2.H_SLOT_SIZE, slotSize);
            h.putInt(FormatV2.H_SLOT_COUNT, slotCount);
            h.putInt(FormatV2.H_SLOTS_USED, 1);
        }
    }

    /** {@code $MMSTATS_PATH} (else java.io.tmpdir) / PROGRAM-PID-START.mmstats: a reused pid never collides. */
    static Path defaultPath(String program, Producer me) {
        String dir = System.getenv("MMSTATS_PATH");
        Path base = Path.of(dir != null && !dir.isEmpty() ? dir : System.getProperty("java.io.tmpdir"));
        return base.resolve(program + "-" + me.pid() + "-" + me.startTicks() + ".mmstats");
    }

    private static FileAttribute<?>[] permissions(Set<PosixFilePermission> mode) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)};
    }

    /**
     * Gives the file its final name without ever replacing another file: a hard link (fails when the name
     * exists), then the temporary name goes. Where links are not supported: a rename after a check (a file
     * created between the two would be replaced). Returns the file's key (device and inode).
     */
    private static Object publishName(Path tmp, Path target) throws IOException {
        try {
            Files.createLink(target, tmp);
            Files.delete(tmp);
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(target.toString(), null,
                    "exists already; an mmstats writer never reuses or overwrites a file");
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (e instanceof NoSuchFileException) {
                throw (NoSuchFileException) e;
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(target.toString(), null,
                        "exists already; an mmstats writer never reuses or overwrites a file");
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
        return Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    public Path path() {
        return path;
    }

    // ------------------------------------------------------------------ fields

    public FieldBuilder<Counter> counter(String name) {
        return new FieldBuilder<>(this, name, Counter::new, Kind.COUNTER, ValueType.U64);
    }

    public FieldBuilder<DoubleCounter> doubleCounter(String name) {
        return new FieldBuilder<>(this, name, DoubleCounter::new, Kind.COUNTER, ValueType.F64);
    }

    public FieldBuilder<UpDownCounter> upDownCounter(String name) {
        return new FieldBuilder<>(this, name, UpDownCounter::new, Kind.UPDOWN_COUNTER,
                ValueType.I64);
    }

    public FieldBuilder<DoubleUpDownCounter> doubleUpDownCounter(String name) {
        return new FieldBuilder<>(this, name, DoubleUpDownCounter::new, Kind.UPDOWN_COUNTER,
                ValueType.F64);
    }

    /** A signed 64-bit gauge. */
    public FieldBuilder<Gauge> gauge(String name) {
        return new FieldBuilder<>(this, name, Gauge::new, Kind.GAUGE, ValueType.I64);
    }

    /** An unsigned 64-bit gauge: {@link Gauge#set(long)} stores the bits, read as 0 to 2^64 - 1. */
    public FieldBuilder<Gauge> unsignedGauge(String name) {
        return new FieldBuilder<>(this, name, Gauge::new, Kind.GAUGE, ValueType.U64);
    }

    public FieldBuilder<DoubleGauge> doubleGauge(String name) {
        return new FieldBuilder<>(this, name, DoubleGauge::new, Kind.GAUGE, ValueType.F64);
    }

    /** A text that changes, of at most {@code capacity} bytes of UTF-8 (rounded up to a multiple of 8), empty at first. */
    public FieldBuilder<Text> string(String name, int capacity) {
        return string(name, capacity, "");
    }

    /** As {@link #string(String, int)}, holding {@code initial} (cut to the capacity) when it is published. */
    public FieldBuilder<Text> string(String name, int capacity, String initial) {
        int cap = roundedCapacity(name, capacity);
        return new FieldBuilder<>(this, name, p -> new Text(p, cap), Kind.STRING, ValueType.UTF8)
                .valueSize(FormatV2.STRING_HEADER_SIZE + cap).initial(textValue(name, initial, cap));
    }

    /** A histogram with these finite, strictly increasing upper bounds (a last +Inf bucket is implied). */
    public FieldBuilder<Histogram> histogram(String name, double... bounds) {
        double[] b = bounds.clone();
        for (int i = 0; i < b.length; i++) {
            if (!Double.isFinite(b[i]) || (i > 0 && !(b[i - 1] < b[i]))) {
                throw new IllegalArgumentException(name + ": histogram bounds must be finite and strictly increasing");
            }
        }
        return new FieldBuilder<>(this, name, p -> new Histogram(p, b), Kind.HISTOGRAM,
                ValueType.F64).bounds(b).valueSize(FormatV2.HISTOGRAM_BUCKETS + (long) FormatV2.WORD * (b.length + 1));
    }

    /** A signed constant; {@link FieldBuilder#register()} writes it with the entry. */
    public FieldBuilder<Void> constant(String name, long value) {
        return constantWord(name, ValueType.I64, value);
    }

    /** An unsigned constant: the bits of {@code value}, read as 0 to 2^64 - 1. */
    public FieldBuilder<Void> unsignedConstant(String name, long value) {
        return constantWord(name, ValueType.U64, value);
    }

    public FieldBuilder<Void> constant(String name, double value) {
        return constantWord(name, ValueType.F64, Double.doubleToRawLongBits(value));
    }

    /** A text constant, in a value of exactly its size rounded up to a multiple of 8. */
    public FieldBuilder<Void> constant(String name, String value) {
        byte[] text = Entry.utf8(value, name, "value");
        return constantText(name, value, text.length);
    }

    /** A text constant in a value of {@code capacity} bytes (rounded up to 8); longer text is cut. */
    public FieldBuilder<Void> constantText(String name, String value, int capacity) {
        int cap = roundedCapacity(name, capacity);
        return new FieldBuilder<Void>(this, name, p -> null, Kind.CONSTANT, ValueType.UTF8)
                .valueSize(FormatV2.STRING_HEADER_SIZE + cap).initial(textValue(name, value, cap));
    }

    /** A string value at rest: sequence 0, the length, the text cut to {@code capacity}. */
    private static byte[] textValue(String name, String value, int capacity) {
        byte[] text = Text.cut(Entry.utf8(value, name, "value"), capacity);
        ByteBuffer init = ByteBuffer.allocate(FormatV2.STRING_HEADER_SIZE + text.length).order(ByteOrder.LITTLE_ENDIAN);
        init.putInt(FormatV2.STRING_LENGTH, text.length).put(FormatV2.STRING_HEADER_SIZE, text);
        return init.array();
    }

    private FieldBuilder<Void> constantWord(String name, ValueType type, long bits) {
        byte[] init = ByteBuffer.allocate(FormatV2.WORD).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bits).array();
        return new FieldBuilder<Void>(this, name, p -> null, Kind.CONSTANT, type).initial(init);
    }

    private static int roundedCapacity(String name, int capacity) {
        if (capacity < 0 || capacity > Integer.MAX_VALUE - FormatV2.STRING_HEADER_SIZE - FormatV2.ALIGN) {
            throw new IllegalArgumentException(name + ": string capacity " + capacity + " is out of range");
        }
        return (int) Words.roundUp(capacity, FormatV2.ALIGN);
    }

    /**
     * Where a registered field's value lives: the address of the file's byte 0 (or of private memory), the
     * value's offset from there (for a slotted value: in each slot), its slots.
     */
    record Placement(long address, int at, Slots slots) {
    }

    /**
     * Adds a field (spec: "Adding a field at run time"): the entry after the last one, then the initial value
     * (the value's bytes are zero: nothing is ever freed), then field_count + 1 release-stored. For a slotted
     * field {@code at} is the offset in each slot; else the value's offset in the file.
     */
    synchronized Placement add(Entry entry, byte[] initial) {
        if (closed) {
            throw new IllegalStateException(path + ": closed; no field can be added");
        }
        boolean slotted = entry.kind.slotted();
        int used = slotted ? slotUsed : processUsed;
        int area = slotted ? slotSize : processCapacity;
        if ((long) metaUsed + entry.size() > metaCapacity || (long) used + entry.valueSize > area) {
            overflowCount++;
            Words.INT.setOpaque(map, FormatV2.H_OVERFLOW_COUNT, overflowCount);
            if (overflowCount == 1) {
                LOG.log(System.Logger.Level.WARNING, path + ": full; fields from now on work but are not in the file "
                        + "(overflow_count counts them)");
            }
            ByteBuffer own = ByteBuffer.allocateDirect(Math.max(entry.valueSize, FormatV2.WORD));
            if (initial != null) {
                own.put(0, initial);
            }
            return new Placement(Memory.address(own), 0, Slots.sharedOnly(own));
        }
        map.put(metaOffset + metaUsed, entry.bytes(used));
        int at = slotted ? used : processOffset + used;
        if (initial != null) {
            map.put(at, initial);
        }
        metaUsed += entry.size();
        if (slotted) {
            slotUsed += entry.valueSize;
        } else {
            processUsed += entry.valueSize;
        }
        fieldCount++;
        Words.INT.setRelease(map, FormatV2.H_FIELD_COUNT, fieldCount); // publishes entry and value
        return new Placement(address, at, slots);
    }

    // ------------------------------------------------------------------ lifecycle

    /** Slots handed out so far, the shared one included (slots_used). */
    public int slotsUsed() {
        return slots.used();
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Whether the liveness lock is held (until {@link #close()}). */
    public boolean isLockHeld() {
        return lock.held();
    }

    /**
     * Stores state closed (the values are final), removes the file unless kept (and only while the path still
     * names the file this writer created), then releases the liveness lock. Updates after close still go to the
     * mapping, which Java unmaps only when it is garbage-collected: harmless, but a programming error.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Words.INT.setRelease(map, FormatV2.H_STATE, FormatV2.STATE_CLOSED);
        if (!keep) {
            try {
                BasicFileAttributes now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (fileKey != null && fileKey.equals(now.fileKey())) {
                    Files.deleteIfExists(path);
                }
            } catch (IOException e) {
                // gone or replaced already: nothing of ours to remove
            }
        }
        lock.release();
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already
            }
        }
    }
}
