package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every error code at the offset the spec says, counted by hand from the bytes. */
class FileScannerTest {

    private static String problems(byte[] data) {
        return FileScanner.scan(data).problems().stream().map(p -> p.code() + "@" + p.offset())
                .collect(Collectors.joining(" "));
    }

    /** The spec's table "error-examples" (file starts with | size | first problem), copied by hand. */
    @ParameterizedTest(name = "{0} ({1} bytes) -> {2}")
    @CsvSource(delimiter = '|', value = {
        "                                                       | 0    | not_ready@0",
        "00 01 00 61                                            | 4096 | not_ready@0",
        "02                                                     | 4096 | bad_version@0",
        "01 ff ff 61                                            | 4096 | past_eof@3",
        "01 fc 0f 61*4092                                       | 4096 | truncated_record@4095",
        "01 fa 0f 61*4090 01 00 42                              | 4096 | truncated_record@4096",
        "01 03 00 70 61 64 05 00 34 30 38 31 73 ff 00*4081 01  | 4096 | truncated_record@4095",
        "01 02 00 c3 28 01 00 42 ff 07                          | 4096 | bad_label_utf8@3",
        "01 01 00 61 01 00 6c ff 07                             | 4096 | unknown_type@6",
        "01 01 00 61 03 00 30 35 73 ff                          | 4096 | unknown_type@6",
        "01 01 00 61 00 00 ff 07                                | 4096 | unknown_type@6",
        "01 01 00 61 01 00 42 02 07                             | 4096 | bad_write_buffer@7",
        "01 f9 0f 61*4089 01 00 51 ff                           | 4096 | past_eof@4096",
        "01 00 00 00 2a                                         | 4096 | trailing_garbage@4",
        "01 01 00 61 01 00 42 ff 07                             | 100  | bad_file_size@100",
    })
    void specErrorExamplesReportTheirFirstProblem(String dump, int size, String first) {
        byte[] data = Image.padded(Image.hex(dump == null ? "" : dump), size);
        List<Problem> found = FileScanner.scan(data).problems();
        assertTrue(!found.isEmpty(), "no problem found");
        assertEquals(first, found.get(0).code() + "@" + found.get(0).offset());
    }

    @Test
    void emptyFileIsNotReadyAndNothingElse() {
        assertEquals("not_ready@0", problems(new byte[0]));
    }

    @Test
    void versionZeroIsNotReadyEvenWithABadSize() {
        assertEquals("not_ready@0", problems(Image.hex("00 ff ff")));
    }

    @Test
    void badVersionSkipsTheRecordsButStillChecksTheSize() {
        // byte 0 = 02; the garbage after it is never read; 10 bytes is not a page multiple
        assertEquals("bad_version@0 bad_file_size@10", problems(Image.hex("02 ff ff ff ff ff ff ff ff ff")));
    }

    @Test
    void badLabelIsNotStructuralSoLaterProblemsAreFound() {
        // 01 | 02 00 | c3 28 (c3 wants a continuation byte: ill-formed at 3) | 01 00 | 42 | ff | 07
        // then 05 00 at 10: label of 5 bytes "abcde" at 12..16 | 01 00 at 17 | "x" at 19: unknown
        byte[] data = Image.page("01 02 00 c3 28 01 00 42 ff 07 05 00 61 62 63 64 65 01 00 78 ff");
        assertEquals("bad_label_utf8@3 unknown_type@19", problems(data));
    }

    @Test
    void onlyTheFirstIllFormedSequenceOfALabelIsReported() {
        // label "ff a 80" at 3: ff at 3 and 80 at 5 are both ill-formed; only 3 counts
        byte[] data = Image.page("01 03 00 ff 61 80 01 00 42 ff 07");
        assertEquals("bad_label_utf8@3", problems(data));
    }

    @Test
    void labelOfSurrogateIsReportedAtItsFirstByte() {
        // "a" then ED A0 80 (U+D800 encoded): the sequence starts at 4
        byte[] data = Image.page("01 04 00 61 ed a0 80 01 00 42 ff 07");
        assertEquals("bad_label_utf8@4", problems(data));
    }

    @Test
    void problemsOnTheSameOffsetPutBadFileSizeLast() {
        // 01 | 01 00 | 61 | 01 00 | 42 | ff: the write buffer at 7 is the last byte; its value (1 byte)
        // would start at 8 == size: past_eof at 8, and the size 8 is not a page multiple: bad_file_size at 8
        byte[] data = Image.hex("01 01 00 61 01 00 42 ff");
        assertEquals("past_eof@8 bad_file_size@8", problems(data));
    }

    @Test
    void loneNonZeroByteAfterTheRecordsIsATruncatedLabelSize() {
        byte[] data = Image.padded(Image.hex("01 01 00 61 01 00 42 ff 07 00 00"), 4095);
        // 4095 bytes: the records end at 9, terminator at 9; zero fill then; size is wrong
        assertEquals("bad_file_size@4095", problems(data));
        byte[] odd = Image.hex("01 01 00 61 01 00 42 ff 07 05");
        assertEquals("truncated_record@9 bad_file_size@10", problems(odd));
    }

    @Test
    void typeSizeCutByTheEnd() {
        // 01 | 01 00 | 61 | 01 (one byte of type_size at 4, file ends at 5)
        assertEquals("truncated_record@4 bad_file_size@5", problems(Image.hex("01 01 00 61 01")));
    }

    @Test
    void writeBufferCutByTheEnd() {
        // 01 | 01 00 | 61 | 01 00 | 42, and the file ends at 7, where write_buffer would be
        assertEquals("truncated_record@7 bad_file_size@7", problems(Image.hex("01 01 00 61 01 00 42")));
    }

    @Test
    void typeRunningPastTheEnd() {
        // type_size 3 at 4, type would be 6..8 but the file ends at 7
        assertEquals("past_eof@6 bad_file_size@7", problems(Image.hex("01 01 00 61 03 00 31")));
    }

    @Test
    void bufferedValueAreaIsTwiceTheValue() {
        // "Q" buffered needs 16 bytes at 8; the page has them. One byte less than two values: past_eof.
        byte[] ok = Image.padded(Image.hex("01 01 00 61 01 00 51 00"), 4096);
        assertEquals("", problems(ok));
        byte[] cut = Image.padded(Image.hex("01 f6 0f 61*4086 01 00 51 00"), 4096);
        // label 4086 bytes at 3..4088, type_size at 4089, type at 4091, wb at 4092, values at 4093: 3 left
        assertEquals("past_eof@4093", problems(cut));
    }

    @Test
    void hugeStringSizeIsPastTheEndNotAnOverflow() {
        // 999999999s buffered: 2 x 999999999 bytes would overflow an int
        byte[] data = Image.page("01 01 00 61 0a 00 39 39 39 39 39 39 39 39 39 73 01");
        assertEquals("past_eof@17", problems(data));
    }

    @Test
    void trailingGarbageAfterATerminatorBetweenRecords() {
        byte[] data = Image.page("01 01 00 61 01 00 42 ff 07 00 00 00 00 05 00 61");
        assertEquals("trailing_garbage@13", problems(data));
    }

    @Test
    void recordsFillingThePageExactlyNeedNoTerminator() {
        byte[] data = Image.padded(Image.hex("01 03 00 70 61 64 05 00 34 30 38 32 73 ff 65 6e 64"), 4096);
        ScanResult r = FileScanner.scan(data);
        assertEquals(List.of(), r.problems());
        assertEquals(1, r.fields().size());
        assertEquals(4096, r.fields().get(0).end());
    }

    @Test
    void labelSize256IsNotATerminator() {
        byte[] data = Image.page("01 00 01 4c*256 01 00 42 ff 07");
        ScanResult r = FileScanner.scan(data);
        assertEquals(List.of(), r.problems());
        assertEquals("L".repeat(256), r.fields().get(0).label());
        assertEquals(0x106, r.fields().get(0).writeBufferOffset());
    }

    @ParameterizedTest
    @CsvSource({"b,1", "B,1", "h,2", "H,2", "i,4", "I,4", "q,8", "Q,8", "f,4", "d,8", "?,1", "0s,0", "7s,7",
        "255s,255", "999999999s,999999999"})
    void typeTableSizes(String sig, int size) {
        TypeSpec t = FormatV1.lookup(sig);
        assertNotNull(t, sig);
        assertEquals(size, t.size());
        assertEquals(sig, t.signature());
    }

    @ParameterizedTest
    @CsvSource({"l", "L", "c", "e", "n", "N", "p", "P", "x", "<Q", "=Q", "2Q", "05s", "00s", "s", "1000000000s", "-1s",
        "+1s", "Qq", "'q '", "' Q'", "S", "1S", "１s"})
    void signaturesOutsideTheTableAreUnknown(String sig) {
        assertNull(FormatV1.lookup(sig), sig);
    }

    @Test
    void nonAsciiSignatureIsUnknownAtItsFirstByte() {
        byte[] data = Image.page("01 01 00 61 02 00 c2 b5 ff 07");
        assertEquals("unknown_type@6", problems(data));
    }

    @Test
    void namedOffsetsFollowTheRecordTable() {
        // spec record table: label at 2, type_size at 2+L, type at 4+L, write_buffer at 4+L+T, value at 5+L+T
        assertEquals(1, FormatV1.FIRST_RECORD_OFFSET);
        assertEquals(2, FormatV1.LABEL_OFFSET);
        assertEquals(2 + 7, FormatV1.typeSizeOffset(7));
        assertEquals(4 + 7, FormatV1.typeOffset(7));
        assertEquals(4 + 7 + 3, FormatV1.writeBufferOffset(7, 3));
        assertEquals(5 + 7 + 3, FormatV1.valueOffset(7, 3));
    }

    @Test
    void messagesStayOnOneLine() {
        // label "a\nb" (3 bytes) with an unknown type: the message quotes the label with \n escaped
        Problem p = FileScanner.scan(Image.page("01 03 00 61 0a 62 01 00 6c ff")).problems().get(0);
        assertEquals(ErrorCode.UNKNOWN_TYPE, p.code());
        assertEquals("type signature 'l' of 'a\\u000ab' is not in the type table", p.message());
    }
}
