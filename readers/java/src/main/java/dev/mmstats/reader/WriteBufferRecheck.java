package dev.mmstats.reader;

import java.io.IOException;
import java.util.List;

/**
 * Steps 3 and 4 of the spec's "Reading a buffered value", for a copy of the whole file. One read copies
 * every write_buffer byte before its values (lower offsets come first), which is steps 1 and 2 for every
 * record. Here the buffered records are read again: a record whose write_buffer differs from the copy's
 * was flipped during the copy, so its byte and values are taken from the newer read (which again copied
 * the byte first). At most {@link #MAX_RETRIES} times; then the last copy is used as a possibly torn sample.
 */
public final class WriteBufferRecheck {
    public static final int MAX_RETRIES = 3;

    private WriteBufferRecheck() {
    }

    /**
     * Settles {@code data} in place. A re-read that comes back short (the file shrank) leaves the copy as
     * it was, since it is still one consistent copy of the checked layout.
     *
     * @return a problem when a write-buffer byte became invalid while read, else null
     */
    public static Problem settle(ByteSource source, byte[] data, List<FieldLayout> fields, FileFormat format)
            throws IOException {
        int start = -1;
        int end = 0;
        for (FieldLayout f : fields) {
            if (f.buffered()) {
                if (start < 0) {
                    start = f.writeBufferOffset();
                }
                end = f.end();
            }
        }
        if (start < 0) {
            return null;
        }
        byte[] again = new byte[end - start];
        for (int retry = 0; retry <= MAX_RETRIES; retry++) {
            if (source.read(again, again.length, start) != again.length) {
                return null;
            }
            boolean changed = false;
            for (FieldLayout f : fields) {
                int at = f.writeBufferOffset();
                if (!f.buffered() || again[at - start] == data[at]) {
                    continue;
                }
                int wb = again[at - start] & 0xff;
                if (!format.isValidWriteBuffer(f, wb)) {
                    return new Problem(ErrorCode.BAD_WRITE_BUFFER, at, String.format(
                            "write buffer of %s changed to 0x%02x while being read", FormatV1.quote(f.label()), wb));
                }
                changed = true;
                if (retry < MAX_RETRIES) {
                    System.arraycopy(again, at - start, data, at, f.end() - at);
                }
            }
            if (!changed) {
                break;
            }
        }
        return null;
    }
}
