package dev.mmstats.reader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional reads (pread) from a file that may change underneath: never a mapping. */
@FunctionalInterface
public interface ByteSource {

    /** Reads up to {@code length} bytes at {@code position} into {@code dst[0..]}; returns how many (short at EOF). */
    int read(byte[] dst, int length, long position) throws IOException;

    static ByteSource of(FileChannel channel) {
        return (dst, length, position) -> {
            ByteBuffer buf = ByteBuffer.wrap(dst, 0, length);
            while (buf.hasRemaining()) {
                int n = channel.read(buf, position + buf.position());
                if (n < 0) {
                    break;
                }
            }
            return buf.position();
        };
    }
}
