package dev.mmstats.reader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The .mmstats files with a same-stem .json beside them in a directory tree. */
final class Corpus {
    private Corpus() {
    }

    static List<Path> filesWithJson(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".mmstats") && Files.exists(json(p))).sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path json(Path mmstats) {
        String name = mmstats.getFileName().toString();
        return mmstats.resolveSibling(name.substring(0, name.length() - ".mmstats".length()) + ".json");
    }

    static Map<String, Object> readJson(Path p) {
        try {
            return Json.object(Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Differences between the file's expected JSON and what this reader produces for it. */
    static List<String> diffAgainstJson(Path file, Path json) throws IOException, FormatException {
        String got = MmstatsReader.read(file).toCanonicalJson(file.toString());
        return Canonical.diff(readJson(json), Json.object(got));
    }
}
