package dev.mmstats.reader;

/**
 * One way in which a file breaks the format: a code, the byte offset it points at, and free text.
 * The text states the bad value and the limit; tools parse only the code and the offset.
 */
public record Problem(ErrorCode code, long offset, String message) {

    /**
     * The protocol line {@code FILE: offset N: CODE: message (at 0xHEX)} (spec: "Error messages"), with the
     * control characters of FILE escaped ({@link Printable}).
     */
    public String describe(String path) {
        return Printable.escape(path) + ": offset " + offset + ": " + code.code() + ": " + message + " (at 0x" + Long.toHexString(offset) + ")";
    }
}
