package dev.mmstats.reader;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A file named on the command line: the {@link Path} that reaches exactly the bytes the user gave, and
 * the name as text for output ({@code shown}: the bytes decoded as UTF-8, each ill-formed subsequence
 * replaced by U+FFFD, so JSON output is always valid UTF-8).
 *
 * <p>Why not {@code Path.of(String)}: the JDK turns argv bytes into Strings and Strings into path bytes
 * with the locale's charset ({@code sun.jnu.encoding}, which Java 17 does not let a command line
 * override). Under {@code LC_ALL=C} that charset is ASCII, and any non-ASCII name is refused with
 * InvalidPathException; under a UTF-8 locale a name that is not UTF-8 comes in with U+FFFD in it and
 * names another file. So the bytes are taken from {@code /proc/self/cmdline} ({@link #exactBytes}), and
 * the path is built from them through a {@code file:} URI, whose percent-escapes the JDK turns into path
 * bytes one for one, whatever the locale. Where {@code /proc} is missing (not Linux), the arguments'
 * UTF-8 encoding is used: names that are valid UTF-8 still open in any locale.
 */
public record FileArgument(Path path, String shown) {

    /** The file named by exactly these bytes (relative names are resolved against the working directory). */
    public static FileArgument of(byte[] name) {
        return new FileArgument(pathOf(name), Utf8.decodeLossy(name, 0, name.length));
    }

    private static final String UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/";

    static Path pathOf(byte[] name) {
        StringBuilder uri = new StringBuilder("file://");
        if (name.length == 0 || name[0] != '/') {
            String cwd = workingDirectory();
            uri.append(cwd).append(cwd.endsWith("/") ? "" : "/");
        }
        for (byte b : name) {
            if (b >= 0 && UNRESERVED.indexOf(b) >= 0) {
                uri.append((char) b);
            } else {
                uri.append(String.format("%%%02X", b & 0xff));
            }
        }
        return Path.of(URI.create(uri.toString()));
    }

    /** The working directory as the raw path of a file: URI (its bytes exact, as realpath gives them). */
    private static String workingDirectory() {
        try {
            return Path.of(".").toRealPath().toUri().getRawPath();
        } catch (IOException e) {
            return Path.of("").toAbsolutePath().toUri().getRawPath();
        }
    }

    /**
     * The bytes of each argument of {@code main}: from {@code /proc/self/cmdline} (whose last entries are
     * the program's arguments) when it agrees with {@code args} (same count, equal where ASCII), else each
     * argument's UTF-8 encoding.
     */
    public static byte[][] exactBytes(String[] args) {
        byte[][] out = new byte[args.length][];
        List<byte[]> cmdline = procCmdline();
        int first = cmdline.size() - args.length;
        boolean agrees = first >= 0;
        for (int i = 0; agrees && i < args.length; i++) {
            byte[] raw = cmdline.get(first + i);
            agrees = isAscii(args[i]) ? args[i].equals(new String(raw, StandardCharsets.ISO_8859_1))
                    : !isAscii(new String(raw, StandardCharsets.ISO_8859_1));
            out[i] = raw;
        }
        if (!agrees) {
            for (int i = 0; i < args.length; i++) {
                out[i] = args[i].getBytes(StandardCharsets.UTF_8);
            }
        }
        return out;
    }

    private static List<byte[]> procCmdline() {
        byte[] all;
        try {
            all = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        List<byte[]> entries = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == 0) {
                entries.add(java.util.Arrays.copyOfRange(all, start, i));
                start = i + 1;
            }
        }
        return entries;
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 0x80);
    }
}
