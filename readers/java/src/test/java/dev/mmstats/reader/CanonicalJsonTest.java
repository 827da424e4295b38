package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Stored bytes of one value -> canonical JSON, checked semantically (spec: "Canonical values"). */
class CanonicalJsonTest {

    /** The JSON text of one unbuffered value of {@code type} holding {@code hexBytes}. */
    static String valueJson(String type, String hexBytes) throws FormatException {
        byte[] file = Image.file(Image.record("v", type, 0xff, Image.hex(hexBytes)));
        List<Field> fields = MmstatsReader.decode(file, "t").fields();
        assertEquals(1, fields.size());
        return CanonicalJson.value(fields.get(0).value());
    }

    private static void check(String type, String hexBytes, String wantJson) throws FormatException {
        String got = valueJson(type, hexBytes);
        assertTrue(Canonical.valueEquals(type, Json.parse(wantJson), Json.parse(got)),
                type + " " + hexBytes + ": want " + wantJson + ", got " + got);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "b  | 9c                      | -100",
        "B  | ff                      | 255",
        "h  | d8 ff                   | -40",
        "H  | ff ff                   | 65535",
        "i  | c0 1d fe ff             | -123456",
        "I  | 00 28 6b ee             | 4000000000",
        "q  | 00 00 00 00 00 00 00 80 | -9223372036854775808",
        "q  | ff ff ff ff ff ff ff ff | -1",
        "Q  | ff ff ff ff ff ff ff ff | 18446744073709551615",
        "Q  | 00 00 00 00 00 00 00 80 | 9223372036854775808",
        "f  | cd cc cc 3d             | 0.10000000149011612",
        "f  | 01 00 00 00             | 1.401298464324817e-45",
        "f  | 00 00 c0 ff             | \"NaN\"",
        "f  | 00 00 80 7f             | \"Infinity\"",
        "f  | 00 00 00 80             | -0.0",
        "d  | 9a 99 99 99 99 99 b9 3f | 0.1",
        "d  | 00 00 00 00 00 00 00 80 | -0.0",
        "d  | 00 00 00 00 00 00 f0 ff | \"-Infinity\"",
        "d  | 01 00 00 00 00 00 00 00 | 5e-324",
        "d  | ff ff ff ff ff ff ef 7f | 1.7976931348623157e+308",
        "?  | 00                      | false",
        "?  | 02                      | true",
        "5s | 31 32 33 34 35          | \"12345\"",
        "4s | 00 61 62 63             | \"\"",
        "8s | 61 62 63 64 65 66 e2 82 | \"abcdef\\ufffd\"",
    })
    void storedBytesGiveTheCanonicalValue(String type, String hex, String json) throws FormatException {
        check(type, hex, json);
    }

    @Test
    void negativeZeroKeepsItsSignAndIntegersStayIntegers() throws FormatException {
        assertEquals("-0.0", valueJson("d", "00 00 00 00 00 00 00 80"));
        assertEquals("18446744073709551615", valueJson("Q", "ff ff ff ff ff ff ff ff"));
        assertEquals("\"NaN\"", valueJson("d", "00 00 00 00 00 00 f8 ff"));
    }

    @Test
    void stringsEscapeWhatJsonNeeds() throws FormatException {
        String got = valueJson("6s", "22 5c 0a 01 c3 a9");
        assertEquals("\"\\\"\\\\\\n\\u0001é\"", got);
        assertEquals("\"\\\n\u0001é", Json.parse(got));
    }

    @Test
    void wholeObjectParsesAsTheCanonicalShape() throws FormatException {
        byte[] file = Image.file(Image.record("requests", "Q", 1, Image.hex("12 00*7 0d 00*7")),
                Image.record("temp.°C", "d", 0xff, Image.hex("00 00 00 00 00 80 35 40")));
        String json = MmstatsReader.decode(file, "x").toCanonicalJson("some/path.mmstats");
        Map<String, Object> got = Json.object(json);
        Map<String, Object> want = Json.object("{\"path\": \"p\", \"format_version\": 1, \"fields\": ["
                + "{\"label\": \"requests\", \"type\": \"Q\", \"buffered\": true, \"value\": 18},"
                + "{\"label\": \"temp.°C\", \"type\": \"d\", \"buffered\": false, \"value\": 21.5}]}");
        assertEquals(List.of(), Canonical.diff(want, got));
        assertEquals("some/path.mmstats", got.get("path"));
    }

    /** Every row of the spec's checked table "canonical-values", read from spec/v1.md itself. */
    @Test
    void specCanonicalValuesTable() throws IOException, FormatException {
        assertTrue(Files.exists(Paths.SPEC), Paths.SPEC + " is missing");
        String spec = Files.readString(Paths.SPEC, StandardCharsets.UTF_8);
        int start = spec.indexOf("<!-- BEGIN CHECKED canonical-values -->");
        int end = spec.indexOf("<!-- END CHECKED canonical-values -->");
        assertTrue(start >= 0 && end > start, "table markers");
        List<String> checked = new ArrayList<>();
        for (String line : spec.substring(start, end).split("\n")) {
            String[] cells = line.split("\\|");
            if (cells.length < 4 || !cells[1].trim().startsWith("`")) {
                continue;
            }
            String type = cells[1].trim().replace("`", "");
            String bytes = cells[2].trim();
            String json = cells[3].trim().replace("`", "");
            check(type, bytes.equals("(none)") ? "" : bytes.replace("`", ""), json);
            checked.add(type);
        }
        assertTrue(checked.size() >= 27, "rows checked: " + checked);
    }
}
