package dev.mmstats.reader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading whole files: {@link #read} (values, or the first problem), {@link #validate} (every problem).
 * Files are read into memory with read(), never mapped, so a writer that truncates its file cannot
 * fault the reader (spec: "What version 1 cannot guarantee"). Only regular files are opened ({@link OpenFile}).
 */
public final class MmstatsReader {
    /** The spec's recommended size limit: no honest stats file comes near it. */
    public static final long DEFAULT_MAX_SIZE = 256L * 1024 * 1024;

    /** The largest file a Java array can hold; a larger limit is capped to this. */
    static final long ARRAY_LIMIT = Integer.MAX_VALUE - 8;

    private MmstatsReader() {
    }

    /** The limit actually applied for a requested one: at most what one array holds. */
    public static long effectiveLimit(long maxSize) {
        if (maxSize < 0) {
            throw new IllegalArgumentException("max size must not be negative: " + maxSize);
        }
        return Math.min(maxSize, ARRAY_LIMIT);
    }

    /** The file's bytes; file_too_large when it is (or grows while read) over {@code maxSize}. */
    public static byte[] readBytes(Path path, long maxSize) throws IOException, FormatException {
        return readBytes(path, path.toString(), maxSize);
    }

    /** As {@link #readBytes(Path, long)}, naming the file {@code name} in problems. */
    public static byte[] readBytes(Path path, String name, long maxSize) throws IOException, FormatException {
        try (OpenFile f = OpenFile.open(path)) {
            return readAll(f.channel(), name, maxSize);
        }
    }

    static byte[] readAll(FileChannel ch, String path, long maxSize) throws IOException, FormatException {
        long limit = effectiveLimit(maxSize);
        long size = ch.size();
        if (size > limit) {
            throw tooLarge(path, size, limit);
        }
        // Read from position 0 until EOF; one byte of room beyond the limit tells a file that grew past it.
        byte[] buf = allocate(Math.min(size + 1, limit + 1), path);
        int n = 0;
        while (true) {
            if (n == buf.length) {
                if (n > limit) {
                    throw new FormatException(path, new Problem(ErrorCode.FILE_TOO_LARGE, limit,
                            "file grew past the limit of " + limit + " while being read"));
                }
                byte[] bigger = allocate(Math.min(limit + 1, Math.max(2L * n, 4096)), path);
                System.arraycopy(buf, 0, bigger, 0, n);
                buf = bigger;
            }
            int got = ch.read(ByteBuffer.wrap(buf, n, buf.length - n), n);
            if (got < 0) {
                break;
            }
            n += got;
        }
        if (n == buf.length) {
            return buf;
        }
        byte[] exact = allocate(n, path);
        System.arraycopy(buf, 0, exact, 0, n);
        return exact;
    }

    /** file_too_large for a file of {@code size} bytes, found from its size alone. */
    static FormatException tooLarge(String path, long size, long limit) {
        return new FormatException(path, new Problem(ErrorCode.FILE_TOO_LARGE, limit,
                "file is " + size + " bytes, over the limit of " + limit));
    }

    /** A buffer of {@code n} bytes (at most {@link #ARRAY_LIMIT}); running out of memory is an I/O error. */
    static byte[] allocate(long n, String path) throws IOException {
        try {
            return new byte[Math.toIntExact(n)];
        } catch (OutOfMemoryError e) {
            throw new IOException("out of memory for a buffer of " + n + " bytes (the Java heap is too small for"
                    + " this file; raise it with -Xmx or lower the size limit)", e);
        }
    }

    /** Whether a copy is of format version 2 (chosen by its version byte, as everywhere). */
    static boolean isVersion2(byte[] data) {
        return data.length > 0 && FileFormat.forVersion(data[0] & 0xff) instanceof FormatV2;
    }

    /**
     * Every field of a file of either version held in memory (at rest: an odd sequence is no value), or the
     * first problem as a FormatException naming {@code path}.
     */
    public static Decoded decodeAny(byte[] data, String path) throws FormatException {
        if (isVersion2(data)) {
            return ValuesV2.atRest(ValuesV2.walkOrThrow(data, path), data);
        }
        return decode(data, path);
    }

    /** As {@link #read(Path, String, long)} for a file of either version. */
    public static Decoded readAny(Path path, String name, long maxSize) throws IOException, FormatException {
        try (OpenFile f = OpenFile.open(path)) {
            FileChannel ch = f.channel();
            byte[] data = readAll(ch, name, maxSize);
            if (isVersion2(data)) {
                ValuesV2.walkOrThrow(data, name);
                return ValuesV2.read(ByteSource.of(ch), data, name);
            }
            return read(ch, data, name);
        }
    }

    /** Every field of a version 1 file held in memory, or the first problem (as a FormatException naming {@code path}). */
    public static DecodedFile decode(byte[] data, String path) throws FormatException {
        if (isVersion2(data)) {
            ValuesV2.walkOrThrow(data, path);
            throw new IllegalArgumentException(path + ": a version 2 file: use decodeAny");
        }
        ScanResult scan = FileScanner.scan(data);
        if (!scan.valid()) {
            throw new FormatException(path, scan.problems().get(0));
        }
        return fields(data, scan);
    }

    static DecodedFile fields(byte[] data, ScanResult scan) {
        FileFormat format = scan.format();
        List<Field> out = new ArrayList<>(scan.fields().size());
        for (FieldLayout f : scan.fields()) {
            int wb = data[f.writeBufferOffset()] & 0xff;
            Value v = format.decode(data, format.readOffset(f, wb), f.type());
            out.add(new Field(f.label(), f.type().signature(), f.buffered(), v));
        }
        return new DecodedFile(format.version(), out);
    }

    /**
     * Every field of the file at {@code path}, in file order. Buffered values whose write buffer flipped
     * while the file was copied are taken from a newer copy ({@link WriteBufferRecheck}).
     *
     * @throws FormatException for a file that breaks the format (the first problem)
     * @throws IOException when the file cannot be read
     */
    public static DecodedFile read(Path path, long maxSize) throws IOException, FormatException {
        return read(path, path.toString(), maxSize);
    }

    /** As {@link #read(Path, long)}, naming the file {@code name} in problems. */
    public static DecodedFile read(Path path, String name, long maxSize) throws IOException, FormatException {
        try (OpenFile f = OpenFile.open(path)) {
            FileChannel ch = f.channel();
            byte[] data = readAll(ch, name, maxSize);
            if (isVersion2(data)) {
                ValuesV2.walkOrThrow(data, name);
                throw new IllegalArgumentException(name + ": a version 2 file: use readAny");
            }
            return read(ch, data, name);
        }
    }

    private static DecodedFile read(FileChannel ch, byte[] data, String name) throws IOException, FormatException {
        ScanResult scan = FileScanner.scan(data);
        if (!scan.valid()) {
            throw new FormatException(name, scan.problems().get(0));
        }
        Problem changed = WriteBufferRecheck.settle(ByteSource.of(ch), data, scan.fields(), scan.format());
        if (changed != null) {
            throw new FormatException(name, changed);
        }
        return fields(data, scan);
    }

    public static DecodedFile read(Path path) throws IOException, FormatException {
        return read(path, DEFAULT_MAX_SIZE);
    }

    /** Every problem of the file, sorted by offset (empty when valid); file_too_large replaces the rest. */
    public static List<Problem> validate(Path path, long maxSize) throws IOException {
        return validate(path, path.toString(), maxSize);
    }

    /** As {@link #validate(Path, long)}, naming the file {@code name}. */
    public static List<Problem> validate(Path path, String name, long maxSize) throws IOException {
        byte[] data;
        try {
            data = readBytes(path, name, maxSize);
        } catch (FormatException e) {
            return List.of(e.problem());
        }
        return FileScanner.scan(data).problems();
    }
}
