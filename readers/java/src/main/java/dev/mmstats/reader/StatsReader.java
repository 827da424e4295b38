package dev.mmstats.reader;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;

/**
 * Polls one path. The layout is parsed again only when the path names another file (device and inode,
 * or size, changed); otherwise each {@link #read} is one pread of the file into a reused buffer, the
 * write-buffer re-check, and decoding from the compiled offsets. Never a mapping.
 */
public final class StatsReader implements AutoCloseable {
    private final Path path;
    private final long maxSize;
    private FileChannel channel;
    private Object identity;     // (fileKey, size) of the file the layout came from; null: parse afresh
    private CompiledLayout layout;
    private byte[] buf;

    public StatsReader(Path path, long maxSize) {
        this.path = Objects.requireNonNull(path);
        this.maxSize = MmstatsReader.effectiveLimit(maxSize);
    }

    public StatsReader(Path path) {
        this(path, MmstatsReader.DEFAULT_MAX_SIZE);
    }

    private record Identity(Object fileKey, long size) {
    }

    /** The current layout, parsing the file when it is new. */
    public CompiledLayout layout() throws IOException, FormatException {
        refresh();
        return layout;
    }

    /** The current values of all fields, in file order. */
    public List<Value> read() throws IOException, FormatException {
        refresh();
        try {
            ByteSource source = ByteSource.of(channel);
            int n = source.read(buf, buf.length, 0);
            if (n != buf.length) {
                throw problem(ErrorCode.PAST_EOF, n, "file shrank to " + n + " bytes while being read");
            }
            int version = buf[FormatV1.VERSION_OFFSET] & 0xff;
            if (version != layout.format().version()) {
                throw problem(ErrorCode.BAD_VERSION, 0, String.format("version byte changed to 0x%02x", version));
            }
            Problem changed = WriteBufferRecheck.settle(source, buf, layout.fields(), layout.format());
            if (changed != null) {
                throw new FormatException(path.toString(), changed);
            }
            return layout.values(buf);
        } catch (FormatException | IOException e) {
            identity = null; // parse afresh next time
            throw e;
        }
    }

    private FormatException problem(ErrorCode code, long offset, String message) {
        return new FormatException(path.toString(), new Problem(code, offset, message));
    }

    private void refresh() throws IOException, FormatException {
        BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
        Identity now = new Identity(attrs.fileKey(), attrs.size());
        if (!now.equals(identity) || layout == null) {
            load();
        }
    }

    private void load() throws IOException, FormatException {
        close();
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
            byte[] data = MmstatsReader.readAll(ch, path.toString(), maxSize);
            ScanResult scan = FileScanner.scan(data);
            if (!scan.valid()) {
                throw new FormatException(path.toString(), scan.problems().get(0));
            }
            layout = new CompiledLayout(path.toString(), scan, data.length);
            buf = data;
            identity = new Identity(attrs.fileKey(), data.length);
            channel = ch;
        } catch (IOException | FormatException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        identity = null;
        if (channel != null) {
            FileChannel ch = channel;
            channel = null;
            ch.close();
        }
    }
}
