package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files near the 2 GiB a Java array holds (with a raised --max-size): the walk's bounds check in long
 * arithmetic, and running out of memory reported as an I/O error, never as an invalid file.
 */
class BoundsTest {
    /** The largest file size the reader accepts at all (MmstatsReader.ARRAY_LIMIT). */
    private static final long BIGGEST = Integer.MAX_VALUE - 8;

    @TempDir
    Path dir;

    /** Records declared at the end of a file of the largest size: label, type and value areas past its end. */
    @Test
    void areasPastTheEndOfAHugeFileDoNotFit() {
        long labelAt = BIGGEST - 5;              // a label_size read just before the end
        assertFalse(FormatV1.fits(labelAt, 65535, BIGGEST));
        assertTrue((int) labelAt + 65535 < 0);   // what int arithmetic made of it: a negative end that "fits"
        assertFalse(FormatV1.fits(BIGGEST - 1, 2, BIGGEST));                     // type_size cut by 1 byte
        assertTrue(FormatV1.fits(BIGGEST - 2, 2, BIGGEST));                      // ends exactly at the end
        assertFalse(FormatV1.fits(BIGGEST - 100, 2L * 999_999_999, BIGGEST));   // a buffered 999999999s value
        assertFalse(FormatV1.fits(BIGGEST + 1, 0, BIGGEST));                     // an offset past the end
        assertTrue(FormatV1.fits(BIGGEST, 0, BIGGEST));
        assertFalse(FormatV1.fits(Long.MAX_VALUE - 1, Long.MAX_VALUE, Long.MAX_VALUE)); // no overflow at all
    }

    /** Against exact integers on random areas in the range of huge files. */
    @Test
    void fitsAgreesWithExactArithmetic() {
        SplittableRandom rng = new SplittableRandom(2147483647);
        for (int k = 0; k < 100_000; k++) {
            long size = BIGGEST - rng.nextLong(1 << 20);
            long offset = size - rng.nextLong(-1000, 1 << 20);
            long length = rng.nextBoolean() ? rng.nextLong(65536) : rng.nextLong(2L * 999_999_999 + 1);
            boolean exact = BigInteger.valueOf(offset).add(BigInteger.valueOf(length))
                    .compareTo(BigInteger.valueOf(size)) <= 0;
            assertEquals(exact, FormatV1.fits(offset, length, size), offset + " + " + length + " <= " + size);
        }
    }

    /** A file larger than the heap: exit 2 with a message, not a stack trace and exit 1 ("invalid"). */
    @Test
    void outOfMemoryIsAnIoErrorOfTheCommand() throws Exception {
        Path big = dir.resolve("big.mmstats");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(64L << 20); // sparse: no 64 MiB written
        }
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx16m",
                "-cp", Paths.PROJECT.resolve("target/classes").toString(), "dev.mmstats.reader.Main", "read",
                "--max-size", "1000000000", big.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), err);
        assertEquals("", out);
        assertTrue(err.startsWith(big + ": cannot read: out of memory"), err);
        assertEquals(1, err.lines().count(), err);
    }
}
