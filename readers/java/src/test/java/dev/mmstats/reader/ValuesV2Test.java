package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The copy-based reader protocol of spec/v2.md against a simulated writer: retries, their bound, closed files. */
class ValuesV2Test {
    private static final Path STRING_ODD = Paths.CONFORMANCE.resolve("v2/valid/seqlock/string-odd.mmstats");
    private static final Path BASIC = Paths.CONFORMANCE.resolve("v2/valid/spec/basic.mmstats");
    /** basic.mmstats: the string "state" has its sequence at 0x188 and its length at 0x190. */
    private static final int SEQ_AT = 0x188;

    /** Serves reads from {@code bytes}; counts them, and calls {@code afterRead} after each. */
    private static final class Simulated implements ByteSource {
        final byte[] bytes;
        final Runnable afterRead;
        int reads;

        Simulated(byte[] bytes, Runnable afterRead) {
            this.bytes = bytes;
            this.afterRead = afterRead;
        }

        @Override
        public int read(byte[] dst, int length, long position) {
            int n = (int) Math.max(0, Math.min(length, bytes.length - position));
            System.arraycopy(bytes, (int) position, dst, 0, n);
            reads++;
            afterRead.run();
            return n;
        }
    }

    private static void putSeq(byte[] b, long seq) {
        for (int i = 0; i < 8; i++) {
            b[SEQ_AT + i] = (byte) (seq >>> (8 * i));
        }
    }

    private static String stateValue(FileV2 f) {
        return CanonicalJson.value(f.fields().get(2).value());
    }

    @Test
    void anOddSequenceIsRetriedAtMostTheBoundThenNull() throws Exception {
        byte[] file = Files.readAllBytes(STRING_ODD);
        Simulated src = new Simulated(file.clone(), () -> { });
        FileV2 f = ValuesV2.read(src, file, "x");
        assertNull(f.fields().get(0).value());
        // two whole copies, then three small reads per attempt
        assertEquals(2 + 3 * ValuesV2.RETRIES, src.reads);
    }

    @Test
    void aWriterThatFinishesDuringTheRetriesGivesItsText() throws Exception {
        byte[] file = Files.readAllBytes(BASIC);
        byte[] live = file.clone();
        putSeq(live, 7); // inside an update
        byte[] first = live.clone();
        int[] n = {0};
        Simulated src = new Simulated(live, () -> {
            if (++n[0] == 5) {
                putSeq(live, 8); // the update is done
            }
        });
        FileV2 f = ValuesV2.read(src, first, "x");
        assertEquals("\"idle\"", stateValue(f));
        assertTrue(src.reads < 2 + 3 * ValuesV2.RETRIES);
    }

    @Test
    void aSequenceThatMovesBetweenCopiesIsReadAgain() throws Exception {
        byte[] file = Files.readAllBytes(BASIC);
        byte[] live = file.clone();
        int[] n = {0};
        // every whole copy sees another even sequence: A and C disagree, so the value is read alone
        Simulated src = new Simulated(live, () -> {
            if (++n[0] <= 2) {
                putSeq(live, 8 + 2L * n[0]);
            }
        });
        FileV2 f = ValuesV2.read(src, file, "x");
        assertEquals("\"idle\"", stateValue(f));
        assertEquals(2 + 3, src.reads);
    }

    @Test
    void aClosedFileIsNotRetried() throws Exception {
        byte[] file = Files.readAllBytes(STRING_ODD);
        file[FormatV2.H_STATE] = (byte) FormatV2.STATE_CLOSED;
        Simulated src = new Simulated(file.clone(), () -> { });
        FileV2 f = ValuesV2.read(src, file, "x");
        assertNull(f.fields().get(0).value());
        assertEquals(2, src.reads);
    }
}
