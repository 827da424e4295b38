package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FloatTextTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "0.1, 0.1", "-0.0, -0.0", "0.0, 0.0", "100.0, 100.0", "1e16, 1e+16", "1e15, 1000000000000000.0",
        "0.0001, 0.0001", "0.00001, 1e-05", "5e-324, 5e-324", "1.7976931348623157e308, 1.7976931348623157e+308",
        "2e-7, 2e-07", "123.456, 123.456", "1e22, 1e+22", "9007199254740993, 9007199254740992.0",
    })
    void pythonLayout(double value, String want) {
        assertEquals(want, FloatText.repr(value));
    }

    @Test
    void shorterThanJava17sToStringWhereThatIsNotShortest() {
        // Java 17 (before the Java 19 rewrite of Double.toString) prints the smallest subnormal as 4.9E-324, two digits
        // where one reads back; the spec's table wants 5e-324.
        assertEquals("5e-324", FloatText.repr(Double.MIN_VALUE));
        assertEquals(Double.MIN_VALUE, Double.parseDouble("5e-324"));
        assertEquals("0.002", FloatText.repr(2.0E-3));
        assertEquals("1e+23", FloatText.repr(1.0E23));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"c53291e6a0000000, -2.2449662173431423e+25", "4530702ec0000000, 1.9872580545200913e+25"})
    void nearestOfTheShortestWhenJavaPicksAnother(String bits, String want) {
        // Java 17's toString gives ...422e25 and ...912e25: they read back, but are not the nearest 17 digits
        assertEquals(want, FloatText.repr(Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16))));
    }

    /** conformance/oracles/float-repr.txt: CPython's repr of doubles (d) and widened floats (f). */
    @Test
    void matchesCpythonRepr() throws IOException {
        int n = 0;
        Path oracle = Paths.ORACLES.resolve("float-repr.txt");
        try (BufferedReader r = Files.newBufferedReader(oracle, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; n++) {
                String[] p = line.split(" ");
                double d = p[1].equals("d") ? Double.longBitsToDouble(Long.parseUnsignedLong(p[0], 16))
                        : Float.intBitsToFloat(Integer.parseUnsignedInt(p[0], 16));
                assertEquals(p[2], FloatText.repr(d), line);
            }
        }
        assertTrue(n > 700, "oracle lines: " + n);
    }

    @Test
    void randomBitPatternsReadBackExactlyAndAreNoLongerThanToString() {
        SplittableRandom rng = new SplittableRandom(4511638);
        for (int k = 0; k < 5000; k++) {
            double d = Double.longBitsToDouble(rng.nextLong());
            if (!Double.isFinite(d)) {
                continue;
            }
            String s = FloatText.repr(d);
            assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits(Double.parseDouble(s)), s);
            String digits = s.replaceAll("[-.]|e.*", "").replaceAll("^0+", "").replaceAll("0+$", "");
            String javaDigits = Double.toString(d).replaceAll("[-.]|E.*", "").replaceAll("^0+", "").replaceAll("0+$", "");
            assertTrue(digits.length() <= javaDigits.length(), s + " vs " + Double.toString(d));
        }
    }
}
