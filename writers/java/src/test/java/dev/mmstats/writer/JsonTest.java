package dev.mmstats.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void parsesEveryKindOfValue() throws Exception {
        Object v = Json.parse(" {\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\n\\\"\"], \"b\": {}} ");
        Map<?, ?> m = (Map<?, ?>) v;
        List<?> a = (List<?>) m.get("a");
        assertEquals(new Json.Num("1"), a.get(0));
        assertEquals(-2500.0, ((Json.Num) a.get(1)).toDouble());
        assertEquals(true, a.get(2));
        assertEquals(false, a.get(3));
        assertEquals(null, a.get(4));
        assertEquals("xé\n\"", a.get(5));
        assertEquals(Map.of(), m.get("b"));
    }

    @Test
    void integersStayExact() throws Exception {
        Json.Num n = (Json.Num) Json.parse("18446744073709551615");
        assertEquals(new java.math.BigInteger("18446744073709551615"), n.integer());
        assertEquals(true, n.isInteger());
        assertEquals(false, ((Json.Num) Json.parse("1.0")).isInteger());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "1e", "tru", "\"abc", "\"\t\"", "\"\\x\"",
        "{\"a\": 1, \"a\": 2}", "[1] 2", "nan", "{a: 1}"})
    void refusesMalformedText(String text) {
        assertThrows(Json.ParseException.class, () -> Json.parse(text));
    }

    @Test
    void errorsSayWhere() {
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse("{\n  \"a\": ?}"));
        assertEquals(9, e.offset());
        assertEquals("offset 9 (line 2, column 8)", Json.where("{\n  \"a\": ?}", e.offset()));
    }
}
