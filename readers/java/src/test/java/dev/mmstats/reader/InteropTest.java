package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Files written by mmstats 0.8 read to the values in their .json (semantic comparison). */
class InteropTest {

    private static Stream<DynamicTest> each(Path dir) {
        List<Path> files = Corpus.filesWithJson(dir);
        assumeFalse(files.isEmpty(), dir + " is absent");
        return files.stream().map(f -> DynamicTest.dynamicTest(dir.relativize(f).toString(),
                () -> assertEquals(List.of(), Corpus.diffAgainstJson(f, Corpus.json(f)))));
    }

    /** The shared corpus beside the repository (both CPython 3 and the cpython2.7 folder). */
    @TestFactory
    Stream<DynamicTest> sharedInteropCorpus() {
        return each(Paths.INTEROP);
    }

    /** The frozen copy inside the repository. */
    @TestFactory
    Stream<DynamicTest> goldenCopyInTheRepository() {
        return each(Paths.CONFORMANCE.resolve("golden/mmstats-0.8"));
    }
}
