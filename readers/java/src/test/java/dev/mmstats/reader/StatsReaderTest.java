package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The polling re-reader: layout parsed once per file identity, values re-read each time. */
class StatsReaderTest {
    @TempDir
    Path dir;

    private static byte[] counter(String label, int wb, int v0, int v1) {
        return Image.file(Image.record(label, "I", wb, new byte[] {(byte) v0, 0, 0, 0, (byte) v1, 0, 0, 0}),
                Image.record("s", "4s", 0xff, "abc".getBytes()));
    }

    /** Changes bytes in place, as a writer does through its mapping (same inode, same size). */
    private static void patch(Path p, byte[] data) throws Exception {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(data), 0);
        }
    }

    @Test
    void valuesFollowTheWriterWithoutReparsing() throws Exception {
        Path p = Files.write(dir.resolve("a.mmstats"), counter("hits", 0, 0, 0));
        try (StatsReader r = new StatsReader(p)) {
            assertEquals(List.of(new Value.UInt(0), new Value.Text("abc")), r.read());
            CompiledLayout layout = r.layout();
            patch(p, counter("hits", 1, 5, 0));   // one update: value[0] = 5, wb = 1
            assertEquals(new Value.UInt(5), r.read().get(0));
            patch(p, counter("hits", 0, 5, 6));   // another: value[1] = 6, wb = 0
            assertEquals(new Value.UInt(6), r.read().get(0));
            assertSame(layout, r.layout());
        }
    }

    @Test
    void anotherFileAtThePathIsParsedAgain() throws Exception {
        Path p = Files.write(dir.resolve("a.mmstats"), counter("hits", 1, 3, 0));
        try (StatsReader r = new StatsReader(p)) {
            CompiledLayout first = r.layout();
            assertEquals(new Value.UInt(3), r.read().get(0));
            Path other = Files.write(dir.resolve("b.tmp"), counter("misses", 1, 9, 0));
            Files.move(other, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertEquals(new Value.UInt(9), r.read().get(0));
            assertNotSame(first, r.layout());
            assertEquals("misses", r.layout().fields().get(0).label());
        }
    }

    @Test
    void invalidWriteBufferAppearingLaterIsReported() throws Exception {
        byte[] data = counter("hits", 1, 3, 0);
        Path p = Files.write(dir.resolve("a.mmstats"), data);
        try (StatsReader r = new StatsReader(p)) {
            r.read();
            int wbAt = r.layout().fields().get(0).writeBufferOffset();
            data[wbAt] = 7;
            patch(p, data);
            FormatException e = assertThrows(FormatException.class, r::read);
            assertEquals(ErrorCode.BAD_WRITE_BUFFER, e.code());
            assertEquals(wbAt, e.offset());
        }
    }

    @Test
    void notReadyFileIsReportedAndLaterRead() throws Exception {
        byte[] data = counter("hits", 1, 3, 0);
        data[0] = 0;
        Path p = Files.write(dir.resolve("a.mmstats"), data);
        try (StatsReader r = new StatsReader(p)) {
            assertEquals(ErrorCode.NOT_READY, assertThrows(FormatException.class, r::read).code());
            data[0] = 1;
            patch(p, data);
            assertEquals(new Value.UInt(3), r.read().get(0));
        }
    }
}
