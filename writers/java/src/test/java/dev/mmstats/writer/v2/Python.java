package dev.mmstats.writer.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmstats.writer.Json;
import dev.mmstats.writer.Paths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The repository's Python reader and liveness classifier, run as a process: the independent check of what
 * this writer wrote. A missing .venv fails the test (make setup-test creates it).
 */
final class Python {
    static final Path PYTHON = Paths.REPO.resolve(".venv/bin/python");
    static final Path MMSTATS = Paths.REPO.resolve(".venv/bin/mmstats");

    private Python() {
    }

    static String run(String... args) throws IOException, InterruptedException {
        return exec(PYTHON, args);
    }

    private static String exec(Path exe, String... args) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(exe), exe + " is missing: run make setup-test");
        List<String> cmd = new ArrayList<>(List.of(exe.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(Paths.REPO.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    /** The canonical form of {@code file} as mmstats read --json gives it. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> read(Path file) throws Exception {
        return (Map<String, Object>) Json.parse(exec(MMSTATS, "read", "--json", file.toString()));
    }

    /** mmstats validate: "FILE: valid", or the test fails. */
    static void valid(Path file) throws Exception {
        assertEquals(file + ": valid", exec(MMSTATS, "validate", file.toString()).trim());
    }

    /** The field objects of the canonical form, in entry order. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> fields(Map<String, Object> canonical) {
        return (List<Map<String, Object>>) (List<?>) canonical.get("fields");
    }

    /** live, exited, died, ... as the spec's Liveness section classifies the file. */
    static String liveness(Path file) throws Exception {
        return run("-c", "import sys; from mmstats_format.v2.liveness import liveness; print(liveness(sys.argv[1]))",
                file.toString()).trim();
    }

    /** JSON text of a number as Python's reader prints it: compare with Json.Num's text. */
    static Json.Num num(String text) {
        return new Json.Num(text);
    }
}
