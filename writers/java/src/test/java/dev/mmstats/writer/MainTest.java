package dev.mmstats.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer command: SCENARIO.json OUT.mmstats; exit 0, 1 (bad scenario, cannot create) or 2 (usage). */
class MainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void writesTheScenario() throws Exception {
        Path s = Files.writeString(dir.resolve("s.json"), "{\"fields\": [{\"label\": \"n\", \"type\": \"B\", "
                + "\"buffered\": false}], \"updates\": [{\"field\": \"n\", \"value\": 7}]}");
        Path out = dir.resolve("out.mmstats");
        assertEquals(0, run(s.toString(), out.toString()), err.toString());
        byte[] b = Files.readAllBytes(out);
        assertEquals(4096, b.length);
        assertEquals(7, b[8]); // 01 | 01 00 | n | 01 00 | B | ff | value at 8
    }

    @Test
    void badScenarioExitsOneAndWritesNothing() throws Exception {
        Path s = Files.writeString(dir.resolve("s.json"), "{\"fields\": [{\"label\": \"n\", \"type\": \"B\", "
                + "\"buffered\": false}], \"updates\": [{\"field\": \"n\", \"value\": \"seven\"}]}");
        Path out = dir.resolve("out.mmstats");
        assertEquals(1, run(s.toString(), out.toString()));
        assertFalse(Files.exists(out));
        assertTrue(err.toString().startsWith(s + ": updates[0].value: "), err.toString());
    }

    @Test
    void malformedJsonSaysWhere() throws Exception {
        Path s = Files.writeString(dir.resolve("s.json"), "{\"fields\": [}");
        assertEquals(1, run(s.toString(), dir.resolve("o.mmstats").toString()));
        assertTrue(err.toString().contains("offset 12 (line 1, column 13)"), err.toString());
    }

    @Test
    void existingOutputExitsOneAndIsKept() throws Exception {
        Path s = Files.writeString(dir.resolve("s.json"), "{\"fields\": []}");
        Path out = Files.writeString(dir.resolve("out.mmstats"), "keep");
        assertEquals(1, run(s.toString(), out.toString()));
        assertEquals("keep", Files.readString(out));
        assertTrue(err.toString().contains("out.mmstats"), err.toString());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run());
        assertEquals(2, run("one"));
        assertEquals(2, run("a", "b", "c"));
        assertEquals(2, run(dir.resolve("missing.json").toString(), dir.resolve("o").toString()));
    }

    @Test
    void fileNamesInErrorLinesHaveTheirControlCharactersEscaped() throws Exception {
        Path s = Files.writeString(dir.resolve("s\u001b[2J.json"), "{\"fields\": []}");
        Path out = Files.writeString(dir.resolve("out\n\u009b.mmstats"), "keep");
        assertEquals(1, run(s.toString(), out.toString()));
        assertEquals(dir + "/out\\x0a\\x9b.mmstats: cannot create: exists already; an mmstats writer never reuses"
                + " or overwrites a file\n", err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, run(dir.resolve("gone\u0007.json").toString(), dir.resolve("o").toString()));
        assertEquals(dir + "/gone\\x07.json: no such file\n", err.toString(StandardCharsets.UTF_8));
    }

    /** OUT is created by its exact bytes, which need not be UTF-8. */
    @Test
    void outputNameThatIsNotUtf8IsCreatedByItsBytes() throws Exception {
        Path s = Files.writeString(dir.resolve("s.json"), "{\"fields\": []}");
        byte[] name = (dir + "/\u00e9.mmstats").getBytes(StandardCharsets.ISO_8859_1); // e9: not UTF-8
        String[] args = {s.toString(), "(as the JDK decoded it)"};
        assertEquals(0, Main.run(args, new byte[][] {s.toString().getBytes(StandardCharsets.UTF_8), name},
                new PrintStream(err, true, StandardCharsets.UTF_8)), err.toString());
        try (var listing = Files.list(dir)) {
            Path made = listing.filter(p -> p.toUri().getRawPath().endsWith("/%E9.mmstats")).findFirst().orElseThrow();
            assertEquals(4096, Files.size(made));
        }
    }

    /** A field no reader would accept the file for: refused before any file exists. */
    @Test
    void aFileOverTheReadersSizeLimitIsRefused() throws Exception {
        Path s = Files.writeString(dir.resolve("s.json"),
                "{\"fields\": [{\"label\": \"big\", \"type\": \"300000000s\", \"buffered\": false}]}");
        Path out = dir.resolve("out.mmstats");
        assertEquals(1, run(s.toString(), out.toString()));
        assertFalse(Files.exists(out));
        assertTrue(err.toString().startsWith(s + ": the fields up to 'big' need 300000019 bytes, over 268435456"),
                err.toString());
    }
}
