package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading files from disk: values, the size limit, and the first problem. */
class ReadTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    @Test
    void bufferedRecordsReadTheBufferOppositeTheWriteBuffer() throws Exception {
        // wb 1: readers read value[0] = 18; wb 0: readers read value[1] = 0.75
        Path p = write("mixed.mmstats", Image.file(
                Image.record("requests", "Q", 1, Image.hex("12 00*7 0d 00*7")),
                Image.record("load", "d", 0, Image.hex("00 00 00 00 00 00 e0 3f 00 00 00 00 00 00 e8 3f")),
                Image.record("up", "?", 0xff, Image.hex("01"))));
        List<Field> f = MmstatsReader.read(p).fields();
        assertEquals(new Field("requests", "Q", true, new Value.UInt(18)), f.get(0));
        assertEquals(new Field("load", "d", true, new Value.Float(0.75)), f.get(1));
        assertEquals(new Field("up", "?", false, new Value.Bool(true)), f.get(2));
    }

    @Test
    void fileOverTheLimitIsFileTooLargeAtTheLimit() throws Exception {
        Path p = write("big.mmstats", Image.padded(Image.hex("01"), 8192));
        FormatException e = assertThrows(FormatException.class, () -> MmstatsReader.read(p, 4096));
        assertEquals(ErrorCode.FILE_TOO_LARGE, e.code());
        assertEquals(4096, e.offset());
        assertEquals(List.of(new Problem(ErrorCode.FILE_TOO_LARGE, 4096, "file is 8192 bytes, over the limit of 4096")),
                MmstatsReader.validate(p, 4096));
        assertEquals(0, MmstatsReader.read(p, 8192).fields().size());
    }

    @Test
    void fileTooLargeReplacesEveryOtherProblem() throws Exception {
        Path p = write("bad.mmstats", Image.padded(Image.hex("02"), 5000));
        assertEquals(List.of(ErrorCode.FILE_TOO_LARGE),
                MmstatsReader.validate(p, 100).stream().map(Problem::code).toList());
        assertEquals(List.of(ErrorCode.BAD_VERSION, ErrorCode.BAD_FILE_SIZE),
                MmstatsReader.validate(p, 5000).stream().map(Problem::code).toList());
    }

    @Test
    void readerReportsTheFirstProblemWithThePathInTheMessage() throws Exception {
        Path p = write("wb.mmstats", Image.page("01 01 00 61 01 00 42 02 07"));
        FormatException e = assertThrows(FormatException.class, () -> MmstatsReader.read(p));
        assertEquals(p + ": offset 7: bad_write_buffer: write buffer of 'a' is 0x02; allowed: 0x00, 0x01, 0xff (at 0x7)",
                e.getMessage());
    }

    @Test
    void emptyFileIsNotReady() throws Exception {
        Path p = write("empty.mmstats", new byte[0]);
        FormatException e = assertThrows(FormatException.class, () -> MmstatsReader.read(p));
        assertEquals(ErrorCode.NOT_READY, e.code());
    }

    @Test
    void missingFileIsAnIoErrorNotAFormatProblem() {
        assertThrows(NoSuchFileException.class, () -> MmstatsReader.read(dir.resolve("nope.mmstats")));
    }

    @Test
    void readBytesReturnsTheWholeFile() throws Exception {
        byte[] data = Image.page("01 01 00 61 01 00 42 ff 07");
        Path p = write("a.mmstats", data);
        assertEquals(java.util.Arrays.toString(data), java.util.Arrays.toString(MmstatsReader.readBytes(p, 4096)));
    }
}
