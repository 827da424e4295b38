package dev.mmstats.writer.v1;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A string field ({@code <N>s}): N bytes of UTF-8. A shorter value gets one NUL after it and the rest of
 * the area keeps its old bytes (as 0.8 did); a longer one is cut to N bytes on a character boundary.
 */
public final class TextSlot extends Slot {
    private byte[] value = new byte[0];

    TextSlot(ByteBuffer map, Layout.Placed placed) {
        super(map, placed);
    }

    /** Stores {@code text} as UTF-8, cut to at most N bytes without splitting a character. */
    public void set(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        store(b, cutLength(b, size));
    }

    /** Stores raw bytes, cut blindly to N bytes (they may then end inside a character, as 0.8 could). */
    public void setBytes(byte[] raw) {
        store(raw, Math.min(raw.length, size));
    }

    /** The longest prefix of UTF-8 {@code b} of at most {@code max} bytes that ends on a character boundary. */
    static int cutLength(byte[] b, int max) {
        if (b.length <= max) {
            return b.length;
        }
        int n = max;
        while (n > 0 && (b[n] & 0xc0) == 0x80) {
            n--; // b[n] continues the character that starts before it: drop that character
        }
        return n;
    }

    private void store(byte[] b, int n) {
        int at = beginStore();
        map.put(at, b, 0, n);
        if (n < size) {
            map.put(at + n, (byte) 0);
        }
        endStore();
        value = Arrays.copyOf(b, n);
    }

    /** The stored text (what a reader reads, for text this writer stored). */
    public String get() {
        return new String(value, StandardCharsets.UTF_8);
    }
}
