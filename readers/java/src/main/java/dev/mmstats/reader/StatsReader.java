package dev.mmstats.reader;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;

/**
 * Polls one path. The layout is parsed again only when the path names another file (device and inode,
 * or size, changed), or when a byte outside the values changed (the file was rewritten in place);
 * otherwise each {@link #read} is one pread of the file into a reused buffer, the write-buffer
 * re-check, and decoding from the compiled offsets. Never a mapping. The path must name a regular file
 * (a symbolic link is not followed): see {@link OpenFile}.
 */
public final class StatsReader implements AutoCloseable {
    private final Path path;
    private final long maxSize;
    private FileChannel channel;
    private Object identity;     // (fileKey, size) of the file the layout came from; null: parse afresh
    private CompiledLayout layout;
    private byte[] buf;
    private int[] skeleton = new int[0]; // [start, end) pairs of the bytes that are not values
    private byte[] seen = new byte[0];   // those bytes of the parsed file, one range after the other

    public StatsReader(Path path, long maxSize) {
        this.path = Objects.requireNonNull(path);
        this.maxSize = MmstatsReader.effectiveLimit(maxSize);
    }

    public StatsReader(Path path) {
        this(path, MmstatsReader.DEFAULT_MAX_SIZE);
    }

    private record Identity(Object fileKey, long size) {
    }

    /**
     * The layout of the values the last {@link #read} returned (so labels and values always belong
     * together, even if the file changed since); before the first read, or after a failed one, the
     * layout of the file at the path now.
     */
    public CompiledLayout layout() throws IOException, FormatException {
        if (layout == null || identity == null) {
            refresh();
        }
        return layout;
    }

    /** The current values of all fields, in file order. */
    public List<Value> read() throws IOException, FormatException {
        try {
            refresh();
            ByteSource source = ByteSource.of(channel);
            int n = source.read(buf, buf.length, 0);
            if (n != buf.length) {
                throw problem(ErrorCode.PAST_EOF, n, "file shrank to " + n + " bytes while being read");
            }
            if (!sameSkeleton()) {
                load(); // rewritten in place: parse it again (the scan names any problem)
                source = ByteSource.of(channel);
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
        BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        OpenFile.requireRegular(path, attrs); // a FIFO swapped in is refused before any open
        Identity now = new Identity(attrs.fileKey(), attrs.size());
        if (!now.equals(identity) || layout == null) {
            load();
        }
    }

    private void load() throws IOException, FormatException {
        close();
        OpenFile opened = OpenFile.open(path);
        FileChannel ch = opened.channel();
        try {
            BasicFileAttributes attrs = opened.attributes();
            byte[] data = MmstatsReader.readAll(ch, path.toString(), maxSize);
            ScanResult scan = FileScanner.scan(data);
            if (!scan.valid()) {
                throw new FormatException(path.toString(), scan.problems().get(0));
            }
            layout = new CompiledLayout(path.toString(), scan, data.length);
            buf = data;
            skeleton = skeletonOf(scan.fields(), data.length);
            int total = 0;
            for (int i = 0; i < skeleton.length; i += 2) {
                total += skeleton[i + 1] - skeleton[i];
            }
            seen = new byte[total];
            for (int i = 0, at = 0; i < skeleton.length; i += 2) {
                System.arraycopy(data, skeleton[i], seen, at, skeleton[i + 1] - skeleton[i]);
                at += skeleton[i + 1] - skeleton[i];
            }
            identity = new Identity(attrs.fileKey(), data.length);
            channel = ch;
        } catch (IOException | FormatException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * The byte ranges of a file that are not values: the version byte, each record's header (with the
     * 0xff write buffer of an unbuffered record), the terminator and the zero fill. A file rewritten in
     * place keeps its inode and maybe its size; these bytes tell its layout apart.
     */
    static int[] skeletonOf(List<FieldLayout> fields, int size) {
        int[] out = new int[2 * (fields.size() + 1)];
        int n = 0;
        int pos = 0;
        for (FieldLayout f : fields) {
            int varies = f.buffered() ? f.writeBufferOffset() : f.valueOffset();
            if (varies > pos) {
                out[n++] = pos;
                out[n++] = varies;
            }
            pos = f.end();
        }
        if (size > pos) {
            out[n++] = pos;
            out[n++] = size;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private boolean sameSkeleton() {
        for (int i = 0, at = 0; i < skeleton.length; i += 2) {
            int len = skeleton[i + 1] - skeleton[i];
            if (!java.util.Arrays.equals(buf, skeleton[i], skeleton[i + 1], seen, at, at + len)) {
                return false;
            }
            at += len;
        }
        return true;
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
