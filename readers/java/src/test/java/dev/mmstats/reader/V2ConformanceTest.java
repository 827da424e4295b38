package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The version 2 corpus (conformance/v2, listed in conformance/manifest.json with "format_version": 2): every
 * valid file reads to its JSON compared by value and validates clean; every invalid file gives its code at its
 * offset, first, to the reader and the validator.
 */
class V2ConformanceTest {
    static final Path V2 = Paths.CONFORMANCE.resolve("v2");

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases(String kind) {
        Path manifest = Paths.CONFORMANCE.resolve("manifest.json");
        assertTrue(Files.exists(manifest), manifest + " is missing");
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : (List<Object>) Corpus.readJson(manifest).get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            if (c.get("format_version") instanceof Json.Num n && n.integer().intValueExact() == 2
                    && kind.equals(c.get("kind"))) {
                out.add(c);
            }
        }
        assertFalse(out.isEmpty(), "no version 2 " + kind + " cases in " + manifest);
        return out;
    }

    static Path file(Map<String, Object> c) {
        Path p = Paths.CONFORMANCE.resolve((String) c.get("path"));
        assertTrue(Files.exists(p), p + " is missing");
        return p;
    }

    @TestFactory
    Stream<DynamicTest> validFiles() {
        return cases("valid").stream().map(c -> DynamicTest.dynamicTest((String) c.get("id"), () -> {
            Path f = file(c);
            Path json = Paths.CONFORMANCE.resolve((String) c.get("expect"));
            assertTrue(Files.exists(json), json + " is missing");
            Decoded got = MmstatsReader.readAny(f, f.toString(), MmstatsReader.DEFAULT_MAX_SIZE);
            assertEquals(2, got.formatVersion());
            assertEquals(List.of(), CanonicalV2.diff(Corpus.readJson(json), Json.object(got.toCanonicalJson("x"))));
            // the copy at rest gives the same object as the reader protocol on the file
            Decoded rest = MmstatsReader.decodeAny(Files.readAllBytes(f), "x");
            assertEquals(got.toCanonicalJson("x"), rest.toCanonicalJson("x"));
            assertEquals(List.of(), MmstatsReader.validate(f, MmstatsReader.DEFAULT_MAX_SIZE));
        }));
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> invalidFiles() {
        return cases("invalid").stream().map(c -> DynamicTest.dynamicTest((String) c.get("id"), () -> {
            Path f = file(c);
            Map<String, Object> expect = (Map<String, Object>) c.get("expect");
            Map<String, Object> options = (Map<String, Object>) c.getOrDefault("options", Map.of());
            long maxSize = options.containsKey("max_size")
                    ? ((Json.Num) options.get("max_size")).integer().longValueExact()
                    : MmstatsReader.DEFAULT_MAX_SIZE;
            String want = expect.get("code") + "@" + ((Json.Num) expect.get("offset")).integer();
            List<Problem> problems = MmstatsReader.validate(f, maxSize);
            assertFalse(problems.isEmpty(), "validator accepted it");
            assertEquals(want, problems.get(0).code() + "@" + problems.get(0).offset());
            // Several problems: every one, in the walk's order (version 2 does not sort by offset).
            if (expect.containsKey("problems")) {
                List<String> every = ((List<Map<String, Object>>) expect.get("problems")).stream()
                        .map(p -> p.get("code") + "@" + ((Json.Num) p.get("offset")).integer()).toList();
                assertEquals(every, problems.stream().map(p -> p.code() + "@" + p.offset()).toList());
            }
            FormatException e = assertThrows(FormatException.class,
                    () -> MmstatsReader.readAny(f, f.toString(), maxSize));
            assertEquals(want, e.code() + "@" + e.offset());
            // the directory names the code
            assertEquals(expect.get("code"), f.getParent().getFileName().toString());
        }));
    }

    /** Every .mmstats file under conformance/v2 is a manifest case: none escapes the tests above. */
    @Test
    void everyCorpusFileIsACase() throws IOException {
        Set<String> listed = new TreeSet<>();
        for (String kind : List.of("valid", "invalid")) {
            for (Map<String, Object> c : cases(kind)) {
                listed.add(file(c).normalize().toString());
            }
        }
        Set<String> found;
        try (Stream<Path> s = Files.walk(V2)) {
            found = s.filter(p -> p.toString().endsWith(".mmstats")).map(p -> p.normalize().toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        assertFalse(found.isEmpty(), "no files under " + V2);
        assertEquals(found, listed);
    }
}
