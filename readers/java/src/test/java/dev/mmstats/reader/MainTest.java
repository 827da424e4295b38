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

    private static Run run(String[] args, byte[][] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, bytes, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, strictUtf8(out.toByteArray()), strictUtf8(err.toByteArray()));
    }

    /** Output must be well-formed UTF-8: decoding it reports instead of replacing. */
    static String strictUtf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new AssertionError("output is not UTF-8: " + java.util.HexFormat.of().formatHex(b), e);
        }
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

    /** A hostile file name cannot reach the terminal: control characters come out as \xNN, on one line. */
    @Test
    void fileNamesAreEscapedInEveryErrorLine() throws Exception {
        String name = "evil\u001b[2J\n\u009b31m.mmstats";
        Path bad = Files.write(dir.resolve(name), Image.padded(Image.hex("01 02 00 c3 28 01 00 6c ff 07"), 100));
        String shown = dir + "/evil\\x1b[2J\\x0a\\x9b31m.mmstats";
        Run read = run("read", bad.toString());
        assertEquals(1, read.status());
        assertTrue(read.err().startsWith(shown + ": offset 3: bad_label_utf8: "), read.err());
        Run validate = run("validate", bad.toString());
        assertEquals(3, validate.err().lines().count(), validate.err());
        validate.err().lines().forEach(l -> assertTrue(l.startsWith(shown + ": offset "), l));
        Run missing = run("read", dir.resolve("gone\u001b]0;title\u0007").toString());
        assertEquals(dir + "/gone\\x1b]0;title\\x07: no such file\n", missing.err());
        Run usage = run("read", "--max-size", "\u001b[2J", "x");
        assertTrue(usage.err().startsWith("--max-size wants a byte count, not \\x1b[2J\n"), usage.err());
        for (Run r : List.of(read, validate, missing, usage)) {
            assertTrue(r.err().chars().noneMatch(c -> c == 0x1b || c == 0x9b || c == 0x07), r.err());
        }
        // JSON is not a terminal line: there the name is a JSON string
        Path ok = Files.write(dir.resolve("ok\u001b.mmstats"), Image.file());
        assertEquals(ok.toString(), Json.object(run("read", ok.toString()).out()).get("path"));
    }

    /** Names are opened by their bytes; in JSON a name that is not UTF-8 is decoded with U+FFFD for each bad part. */
    @Test
    void aNameThatIsNotUtf8IsOpenedAndShownWithReplacementCharacters() throws Exception {
        byte[] name = (dir + "/caf\u00e9-").getBytes(StandardCharsets.UTF_8);
        byte[] raw = java.util.Arrays.copyOf(name, name.length + 2 + ".mmstats".length());
        raw[name.length] = (byte) 0xff;                 // never in UTF-8
        raw[name.length + 1] = (byte) 0xc3;             // a lead byte cut by the '.'
        System.arraycopy(".mmstats".getBytes(StandardCharsets.US_ASCII), 0, raw, name.length + 2, 8);
        Path p = FileArgument.of(raw).path();
        Files.write(p, Image.file(Image.record("n", "B", 0xff, new byte[] {5})));
        String[] args = {"read", "(as the JDK decoded it)"};
        Run r = run(args, new byte[][] {"read".getBytes(StandardCharsets.US_ASCII), raw});
        assertEquals(0, r.status(), r.err());
        assertEquals(dir + "/caf\u00e9-\ufffd\ufffd.mmstats", Json.object(r.out()).get("path"));
        Run v = run(new String[] {"validate", "x"}, new byte[][] {"validate".getBytes(StandardCharsets.US_ASCII), raw});
        assertEquals(new Run(0, "", ""), v);
        // the file is not reachable by its lossy text: the bytes are what opened it
        assertEquals(2, run("read", dir + "/caf\u00e9-\ufffd\ufffd.mmstats").status());
    }

    /** The wrappers take the exact bytes from the OS, in a UTF-8 locale and under LC_ALL=C alike. */
    @Test
    void theReadWrapperOpensNonAsciiAndNonUtf8NamesInAnyLocale() throws Exception {
        Path script = Paths.PROJECT.resolve("mmstats-java-read");
        byte[] utf8 = (dir + "/\u00e9t\u00e9.mmstats").getBytes(StandardCharsets.UTF_8);
        Files.write(FileArgument.of(utf8).path(), Image.file());
        byte[] latin1 = (dir + "/\u00e9t\u00e9.mmstats").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(FileArgument.of(latin1).path(), Image.file());
        for (String locale : List.of("C", "C.UTF-8")) {
            // printf turns the octal escapes into the name's bytes: Java cannot pass a non-UTF-8 argument itself
            for (String[] c : List.of(new String[] {"\\303\\251t\\303\\251", "\u00e9t\u00e9"},
                    new String[] {"\\351t\\351", "\ufffdt\ufffd"})) {
                ProcessBuilder pb = new ProcessBuilder("sh", "-c", "cd \"$1\" && exec \"$0\" \"$(printf '" + c[0]
                        + "')\".mmstats", script.toString(), dir.toString());
                pb.environment().put("LC_ALL", locale);
                Process proc = pb.start();
                byte[] out = proc.getInputStream().readAllBytes();
                byte[] err = proc.getErrorStream().readAllBytes();
                assertEquals(0, proc.waitFor(), locale + " " + c[1] + ": " + strictUtf8(err));
                assertEquals(c[1] + ".mmstats", Json.object(strictUtf8(out)).get("path"), locale);
            }
        }
    }
}
