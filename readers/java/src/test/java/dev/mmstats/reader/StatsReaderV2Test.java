package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The version 2 poller: fields appended at run time appear, and old entries are not parsed again. */
class StatsReaderV2Test {
    private static final Path BASIC = Paths.CONFORMANCE.resolve("v2/valid/spec/basic.mmstats");

    /** Writes {@code bytes} at {@code at} in place (same file, same size), as a writer's stores do. */
    private static void store(Path p, long at, byte[] bytes) throws Exception {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), at);
        }
    }

    /** A gauge "g" of u64 at process offset 40: a 40-byte entry (spec/v2.md, "Metadata entries"). */
    private static byte[] gaugeEntry() {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(40).put((byte) 2).put((byte) 1).putShort((short) 0).putInt(40).putInt(8);
        b.putShort((short) 1).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0).putInt(0);
        b.put((byte) 'g');
        return b.array();
    }

    private static byte[] le(long v, int size) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        return java.util.Arrays.copyOf(b.array(), size);
    }

    @Test
    void appendedFieldsAppearWithoutParsingOldEntriesAgain(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("basic.mmstats");
        Files.copy(BASIC, p);
        try (StatsReaderV2 r = new StatsReaderV2(p)) {
            FileV2 first = r.read();
            assertEquals(3, first.fields().size());
            assertEquals("http.requests", first.fields().get(0).entry().label());
            assertEquals("17", CanonicalJson.value(first.fields().get(0).value()));

            store(p, 0xa0, new byte[] {'H'});           // an old entry changed: a writer never does this,
            store(p, 0x150, gaugeEntry());              // so only a reader that parses it again sees it
            store(p, 384 + 40, le(99, 8));              // the new gauge's value
            store(p, 0x200, le(6, 8));                  // slot 0 of http.requests: 5 -> 6
            store(p, FormatV2.H_FIELD_COUNT, le(4, 4)); // published last

            FileV2 second = r.read();
            assertEquals(4, second.fields().size());
            assertEquals("http.requests", second.fields().get(0).entry().label());
            assertEquals("18", CanonicalJson.value(second.fields().get(0).value()));
            assertEquals("g", second.fields().get(3).entry().label());
            assertEquals("99", CanonicalJson.value(second.fields().get(3).value()));
            assertEquals(4, r.entries().size());
        }
        // a reader that walks the whole file sees the changed old entry: the poller above did not parse it
        Decoded fresh = MmstatsReader.readAny(p, "x", MmstatsReader.DEFAULT_MAX_SIZE);
        assertEquals("Http.requests", ((FileV2) fresh).fields().get(0).entry().label());
    }

    @Test
    void aBadNewEntryIsReportedAndTheNextReadStartsAfresh(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("basic.mmstats");
        Files.copy(BASIC, p);
        try (StatsReaderV2 r = new StatsReaderV2(p)) {
            assertEquals(3, r.read().fields().size());
            byte[] bad = gaugeEntry();
            bad[16] = 0; // name_size 0
            store(p, 0x150, bad);
            store(p, FormatV2.H_FIELD_COUNT, le(4, 4));
            FormatException e = assertThrows(FormatException.class, r::read);
            assertEquals(ErrorCode.BAD_NAME + "@" + (0x150 + 16), e.code() + "@" + e.offset());
            store(p, FormatV2.H_FIELD_COUNT, le(3, 4));
            assertEquals(3, r.read().fields().size());
        }
    }
}
