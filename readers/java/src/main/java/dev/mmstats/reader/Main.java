package dev.mmstats.reader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * The reader and validator commands of the conformance protocol (conformance/README.md):
 * <pre>
 *   read [--max-size N] FILE       canonical JSON on stdout, exit 0; invalid: exit 1, one problem on stderr
 *   validate [--max-size N] FILE   exit 0 when valid; invalid: exit 1, every problem on stderr
 * </pre>
 * Problems are printed as {@code FILE: offset N: CODE: message}. Usage and I/O errors exit 2, and so does
 * running out of memory: it says nothing about the file. In every line of stderr, FILE has its control
 * characters escaped ({@link Printable}); in the JSON it is the name decoded as UTF-8 ({@link FileArgument}).
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
        int status = run(args, FileArgument.exactBytes(args), out, err);
        out.flush();
        System.exit(status);
    }

    /** Runs one command with the arguments' UTF-8 bytes as file names; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        byte[][] bytes = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return run(args, bytes, out, err);
    }

    /**
     * Runs one command; returns the exit status. {@code bytes[i]} is the exact name the OS gave for
     * {@code args[i]} (see {@link FileArgument}): the file is opened by those bytes.
     */
    static int run(String[] args, byte[][] bytes, PrintStream out, PrintStream err) {
        if (args.length == 0 || !(args[0].equals("read") || args[0].equals("validate"))) {
            err.println(USAGE_TEXT);
            return USAGE;
        }
        long maxSize = MmstatsReader.DEFAULT_MAX_SIZE;
        int fileAt = -1;
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
            } else if (a.equals("--") && i + 1 == args.length - 1 && fileAt < 0) {
                fileAt = ++i;
                continue;
            } else if (a.startsWith("-") && !a.equals("-") || fileAt >= 0) {
                err.println("unexpected argument " + Printable.escape(a) + "\n" + USAGE_TEXT);
                return USAGE;
            } else {
                fileAt = i;
                continue;
            }
            try {
                maxSize = Long.parseLong(number);
                if (maxSize < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                err.println("--max-size wants a byte count, not " + Printable.escape(number) + "\n" + USAGE_TEXT);
                return USAGE;
            }
        }
        if (fileAt < 0) {
            err.println(USAGE_TEXT);
            return USAGE;
        }
        FileArgument file = FileArgument.of(bytes[fileAt]);
        String shown = Printable.escape(file.shown());
        try {
            return args[0].equals("read") ? read(file, maxSize, out, err) : validate(file, maxSize, err);
        } catch (NoSuchFileException e) {
            err.println(shown + ": no such file");
        } catch (IOException e) {
            err.println(shown + ": cannot read: " + Printable.escape(IoReason.of(e)));
        } catch (OutOfMemoryError e) {
            err.println(shown + ": cannot read: out of memory (the Java heap is too small for this file;"
                    + " raise it with -Xmx or lower --max-size)");
        } catch (RuntimeException e) {
            // a bug of this reader, not a verdict on the file: never exit 1 for it
            err.println(shown + ": internal error of the reader: " + Printable.escape(e.toString()));
        }
        return USAGE;
    }

    private static int read(FileArgument file, long maxSize, PrintStream out, PrintStream err) throws IOException {
        Decoded decoded;
        try {
            decoded = MmstatsReader.readAny(file.path(), file.shown(), maxSize);
        } catch (FormatException e) {
            err.println(e.getMessage());
            return INVALID;
        }
        out.println(decoded.toCanonicalJson(file.shown()));
        return OK;
    }

    private static int validate(FileArgument file, long maxSize, PrintStream err) throws IOException {
        List<Problem> problems = MmstatsReader.validate(file.path(), file.shown(), maxSize);
        for (Problem p : problems) {
            err.println(p.describe(file.shown()));
        }
        return problems.isEmpty() ? OK : INVALID;
    }
}
