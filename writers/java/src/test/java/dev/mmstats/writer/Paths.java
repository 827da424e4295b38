package dev.mmstats.writer;

import java.nio.file.Path;

/** Where the tests find the repository's files. Each must exist: a test that finds none fails. */
final class Paths {
    static final Path PROJECT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    static final Path REPO = PROJECT.resolve("../..").normalize();
    static final Path SCENARIOS = REPO.resolve("conformance/writer-scenarios");
    /** The files mmstats 0.8 wrote, with a .json of the fields and values beside each. */
    static final Path GOLDEN_08 = REPO.resolve("conformance/golden/mmstats-0.8");

    private Paths() {
    }
}
