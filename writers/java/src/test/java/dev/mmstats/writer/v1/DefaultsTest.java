package dev.mmstats.writer.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultsTest {
    @TempDir
    Path dir;

    @Test
    void initialValuesAreInTheFileBeforeTheVersionByteIsStored() throws Exception {
        Path p = dir.resolve("d.mmstats");
        byte[][] seen = new byte[1][];
        try (MmstatsFile f = MmstatsFile.create(p, Defaults.fields("web."), MmstatsFile.DEFAULT_MODE, file -> {
            Defaults.fill(file, "web.");
            try {
                seen[0] = Files.readAllBytes(p);
            } catch (java.io.IOException e) {
                throw new UncheckedIOException(e);
            }
        })) {
            assertEquals(0, seen[0][0], "the file was published before its initial values");
            List<Decoded.Field> fields = Decoded.fields(Files.readAllBytes(p));
            assertEquals(List.of("web.sys.pid", "web.sys.tid", "web.sys.uid", "web.sys.gid", "web.org.openjdk.version",
                    "web.sys.created"), fields.stream().map(Decoded.Field::label).toList());
            assertEquals(java.math.BigInteger.valueOf(ProcessHandle.current().pid()), fields.get(0).value());
            assertTrue(((java.math.BigInteger) fields.get(1).value()).signum() > 0, "a Linux thread id");
            assertTrue(((String) fields.get(4).value()).startsWith(Integer.toString(Runtime.version().feature())));
            double created = (Double) fields.get(5).value();
            assertTrue(Math.abs(created - System.currentTimeMillis() / 1000.0) < 600, Double.toString(created));
            assertFalse(fields.get(0).buffered());
        }
    }

    @Test
    void failingInitializerLeavesNoFile() {
        Path p = dir.resolve("d.mmstats");
        assertThrows(IllegalStateException.class, () -> MmstatsFile.create(p, Defaults.fields(""),
                MmstatsFile.DEFAULT_MODE, file -> {
                    throw new IllegalStateException("boom");
                }));
        assertFalse(Files.exists(p));
    }

    @Test
    void defaultPathFollowsTheEnvironment() {
        long pid = ProcessHandle.current().pid();
        long tid = Defaults.threadId();
        assertEquals(Path.of(System.getProperty("java.io.tmpdir"), "app-" + pid + "-" + tid + ".mmstats"),
                Defaults.path("app", Map.of()));
        assertEquals(Path.of("/srv/stats", "x{CMD-java-" + pid + ".mmstats"),
                Defaults.path("", Map.of("MMSTATS_PATH", "/srv/stats", "MMSTATS_FILES", "x{CMD-{CMD}-{PID}.mmstats")));
    }
}
