package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only regular files are opened: a FIFO would block the open until a writer comes (these tests would hang,
 * so each runs under a timeout that fails it instead), and links, directories and devices are not stats files.
 */
class OpenFileTest {
    private static final Duration LIMIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    static Path mkfifo(Path p) throws Exception {
        Process mk = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
        String said = new String(mk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, mk.waitFor(), "mkfifo: " + said);
        return p;
    }

    private static void refused(Path p, String what, org.junit.jupiter.api.function.Executable open) {
        OpenFile.NotRegularFileException e = assertTimeoutPreemptively(LIMIT,
                () -> assertThrows(OpenFile.NotRegularFileException.class, open));
        assertTrue(e.getMessage().contains("not a regular file (" + what + ")"), e.getMessage());
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    }

    @Test
    void aFifoIsRefusedByEveryEntryPoint() throws Exception {
        Path fifo = mkfifo(dir.resolve("planted.mmstats"));
        refused(fifo, "a FIFO", () -> OpenFile.open(fifo).close());
        refused(fifo, "a FIFO", () -> MmstatsReader.read(fifo));
        refused(fifo, "a FIFO", () -> MmstatsReader.validate(fifo, MmstatsReader.DEFAULT_MAX_SIZE));
        refused(fifo, "a FIFO", () -> MmstatsReader.readBytes(fifo, MmstatsReader.DEFAULT_MAX_SIZE));
        refused(fifo, "a FIFO", () -> {
            try (StatsReader r = new StatsReader(fifo)) {
                r.read();
            }
        });
    }

    @Test
    void theCommandsExitTwoNamingTheFifo() throws Exception {
        Path fifo = mkfifo(dir.resolve("planted.mmstats"));
        for (String command : List.of("read", "validate")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
            int status = assertTimeoutPreemptively(LIMIT, () -> Main.run(new String[] {command, fifo.toString()}, o, e));
            assertEquals(2, status, command);
            assertEquals(fifo + ": cannot read: not a regular file (a FIFO)\n", err.toString(StandardCharsets.UTF_8));
            assertEquals("", out.toString(StandardCharsets.UTF_8));
        }
    }

    /** The re-reader opens the path again when it names another file: a FIFO renamed over it is refused. */
    @Test
    void aFifoSwappedInUnderTheReReaderIsRefused() throws Exception {
        Path p = Files.write(dir.resolve("a.mmstats"), Image.file(Image.record("n", "B", 0xff, new byte[] {7})));
        try (StatsReader r = new StatsReader(p)) {
            assertEquals(List.of(new Value.UInt(7)), r.read());
            Path fifo = mkfifo(dir.resolve("fifo.tmp"));
            Files.move(fifo, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            refused(p, "a FIFO", r::read);
            refused(p, "a FIFO", r::layout);
        }
    }

    @Test
    void linksAndDirectoriesAreRefusedToo() throws Exception {
        Path target = Files.write(dir.resolve("real.mmstats"), Image.file());
        Path link = Files.createSymbolicLink(dir.resolve("link.mmstats"), target);
        refused(link, "a symbolic link", () -> MmstatsReader.read(link));
        Path sub = Files.createDirectory(dir.resolve("sub.mmstats"));
        refused(sub, "a directory", () -> MmstatsReader.read(sub));
        Path dev = Path.of("/dev/null");
        refused(dev, "a character device", () -> MmstatsReader.read(dev));
        // the file itself reads
        assertEquals(List.of(), MmstatsReader.validate(target, MmstatsReader.DEFAULT_MAX_SIZE));
    }
}
