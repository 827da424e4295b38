package dev.mmstats.writer.v1;

import dev.mmstats.reader.FileScanner;
import dev.mmstats.reader.FormatV1;
import dev.mmstats.reader.MmstatsReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where each field lives in the file, and the file image before publication (spec: "Creating a file",
 * step 2): version byte 0x00, records back to back from offset 1, every value zero and every buffered
 * write_buffer 0x00, then zeros up to a multiple of 4096.
 */
public final class Layout {
    // The version 1 constants are the reader's (FormatV1, FileScanner): one table for both.
    static final int PAGE_SIZE = FileScanner.PAGE_SIZE;
    static final byte VERSION_CREATING = 0x00;
    static final byte VERSION_READY = (byte) FormatV1.VERSION;
    static final int VERSION_OFFSET = FormatV1.VERSION_OFFSET;

    /** One field's place: the record's first byte, its write_buffer byte and value[0]. */
    public record Placed(FieldSpec spec, int recordOffset, int writeBufferOffset, int valueOffset) {
        public int end() {
            return valueOffset + (spec.buffered() ? FormatV1.BUFFER_COUNT : 1) * spec.type().size();
        }
    }

    private final List<Placed> fields;
    private final int usedBytes;
    private final int fileSize;

    private Layout(List<Placed> fields, int usedBytes, int fileSize) {
        this.fields = List.copyOf(fields);
        this.usedBytes = usedBytes;
        this.fileSize = fileSize;
    }

    /**
     * The largest file this writer makes: the readers' default size limit. A larger file would be created,
     * but every reader refuses it as file_too_large.
     */
    public static final long MAX_FILE_SIZE = MmstatsReader.DEFAULT_MAX_SIZE;

    /** Lays out {@code specs} in order; refuses duplicate labels and files over {@link #MAX_FILE_SIZE}. */
    public static Layout of(List<FieldSpec> specs) {
        List<Placed> placed = new ArrayList<>(specs.size());
        Set<String> labels = new HashSet<>();
        long pos = FormatV1.FIRST_RECORD_OFFSET;
        for (FieldSpec s : specs) {
            if (!labels.add(s.label())) {
                // The format allows it, but a label names a field: two would be ambiguous to every tool.
                throw new IllegalArgumentException("label '" + s.label() + "' is used twice");
            }
            int labelSize = FieldSpec.encodeLabel(s.label()).length;
            int typeSize = s.type().signature().length();
            long wbAt = pos + FormatV1.writeBufferOffset(labelSize, typeSize);
            long valueAt = pos + FormatV1.valueOffset(labelSize, typeSize);
            long end = valueAt + (s.buffered() ? (long) FormatV1.BUFFER_COUNT : 1L) * s.type().size();
            if (end > MAX_FILE_SIZE) { // a multiple of the page size: the rounded-up file is over it too
                throw new IllegalArgumentException("the fields up to '" + s.label() + "' need " + end
                        + " bytes, over " + MAX_FILE_SIZE + ", the size limit of the readers: every reader would"
                        + " refuse the file as file_too_large");
            }
            placed.add(new Placed(s, (int) pos, (int) wbAt, (int) valueAt));
            pos = end;
        }
        int used = (int) pos;
        int size = Math.max(PAGE_SIZE, (used + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE);
        return new Layout(placed, used, size);
    }

    public List<Placed> fields() {
        return fields;
    }

    /** The version byte and the records; the zero fill (which begins with the terminator) follows. */
    public int usedBytes() {
        return usedBytes;
    }

    /** The used bytes rounded up to a multiple of 4096 (as 0.8 did), at least one page. */
    public int fileSize() {
        return fileSize;
    }

    /** The image with version byte 0x00: what is written to the file before it is mapped. */
    public byte[] image() {
        byte[] b = new byte[fileSize];
        b[VERSION_OFFSET] = VERSION_CREATING;
        for (Placed p : fields) {
            byte[] label = FieldSpec.encodeLabel(p.spec().label());
            byte[] type = p.spec().type().signature().getBytes(StandardCharsets.US_ASCII);
            int at = p.recordOffset();
            putU16(b, at + FormatV1.LABEL_SIZE_OFFSET, label.length);
            System.arraycopy(label, 0, b, at + FormatV1.LABEL_OFFSET, label.length);
            putU16(b, at + FormatV1.typeSizeOffset(label.length), type.length);
            System.arraycopy(type, 0, b, at + FormatV1.typeOffset(label.length), type.length);
            b[p.writeBufferOffset()] = p.spec().buffered() ? 0 : (byte) FormatV1.UNBUFFERED;
            // values stay zero: numbers 0, false, strings all NUL
        }
        return b;
    }

    private static void putU16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }
}
