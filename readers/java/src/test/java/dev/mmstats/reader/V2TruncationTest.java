package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every valid version 2 file cut at every byte: the reader and the validator report a format problem
 * (never another exception, never values), and the reader's problem is one the validator reports too.
 */
class V2TruncationTest {

    @TestFactory
    Stream<DynamicTest> everyCut() {
        List<Map<String, Object>> cases = V2ConformanceTest.cases("valid");
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("id"), () -> {
            Path f = V2ConformanceTest.file(c);
            byte[] whole = Files.readAllBytes(f);
            assertTrue(FileScanner.scan(whole).valid());
            for (int n = 0; n < whole.length; n++) {
                byte[] cut = Arrays.copyOf(whole, n);
                List<Problem> problems = FileScanner.scan(cut).problems();
                if (problems.isEmpty()) {
                    // only whole pages can be a valid file: then every region fits in the cut
                    assertEquals(0, n % FileScanner.PAGE_SIZE, "a valid cut at " + n);
                    MmstatsReader.decodeAny(cut, "cut");
                    continue;
                }
                FormatException e = assertThrows(FormatException.class, () -> MmstatsReader.decodeAny(cut, "cut"),
                        "cut at " + n);
                assertTrue(problems.contains(e.problem()), n + ": " + e.problem() + " not in " + problems);
                if (n % FileScanner.PAGE_SIZE != 0) {
                    assertEquals(n == 0 ? ErrorCode.NOT_READY : ErrorCode.BAD_FILE_SIZE, e.code(), "cut at " + n);
                    assertEquals(n == 0 ? 0 : n, e.offset());
                }
            }
            assertFalse(whole.length == 0);
        }));
    }
}
