package dev.mmstats.writer.v1;

import dev.mmstats.writer.Paths;
import dev.mmstats.writer.Json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScenarioTest {
    @TempDir
    Path dir;

    private static List<Path> scenarios() {
        if (!Files.isDirectory(Paths.SCENARIOS)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(Paths.SCENARIOS)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each conformance scenario: the file decodes to "expect" and equals "expect_image" when there is one. */
    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> conformanceWriterScenarios() {
        List<Path> all = scenarios();
        assertFalse(all.isEmpty(), Paths.SCENARIOS + " holds no scenarios");
        return all.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            String text = Files.readString(p, StandardCharsets.UTF_8);
            Path out = dir.resolve(p.getFileName() + ".mmstats");
            Scenario.parse(text).writeTo(out);
            Map<String, Object> json = (Map<String, Object>) Json.parse(text);
            byte[] got = Files.readAllBytes(out);
            assertEquals(List.of(), Decoded.diff((Map<String, Object>) json.get("expect"), Decoded.fields(got)));
            Object image = json.get("expect_image");
            if (image != null) {
                assertArrayEquals(Files.readAllBytes(Paths.SCENARIOS.resolve((String) image)), got);
            }
        }));
    }

    private static final String FIELDS = "{\"fields\": [{\"label\": \"n\", \"type\": \"Q\", \"buffered\": true},"
            + " {\"label\": \"x\", \"type\": \"f\", \"buffered\": false},"
            + " {\"label\": \"b\", \"type\": \"?\", \"buffered\": false},"
            + " {\"label\": \"s\", \"type\": \"4s\", \"buffered\": false}], \"updates\": [";

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"field\": \"n\", \"value\": 1.5}",
        "{\"field\": \"n\", \"value\": \"7\"}",
        "{\"field\": \"x\", \"value\": \"nan\"}",
        "{\"field\": \"x\", \"value\": true}",
        "{\"field\": \"b\", \"value\": \"yes\"}",
        "{\"field\": \"s\", \"value\": 5}",
        "{\"field\": \"s\", \"value\": \"\\ud800\"}",
        "{\"field\": \"nope\", \"value\": 1}",
        "{\"value\": 1}",
        "{\"field\": \"n\"}",
    })
    void badUpdatesAreRefusedBeforeAnyFileExists(String update) {
        Scenario.Invalid e = assertThrows(Scenario.Invalid.class, () -> Scenario.parse(FIELDS + update + "]}"));
        assertTrue(e.getMessage().startsWith("updates[0]"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"fields\": [{\"label\": \"a\", \"type\": \"l\", \"buffered\": true}]}",
        "{\"fields\": [{\"label\": \"\", \"type\": \"Q\", \"buffered\": true}]}",
        "{\"fields\": [{\"label\": \"a\", \"type\": \"Q\", \"buffered\": 1}]}",
        "{\"fields\": [{\"label\": \"a\", \"type\": \"Q\", \"buffered\": true},"
            + " {\"label\": \"a\", \"type\": \"B\", \"buffered\": true}]}",
        "{\"fields\": {}}",
        "[]",
        "{\"fields\": [] ",
    })
    void badFieldsAreRefused(String text) {
        assertThrows(Scenario.Invalid.class, () -> Scenario.parse(text));
    }

    @Test
    void valuesConvertAsTheProtocolSays() throws Exception {
        Path out = dir.resolve("v.mmstats");
        Scenario.parse(FIELDS + "{\"field\": \"n\", \"value\": -1}, {\"field\": \"x\", \"value\": \"-Infinity\"},"
                + " {\"field\": \"b\", \"value\": 2}, {\"field\": \"s\", \"value\": \"héllo\"},"
                + " {\"field\": \"n\", \"value\": 340282366920938463463374607431768211457}]}").writeTo(out);
        List<Decoded.Field> f = Decoded.fields(Files.readAllBytes(out));
        assertEquals(new java.math.BigInteger("1"), f.get(0).value()); // 2^128 + 1 wraps to 1
        assertEquals(Double.NEGATIVE_INFINITY, f.get(1).value());
        assertEquals(true, f.get(2).value());
        assertEquals("hé", f.get(3).value() instanceof String s ? s.substring(0, 2) : null);
        assertEquals("hél", f.get(3).value()); // 4 bytes: h, é (2), l
    }

    @Test
    void existingOutputIsLeftAlone() throws Exception {
        Path out = Files.writeString(dir.resolve("o.mmstats"), "mine");
        assertThrows(java.nio.file.FileAlreadyExistsException.class,
                () -> Scenario.parse("{\"fields\": []}").writeTo(out));
        assertEquals("mine", Files.readString(out));
        assertFalse(Files.exists(dir.resolve("other")));
    }
}
