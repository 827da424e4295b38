package dev.mmstats.reader;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything specific to format version 2 (spec/v2.md): the named offsets of the header and of an entry,
 * the kind and value-type tables, and the walk of "Finding problems", which also yields each known field's
 * layout ({@link LayoutV2}). Values are read by {@link ValuesV2}.
 */
public final class FormatV2 implements FileFormat {
    public static final FormatV2 INSTANCE = new FormatV2();

    public static final int VERSION = 0x02;
    static final byte[] MAGIC = "MMSTATS".getBytes(StandardCharsets.US_ASCII);
    public static final int PAGE_SIZE = 4096;
    public static final int ALIGN = 8;
    public static final int HEADER_SIZE = 128;
    public static final int ENTRY_FIXED_SIZE = 32;
    public static final int UNIT_MAX = 63;

    // Header offsets.
    public static final int H_MAGIC = 1;
    public static final int H_MINOR = 8;
    public static final int H_HEADER_SIZE = 10;
    public static final int H_STATE = 12;
    public static final int H_PID = 16;
    public static final int H_START_TICKS = 24;
    public static final int H_CREATED_UNIX_NS = 32;
    public static final int H_HEARTBEAT_UNIX_NS = 40;
    public static final int H_HEARTBEAT_INTERVAL_MS = 48;
    public static final int H_ENTRY_FIXED_SIZE = 52;
    public static final int H_META_OFFSET = 56;
    public static final int H_META_CAPACITY = 60;
    public static final int H_PROCESS_OFFSET = 64;
    public static final int H_PROCESS_CAPACITY = 68;
    public static final int H_SLOTS_OFFSET = 72;
    public static final int H_SLOT_SIZE = 76;
    public static final int H_SLOT_COUNT = 80;
    public static final int H_SLOTS_USED = 84;
    public static final int H_FIELD_COUNT = 88;
    public static final int H_OVERFLOW_COUNT = 92;

    // Entry offsets, relative to the entry's first byte.
    public static final int E_ENTRY_SIZE = 0;
    public static final int E_KIND = 4;
    public static final int E_VALUE_TYPE = 5;
    public static final int E_VALUE_OFFSET = 8;
    public static final int E_VALUE_SIZE = 12;
    public static final int E_NAME_SIZE = 16;
    public static final int E_UNIT_SIZE = 18;
    public static final int E_HELP_SIZE = 20;
    public static final int E_ATTRIBUTES_SIZE = 22;
    public static final int E_EXTRA_SIZE = 24;

    // Multi-word values: a sequence word, then the payload.
    public static final int SEQ_SIZE = 8;
    public static final int STRING_LENGTH = 8;
    public static final int STRING_HEADER_SIZE = 16;
    public static final int HISTOGRAM_SUM = 8;
    public static final int HISTOGRAM_BUCKETS = 16;
    public static final int WORD = 8;
    public static final int ATTR_SIZE_SIZE = 2;

    /** State codes and their canonical names; index = code. */
    public static final List<String> STATES = List.of("creating", "ready", "closed");
    public static final int STATE_CREATING = 0;
    public static final int STATE_READY = 1;
    public static final int STATE_CLOSED = 2;

    /** A value type of minor 0. */
    public enum ValueType {
        U64(1), I64(2), F64(3), UTF8(4);

        final int code;

        ValueType(int code) {
            this.code = code;
        }

        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public int code() {
            return code;
        }

        static ValueType of(int code) {
            for (ValueType t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }
    }

    /** A kind of minor 0: where its value lives and which value types it allows. */
    public enum Kind {
        COUNTER(1, true, List.of(ValueType.U64, ValueType.F64)),
        GAUGE(2, false, List.of(ValueType.U64, ValueType.I64, ValueType.F64)),
        UPDOWN_COUNTER(3, true, List.of(ValueType.I64, ValueType.F64)),
        CONSTANT(4, false, List.of(ValueType.U64, ValueType.I64, ValueType.F64, ValueType.UTF8)),
        STRING(5, false, List.of(ValueType.UTF8)),
        HISTOGRAM(6, true, List.of(ValueType.F64));

        final int code;
        final boolean slotted;
        final List<ValueType> allowed;

        Kind(int code, boolean slotted, List<ValueType> allowed) {
            this.code = code;
            this.slotted = slotted;
            this.allowed = allowed;
        }

        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public int code() {
            return code;
        }

        /** Whether the value has a copy in each slot (else one copy in the process area). */
        public boolean slotted() {
            return slotted;
        }

        public boolean allows(ValueType type) {
            return allowed.contains(type);
        }

        static Kind of(int code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            return null;
        }
    }

    // Little-endian views of a byte array: every aligned word is one load (spec: "Numbers").
    private static final VarHandle U64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    static long u64(byte[] data, long at) {
        return (long) U64.get(data, Math.toIntExact(at));
    }

    static long u32(byte[] data, long at) {
        return Integer.toUnsignedLong((int) U32.get(data, Math.toIntExact(at)));
    }

    static int u16(byte[] data, long at) {
        return Short.toUnsignedInt((short) U16.get(data, Math.toIntExact(at)));
    }

    static int u8(byte[] data, long at) {
        return data[Math.toIntExact(at)] & 0xff;
    }

    /** Bytes 1 to 7 of every version 2 file (a copy). */
    public static byte[] magic() {
        return MAGIC.clone();
    }

    private FormatV2() {
    }

    @Override
    public int version() {
        return VERSION;
    }

    /** The walk reports every problem itself, in version 2's order: the file size at step 4, after the magic. */
    @Override
    public boolean walkOrdersProblems() {
        return true;
    }

    /** Every problem in the order the walk finds them; version 2 fields are not {@link FieldLayout}s. */
    @Override
    public void walk(byte[] data, List<FieldLayout> fields, List<Problem> problems) {
        problems.addAll(walk(data, false).problems());
    }

    @Override
    public boolean isValidWriteBuffer(FieldLayout field, int writeBuffer) {
        throw new UnsupportedOperationException("version 2 has no write buffers");
    }

    @Override
    public int readOffset(FieldLayout field, int writeBuffer) {
        throw new UnsupportedOperationException("version 2 has no write buffers");
    }

    @Override
    public Value decode(byte[] data, int offset, TypeSpec type) {
        throw new UnsupportedOperationException("version 2 values are read by ValuesV2");
    }

    /**
     * The walk of "Finding problems" over a copy of a version 2 file (byte 0 is 0x02; the size limit was
     * checked when it was read). With {@code firstOnly} it stops at the first problem, as a reader does.
     */
    public static LayoutV2 walk(byte[] data, boolean firstOnly) {
        return walk(data, firstOnly, null);
    }

    /**
     * As {@link #walk(byte[], boolean)}, but the entries before {@code from} (a cursor of an earlier walk of
     * the same file) are not parsed again: published entries never change. The header is checked again.
     */
    public static LayoutV2 walk(byte[] data, boolean firstOnly, LayoutV2.Cursor from) {
        Walk w = new Walk(data, firstOnly);
        w.count = from == null ? 0 : from.count();
        w.offset = from == null ? -1 : from.offset();
        try {
            w.run();
        } catch (Stop stop) {
            // recorded already; nothing after a structural problem can be found
        }
        return new LayoutV2(w.header, w.entries, w.problems, new LayoutV2.Cursor(w.count, w.offset));
    }

    /** Thrown inside the walk when it must end: a structural problem, or the first one for a reader. */
    private static final class Stop extends Exception {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }

    private static final class Walk {
        final byte[] data;
        final boolean firstOnly;
        final List<Problem> problems = new java.util.ArrayList<>();
        final List<LayoutV2.Entry> entries = new java.util.ArrayList<>();
        LayoutV2.Header header;
        long count;  // entries walked so far
        long offset; // where the next entry starts; -1: at meta_offset

        Walk(byte[] data, boolean firstOnly) {
            this.data = data;
            this.firstOnly = firstOnly;
        }

        /** Records a problem that lets the walk go on (unless only the first one is wanted). */
        void problem(ErrorCode code, long offset, String message) throws Stop {
            problems.add(new Problem(code, offset, message));
            if (firstOnly) {
                throw new Stop();
            }
        }

        /** Records a problem after which nothing can be walked. */
        void stop(ErrorCode code, long offset, String message) throws Stop {
            problems.add(new Problem(code, offset, message));
            throw new Stop();
        }

        void run() throws Stop {
            long size = data.length;
            if (size == 0 || data[0] == 0) {
                stop(ErrorCode.NOT_READY, 0, "the file is empty or its version byte is 0x00: a writer is creating it");
            }
            if (u8(data, 0) != VERSION) {
                stop(ErrorCode.BAD_VERSION, 0, String.format("version byte is 0x%02x; this reader knows 0x01 and 0x02",
                        u8(data, 0)));
            }
            // The magic is compared before the size as far as the file has it: a file that is not version 2
            // gets a version 1 reader's answer (spec: "Version byte and magic"), while a cut version 2 file
            // is bad_file_size (step 4 of the walk).
            int present = (int) Math.min(size, H_MAGIC + MAGIC.length) - H_MAGIC;
            if (!java.util.Arrays.equals(data, H_MAGIC, H_MAGIC + present, MAGIC, 0, present)) {
                problems.add(new Problem(ErrorCode.BAD_VERSION, 0,
                        "version byte 0x02, but bytes 1 to 7 are not \"MMSTATS\": not a version 2 file"));
                if (size % PAGE_SIZE != 0 && !firstOnly) {
                    fileSize(size); // as a version 1 validator also reports it
                }
                throw new Stop();
            }
            if (size % PAGE_SIZE != 0) {
                fileSize(size);
            }
            LayoutV2.Header h = LayoutV2.Header.of(data);
            if (h.state() == STATE_CREATING) {
                stop(ErrorCode.NOT_READY, H_STATE, "state is 0 (creating): the writer has not published the file");
            }
            if (h.state() >= STATES.size()) {
                stop(ErrorCode.BAD_STATE, H_STATE, "state is " + h.state() + "; allowed: 0, 1, 2");
            }
            if (h.headerSize() < HEADER_SIZE || h.headerSize() % ALIGN != 0) {
                stop(ErrorCode.BAD_HEADER_SIZE, H_HEADER_SIZE, "header_size is " + h.headerSize() + "; want at least "
                        + HEADER_SIZE + ", a multiple of " + ALIGN);
            }
            if (h.entryFixedSize() < ENTRY_FIXED_SIZE || h.entryFixedSize() % ALIGN != 0) {
                stop(ErrorCode.BAD_COUNT, H_ENTRY_FIXED_SIZE, "entry_fixed_size is " + h.entryFixedSize()
                        + "; want at least " + ENTRY_FIXED_SIZE + ", a multiple of " + ALIGN);
            }
            regions(h, size);
            if (h.slotsUsed() < 1 || h.slotsUsed() > h.slotCount()) {
                stop(ErrorCode.BAD_COUNT, H_SLOTS_USED, "slots_used is " + h.slotsUsed() + "; want 1 to " + h.slotCount());
            }
            header = h;
            entries(h);
        }

        void fileSize(long size) throws Stop {
            stop(ErrorCode.BAD_FILE_SIZE, size, "file size " + size + " is not a positive multiple of " + PAGE_SIZE);
        }

        /** The region rules of "Regions", in their order; all in long arithmetic (every operand is a u32). */
        void regions(LayoutV2.Header h, long size) throws Stop {
            long metaEnd = h.metaOffset() + h.metaCapacity();
            long processEnd = h.processOffset() + h.processCapacity();
            if (h.metaOffset() % ALIGN != 0 || h.metaOffset() < h.headerSize()) {
                stop(ErrorCode.BAD_REGION, H_META_OFFSET, "meta_offset " + h.metaOffset() + " is not a multiple of "
                        + ALIGN + " at or after the header (" + h.headerSize() + ")");
            }
            if (h.metaCapacity() % ALIGN != 0) {
                stop(ErrorCode.BAD_REGION, H_META_CAPACITY, "meta_capacity " + h.metaCapacity()
                        + " is not a multiple of " + ALIGN);
            }
            if (h.processOffset() % ALIGN != 0 || h.processOffset() < metaEnd) {
                stop(ErrorCode.BAD_REGION, H_PROCESS_OFFSET, "process_offset " + h.processOffset()
                        + " is not a multiple of " + ALIGN + " at or after the metadata end (" + metaEnd + ")");
            }
            if (h.processCapacity() % ALIGN != 0) {
                stop(ErrorCode.BAD_REGION, H_PROCESS_CAPACITY, "process_capacity " + h.processCapacity()
                        + " is not a multiple of " + ALIGN);
            }
            if (h.slotsOffset() % ALIGN != 0 || h.slotsOffset() < processEnd) {
                stop(ErrorCode.BAD_REGION, H_SLOTS_OFFSET, "slots_offset " + h.slotsOffset() + " is not a multiple of "
                        + ALIGN + " at or after the process area end (" + processEnd + ")");
            }
            if (h.slotSize() % ALIGN != 0) {
                stop(ErrorCode.BAD_REGION, H_SLOT_SIZE, "slot_size " + h.slotSize() + " is not a multiple of " + ALIGN);
            }
            // slot_count x slot_size can pass 2^63: compare by division instead
            boolean fits = h.slotsOffset() <= size
                    && (h.slotSize() == 0 || h.slotCount() <= (size - h.slotsOffset()) / h.slotSize());
            if (h.slotCount() < 1 || !fits) {
                stop(ErrorCode.BAD_REGION, H_SLOT_COUNT, h.slotCount() + " slots of " + h.slotSize() + " bytes from "
                        + h.slotsOffset() + " do not end at or before the file size " + size + " (or there are none)");
            }
        }

        void entries(LayoutV2.Header h) throws Stop {
            long fixed = h.entryFixedSize();
            long metaEnd = h.metaOffset() + h.metaCapacity();
            long e = offset < 0 ? h.metaOffset() : offset;
            offset = e;
            for (long i = count; i < h.fieldCount(); i++) {
                if (metaEnd - e < fixed) {
                    stop(ErrorCode.BAD_ENTRY_SIZE, e, "entry at " + e + ": only " + (metaEnd - e)
                            + " bytes left in the metadata region, the fixed part needs " + fixed);
                }
                long size = u32(data, e + E_ENTRY_SIZE);
                if (size < fixed || size % ALIGN != 0 || e + size > metaEnd) {
                    stop(ErrorCode.BAD_ENTRY_SIZE, e, "entry_size is " + size + "; want at least " + fixed
                            + ", a multiple of " + ALIGN + ", ending by " + metaEnd);
                }
                long strings = (long) u16(data, e + E_NAME_SIZE) + u16(data, e + E_UNIT_SIZE)
                        + u16(data, e + E_HELP_SIZE) + u16(data, e + E_ATTRIBUTES_SIZE);
                long padded = align(fixed + strings);
                long extraSize = u32(data, e + E_EXTRA_SIZE);
                if (padded + extraSize > size) {
                    stop(ErrorCode.BAD_LENGTHS, e + E_NAME_SIZE, "name, unit, help, attributes and extra need "
                            + (padded + extraSize) + " bytes; entry_size is " + size);
                }
                LayoutV2.Entry entry = entry(h, e, e + padded, extraSize);
                if (entry != null) {
                    entries.add(entry);
                }
                e += size;
                if (problems.isEmpty()) {
                    count = i + 1;
                    offset = e;
                }
            }
        }

        /** The checks of one entry whose parts fit in it; its layout, or null (a problem, or skipped). */
        LayoutV2.Entry entry(LayoutV2.Header h, long e, long extraAt, long extraSize) throws Stop {
            int nameSize = u16(data, e + E_NAME_SIZE);
            int unitSize = u16(data, e + E_UNIT_SIZE);
            int helpSize = u16(data, e + E_HELP_SIZE);
            int attrsSize = u16(data, e + E_ATTRIBUTES_SIZE);
            int nameAt = Math.toIntExact(e + h.entryFixedSize());
            int unitAt = nameAt + nameSize;
            int helpAt = unitAt + unitSize;
            int attrsAt = helpAt + helpSize;
            boolean bad = false;
            if (nameSize == 0) {
                bad = true;
                problem(ErrorCode.BAD_NAME, e + E_NAME_SIZE, "name_size is 0: a field needs a name");
            }
            int at = Utf8.firstIllFormed(data, nameAt, nameSize);
            if (at >= 0) {
                bad = true;
                problem(ErrorCode.BAD_UTF8, at, "the name is not well-formed UTF-8 at byte " + (at - nameAt));
            }
            if (unitSize > UNIT_MAX) {
                bad = true;
                problem(ErrorCode.BAD_UNIT, e + E_UNIT_SIZE, "unit_size is " + unitSize + "; at most " + UNIT_MAX);
            } else {
                for (int i = unitAt; i < helpAt; i++) {
                    int b = data[i] & 0xff;
                    if (b < 0x21 || b > 0x7e) {
                        bad = true;
                        problem(ErrorCode.BAD_UNIT, i, String.format("unit byte 0x%02x; allowed 0x21 to 0x7e", b));
                        break;
                    }
                }
            }
            at = Utf8.firstIllFormed(data, helpAt, helpSize);
            if (at >= 0) {
                bad = true;
                problem(ErrorCode.BAD_UTF8, at, "the help text is not well-formed UTF-8 at byte " + (at - helpAt));
            }
            Map<String, String> attributes = attributes(attrsAt, attrsSize);
            bad |= attributes == null;
            Kind kind = Kind.of(u8(data, e + E_KIND));
            ValueType type = ValueType.of(u8(data, e + E_VALUE_TYPE));
            if (kind == null || type == null) {
                return null; // a later minor's kind or value type: skipped, never a problem
            }
            if (!kind.allowed.contains(type)) {
                problem(ErrorCode.BAD_VALUE_TYPE, e + E_VALUE_TYPE, "a " + kind.jsonName() + " of "
                        + type.jsonName() + "; allowed: " + kind.allowed.stream().map(ValueType::jsonName).toList());
                return null;
            }
            long valueOffset = u32(data, e + E_VALUE_OFFSET);
            long valueSize = u32(data, e + E_VALUE_SIZE);
            long bounds = extraSize / WORD;
            boolean sizeOk;
            String want;
            if (kind == Kind.HISTOGRAM) {
                long n = HISTOGRAM_BUCKETS + WORD * (bounds + 1);
                sizeOk = valueSize == n;
                want = Long.toString(n);
            } else if (type == ValueType.UTF8) {
                sizeOk = valueSize >= STRING_HEADER_SIZE && valueSize % ALIGN == 0;
                want = STRING_HEADER_SIZE + " + a multiple of " + ALIGN;
            } else {
                sizeOk = valueSize == WORD;
                want = Integer.toString(WORD);
            }
            if (!sizeOk) {
                problem(ErrorCode.BAD_VALUE_SIZE, e + E_VALUE_SIZE, "value_size is " + valueSize + "; want " + want);
                return null;
            }
            long area = kind.slotted ? h.slotSize() : h.processCapacity();
            if (valueOffset % ALIGN != 0 || valueOffset + valueSize > area) {
                bad = true;
                problem(ErrorCode.BAD_VALUE_OFFSET, e + E_VALUE_OFFSET, "value_offset " + valueOffset
                        + " + value_size " + valueSize + " in an area of " + area
                        + " bytes; the offset must be a multiple of " + ALIGN);
            }
            double[] bounds2 = new double[0];
            if (kind == Kind.HISTOGRAM) {
                bounds2 = bounds(e, extraAt, extraSize);
                if (bounds2 == null) {
                    return null;
                }
            }
            if (bad) {
                return null;
            }
            long base = (kind.slotted ? h.slotsOffset() : h.processOffset()) + valueOffset;
            if (type == ValueType.UTF8) {
                long seq = u64(data, base);
                long length = u32(data, base + STRING_LENGTH);
                if (seq % 2 == 0 && length > valueSize - STRING_HEADER_SIZE) {
                    problem(ErrorCode.BAD_STRING_LENGTH, base + STRING_LENGTH, "length " + length
                            + " exceeds the capacity " + (valueSize - STRING_HEADER_SIZE));
                    return null;
                }
            }
            String name = new String(data, nameAt, nameSize, StandardCharsets.UTF_8);
            String unit = new String(data, unitAt, unitSize, StandardCharsets.US_ASCII);
            String help = new String(data, helpAt, helpSize, StandardCharsets.UTF_8);
            return new LayoutV2.Entry(name, kind, type, unit, help, attributes, base,
                    kind.slotted ? h.slotSize() : 0, valueSize, bounds2);
        }

        /** The pairs of "Attributes" in file order, or null after the first problem of the pairs. */
        Map<String, String> attributes(int at, int size) throws Stop {
            Map<String, String> out = new LinkedHashMap<>();
            int end = at + size;
            int pos = at;
            while (pos < end) {
                int start = pos;
                if (end - pos < ATTR_SIZE_SIZE) {
                    problem(ErrorCode.BAD_ATTRIBUTES, start, "one byte left: too short for a key_size");
                    return null;
                }
                int keySize = u16(data, pos);
                pos += ATTR_SIZE_SIZE;
                if (keySize == 0) {
                    problem(ErrorCode.BAD_ATTRIBUTES, start, "an attribute key is empty");
                    return null;
                }
                if (pos + keySize + ATTR_SIZE_SIZE > end) {
                    problem(ErrorCode.BAD_ATTRIBUTES, start, "the key or the value size runs past attributes_size");
                    return null;
                }
                int valueSize = u16(data, pos + keySize);
                int valueAt = pos + keySize + ATTR_SIZE_SIZE;
                if (valueAt + valueSize > end) {
                    problem(ErrorCode.BAD_ATTRIBUTES, start, "the value runs past attributes_size");
                    return null;
                }
                int bad = Utf8.firstIllFormed(data, pos, keySize);
                if (bad >= 0) {
                    problem(ErrorCode.BAD_UTF8, bad, "an attribute key is not well-formed UTF-8");
                    return null;
                }
                bad = Utf8.firstIllFormed(data, valueAt, valueSize);
                if (bad >= 0) {
                    problem(ErrorCode.BAD_UTF8, bad, "an attribute value is not well-formed UTF-8");
                    return null;
                }
                String key = new String(data, pos, keySize, StandardCharsets.UTF_8);
                if (out.containsKey(key)) {
                    problem(ErrorCode.BAD_ATTRIBUTES, start, "the attribute key " + FormatV1.quote(key) + " repeats");
                    return null;
                }
                out.put(key, new String(data, valueAt, valueSize, StandardCharsets.UTF_8));
                pos = valueAt + valueSize;
            }
            return out;
        }

        /** A histogram's bounds, or null after a problem. */
        double[] bounds(long e, long extraAt, long extraSize) throws Stop {
            if (extraSize % WORD != 0) {
                problem(ErrorCode.BAD_HISTOGRAM, e + E_EXTRA_SIZE, "extra_size " + extraSize + " is not a multiple of 8");
                return null;
            }
            double[] out = new double[Math.toIntExact(extraSize / WORD)];
            for (int i = 0; i < out.length; i++) {
                out[i] = Double.longBitsToDouble(u64(data, extraAt + (long) WORD * i));
                if (!Double.isFinite(out[i]) || i > 0 && !(out[i] > out[i - 1])) {
                    problem(ErrorCode.BAD_HISTOGRAM, extraAt + (long) WORD * i, "bound " + i + " is " + out[i]
                            + "; bounds are finite and strictly increasing");
                    return null;
                }
            }
            return out;
        }
    }

    /** {@code n} rounded up to a multiple of {@link #ALIGN}. */
    static long align(long n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }
}
