package dev.mmstats.reader;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Everything specific to format version 1 (spec/v1.md): the named offsets of a record, the type table,
 * the record walk of "Finding problems", and how values are stored.
 */
public final class FormatV1 implements FileFormat {
    public static final FormatV1 INSTANCE = new FormatV1();

    public static final int VERSION = 0x01;
    public static final int UNBUFFERED = 0xff;
    public static final int BUFFER_COUNT = 2;

    // File offsets: each is the previous one plus its size.
    public static final int VERSION_OFFSET = 0;
    public static final int VERSION_SIZE = 1;
    public static final int FIRST_RECORD_OFFSET = VERSION_OFFSET + VERSION_SIZE;

    // Record offsets, relative to the record's first byte; the variable parts follow label_size and type_size.
    public static final int LABEL_SIZE_OFFSET = 0;
    public static final int LABEL_SIZE_SIZE = 2;
    public static final int LABEL_OFFSET = LABEL_SIZE_OFFSET + LABEL_SIZE_SIZE;
    public static final int TYPE_SIZE_SIZE = 2;
    public static final int WRITE_BUFFER_SIZE = 1;

    /** Offset of type_size in a record whose label has {@code labelSize} bytes. */
    public static int typeSizeOffset(int labelSize) {
        return LABEL_OFFSET + labelSize;
    }

    public static int typeOffset(int labelSize) {
        return typeSizeOffset(labelSize) + TYPE_SIZE_SIZE;
    }

    public static int writeBufferOffset(int labelSize, int typeSize) {
        return typeOffset(labelSize) + typeSize;
    }

    public static int valueOffset(int labelSize, int typeSize) {
        return writeBufferOffset(labelSize, typeSize) + WRITE_BUFFER_SIZE;
    }

    /** N of {@code <N>s} has at most this many digits. */
    public static final int MAX_STRING_DIGITS = 9;

    private static final Map<String, TypeSpec> NUMERIC = Map.ofEntries(
            numeric("b", TypeSpec.Kind.SIGNED_INT, 1),
            numeric("B", TypeSpec.Kind.UNSIGNED_INT, 1),
            numeric("h", TypeSpec.Kind.SIGNED_INT, 2),
            numeric("H", TypeSpec.Kind.UNSIGNED_INT, 2),
            numeric("i", TypeSpec.Kind.SIGNED_INT, 4),
            numeric("I", TypeSpec.Kind.UNSIGNED_INT, 4),
            numeric("q", TypeSpec.Kind.SIGNED_INT, 8),
            numeric("Q", TypeSpec.Kind.UNSIGNED_INT, 8),
            numeric("f", TypeSpec.Kind.FLOAT, 4),
            numeric("d", TypeSpec.Kind.FLOAT, 8),
            numeric("?", TypeSpec.Kind.BOOL, 1));

    private static Map.Entry<String, TypeSpec> numeric(String sig, TypeSpec.Kind kind, int size) {
        return Map.entry(sig, new TypeSpec(sig, kind, size));
    }

    private FormatV1() {
    }

    @Override
    public int version() {
        return VERSION;
    }

    /** The type of a stored signature, or null when it is not in the table (case-sensitive, exact). */
    public static TypeSpec lookup(byte[] data, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (data[i] < 0) {
                return null; // a byte above 0x7f: not ASCII
            }
        }
        return lookup(new String(data, off, len, StandardCharsets.US_ASCII));
    }

    /** The type of a signature, or null when it is not in the table. */
    public static TypeSpec lookup(String sig) {
        TypeSpec numeric = NUMERIC.get(sig);
        if (numeric != null) {
            return numeric;
        }
        int digits = sig.length() - 1;
        if (digits < 1 || digits > MAX_STRING_DIGITS || sig.charAt(digits) != 's') {
            return null;
        }
        if (digits > 1 && sig.charAt(0) == '0') {
            return null; // no leading zeros; "0s" itself is allowed
        }
        int n = 0;
        for (int i = 0; i < digits; i++) {
            char c = sig.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            n = n * 10 + (c - '0');
        }
        return new TypeSpec(sig, TypeSpec.Kind.STRING, n);
    }

    /** Thrown inside the walk at a structural problem: the next record cannot be found. */
    private static final class Stop extends Exception {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }

    @Override
    public void walk(byte[] data, List<FieldLayout> fields, List<Problem> problems) {
        try {
            walkRecords(data, fields, problems);
        } catch (Stop stop) {
            // the structural problem is already recorded; nothing after it can be found
        }
    }

    /**
     * Whether the {@code length} bytes at {@code offset} lie inside a file of {@code size} bytes. Every bounds
     * check of the walk is this one, in long arithmetic that cannot overflow for non-negative arguments (a
     * record near the 2 GiB a Java array holds, with a label_size or value size added, passes int's range).
     */
    static boolean fits(long offset, long length, long size) {
        return offset <= size && length <= size - offset;
    }

    private static void walkRecords(byte[] data, List<FieldLayout> fields, List<Problem> problems) throws Stop {
        final long size = data.length;
        long pos = FIRST_RECORD_OFFSET;
        while (true) {
            if (!fits(pos, LABEL_SIZE_SIZE, size)) {
                if (size - pos == 1 && data[(int) pos] != 0) {
                    stop(problems, ErrorCode.TRUNCATED_RECORD, pos,
                            "label size cut by end of file: 1 of " + LABEL_SIZE_SIZE + " bytes");
                }
                return; // end of file, or a lone zero byte of zero fill
            }
            int labelSize = u16(data, (int) (pos + LABEL_SIZE_OFFSET));
            if (labelSize == 0) {
                checkZeroFill(data, (int) pos, problems);
                return;
            }
            long labelAt = pos + LABEL_OFFSET;
            if (!fits(labelAt, labelSize, size)) {
                pastEof(problems, labelAt, labelSize, size, "label");
            }
            String label;
            int bad = Utf8.firstIllFormed(data, (int) labelAt, labelSize);
            if (bad >= 0) {
                problems.add(new Problem(ErrorCode.BAD_LABEL_UTF8, bad, String.format(
                        "label byte 0x%02x is not well-formed UTF-8", data[bad] & 0xff)));
                label = Utf8.decodeLossy(data, (int) labelAt, labelSize);
            } else {
                label = new String(data, (int) labelAt, labelSize, StandardCharsets.UTF_8);
            }
            long typeSizeAt = pos + typeSizeOffset(labelSize);
            if (!fits(typeSizeAt, TYPE_SIZE_SIZE, size)) {
                stop(problems, ErrorCode.TRUNCATED_RECORD, typeSizeAt, "type size of " + quote(label)
                        + " cut by end of file: " + (size - typeSizeAt) + " of " + TYPE_SIZE_SIZE + " bytes");
            }
            int typeSize = u16(data, (int) typeSizeAt);
            long typeAt = pos + typeOffset(labelSize);
            if (!fits(typeAt, typeSize, size)) {
                pastEof(problems, typeAt, typeSize, size, "type of " + quote(label));
            }
            TypeSpec type = lookup(data, (int) typeAt, typeSize);
            if (type == null) {
                stop(problems, ErrorCode.UNKNOWN_TYPE, typeAt, "type signature "
                        + quote(new String(data, (int) typeAt, typeSize, StandardCharsets.ISO_8859_1)) + " of "
                        + quote(label) + " is not in the type table");
            }
            long wbAt = pos + writeBufferOffset(labelSize, typeSize);
            if (!fits(wbAt, WRITE_BUFFER_SIZE, size)) {
                stop(problems, ErrorCode.TRUNCATED_RECORD, wbAt, "write buffer of " + quote(label) + " cut by end of file");
            }
            int wb = data[(int) wbAt] & 0xff;
            if (wb != UNBUFFERED && wb > 1) {
                stop(problems, ErrorCode.BAD_WRITE_BUFFER, wbAt, String.format(
                        "write buffer of %s is 0x%02x; allowed: 0x00, 0x01, 0xff", quote(label), wb));
            }
            boolean buffered = wb != UNBUFFERED;
            long area = buffered ? (long) BUFFER_COUNT * type.size() : type.size();
            long valueAt = pos + valueOffset(labelSize, typeSize);
            if (!fits(valueAt, area, size)) {
                pastEof(problems, valueAt, area, size, "value of " + quote(label) + " (" + type.signature() + ", "
                        + (buffered ? "2 buffers" : "1 value") + ")");
            }
            // everything up to valueAt + area <= size is inside the array: the ints below cannot overflow
            fields.add(new FieldLayout(label, type, buffered, (int) pos, (int) wbAt, (int) valueAt));
            pos = valueAt + area;
        }
    }

    /** The area of {@code length} bytes at {@code offset} does not fit (messages are built only here). */
    private static void pastEof(List<Problem> problems, long offset, long length, long size, String what) throws Stop {
        stop(problems, ErrorCode.PAST_EOF, offset, what + " needs " + length + " bytes, "
                + Math.max(size - offset, 0) + " left before end of file at " + size);
    }

    private static void stop(List<Problem> problems, ErrorCode code, long offset, String message) throws Stop {
        problems.add(new Problem(code, offset, message));
        throw new Stop();
    }

    /** After the terminator at {@code pos}, every byte must be zero; the first one that is not is reported. */
    private static void checkZeroFill(byte[] data, int pos, List<Problem> problems) {
        for (int i = pos; i < data.length; i++) {
            if (data[i] != 0) {
                problems.add(new Problem(ErrorCode.TRAILING_GARBAGE, i, String.format(
                        "byte 0x%02x after the terminating label size at %d; the zero fill must be all zeros",
                        data[i] & 0xff, pos)));
                return;
            }
        }
    }

    @Override
    public boolean isValidWriteBuffer(FieldLayout field, int writeBuffer) {
        return field.buffered() ? writeBuffer == 0 || writeBuffer == 1 : writeBuffer == UNBUFFERED;
    }

    /** Buffered: value[wb ^ 1], the copy the writer is not writing; unbuffered: the one value. */
    @Override
    public int readOffset(FieldLayout field, int writeBuffer) {
        if (!field.buffered()) {
            return field.valueOffset();
        }
        return field.valueOffset() + (writeBuffer ^ 1) * field.type().size();
    }

    @Override
    public Value decode(byte[] data, int offset, TypeSpec type) {
        return switch (type.kind()) {
            case SIGNED_INT -> new Value.Int(signedLE(data, offset, type.size()));
            case UNSIGNED_INT -> new Value.UInt(unsignedLE(data, offset, type.size()));
            case FLOAT -> new Value.Float(type.size() == 4
                    ? (double) java.lang.Float.intBitsToFloat((int) unsignedLE(data, offset, 4))
                    : Double.longBitsToDouble(unsignedLE(data, offset, 8)));
            case BOOL -> new Value.Bool(data[offset] != 0);
            case STRING -> new Value.Text(Utf8.decodeString(data, offset, type.size()));
        };
    }

    static int u16(byte[] data, int at) {
        return (data[at] & 0xff) | (data[at + 1] & 0xff) << 8;
    }

    /** Little-endian, zero-extended to 64 bits. */
    static long unsignedLE(byte[] data, int at, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = v << 8 | (data[at + i] & 0xff);
        }
        return v;
    }

    /** Little-endian two's complement, sign-extended to 64 bits. */
    static long signedLE(byte[] data, int at, int size) {
        int shift = 64 - 8 * size;
        return unsignedLE(data, at, size) << shift >> shift;
    }

    /** A label or signature for a one-line message: quoted, with control characters escaped. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('\'');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            // C0 and C1 controls, and the line separators: a message is one line
            if (c < 0x20 || c >= 0x7f && c < 0xa0 || c == '\'' || c == '\\' || c == '\u2028' || c == '\u2029') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('\'').toString();
    }
}
