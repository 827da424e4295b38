package dev.mmstats.reader;

import java.nio.file.Path;

/** Where the tests find the repository's files. Each must exist: a test that finds none fails. */
final class Paths {
    /** Maven runs tests with the project directory (readers/java) as the working directory. */
    static final Path PROJECT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    static final Path REPO = PROJECT.resolve("../..").normalize();
    static final Path CONFORMANCE = REPO.resolve("conformance");
    static final Path SPEC = REPO.resolve("spec/v1.md");
    /** The files mmstats 0.8 wrote (top folder CPython 3, cpython2.7/ the same records from CPython 2.7). */
    /** Answers of CPython generated once for every codec's tests (python -m mmstats_conformance generate). */
    static final Path ORACLES = CONFORMANCE.resolve("oracles");
    static final Path GOLDEN_08 = CONFORMANCE.resolve("golden/mmstats-0.8");

    private Paths() {
    }
}
