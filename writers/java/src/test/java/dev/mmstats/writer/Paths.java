package dev.mmstats.writer;

import java.nio.file.Path;

/** Where the tests find the repository's files; tests that need an absent one are skipped. */
final class Paths {
    static final Path PROJECT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    static final Path REPO = PROJECT.resolve("../..").normalize();
    static final Path SCENARIOS = REPO.resolve("conformance/writer-scenarios");
    static final Path INTEROP = PROJECT.resolve("../../../shared/interop/mmstats-0.8").normalize();

    private Paths() {
    }
}
