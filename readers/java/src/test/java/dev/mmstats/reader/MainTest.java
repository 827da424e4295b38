package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line protocol: stdout, stderr lines and exit codes. */
class MainTest {
    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void readPrintsTheCanonicalObject() throws Exception {
        Path p = Files.write(dir.resolve("ok.mmstats"), Image.file(Image.record("temp.°C", "h", 0xff, Image.hex("d8 ff"))));
        Run r = run("read", p.toString());
        assertEquals(0, r.status(), r.err());
        Map<String, Object> got = Json.object(r.out());
        assertEquals(p.toString(), got.get("path"));
        Map<String, Object> want = Json.object("{\"format_version\": 1, \"fields\": [{\"label\": \"temp.°C\", "
                + "\"type\": \"h\", \"buffered\": false, \"value\": -40}]}");
        assertEquals(List.of(), Canonical.diff(want, got));
        assertEquals("", r.err());
    }

    @Test
    void readOfAnInvalidFileExitsOneWithTheFirstProblem() throws Exception {
        Path p = Files.write(dir.resolve("bad.mmstats"), Image.padded(Image.hex("01 02 00 c3 28 01 00 6c ff 07"), 100));
        Run r = run("read", p.toString());
        assertEquals(1, r.status());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith(p + ": offset 3: bad_label_utf8: "), r.err());
        assertEquals(1, r.err().lines().count());
    }

    @Test
    void validatePrintsEveryProblemSortedByOffset() throws Exception {
        // bad label at 3, unknown type "l" at 7, size 100
        Path p = Files.write(dir.resolve("bad.mmstats"), Image.padded(Image.hex("01 02 00 c3 28 01 00 6c ff 07"), 100));
        Run r = run("validate", p.toString());
        assertEquals(1, r.status());
        List<String> lines = r.err().lines().toList();
        assertEquals(3, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith(p + ": offset 3: bad_label_utf8: "));
        assertTrue(lines.get(1).startsWith(p + ": offset 7: unknown_type: "));
        assertTrue(lines.get(2).startsWith(p + ": offset 100: bad_file_size: "));
    }

    @Test
    void validateOfAValidFileExitsZeroSilently() throws Exception {
        Path p = Files.write(dir.resolve("ok.mmstats"), Image.file());
        Run r = run("validate", p.toString());
        assertEquals(new Run(0, "", ""), r);
    }

    @Test
    void maxSizeOptionSetsTheLimit() throws Exception {
        Path p = Files.write(dir.resolve("two.mmstats"), Image.padded(Image.hex("01"), 8192));
        Run r = run("validate", "--max-size", "4096", p.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith(p + ": offset 4096: file_too_large: "), r.err());
        assertEquals(1, run("read", "--max-size=4096", p.toString()).status());
        assertEquals(0, run("read", p.toString(), "--max-size", "8192").status());
    }

    @Test
    void usageAndIoErrorsExitTwo() {
        assertEquals(2, run().status());
        assertEquals(2, run("read").status());
        assertEquals(2, run("frobnicate", "x").status());
        assertEquals(2, run("read", "a", "b").status());
        assertEquals(2, run("read", "--max-size", "lots", "a").status());
        assertEquals(2, run("read", "--max-size").status());
        Run missing = run("validate", dir.resolve("missing.mmstats").toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("missing.mmstats"), missing.err());
    }
}
