package dev.mmstats.writer;

import java.nio.file.Path;

/** Where the tests find the repository's files. Each must exist: a test that finds none fails. */
public final class Paths {
    public static final Path PROJECT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    public static final Path REPO = PROJECT.resolve("../..").normalize();
    public static final Path SCENARIOS = REPO.resolve("conformance/writer-scenarios");
    /** The files mmstats 0.8 wrote, with a .json of the fields and values beside each. */
    public static final Path GOLDEN_08 = REPO.resolve("conformance/golden/mmstats-0.8");

    private Paths() {
    }
}
