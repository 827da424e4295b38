package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Utf8Test {
    private static final HexFormat HEX = HexFormat.of();

    private static String lossy(String hex) {
        byte[] b = HEX.parseHex(hex.replace(" ", ""));
        return Utf8.decodeLossy(b, 0, b.length).replace('\uFFFD', '#');
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "61 F1 80 80 E1 80 C2 62 80 63 80 BF 64, a###b#c##d", // the Unicode Standard's example, in the spec
        "ED A0 80, ###",          // a surrogate: ED allows only 80..9F next, so each byte is its own subpart
        "ED BF BF, ###",
        "C0 AF, ##",              // overlong: C0 never starts a sequence
        "E0 80 AF, ###",          // overlong three-byte form
        "F0 80 80 80, ####",      // overlong four-byte form
        "F4 90 80 80, ####",      // above U+10FFFF
        "F5 80, ##",
        "61 62 63 64 65 66 E2 82, abcdef#", // a character cut at the end: one U+FFFD
        "E2 82 61, #a",
        "F0 9F 98, #",
        "F0 9F 98 80, \uD83D\uDE00",
        "C3 A9 E2 9C 93, é✓",
    })
    void maximalSubpartsBecomeOneReplacementEach(String hex, String want) {
        assertEquals(want, lossy(hex));
    }

    @Test
    void theJdkDecoderDiffersOnSurrogatesWhichIsWhyItIsNotUsed() {
        byte[] surrogate = {(byte) 0xED, (byte) 0xA0, (byte) 0x80};
        // If this ever starts to hold, the JDK follows maximal subparts there too; the test documents why not.
        assertNotEquals(Utf8.decodeLossy(surrogate, 0, 3), new String(surrogate, StandardCharsets.UTF_8));
    }

    @Test
    void firstIllFormedPointsAtTheSequenceStart() {
        byte[] b = HEX.parseHex("6162e282e282ac");
        assertEquals(2, Utf8.firstIllFormed(b, 0, b.length));
        assertEquals(-1, Utf8.firstIllFormed(b, 4, 3));  // e2 82 ac alone is "€"
        assertEquals(5, Utf8.firstIllFormed(b, 5, 2));   // offsets are absolute
    }

    @Test
    void stringValuesEndAtTheFirstNulEvenInsideASequence() {
        byte[] b = HEX.parseHex("6f6b00fffe80");
        assertEquals("ok", Utf8.decodeString(b, 0, b.length));
        byte[] cut = HEX.parseHex("61e20082ac");
        assertEquals("a\uFFFD", Utf8.decodeString(cut, 0, cut.length));
        assertEquals("", Utf8.decodeString(cut, 0, 0));
    }

    /** CPython's errors="replace" follows maximal subparts; conformance/oracles/utf8-replace.txt holds its answers. */
    @Test
    void agreesWithCpythonOnTheOracleFile() throws IOException {
        int n = 0;
        Path oracle = Paths.ORACLES.resolve("utf8-replace.txt");
        try (BufferedReader r = Files.newBufferedReader(oracle, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; n++) {
                String[] parts = line.split(" ");
                byte[] in = HEX.parseHex(parts[0]);
                String want = new String(HEX.parseHex(parts.length > 1 ? parts[1] : ""), StandardCharsets.UTF_8);
                assertEquals(want, Utf8.decodeLossy(in, 0, in.length), parts[0]);
                boolean wellFormed = !want.contains("\uFFFD");
                assertEquals(wellFormed, Utf8.firstIllFormed(in, 0, in.length) < 0, parts[0]);
            }
        }
        assertEquals(2127, n, "oracle lines");
    }

    /** Every code point's encoding by the JDK is well-formed, and decodes back to it. */
    @Test
    void everyScalarValueRoundTrips() {
        for (int cp = 0; cp <= 0x10FFFF; cp += (cp < 0x10000 ? 1 : 61)) {
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                continue;
            }
            byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            assertEquals(-1, Utf8.firstIllFormed(b, 0, b.length), Integer.toHexString(cp));
            assertEquals(cp, Utf8.decodeLossy(b, 0, b.length).codePointAt(0));
        }
    }

    /** Every two-byte input: well-formed exactly when the JDK round-trips it (an independent judge). */
    @Test
    void everyTwoByteInputIsJudgedLikeTheJdkRoundTrip() {
        for (int a = 0; a < 256; a++) {
            for (int c = 0; c < 256; c++) {
                byte[] b = {(byte) a, (byte) c};
                boolean roundTrips = Arrays.equals(b, new String(b, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
                assertEquals(roundTrips, Utf8.firstIllFormed(b, 0, 2) < 0, a + " " + c);
            }
        }
    }
}
