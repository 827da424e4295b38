package dev.mmstats.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmstats.reader.MmstatsReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every conformance/v2/writer-scenarios case through the writer command (its dispatch on format_version),
 * decoded by the Java reader (a separate module, itself checked against the corpus) and compared with the
 * scenario's "expect": every key expect states, numbers by value.
 */
class ScenarioV2Test {
    private static final Path SCENARIOS = Paths.REPO.resolve("conformance/v2/writer-scenarios");

    @TempDir
    Path dir;

    private static int main(String[] args, ByteArrayOutputStream err) {
        return Main.run(args, new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @TestFactory
    Stream<DynamicTest> everyScenario() throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.list(SCENARIOS)) {
            all = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertTrue(all.size() >= 7, "the v2 scenarios are missing from " + SCENARIOS);
        return all.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            Path out = dir.resolve(p.getFileName() + ".mmstats");
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(0, main(new String[] {p.toString(), out.toString()}, err), err.toString());
            @SuppressWarnings("unchecked")
            Map<String, Object> expect = (Map<String, Object>) ((Map<String, Object>) Json.parse(
                    Files.readString(p, StandardCharsets.UTF_8))).get("expect");
            @SuppressWarnings("unchecked")
            Map<String, Object> got = (Map<String, Object>) Json.parse(MmstatsReader.readAny(out, out.toString(),
                    MmstatsReader.DEFAULT_MAX_SIZE).toCanonicalJson(out.toString()));
            for (Map.Entry<String, Object> e : expect.entrySet()) {
                if (!e.getKey().equals("path")) {
                    same(e.getValue(), got.get(e.getKey()), e.getKey());
                }
            }
        }));
    }

    /** JSON values equal, numbers by value (integers exactly, floats bit for bit, NaN as "NaN"). */
    private static void same(Object want, Object got, String where) {
        if (want instanceof Json.Num w && got instanceof Json.Num g) {
            if (w.isInteger() && g.isInteger()) {
                assertEquals(w.integer(), g.integer(), where);
            } else {
                assertEquals(Double.doubleToRawLongBits(w.toDouble()), Double.doubleToRawLongBits(g.toDouble()),
                        where + ": " + w + " vs " + g);
            }
        } else if (want instanceof Map<?, ?> w && got instanceof Map<?, ?> g) {
            assertEquals(w.keySet(), g.keySet(), where);
            for (Object k : w.keySet()) {
                same(w.get(k), g.get(k), where + "." + k);
            }
        } else if (want instanceof List<?> w && got instanceof List<?> g) {
            assertEquals(w.size(), g.size(), where);
            for (int i = 0; i < w.size(); i++) {
                same(w.get(i), g.get(i), where + "[" + i + "]");
            }
        } else {
            assertEquals(want, got, where);
        }
    }

    @Test
    void badScenarioLeavesNoFile() throws Exception {
        Path s = Files.writeString(dir.resolve("bad.json"), "{\"format_version\": 2, \"capacities\": {\"meta_capacity\": "
                + "4096, \"process_capacity\": 4096, \"slot_size\": 1024, \"slot_count\": 8}, \"fields\": [{\"label\": "
                + "\"c\", \"kind\": \"counter\", \"type\": \"u64\", \"unit\": \"a b\"}], \"updates\": []}");
        Path out = dir.resolve("bad.mmstats");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, main(new String[] {s.toString(), out.toString()}, err));
        assertFalse(Files.exists(out));
        assertTrue(err.toString().contains("unit"), err.toString());
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(s), left.toList(), "only the scenario is left");
        }
    }
}
