package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every valid file cut at every byte: the reader reports a format problem (never another exception,
 * never values), and the validator's problems are sorted and come from the walk's vocabulary.
 */
class TruncationTest {
    private static final Set<ErrorCode> OF_A_CUT = EnumSet.of(ErrorCode.NOT_READY, ErrorCode.TRUNCATED_RECORD,
            ErrorCode.PAST_EOF, ErrorCode.BAD_FILE_SIZE);

    /** Cuts {@code whole} at every length {@code cutAt} accepts. */
    static void prefixes(byte[] whole, IntPredicate cutAt) throws FormatException {
        ScanResult full = FileScanner.scan(whole);
        assertTrue(full.valid());
        for (int n = 0; n < whole.length; n++) {
            if (!cutAt.test(n)) {
                continue;
            }
            byte[] cut = Arrays.copyOf(whole, n);
            ScanResult r = FileScanner.scan(cut);
            if (r.valid()) {
                // only a whole number of pages holding every record is a valid prefix
                assertEquals(0, n % FileScanner.PAGE_SIZE);
                assertTrue(n >= full.fields().get(full.fields().size() - 1).end());
                assertEquals(full.fields().size(), MmstatsReader.decode(cut, "cut").fields().size());
                continue;
            }
            for (Problem p : r.problems()) {
                assertTrue(OF_A_CUT.contains(p.code()), n + ": " + p);
            }
            List<Problem> sorted = new ArrayList<>(r.problems());
            sorted.sort(FileScanner.ORDER);
            assertEquals(sorted, r.problems());
            FormatException e = assertThrows(FormatException.class, () -> MmstatsReader.decode(cut, "cut"));
            assertEquals(r.problems().get(0), e.problem());
        }
    }

    private static Stream<DynamicTest> each(List<Path> files, boolean everyByte) {
        assertFalse(files.isEmpty(), "no files with a .json beside them");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            byte[] whole = readAll(f);
            List<FieldLayout> fields = FileScanner.scan(whole).fields();
            int end = fields.isEmpty() ? 1 : fields.get(fields.size() - 1).end();
            // Every cut inside the records (and just past them); in the zero fill nothing new happens, so
            // every 61st. The conformance files are many: there every byte of the first 600 and around the
            // record list's end, and every 7th elsewhere in the records.
            prefixes(whole, everyByte ? n -> n <= end + 16 || n % 61 == 0
                    : n -> n < 600 || Math.abs(n - end) < 16 || (n < end ? n % 7 == 0 : n % 61 == 0));
        }));
    }

    private static byte[] readAll(Path f) throws IOException {
        return Files.readAllBytes(f);
    }

    /** The 0.8 files (top folder; cpython2.7 holds the same records in another order): every byte of the records. */
    @TestFactory
    Stream<DynamicTest> interopFiles() {
        Path dir = Paths.GOLDEN_08;
        return each(Corpus.filesWithJson(dir).stream().filter(p -> p.getParent().equals(dir)).toList(), true);
    }

    @TestFactory
    Stream<DynamicTest> conformanceValidFiles() {
        return each(Corpus.filesWithJson(Paths.CONFORMANCE.resolve("valid")), false);
    }
}
