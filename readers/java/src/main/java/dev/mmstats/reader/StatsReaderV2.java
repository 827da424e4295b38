package dev.mmstats.reader;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Polls one version 2 file (spec/v2.md, "Reading a file", step 3): the entries are parsed once; each
 * {@link #read} checks the header again, parses only the entries published since the last read (the
 * cursor), and reads every value with the copy protocol of {@link ValuesV2}. Another file at the path
 * (file key or size changed), or a field_count that went down, starts afresh. Never a mapping.
 */
public final class StatsReaderV2 implements AutoCloseable {
    private final Path path;
    private final long maxSize;
    private FileChannel channel;
    private Object identity;
    private final List<LayoutV2.Entry> entries = new ArrayList<>();
    private LayoutV2.Cursor cursor;

    public StatsReaderV2(Path path, long maxSize) {
        this.path = Objects.requireNonNull(path);
        this.maxSize = MmstatsReader.effectiveLimit(maxSize);
    }

    public StatsReaderV2(Path path) {
        this(path, MmstatsReader.DEFAULT_MAX_SIZE);
    }

    private record Identity(Object fileKey, long size) {
    }

    /** Entries parsed so far, in entry order (for tests and tools that show metadata). */
    public List<LayoutV2.Entry> entries() {
        return List.copyOf(entries);
    }

    /** The file's current header and values. */
    public FileV2 read() throws IOException, FormatException {
        try {
            refresh();
            String name = path.toString();
            byte[] first = MmstatsReader.readAll(channel, name, maxSize);
            if (!MmstatsReader.isVersion2(first)) {
                throw new FormatException(name, first.length == 0 || first[0] == 0
                        ? new Problem(ErrorCode.NOT_READY, 0, "the file is empty or its version byte is 0x00")
                        : new Problem(ErrorCode.BAD_VERSION, 0, "not a version 2 file"));
            }
            if (cursor != null && LayoutV2.Header.of(first).fieldCount() < cursor.count()) {
                forget(); // fewer entries than parsed: not the file they came from
            }
            LayoutV2 added = FormatV2.walk(first, true, cursor);
            if (!added.valid()) {
                throw new FormatException(name, added.problems().get(0));
            }
            entries.addAll(added.entries());
            cursor = added.cursor();
            LayoutV2 all = new LayoutV2(added.header(), entries, List.of(), cursor);
            return ValuesV2.read(ByteSource.of(channel), first, all);
        } catch (FormatException | IOException e) {
            close(); // parse afresh next time
            throw e;
        }
    }

    private void forget() {
        entries.clear();
        cursor = null;
    }

    private void refresh() throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        OpenFile.requireRegular(path, attrs);
        Identity now = new Identity(attrs.fileKey(), attrs.size());
        if (channel == null || !now.equals(identity)) {
            close();
            OpenFile opened = OpenFile.open(path);
            channel = opened.channel();
            identity = new Identity(opened.attributes().fileKey(), opened.attributes().size());
        }
    }

    @Override
    public void close() throws IOException {
        identity = null;
        forget();
        if (channel != null) {
            FileChannel ch = channel;
            channel = null;
            ch.close();
        }
    }
}
