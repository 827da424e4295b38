package dev.mmstats.reader;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One pass over a file's bytes (spec: "Finding problems"): the version byte, the record walk of the
 * format it names, and the file-size rule; problems sorted by offset (version 1) or in the walk's order
 * (version 2, whose walk may step back).
 */
public final class FileScanner {
    /** The file size is a positive multiple of this, whatever the system's page size. */
    public static final int PAGE_SIZE = 4096;

    /** Sorted by offset; on a tie bad_file_size comes last, other problems keep the order found (stable sort). */
    static final Comparator<Problem> ORDER = Comparator.comparingLong(Problem::offset)
            .thenComparing(p -> p.code() == ErrorCode.BAD_FILE_SIZE);

    private FileScanner() {
    }

    public static ScanResult scan(byte[] data) {
        List<FieldLayout> fields = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        if (data.length == 0) {
            problems.add(new Problem(ErrorCode.NOT_READY, 0, "the file is empty"));
            return new ScanResult(null, fields, problems);
        }
        int version = data[0] & 0xff;
        if (version == 0) {
            problems.add(new Problem(ErrorCode.NOT_READY, 0, "version byte is 0x00: the file is still being created"));
            return new ScanResult(null, fields, problems);
        }
        FileFormat format = FileFormat.forVersion(version);
        if (format == null) {
            problems.add(new Problem(ErrorCode.BAD_VERSION, 0,
                    String.format("version byte is 0x%02x; this reader knows 0x%02x and 0x%02x", version,
                            FormatV1.VERSION, FormatV2.VERSION)));
        } else {
            format.walk(data, fields, problems);
        }
        if (format != null && format.walkOrdersProblems()) {
            return new ScanResult(format, fields, problems);
        }
        if (data.length % PAGE_SIZE != 0) {
            long next = (data.length / PAGE_SIZE + 1L) * PAGE_SIZE;
            problems.add(new Problem(ErrorCode.BAD_FILE_SIZE, data.length, "file size " + data.length
                    + " is not a multiple of " + PAGE_SIZE + " (next multiple " + next + ")"));
        }
        problems.sort(ORDER);
        return new ScanResult(format, fields, problems);
    }
}
