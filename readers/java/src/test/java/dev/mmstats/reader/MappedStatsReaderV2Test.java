package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The mapping poller: the corpus as the copying readers read it, and a file changed between reads. */
class MappedStatsReaderV2Test {
    private static final Path BASIC = Paths.CONFORMANCE.resolve("v2/valid/spec/basic.mmstats");
    /** basic.mmstats: entry 0's name at 0xa0, free metadata from 0x150, the string's sequence at 0x188. */
    private static final int NAME_AT = 0xa0;
    private static final int NEXT_ENTRY = 0x150;
    private static final int SEQ_AT = 0x188;
    private static final int NEW_GAUGE_VALUE = 384 + 40;
    private static final int SLOT0_COPY = 0x200;

    private static void store(Path p, long at, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), at);
        }
    }

    private static byte[] le(long v, int size) {
        return java.util.Arrays.copyOf(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(), size);
    }

    /** A u64 gauge "g" at process offset 40, as a 40-byte entry. */
    private static byte[] gaugeEntry() {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(40).put((byte) 2).put((byte) 1).putShort((short) 0).putInt(40).putInt(8);
        b.putShort((short) 1).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0).putInt(0);
        b.put((byte) 'g');
        return b.array();
    }

    /** Publishes the gauge "g" = {@code value} the way a writer adds a field: entry and value, then field_count. */
    private static void appendGauge(Path p, long value) throws IOException {
        store(p, NEXT_ENTRY, gaugeEntry());
        store(p, NEW_GAUGE_VALUE, le(value, 8));
        store(p, FormatV2.H_FIELD_COUNT, le(4, 4));
    }

    private static Path copyOfBasic(Path dir) throws IOException {
        Path p = dir.resolve("basic.mmstats");
        Files.copy(BASIC, p);
        return p;
    }

    private static String value(FileV2 f, int i) {
        return CanonicalJson.value(f.fields().get(i).value());
    }

    private static String codeAt(FormatException e) {
        return e.code() + "@" + e.offset();
    }

    @TestFactory
    Stream<DynamicTest> validFilesReadAsTheJsonAndAsStatsReaderV2() {
        return V2ConformanceTest.cases("valid").stream().map(c -> DynamicTest.dynamicTest((String) c.get("id"), () -> {
            Path f = V2ConformanceTest.file(c);
            Path json = Paths.CONFORMANCE.resolve((String) c.get("expect"));
            assertTrue(Files.exists(json), json + " is missing");
            String copied;
            try (StatsReaderV2 r = new StatsReaderV2(f)) {
                copied = r.read().toCanonicalJson("x");
            }
            try (MappedStatsReaderV2 r = new MappedStatsReaderV2(f)) {
                for (int read = 0; read < 2; read++) {
                    Map<String, Object> got = Json.object(r.read().toCanonicalJson("x"));
                    assertEquals(List.of(), CanonicalV2.diff(Corpus.readJson(json), got), "read " + read);
                    assertEquals(List.of(), CanonicalV2.diff(Json.object(copied), got), "read " + read);
                }
                assertEquals(1, r.walks);
            }
        }));
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> invalidFilesGiveTheCopyingReadersProblem() {
        return V2ConformanceTest.cases("invalid").stream().map(c -> DynamicTest.dynamicTest((String) c.get("id"), () -> {
            Path f = V2ConformanceTest.file(c);
            Map<String, Object> expect = (Map<String, Object>) c.get("expect");
            Map<String, Object> options = (Map<String, Object>) c.getOrDefault("options", Map.of());
            long maxSize = options.containsKey("max_size")
                    ? ((Json.Num) options.get("max_size")).integer().longValueExact()
                    : MmstatsReader.DEFAULT_MAX_SIZE;
            String want = expect.get("code") + "@" + ((Json.Num) expect.get("offset")).integer();
            FormatException copied = assertThrows(FormatException.class,
                    () -> MmstatsReader.readAny(f, f.toString(), maxSize));
            assertEquals(want, codeAt(copied));
            try (MappedStatsReaderV2 r = new MappedStatsReaderV2(f, maxSize)) {
                FormatException e = assertThrows(FormatException.class, r::read);
                assertEquals(want, codeAt(e));
                assertEquals(f.toString(), e.path());
            }
        }));
    }

    @Test
    void appendedFieldsAppearWithoutWalkingOldEntriesAgain(@TempDir Path dir) throws Exception {
        Path p = copyOfBasic(dir);
        try (MappedStatsReaderV2 r = new MappedStatsReaderV2(p)) {
            FileV2 first = r.read();
            assertEquals(3, first.fields().size());
            assertEquals("17", value(first, 0));
            assertEquals(1, r.walks);
            assertEquals(3, r.entriesWalked);

            store(p, NAME_AT, new byte[] {(byte) 0xff}); // a walk of entry 0 would report bad_utf8
            store(p, SLOT0_COPY, le(6, 8));               // slot 0 of http.requests: 5 -> 6
            appendGauge(p, 99);
            FileV2 second = r.read();
            assertEquals(4, second.fields().size());
            assertEquals("http.requests", second.fields().get(0).entry().label());
            assertEquals("18", value(second, 0));
            assertEquals("g", second.fields().get(3).entry().label());
            assertEquals("99", value(second, 3));
            assertEquals(1, r.walks);
            assertEquals(4, r.entriesWalked); // the new entry only
            r.read();
            assertEquals(4, r.entriesWalked);

            store(p, FormatV2.H_PID, le(4242, 8)); // another writer's file in place: walked afresh
            FormatException e = assertThrows(FormatException.class, r::read);
            assertEquals(ErrorCode.BAD_UTF8 + "@" + NAME_AT, codeAt(e));
        }
    }

    @Test
    void aBadNewEntryIsReportedFromTheCopy(@TempDir Path dir) throws Exception {
        Path p = copyOfBasic(dir);
        try (MappedStatsReaderV2 r = new MappedStatsReaderV2(p)) {
            r.read();
            byte[] bad = gaugeEntry();
            bad[16] = 0; // name_size 0
            store(p, NEXT_ENTRY, bad);
            store(p, FormatV2.H_FIELD_COUNT, le(4, 4));
            FormatException e = assertThrows(FormatException.class, r::read);
            assertEquals(ErrorCode.BAD_NAME + "@" + (NEXT_ENTRY + 16), codeAt(e));
        }
    }

    @Test
    void aFileTruncatedBetweenReadsIsBadFileSize(@TempDir Path dir) throws Exception {
        for (long size : new long[] {0, 100, 2048}) {
            Path p = Files.createTempFile(dir, "cut", ".mmstats");
            Files.copy(BASIC, p, StandardCopyOption.REPLACE_EXISTING);
            try (MappedStatsReaderV2 r = new MappedStatsReaderV2(p)) {
                r.read();
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.truncate(size);
                }
                FormatException e = assertThrows(FormatException.class, r::read);
                assertEquals(ErrorCode.BAD_FILE_SIZE + "@" + size, codeAt(e));
                e = assertThrows(FormatException.class, r::read); // mapped again: the walk's answer
                assertEquals((size == 0 ? ErrorCode.NOT_READY + "@0" : ErrorCode.BAD_FILE_SIZE + "@" + size),
                        codeAt(e));
            }
        }
    }

    /**
     * Loads from a file truncated after the size check fault: the read is an error, never values. It runs on
     * a thread of its own, which ends with it, since the JVM may report the fault (InternalError) after the
     * read, to the thread that made the load.
     */
    @Test
    void loadsPastTheEndOfAShrunkFileGiveAnError(@TempDir Path dir) throws Exception {
        Path p = copyOfBasic(dir);
        try (MappedStatsReaderV2 r = new MappedStatsReaderV2(p)) {
            r.read();
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
            Object[] outcome = new Object[1];
            Thread t = new Thread(() -> {
                try {
                    outcome[0] = r.guarded(r::readMapped); // without the size check before the loads
                } catch (Throwable e) {
                    outcome[0] = e;
                }
            });
            t.start();
            t.join();
            assertTrue(outcome[0] instanceof FormatException, "values or a crash: " + outcome[0]);
            String got = codeAt((FormatException) outcome[0]);
            assertTrue(got.equals(ErrorCode.BAD_FILE_SIZE + "@0") || got.equals(ErrorCode.NOT_READY + "@0"), got);
            Files.copy(BASIC, p, StandardCopyOption.REPLACE_EXISTING);
            assertEquals("17", value(r.read(), 0)); // closed after the error: mapped afresh
        }
    }

    /** Renames a changed copy of basic over {@code p}: http.requests 18, a gauge "g" = 7. */
    private static void replace(Path p) throws IOException {
        Path next = p.resolveSibling("next.mmstats");
        Files.copy(BASIC, next);
        store(next, SLOT0_COPY, le(6, 8));
        appendGauge(next, 7);
        Files.move(next, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aFileReplacedByRenameIsMappedAndRead(@TempDir Path dir) throws Exception {
        Path p = copyOfBasic(dir);
        try (MappedStatsReaderV2 r = new MappedStatsReaderV2(p)) {
            assertEquals("17", value(r.read(), 0));
            replace(p);
            FileV2 f = r.read();
            assertEquals(4, f.fields().size());
            assertEquals("18", value(f, 0));
            assertEquals("7", value(f, 3));
            assertEquals(2, r.walks);
        }
    }

    private static long mappingsOf(Path p) throws IOException {
        String name = " " + p.toAbsolutePath();
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.endsWith(name) || l.endsWith(name + " (deleted)")).count();
        }
    }

    /** The mappings of {@code p} once the collector has run (it releases dropped mappings), waiting up to 10 s. */
    private static long mappingsAfterCollection(Path p, long want) throws Exception {
        long n = mappingsOf(p);
        for (int i = 0; i < 100 && n != want; i++) {
            System.gc();
            Thread.sleep(100);
            n = mappingsOf(p);
        }
        return n;
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void theReplacedFilesMappingIsReleased(@TempDir Path dir) throws Exception {
        Path p = copyOfBasic(dir);
        MappedStatsReaderV2 r = new MappedStatsReaderV2(p);
        r.read();
        assertEquals(1, mappingsOf(p));
        replace(p);
        r.read();
        assertEquals(1, mappingsAfterCollection(p, 1), "the old file's mapping is kept");
        r.close();
        assertEquals(0, mappingsAfterCollection(p, 0), "close kept the mapping");
    }

    @Test
    void anOddSequenceIsNullAfterTheBoundAndAtOnceWhenClosed(@TempDir Path dir) throws Exception {
        Path p = copyOfBasic(dir);
        store(p, SEQ_AT, le(7, 8));
        try (MappedStatsReaderV2 r = new MappedStatsReaderV2(p)) {
            assertNull(r.read().fields().get(2).value());
            assertEquals((ValuesV2.RETRIES - 1) / ValuesV2.YIELD_EVERY, r.yields);

            store(p, SEQ_AT, le(8, 8));
            assertEquals("\"idle\"", value(r.read(), 2));

            long yields = r.yields;
            store(p, SEQ_AT, le(9, 8));
            store(p, FormatV2.H_STATE, le(FormatV2.STATE_CLOSED, 4));
            assertNull(r.read().fields().get(2).value());
            assertEquals(yields, r.yields, "a closed file's sequence was retried");
        }
    }

    @Test
    void aVersion1FileIsBadVersionNamingIt() throws Exception {
        Path v1 = Paths.GOLDEN_08.resolve("many-fields.mmstats");
        assertTrue(Files.exists(v1), v1 + " is missing");
        try (MappedStatsReaderV2 r = new MappedStatsReaderV2(v1)) {
            FormatException e = assertThrows(FormatException.class, r::read);
            assertEquals(ErrorCode.BAD_VERSION + "@0", codeAt(e));
            assertEquals(v1.toString(), e.path());
            assertTrue(e.getMessage().contains("reads version 2 only"), e.getMessage());
        }
    }

    @Test
    void aDirectoryIsRefused(@TempDir Path dir) {
        try (MappedStatsReaderV2 r = new MappedStatsReaderV2(dir)) {
            assertThrows(OpenFile.NotRegularFileException.class, r::read);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
