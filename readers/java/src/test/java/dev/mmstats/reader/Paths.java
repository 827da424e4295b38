package dev.mmstats.reader;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find the repository's files; each is optional (tests that need one are skipped). */
final class Paths {
    /** Maven runs tests with the project directory (readers/java) as the working directory. */
    static final Path PROJECT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    static final Path REPO = PROJECT.resolve("../..").normalize();
    static final Path CONFORMANCE = REPO.resolve("conformance");
    static final Path SPEC = REPO.resolve("spec/v1.md");
    static final Path INTEROP = PROJECT.resolve("../../../shared/interop/mmstats-0.8").normalize();

    private Paths() {
    }

    static boolean exists(Path p) {
        return Files.exists(p);
    }
}
