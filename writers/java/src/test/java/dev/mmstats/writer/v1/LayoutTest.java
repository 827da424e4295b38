package dev.mmstats.writer.v1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmstats.reader.FormatV1;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The image before publication, against bytes written out by hand. */
class LayoutTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void imageOfABufferedCounterAndAnUnbufferedBool() {
        Layout l = Layout.of(List.of(new FieldSpec("requests", "Q", true), new FieldSpec("up", "?", false)));
        byte[] want = Arrays.copyOf(hex(""
                + "00"                        // version 0x00: still being created
                + "0800 7265717565737473"     // label_size 8, "requests"      at 1
                + "0100 51"                   // type_size 1, "Q"               at 11
                + "00"                        // write_buffer 0                 at 14
                + "0000000000000000 0000000000000000" // value[0], value[1]    at 15, 23
                + "0200 7570"                 // label_size 2, "up"             at 31
                + "0100 3f"                   // type_size 1, "?"               at 35
                + "ff"                        // unbuffered                     at 38
                + "00"),                      // value                          at 39
                4096);
        assertArrayEquals(want, l.image());
        assertEquals(40, l.usedBytes());
        assertEquals(new Layout.Placed(new FieldSpec("requests", "Q", true), 1, 14, 15), l.fields().get(0));
        assertEquals(new Layout.Placed(new FieldSpec("up", "?", false), 31, 38, 39), l.fields().get(1));
    }

    @Test
    void noFieldsIsOnePageOfZeros() {
        Layout l = Layout.of(List.of());
        assertArrayEquals(new byte[4096], l.image());
    }

    @Test
    void recordsFillingAPageExactlyGetNoExtraPage() {
        // 1 + (2 + 3 + 2 + 5 + 1) + 4082 = 4096: no room and no need for a terminator
        Layout l = Layout.of(List.of(new FieldSpec("pad", "4082s", false)));
        assertEquals(4096, l.usedBytes());
        assertEquals(4096, l.fileSize());
        Layout over = Layout.of(List.of(new FieldSpec("pad", "4083s", false)));
        assertEquals(8192, over.fileSize());
    }

    @Test
    void labelOf256BytesHasLabelSize0001() {
        byte[] img = Layout.of(List.of(new FieldSpec("L".repeat(256), "B", false))).image();
        assertEquals(0x00, img[1]);
        assertEquals(0x01, img[2]);
        assertEquals('L', img[3]);
        assertEquals(1, img[3 + 256]);    // type_size low byte
        assertEquals('B', img[3 + 256 + 2]);
    }

    @Test
    void multiByteLabelsAreMeasuredInBytes() {
        Layout l = Layout.of(List.of(new FieldSpec("temp.°C", "d", false)));
        // label is 8 bytes: type_size at 1+2+8 = 11, type at 13, write_buffer at 14, value at 15
        assertEquals(14, l.fields().get(0).writeBufferOffset());
        assertEquals(15, l.fields().get(0).valueOffset());
    }

    @Test
    void refusesWhatCannotBeAField() {
        assertThrows(IllegalArgumentException.class, () -> new FieldSpec("", "Q", true));
        assertThrows(IllegalArgumentException.class, () -> new FieldSpec("x".repeat(65536), "Q", true));
        assertThrows(IllegalArgumentException.class, () -> new FieldSpec("bad\uD800", "Q", true));
        assertThrows(IllegalArgumentException.class, () -> new FieldSpec("a", "L", true));
        assertThrows(IllegalArgumentException.class, () -> new FieldSpec("a", "05s", true));
        assertThrows(IllegalArgumentException.class, () -> Layout.of(List.of(new FieldSpec("a", "Q", true),
                new FieldSpec("a", "B", false))));
        assertThrows(IllegalArgumentException.class, () -> Layout.of(List.of(new FieldSpec("a", "999999999s", true),
                new FieldSpec("b", "999999999s", true))));
    }

    @Test
    void typeTable() {
        for (String sig : List.of("b", "B", "h", "H", "i", "I", "q", "Q", "f", "d", "?", "0s", "255s", "999999999s")) {
            assertEquals(sig, FieldSpec.typeOf(sig).signature());
        }
        assertEquals(8, FieldSpec.typeOf("Q").size());
        assertEquals(255, FieldSpec.typeOf("255s").size());
        for (String sig : List.of("l", "L", "<Q", "2Q", "s", "00s", "1000000000s", "-1s", "")) {
            assertEquals(null, FormatV1.lookup(sig), sig);
        }
    }

    /** A file is at most the readers' size limit: one byte more and every reader would refuse it. */
    @Test
    void filesOverTheReadersSizeLimitAreRefused() {
        assertEquals(268435456L, Layout.MAX_FILE_SIZE);
        // version byte 1 + label_size 2 + "x" 1 + type_size 2 + "268435439s" 10 + write_buffer 1 + 268435439
        Layout fits = Layout.of(List.of(new FieldSpec("x", "268435439s", false)));
        assertEquals(268435456, fits.usedBytes());
        assertEquals(268435456, fits.fileSize());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Layout.of(List.of(new FieldSpec("x", "268435440s", false))));
        assertTrue(e.getMessage().contains("268435457 bytes, over 268435456"), e.getMessage());
        assertTrue(e.getMessage().contains("file_too_large"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Layout.of(List.of(new FieldSpec("x", "134217720s", true)))); // buffered: twice the bytes
    }
}
