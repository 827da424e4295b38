package dev.mmstats.writer.v2;

import dev.mmstats.reader.FormatV2;
import java.nio.charset.StandardCharsets;

/**
 * A text that changes (kind string): one copy behind its sequence, which concurrent setters take with a
 * compare-and-swap, so readers see one complete text. Text longer than the capacity is cut on a character
 * boundary.
 */
public final class Text {
    private final long seq;
    private final int capacity;

    Text(MmStats.Placement p, int capacity) {
        this.seq = p.address() + p.at();
        this.capacity = capacity;
    }

    /** A text with an unpaired surrogate is stored with U+FFFD in its place (Java's UTF-8 encoder). */
    public void set(String text) {
        byte[] raw = cut(text.getBytes(StandardCharsets.UTF_8), capacity);
        long s = SeqLock.beginShared(seq);
        Memory.storeReleaseInt(seq + FormatV2.STRING_LENGTH, raw.length);
        Memory.copy(raw, seq + FormatV2.STRING_HEADER_SIZE);
        SeqLock.end(seq, s);
    }

    public int capacity() {
        return capacity;
    }

    /** The first at most {@code capacity} bytes of well-formed UTF-8 {@code raw}, ending on a character boundary. */
    static byte[] cut(byte[] raw, int capacity) {
        if (raw.length <= capacity) {
            return raw;
        }
        int n = capacity;
        while (n > 0 && (raw[n] & 0xc0) == 0x80) { // raw[n] continues the character that starts before it
            n--;
        }
        return java.util.Arrays.copyOf(raw, n);
    }
}
