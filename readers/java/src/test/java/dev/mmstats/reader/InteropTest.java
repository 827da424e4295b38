package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Files written by mmstats 0.8 read to the values in their .json (semantic comparison). */
class InteropTest {

    private static Stream<DynamicTest> each(Path dir) {
        List<Path> files = Corpus.filesWithJson(dir);
        assertFalse(files.isEmpty(), dir + " holds no .mmstats files with a .json beside them");
        return files.stream().map(f -> DynamicTest.dynamicTest(dir.relativize(f).toString(),
                () -> assertEquals(List.of(), Corpus.diffAgainstJson(f, Corpus.json(f)))));
    }

    /** The 0.8 corpus in the repository, both the CPython 3 files and the cpython2.7 folder. */
    @TestFactory
    Stream<DynamicTest> goldenCorpus() {
        return each(Paths.GOLDEN_08);
    }
}
