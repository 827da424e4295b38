package dev.mmstats.reader;

import java.util.List;

/**
 * What one pass over a file's bytes found: the layout of every field that could be followed, and every
 * problem sorted by offset. {@code format} is null when the version byte named no known format.
 */
public record ScanResult(FileFormat format, List<FieldLayout> fields, List<Problem> problems) {

    public ScanResult {
        fields = List.copyOf(fields);
        problems = List.copyOf(problems);
    }

    public boolean valid() {
        return problems.isEmpty();
    }
}
