package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** conformance/manifest.json, version 1 cases: valid files decode to their JSON, invalid ones give the code and offset. */
class ConformanceTest {

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> manifestCases() {
        Path manifest = Paths.CONFORMANCE.resolve("manifest.json");
        assertTrue(Files.exists(manifest), manifest + " is missing");
        List<Object> cases = (List<Object>) Corpus.readJson(manifest).get("cases");
        List<DynamicTest> tests = new ArrayList<>();
        for (Object o : cases) {
            Map<String, Object> c = (Map<String, Object>) o;
            if (!(c.get("format_version") instanceof Json.Num n && n.integer().intValueExact() == 1)) {
                continue; // version 2 cases: V2ConformanceTest
            }
            String kind = (String) c.get("kind");
            Path file = Paths.CONFORMANCE.resolve((String) c.get("path"));
            if (kind.equals("valid")) {
                Path json = Paths.CONFORMANCE.resolve((String) c.get("expect"));
                tests.add(DynamicTest.dynamicTest((String) c.get("id"), () -> {
                    assertEquals(List.of(), Corpus.diffAgainstJson(file, json));
                    assertEquals(List.of(), MmstatsReader.validate(file, MmstatsReader.DEFAULT_MAX_SIZE));
                }));
            } else if (kind.equals("invalid")) {
                Map<String, Object> expect = (Map<String, Object>) c.get("expect");
                Map<String, Object> options = (Map<String, Object>) c.getOrDefault("options", Map.of());
                long maxSize = options.containsKey("max_size")
                        ? ((Json.Num) options.get("max_size")).integer().longValueExact()
                        : MmstatsReader.DEFAULT_MAX_SIZE;
                String want = expect.get("code") + "@" + ((Json.Num) expect.get("offset")).integer();
                tests.add(DynamicTest.dynamicTest((String) c.get("id"), () -> {
                    List<Problem> problems = MmstatsReader.validate(file, maxSize);
                    assertFalse(problems.isEmpty(), "validator accepted it");
                    assertEquals(want, problems.get(0).code() + "@" + problems.get(0).offset());
                    FormatException e = org.junit.jupiter.api.Assertions.assertThrows(FormatException.class,
                            () -> MmstatsReader.read(file, maxSize));
                    assertEquals(want, e.code() + "@" + e.offset());
                }));
            }
        }
        assertFalse(tests.isEmpty());
        return tests.stream();
    }
}
