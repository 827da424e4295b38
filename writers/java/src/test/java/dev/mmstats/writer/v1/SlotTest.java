package dev.mmstats.writer.v1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each update leaves in the file, byte for byte (the file is read back through the page cache). */
class SlotTest {
    @TempDir
    Path dir;

    private static String hex(byte[] b, int from, int to) {
        return HexFormat.of().formatHex(Arrays.copyOfRange(b, from, to));
    }

    private MmstatsFile create(FieldSpec... fields) throws IOException {
        return MmstatsFile.create(dir.resolve("t.mmstats"), List.of(fields));
    }

    private byte[] bytes() throws IOException {
        return Files.readAllBytes(dir.resolve("t.mmstats"));
    }

    // A record with a one-byte label and a one-byte type: write_buffer at 1+2+1+2+1 = 7, value[0] at 8.
    private static final int WB = 7;
    private static final int V0 = 8;

    @Test
    void bufferedUpdatesWriteValueWbThenFlip() throws IOException {
        try (MmstatsFile f = create(new FieldSpec("n", "I", true))) {
            IntSlot n = f.intSlot("n");
            n.set(0x11223344);                     // value[0] = new, wb 0 -> 1
            byte[] b = bytes();
            assertEquals("01", hex(b, WB, WB + 1));
            assertEquals("44332211" + "00000000", hex(b, V0, V0 + 8));
            n.set(5);                              // value[1] = 5, wb 1 -> 0; value[0] keeps the previous value
            b = bytes();
            assertEquals("00", hex(b, WB, WB + 1));
            assertEquals("44332211" + "05000000", hex(b, V0, V0 + 8));
            assertEquals(0, n.writeBuffer());
        }
    }

    @Test
    void unbufferedUpdatesWriteTheOneValue() throws IOException {
        try (MmstatsFile f = create(new FieldSpec("n", "h", false))) {
            f.intSlot("n").set(-40);
            byte[] b = bytes();
            assertEquals("ff", hex(b, WB, WB + 1));
            assertEquals("d8ff", hex(b, V0, V0 + 2));
            assertEquals("0000", hex(b, V0 + 2, V0 + 4)); // nothing past the value area
        }
    }

    @Test
    void integersWrapModuloTheirWidth() throws IOException {
        try (MmstatsFile f = create(new FieldSpec("n", "Q", false))) {
            IntSlot q = f.intSlot("n");
            q.incr(10);
            q.incr(-11);
            assertEquals("ffffffffffffffff", hex(bytes(), V0, V0 + 8));
            assertEquals(new BigInteger("18446744073709551615"), q.getExact());
            q.incr();
            assertEquals(0, q.get());
            q.set(BigInteger.ONE.shiftLeft(70).add(BigInteger.valueOf(3)));
            assertEquals("0300000000000000", hex(bytes(), V0, V0 + 8));
        }
        Files.delete(dir.resolve("t.mmstats"));
        try (MmstatsFile f = create(new FieldSpec("n", "h", false))) {
            f.intSlot("n").set(40000);
            assertEquals(-25536, f.intSlot("n").get());
            assertEquals("409c", hex(bytes(), V0, V0 + 2)); // 40000 - 65536 = -25536 = 0x9c40
        }
    }

    @Test
    void floatsRoundToBinary32AndOverflowToInfinity() throws IOException {
        try (MmstatsFile f = create(new FieldSpec("x", "f", false))) {
            FloatSlot x = f.floatSlot("x");
            x.set(0.1);
            assertEquals("cdcccc3d", hex(bytes(), V0, V0 + 4));
            x.set(1e39);
            assertEquals("0000807f", hex(bytes(), V0, V0 + 4));
            x.set(-0.0);
            assertEquals("00000080", hex(bytes(), V0, V0 + 4));
            x.set(Double.longBitsToDouble(0xfff8000000000000L)); // a NaN with its sign bit keeps it
            assertEquals("0000c0ff", hex(bytes(), V0, V0 + 4));
        }
    }

    @Test
    void doublesStoreTheirBits() throws IOException {
        try (MmstatsFile f = create(new FieldSpec("x", "d", true))) {
            f.floatSlot("x").set(0.75);
            assertEquals("000000000000e83f", hex(bytes(), V0, V0 + 8));
        }
    }

    @Test
    void boolsStoreOneOrZero() throws IOException {
        try (MmstatsFile f = create(new FieldSpec("b", "?", false))) {
            f.boolSlot("b").set(true);
            assertEquals("01", hex(bytes(), V0, V0 + 1));
            f.boolSlot("b").set(false);
            assertEquals("00", hex(bytes(), V0, V0 + 1));
        }
    }

    @Test
    void shorterStringsGetOneNulAndKeepStaleBytes() throws IOException {
        // "12s": write_buffer at 1+2+1+2+3 = 9, value at 10
        try (MmstatsFile f = create(new FieldSpec("s", "12s", false))) {
            TextSlot s = f.textSlot("s");
            s.set("a longer one");
            assertEquals(hex("a longer one".getBytes(), 0, 12), hex(bytes(), 10, 22));
            s.set("short");
            assertEquals("73686f7274" + "00" + "6572206f6e65", hex(bytes(), 10, 22));
            assertEquals("short", s.get());
        }
    }

    @Test
    void longerStringsAreCutOnACharacterBoundary() throws IOException {
        try (MmstatsFile f = create(new FieldSpec("s", "8s", false))) {
            f.textSlot("s").set("€€€");        // 9 bytes: the third euro sign does not fit whole
            assertEquals("e282ace282ac" + "00" + "00", hex(bytes(), 9, 17));
            f.textSlot("s").setBytes("abcdef€".getBytes()); // raw bytes are cut blindly
            assertEquals("616263646566e282", hex(bytes(), 9, 17));
        }
    }

    @Test
    void cutLengthNeverSplitsACharacter() {
        byte[] b = "a😀".getBytes(); // 61 f0 9f 98 80
        assertEquals(5, TextSlot.cutLength(b, 5));
        for (int max = 1; max <= 4; max++) {
            assertEquals(1, TextSlot.cutLength(b, max));
        }
        assertEquals(0, TextSlot.cutLength("é".getBytes(), 1));
        assertEquals(0, TextSlot.cutLength("é".getBytes(), 0));
    }

    @Test
    void bufferedStringsAlternateBuffers() throws IOException {
        // "3s" buffered: write_buffer at 8, value[0] at 9, value[1] at 12
        try (MmstatsFile f = create(new FieldSpec("s", "3s", true))) {
            f.textSlot("s").set("old");
            f.textSlot("s").set("new");
            assertArrayEquals("oldnew".getBytes(), Arrays.copyOfRange(bytes(), 9, 15));
            assertEquals(0, bytes()[8]);
        }
    }
}
