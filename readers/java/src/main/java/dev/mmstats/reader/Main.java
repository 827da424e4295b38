package dev.mmstats.reader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The reader and validator commands of the conformance protocol (conformance/README.md):
 * <pre>
 *   read [--max-size N] FILE       canonical JSON on stdout, exit 0; invalid: exit 1, one problem on stderr
 *   validate [--max-size N] FILE   exit 0 when valid; invalid: exit 1, every problem on stderr
 * </pre>
 * Problems are printed as {@code FILE: offset N: CODE: message}. Usage and I/O errors exit 2.
 */
public final class Main {
    static final int OK = 0;
    static final int INVALID = 1;
    static final int USAGE = 2;

    private static final String USAGE_TEXT =
            "usage: mmstats-java-read [--max-size N] FILE\n       mmstats-java-validate [--max-size N] FILE\n"
            + "   or: java dev.mmstats.reader.Main (read|validate) [--max-size N] FILE";

    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        int status = run(args, out, err);
        out.flush();
        System.exit(status);
    }

    /** Runs one command; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || !(args[0].equals("read") || args[0].equals("validate"))) {
            err.println(USAGE_TEXT);
            return USAGE;
        }
        long maxSize = MmstatsReader.DEFAULT_MAX_SIZE;
        String file = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            String number = null;
            if (a.equals("--max-size") || a.equals("-max-size")) {
                if (++i == args.length) {
                    err.println(a + " needs a number of bytes\n" + USAGE_TEXT);
                    return USAGE;
                }
                number = args[i];
            } else if (a.startsWith("--max-size=")) {
                number = a.substring("--max-size=".length());
            } else if (a.equals("--") && i + 1 == args.length - 1 && file == null) {
                file = args[++i];
                continue;
            } else if (a.startsWith("-") && !a.equals("-") || file != null) {
                err.println("unexpected argument " + a + "\n" + USAGE_TEXT);
                return USAGE;
            } else {
                file = a;
                continue;
            }
            try {
                maxSize = Long.parseLong(number);
                if (maxSize < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                err.println("--max-size wants a byte count, not " + number + "\n" + USAGE_TEXT);
                return USAGE;
            }
        }
        if (file == null) {
            err.println(USAGE_TEXT);
            return USAGE;
        }
        try {
            return args[0].equals("read") ? read(file, maxSize, out, err) : validate(file, maxSize, err);
        } catch (NoSuchFileException e) {
            err.println(file + ": no such file");
        } catch (IOException e) {
            err.println(file + ": cannot read: " + e.getMessage());
        }
        return USAGE;
    }

    private static int read(String file, long maxSize, PrintStream out, PrintStream err) throws IOException {
        Path path = Path.of(file);
        DecodedFile decoded;
        try {
            decoded = MmstatsReader.read(path, maxSize);
        } catch (FormatException e) {
            err.println(e.getMessage());
            return INVALID;
        }
        out.println(decoded.toCanonicalJson(file));
        return OK;
    }

    private static int validate(String file, long maxSize, PrintStream err) throws IOException {
        List<Problem> problems = MmstatsReader.validate(Path.of(file), maxSize);
        for (Problem p : problems) {
            err.println(p.describe(file));
        }
        return problems.isEmpty() ? OK : INVALID;
    }
}
