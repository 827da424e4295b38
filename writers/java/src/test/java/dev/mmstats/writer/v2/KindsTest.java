package dev.mmstats.writer.v2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mmstats.writer.Json;
import dev.mmstats.writer.Paths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind, decoded by the repository's Python reader; the spec's first example byte for byte. */
class KindsTest {
    @TempDir
    Path dir;

    private MmStats open(String name) throws Exception {
        return MmStats.builder().path(dir.resolve(name)).keep(true).closeAtExit(false).build();
    }

    private static Map<String, Object> field(List<Map<String, Object>> fields, int i) {
        return fields.get(i);
    }

    @Test
    void everyKindReadsBackWithItsMetadata() throws Exception {
        Path file = dir.resolve("kinds.mmstats");
        try (MmStats s = open("kinds.mmstats")) {
            Counter c = s.counter("http.requests").help("Requests served").unit("{request}")
                    .attribute("status", "2xx").attribute("route", "/api").register();
            c.inc();
            c.add(41);
            s.doubleCounter("cpu.time").unit("s").register().add(0.5);
            UpDownCounter u = s.upDownCounter("connections").register();
            u.inc();
            u.add(-5);
            s.doubleUpDownCounter("level").register().add(-0.25);
            s.gauge("queue.length").unit("{item}").register().set(-3);
            s.unsignedGauge("big").register().set(-1L); // 2^64 - 1
            DoubleGauge t = s.doubleGauge("temperature").unit("Cel").register();
            t.set(20.0);
            t.add(1.5);
            s.constant("build.number", 4711L).register();
            s.unsignedConstant("mask", Long.MIN_VALUE).register();
            s.constant("ratio", 0.25).register();
            s.constant("build.version", "2.0.1-\u00e9").help("the release").register();
            s.string("state", 16, "starting").register().set("running \u263a");
            Histogram h = s.histogram("http.latency", 10.0, 100.0).unit("ms").register();
            for (double v : new double[] {5, 10, 50, 1000}) {
                h.observe(v);
            }
        }
        Python.valid(file);
        Map<String, Object> doc = Python.read(file);
        assertEquals("closed", doc.get("state"));
        assertEquals(new Json.Num(Long.toString(ProcessHandle.current().pid())), doc.get("pid"));
        // start_ticks as Python's own /proc parse gives it: an independent reading of field 22
        String ticks = Python.run("-c", "import sys; print(open('/proc/%s/stat' % sys.argv[1]).read().rsplit(')', 1)[1]"
                + ".split()[19])", Long.toString(ProcessHandle.current().pid())).trim();
        assertEquals(new Json.Num(ticks), doc.get("start_ticks"));
        assertEquals(new Json.Num("0"), doc.get("overflow_count"));
        List<Map<String, Object>> f = Python.fields(doc);
        Object[][] want = {
            {"http.requests", "counter", "u64", "{request}", "Requests served", Map.of("status", "2xx", "route", "/api"),
                new Json.Num("42")},
            {"cpu.time", "counter", "f64", "s", "", Map.of(), new Json.Num("0.5")},
            {"connections", "updown_counter", "i64", "", "", Map.of(), new Json.Num("-4")},
            {"level", "updown_counter", "f64", "", "", Map.of(), new Json.Num("-0.25")},
            {"queue.length", "gauge", "i64", "{item}", "", Map.of(), new Json.Num("-3")},
            {"big", "gauge", "u64", "", "", Map.of(), new Json.Num("18446744073709551615")},
            {"temperature", "gauge", "f64", "Cel", "", Map.of(), new Json.Num("21.5")},
            {"build.number", "constant", "i64", "", "", Map.of(), new Json.Num("4711")},
            {"mask", "constant", "u64", "", "", Map.of(), new Json.Num("9223372036854775808")},
            {"ratio", "constant", "f64", "", "", Map.of(), new Json.Num("0.25")},
            {"build.version", "constant", "utf8", "", "the release", Map.of(), "2.0.1-\u00e9"},
            {"state", "string", "utf8", "", "", Map.of(), "running \u263a"},
        };
        assertEquals(want.length + 1, f.size());
        for (int i = 0; i < want.length; i++) {
            Map<String, Object> g = field(f, i);
            String where = (String) want[i][0];
            assertEquals(want[i][0], g.get("label"), where);
            assertEquals(want[i][1], g.get("kind"), where);
            assertEquals(want[i][2], g.get("type"), where);
            assertEquals(want[i][3], g.get("unit"), where);
            assertEquals(want[i][4], g.get("help"), where);
            assertEquals(want[i][5], g.get("attributes"), where);
            assertEquals(want[i][6], g.get("value"), where);
        }
        Map<String, Object> hist = field(f, want.length);
        assertEquals("histogram", hist.get("kind"));
        assertEquals("ms", hist.get("unit"));
        assertEquals(Json.parse("{\"count\": 4, \"sum\": 1065.0, \"buckets\": [{\"le\": 10.0, \"count\": 2}, "
                + "{\"le\": 100.0, \"count\": 3}, {\"le\": \"Infinity\", \"count\": 4}]}"), hist.get("value"));
    }

    /**
     * The spec's example "a counter in two slots, a gauge and a string" (conformance/v2/valid/spec/basic.mmstats)
     * rebuilt with this writer: every byte equal but the producer's identity (pid, start_ticks, created_unix_ns)
     * and slot 0's copy of the counter (5 in the example; this single thread writes slot 1 only).
     */
    @Test
    void specBasicExampleByteForByte() throws Exception {
        byte[] want = Files.readAllBytes(Paths.REPO.resolve("conformance/v2/valid/spec/basic.mmstats"));
        Path file = dir.resolve("basic.mmstats");
        try (MmStats s = MmStats.builder().path(file).capacities(256, 128, 64, 3).keep(true).closeAtExit(false)
                .build()) {
            Counter c = s.counter("http.requests").unit("{request}").help("Requests served").attribute("status", "2xx")
                    .register();
            s.gauge("queue.length").unit("{item}").register().set(-3);
            Text state = s.string("state", 16).help("What the server does").register();
            c.add(12);
            state.set("");
            state.set("");
            state.set("idle"); // sequence 6, as in the example
            byte[] got = Files.readAllBytes(file);
            assertEquals(want.length, got.length);
            System.arraycopy(want, 16, got, 16, 24); // pid, start_ticks, created_unix_ns
            assertArrayEquals(new byte[8], java.util.Arrays.copyOfRange(got, 0x200, 0x208));
            System.arraycopy(want, 0x200, got, 0x200, 8); // slot 0's copy
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], String.format("byte 0x%x", i));
            }
        }
    }

    @Test
    void histogramBucketsFollowLeWithManyBounds() throws Exception {
        Path file = dir.resolve("h.mmstats");
        double[] bounds = new double[20];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = i * 10 - 50; // -50 .. 140: a binary search
        }
        List<Double> observed = new ArrayList<>();
        try (MmStats s = open("h.mmstats")) {
            Histogram h = s.histogram("h", bounds).register();
            for (double v = -60; v <= 150; v += 2.5) {
                h.observe(v);
                observed.add(v);
            }
        }
        Map<String, Object> value = Python.fields(Python.read(file)).get(0);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> buckets = (List<Map<String, Object>>) ((Map<String, Object>) value.get("value"))
                .get("buckets");
        assertEquals(bounds.length + 1, buckets.size());
        for (int i = 0; i < bounds.length; i++) {
            double le = bounds[i];
            long cumulative = observed.stream().filter(v -> v <= le).count();
            assertEquals(new Json.Num(Long.toString(cumulative)), buckets.get(i).get("count"), "le " + le);
        }
        assertEquals(new Json.Num(Integer.toString(observed.size())), buckets.get(bounds.length).get("count"));
    }

    @Test
    void textIsCutOnACharacterBoundary() {
        byte[] euro = "\u20ac\u20ac\u20ac".getBytes(StandardCharsets.UTF_8); // 3 bytes each
        assertArrayEquals("\u20ac\u20ac".getBytes(StandardCharsets.UTF_8), Text.cut(euro, 8));
        assertArrayEquals(euro, Text.cut(euro, 9));
        byte[] clef = "a\uD834\uDD1E".getBytes(StandardCharsets.UTF_8); // a, then 4 bytes
        assertArrayEquals("a".getBytes(StandardCharsets.UTF_8), Text.cut(clef, 4));
        assertArrayEquals(new byte[0], Text.cut(euro, 0));
    }

    @Test
    void badMetadataIsRefusedByName() throws Exception {
        try (MmStats s = MmStats.builder().path(dir.resolve("bad.mmstats")).closeAtExit(false).build()) {
            assertThrows(IllegalArgumentException.class, () -> s.counter("").register());
            assertThrows(IllegalArgumentException.class, () -> s.counter("x").unit("per second").register());
            assertThrows(IllegalArgumentException.class, () -> s.counter("x").unit("x".repeat(64)).register());
            assertThrows(IllegalArgumentException.class, () -> s.counter("x").attribute("", "v").register());
            assertThrows(IllegalArgumentException.class, () -> s.counter("\uD800").register());
            assertThrows(IllegalArgumentException.class, () -> s.histogram("h", 2.0, 1.0));
            assertThrows(IllegalArgumentException.class, () -> s.histogram("h", Double.NaN));
            assertThrows(IllegalArgumentException.class, () -> s.counter("x").register().add(-1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.gauge("g").unit("\u00b5s").register());
            assertEquals(true, e.getMessage().startsWith("g: unit"), e.getMessage());
        }
    }
}
