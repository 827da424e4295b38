package dev.mmstats.reader;

/**
 * Text for a human-readable line (an error message, a listing): a file name or label from another user
 * must not be able to move the cursor, clear the screen or start a new line on the reader's terminal.
 */
public final class Printable {
    private Printable() {
    }

    /** {@code s} with each C0 control, DEL and C1 control as {@code \xNN} and each backslash as {@code \\}. */
    public static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 || c >= 0x7f && c < 0xa0;
            if (!control && c != '\\') {
                if (sb != null) {
                    sb.append(c);
                }
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            sb.append(control ? String.format("\\x%02x", (int) c) : "\\\\");
        }
        return sb == null ? s : sb.toString();
    }
}
