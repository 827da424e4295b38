package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The re-check of write-buffer bytes, against a file that a simulated writer changes between reads. */
class WriteBufferRecheckTest {
    // A buffered Q "n" at 1: label_size 1..2, label 3, type_size 4..5, type 6, wb at 7, value[0] at 8,
    // value[1] at 16; an unbuffered B "u" after it.
    private static final int WB = 7;

    private static byte[] file(int wb, long v0, long v1) {
        byte[] q = new byte[16];
        for (int i = 0; i < 8; i++) {
            q[i] = (byte) (v0 >>> (8 * i));
            q[8 + i] = (byte) (v1 >>> (8 * i));
        }
        return Image.file(Image.record("n", "Q", wb, q), Image.record("u", "B", 0xff, new byte[] {5}));
    }

    /** A source that serves the given versions of the file, one per read, the last one forever. */
    private static final class Versions implements ByteSource {
        final List<byte[]> versions;
        int reads;

        Versions(byte[]... versions) {
            this.versions = new ArrayList<>(Arrays.asList(versions));
        }

        @Override
        public int read(byte[] dst, int length, long position) {
            byte[] now = versions.get(Math.min(reads++, versions.size() - 1));
            int n = (int) Math.max(0, Math.min(length, now.length - position));
            if (n == 0) {
                return 0;
            }
            System.arraycopy(now, (int) position, dst, 0, n);
            return n;
        }
    }

    private static long read(byte[] copy, ByteSource source) throws Exception {
        ScanResult scan = FileScanner.scan(copy);
        assertNull(WriteBufferRecheck.settle(source, copy, scan.fields(), scan.format()));
        return ((Value.UInt) MmstatsReader.fields(copy, scan).fields().get(0).value()).bits();
    }

    @Test
    void unchangedWriteBufferKeepsTheCopyAndReadsOnce() throws Exception {
        Versions source = new Versions(file(1, 7, 99));
        assertEquals(7, read(file(1, 7, 99), source));
        assertEquals(1, source.reads);
    }

    @Test
    void flippedDuringTheCopyTakesTheNewerValue() throws Exception {
        // The copy saw wb 1 with a torn value[0]; meanwhile the writer finished: wb 0, value[1] = 8.
        byte[] torn = file(1, 0xdead, 6);
        Versions source = new Versions(file(0, 7, 8));
        assertEquals(8, read(torn, source));
        assertEquals(2, source.reads); // one re-read that changed, one that confirmed
    }

    @Test
    void keepsFlippingGivesUpAfterThreeRetries() throws Exception {
        Versions source = new Versions(file(0, 1, 2), file(1, 3, 2), file(0, 3, 4), file(1, 5, 4), file(0, 5, 6));
        long got = read(file(1, 1, 0), source);
        assertEquals(4, source.reads); // three retries, and one last check that still saw a flip
        assertEquals(4, got);          // from the last copy taken (the third retry): a possibly torn sample
    }

    @Test
    void shrunkFileLeavesTheCopyAsItWas() throws Exception {
        Versions source = new Versions(new byte[4]);
        assertEquals(7, read(file(1, 7, 0), source));
    }

    @Test
    void writeBufferTurnedInvalidIsBadWriteBuffer() throws Exception {
        byte[] copy = file(1, 7, 0);
        byte[] broken = copy.clone();
        broken[WB] = 9;
        ScanResult scan = FileScanner.scan(copy);
        Problem p = WriteBufferRecheck.settle(new Versions(broken), copy, scan.fields(), scan.format());
        assertEquals(ErrorCode.BAD_WRITE_BUFFER, p.code());
        assertEquals(WB, p.offset());
    }
}
