package dev.mmstats.reader;

import java.nio.charset.StandardCharsets;

/**
 * UTF-8 as the spec needs it: where a label first goes wrong, and lossy decoding of string values with
 * one U+FFFD per maximal subpart (Unicode chapter 3, "U+FFFD Substitution of Maximal Subparts").
 *
 * <p>The JDK's decoder is not used for ill-formed input: for an encoded surrogate such as
 * {@code ED A0 80} it emits one U+FFFD, where the maximal-subpart practice gives three.
 */
public final class Utf8 {
    private static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    /**
     * Length of the well-formed sequence at {@code i}, or the negated length of its maximal subpart
     * (at least 1) when the bytes there are ill-formed. {@code end} is exclusive.
     */
    static int sequenceAt(byte[] b, int i, int end) {
        int lead = b[i] & 0xff;
        if (lead < 0x80) {
            return 1;
        }
        int need;      // continuation bytes after the lead
        int lo = 0x80; // allowed range of the first continuation byte (Table 3-7)
        int hi = 0xbf;
        if (lead >= 0xc2 && lead <= 0xdf) {
            need = 1;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            need = 2;
            if (lead == 0xe0) {
                lo = 0xa0;   // no overlong forms
            } else if (lead == 0xed) {
                hi = 0x9f;   // no surrogates
            }
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            need = 3;
            if (lead == 0xf0) {
                lo = 0x90;   // no overlong forms
            } else if (lead == 0xf4) {
                hi = 0x8f;   // nothing above U+10FFFF
            }
        } else {
            return -1;       // 80..C1, F5..FF never start a sequence
        }
        for (int k = 1; k <= need; k++) {
            if (i + k >= end) {
                return -k;   // cut by the end: the prefix so far is one maximal subpart
            }
            int c = b[i + k] & 0xff;
            if (c < lo || c > hi) {
                return -k;
            }
            lo = 0x80;
            hi = 0xbf;
        }
        return need + 1;
    }

    /** Absolute index of the first byte of the first ill-formed sequence in {@code b[off, off+len)}, or -1. */
    public static int firstIllFormed(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            int n = sequenceAt(b, i, end);
            if (n < 0) {
                return i;
            }
            i += n;
        }
        return -1;
    }

    /** Decodes {@code b[off, off+len)}, replacing each maximal subpart of an ill-formed sequence by U+FFFD. */
    public static String decodeLossy(byte[] b, int off, int len) {
        if (firstIllFormed(b, off, len) < 0) {
            return new String(b, off, len, StandardCharsets.UTF_8);
        }
        StringBuilder sb = new StringBuilder(len);
        int end = off + len;
        int i = off;
        while (i < end) {
            int n = sequenceAt(b, i, end);
            if (n < 0) {
                sb.append(REPLACEMENT);
                i -= n;
            } else {
                sb.appendCodePoint(codePoint(b, i, n));
                i += n;
            }
        }
        return sb.toString();
    }

    /** The code point of the well-formed sequence of {@code n} bytes at {@code i}. */
    private static int codePoint(byte[] b, int i, int n) {
        int lead = b[i] & 0xff;
        int cp = switch (n) {
            case 1 -> lead;
            case 2 -> lead & 0x1f;
            case 3 -> lead & 0x0f;
            default -> lead & 0x07;
        };
        for (int k = 1; k < n; k++) {
            cp = (cp << 6) | (b[i + k] & 0x3f);
        }
        return cp;
    }

    /** A string value: the bytes before the first NUL (or all of them), decoded lossily. */
    public static String decodeString(byte[] b, int off, int len) {
        int n = 0;
        while (n < len && b[off + n] != 0) {
            n++;
        }
        return decodeLossy(b, off, n);
    }
}
