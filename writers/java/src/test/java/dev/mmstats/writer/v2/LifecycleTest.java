package dev.mmstats.writer.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmstats.reader.FileV2;
import dev.mmstats.reader.StatsReaderV2;
import dev.mmstats.reader.Value;
import dev.mmstats.writer.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creation, fields added at run time, a full file, the liveness lock, closing and removal. */
class LifecycleTest {
    @TempDir
    Path dir;

    @Test
    void fieldAddedAtRunTimeIsSeenByAReaderThatOpenedTheFileBefore() throws Exception {
        Path file = dir.resolve("runtime.mmstats");
        try (MmStats s = MmStats.builder().path(file).closeAtExit(false).build();
             StatsReaderV2 r = new StatsReaderV2(file)) {
            s.counter("first").register().inc();
            FileV2 before = r.read();
            assertEquals(1, before.fields().size());
            Gauge late = s.gauge("late").help("added after the reader's first read").register();
            late.set(-7);
            FileV2 after = r.read();
            assertEquals(2, after.fields().size());
            assertEquals("late", after.fields().get(1).entry().label());
            assertEquals(new Value.Int(-7), after.fields().get(1).value());
        }
    }

    /**
     * Metadata for two entries of 40 bytes, a process area of one word: the third counter and the second gauge
     * do not fit. They are counted, their handles work, and nothing published changes.
     */
    @Test
    void fullFileCountsOverflowAndKeepsWorkingHandles() throws Exception {
        Path file = dir.resolve("full.mmstats");
        try (MmStats s = MmStats.builder().path(file).capacities(80, 8, 64, 2).keep(true).closeAtExit(false)
                .build()) {
            Counter a = s.counter("a").register();
            Gauge g = s.gauge("g").register();
            Counter c = s.counter("c").register();  // no room in the metadata
            Gauge h = s.gauge("h").register();      // no room in either
            a.add(2);
            g.set(5);
            c.add(100);
            h.set(9);
            Histogram hist = s.histogram("hist", 1.0).register();
            hist.observe(3);
            s.string("t", 8).register().set("private");
        }
        Python.valid(file);
        Map<String, Object> doc = Python.read(file);
        assertEquals(new Json.Num("4"), doc.get("overflow_count"));
        List<Map<String, Object>> f = Python.fields(doc);
        assertEquals(2, f.size());
        assertEquals(new Json.Num("2"), f.get(0).get("value"));
        assertEquals(new Json.Num("5"), f.get(1).get("value"));
    }

    @Test
    void lockHeldWhileOpenThenClosedAndRemoved() throws Exception {
        Path file = dir.resolve("removed.mmstats");
        MmStats s = MmStats.builder().path(file).closeAtExit(false).build();
        s.counter("c").register().inc();
        assertEquals("live", Python.liveness(file));
        assertTrue(s.isLockHeld());
        s.close();
        assertFalse(Files.exists(file), "removed at close");
        assertFalse(s.isLockHeld());
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "no temporary file left");
        }
    }

    @Test
    void keptFileIsClosedAndUnlocked() throws Exception {
        Path file = dir.resolve("kept.mmstats");
        try (MmStats s = MmStats.builder().path(file).keep(true).closeAtExit(false).build()) {
            s.counter("c").register().add(3);
        }
        assertEquals("exited", Python.liveness(file));
        Map<String, Object> doc = Python.read(file);
        assertEquals("closed", doc.get("state"));
        assertEquals(new Json.Num("3"), Python.fields(doc).get(0).get("value"));
    }

    @Test
    void existingFileIsNeverReplaced() throws Exception {
        Path file = Files.writeString(dir.resolve("taken.mmstats"), "someone else's");
        assertThrows(FileAlreadyExistsException.class, () -> MmStats.builder().path(file).closeAtExit(false).build());
        assertEquals("someone else's", Files.readString(file));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(file), left.toList(), "no temporary file left");
        }
    }

    /** A temporary file left by a writer that died creating (same pid) is neither used nor removed. */
    @Test
    void leftoverTemporaryFileIsLeftAlone() throws Exception {
        Path file = dir.resolve("t.mmstats");
        Path tmp = Files.writeString(dir.resolve("t.mmstats." + ProcessHandle.current().pid() + ".creating"), "old");
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> MmStats.builder().path(file).closeAtExit(false).build());
        assertEquals(tmp.toString(), e.getFile());
        assertEquals("old", Files.readString(tmp));
        assertFalse(Files.exists(file));
    }

    @Test
    void fileNamedAfterProgramPidAndStartTicks() throws Exception {
        Producer me = Producer.current();
        Path p = MmStats.defaultPath("web", me);
        assertEquals("web-" + ProcessHandle.current().pid() + "-" + me.startTicks() + ".mmstats",
                p.getFileName().toString());
        assertTrue(me.startTicks() > 0, "Linux has /proc/self/stat");
    }

    /** Field 22 counted after the last ')': a command name may hold spaces and parentheses. */
    @Test
    void startTicksParsedAfterTheCommandName() throws Exception {
        Path stat = Files.writeString(dir.resolve("stat"),
                "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615\n");
        assertEquals(987654, Producer.startTicks(stat));
        assertEquals(0, Producer.startTicks(dir.resolve("missing")));
        assertEquals(0, Producer.startTicks(Files.writeString(dir.resolve("short"), "1 (x) S 1\n")));
    }

    private static Process writer(Path file, String mode) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                WriterProcess.class.getName(), file.toString(), mode).redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertEquals("ready", line);
        return p;
    }

    /** SIGKILL leaves state ready, and the lock goes with the process: the probe says died. */
    @Test
    void killedWriterIsDiedByTheLockProbe() throws Exception {
        Path file = dir.resolve("killed.mmstats");
        Process p = writer(file, "hang");
        assertEquals("live", Python.liveness(file));
        p.destroyForcibly().waitFor();
        String verdict = "";
        for (int i = 0; i < 50 && !verdict.equals("died"); i++) { // the lock holder sees its pipe end
            verdict = Python.liveness(file);
            Thread.sleep(100);
        }
        assertEquals("died", verdict);
    }

    /** A writer that returns from main without closing: the shutdown hook stores closed and removes the file. */
    @Test
    void shutdownHookClosesAndRemoves() throws Exception {
        Path file = dir.resolve("exits.mmstats");
        Process p = writer(file, "exit");
        assertEquals(0, p.waitFor());
        assertFalse(Files.exists(file), "removed by the shutdown hook");
    }
}
