package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrintableTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "1b 5b 32 4a | \\x1b[2J",      // ESC [2J: clear the screen
        "0a | \\x0a",                  // a new line: one message stays one line
        "0d 00 09 | \\x0d\\x00\\x09",
        "7f | \\x7f",                  // DEL
        "80 9b 9f | \\x80\\x9b\\x9f",  // C1 controls (9b is CSI on terminals that take 8-bit controls)
        "5c | \\\\",                   // a backslash, so an escape in the output always means one
        "a0 e9 2028 fffd | \u00a0\u00e9\u2028\ufffd", // printable above the controls: kept
    })
    void controlsAreEscaped(String chars, String want) {
        StringBuilder in = new StringBuilder();
        for (String hex : chars.trim().split(" ")) {
            in.append((char) Integer.parseInt(hex, 16));
        }
        assertEquals(want, Printable.escape(in.toString()));
    }

    @Test
    void plainTextIsReturnedAsItIs() {
        String s = "/tmp/stats/web-12.mmstats";
        assertSame(s, Printable.escape(s));
    }
}
