package dev.mmstats.reader;

import java.util.ArrayList;
import java.util.List;

/**
 * A file's layout, parsed once, turned into offset tables: values are then read from any later copy of
 * the same file without walking the records again (spec: "Polling").
 */
public final class CompiledLayout {
    private final String path;
    private final FileFormat format;
    private final List<FieldLayout> fields;
    private final int fileSize;
    private final int[] writeBufferAt;
    private final int[][] readAt; // readAt[wb][i]: where field i's value is when its write buffer is wb (0, 1)

    public CompiledLayout(String path, ScanResult scan, int fileSize) {
        if (!scan.valid()) {
            throw new IllegalArgumentException("the layout of an invalid file: " + scan.problems().get(0));
        }
        this.path = path;
        this.format = scan.format();
        this.fields = scan.fields();
        this.fileSize = fileSize;
        int n = fields.size();
        writeBufferAt = new int[n];
        readAt = new int[2][n];
        for (int i = 0; i < n; i++) {
            FieldLayout f = fields.get(i);
            writeBufferAt[i] = f.writeBufferOffset();
            for (int wb = 0; wb < 2; wb++) {
                readAt[wb][i] = f.buffered() ? format.readOffset(f, wb) : f.valueOffset();
            }
        }
    }

    public FileFormat format() {
        return format;
    }

    public List<FieldLayout> fields() {
        return fields;
    }

    /** The size of the file this layout was parsed from; a copy of another size is another file. */
    public int fileSize() {
        return fileSize;
    }

    /** The values of every field in a copy of the file, in file order. */
    public List<Value> values(byte[] data) throws FormatException {
        List<Value> out = new ArrayList<>(fields.size());
        for (int i = 0; i < writeBufferAt.length; i++) {
            FieldLayout f = fields.get(i);
            int wb = data[writeBufferAt[i]] & 0xff;
            if (!format.isValidWriteBuffer(f, wb)) {
                throw new FormatException(path, new Problem(ErrorCode.BAD_WRITE_BUFFER, writeBufferAt[i],
                        String.format("write buffer of %s changed to 0x%02x", FormatV1.quote(f.label()), wb)));
            }
            out.add(format.decode(data, readAt[f.buffered() ? wb : 0][i], f.type()));
        }
        return out;
    }
}
