package dev.mmstats.writer;

import dev.mmstats.writer.v1.Scenario;
import dev.mmstats.writer.v2.ScenarioV2;
import dev.mmstats.reader.FileArgument;
import dev.mmstats.reader.IoReason;
import dev.mmstats.reader.Printable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Map;

/**
 * The writer command of the conformance protocol: {@code SCENARIO.json OUT.mmstats} writes OUT, which
 * must not exist yet, and exits 0. A bad scenario or a failed creation exits 1 (and leaves no OUT behind);
 * wrong usage exits 2. File names are taken byte for byte ({@link FileArgument}); every line on stderr has
 * its control characters escaped ({@link Printable}).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, FileArgument.exactBytes(args), err));
    }

    /** Runs the command with the arguments' UTF-8 bytes as file names. */
    static int run(String[] args, PrintStream err) {
        byte[][] bytes = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return run(args, bytes, err);
    }

    static int run(String[] args, byte[][] bytes, PrintStream err) {
        if (args.length != 2) {
            err.println("usage: mmstats-java-write SCENARIO.json OUT.mmstats");
            return 2;
        }
        FileArgument scenarioFile = FileArgument.of(bytes[0]);
        FileArgument out = FileArgument.of(bytes[1]);
        String scenarioName = Printable.escape(scenarioFile.shown());
        String outName = Printable.escape(out.shown());
        String text;
        try {
            byte[] raw = Files.readAllBytes(scenarioFile.path());
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(raw)).toString();
        } catch (NoSuchFileException e) {
            err.println(scenarioName + ": no such file");
            return 2;
        } catch (CharacterCodingException e) {
            err.println(scenarioName + ": not UTF-8 text");
            return 1;
        } catch (IOException e) {
            err.println(scenarioName + ": cannot read: " + Printable.escape(IoReason.of(e)));
            return 2;
        }
        try {
            // The one dispatch on the format version: a scenario without "format_version" is version 1.
            Object root = parsedOrNull(text);
            if (root instanceof Map<?, ?> top && Integer.valueOf(2).equals(version(top.get("format_version")))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> doc = (Map<String, Object>) top;
                ScenarioV2.of(doc).writeTo(out.path());
            } else {
                Scenario.parse(text).writeTo(out.path()); // reports malformed JSON with its place
            }
        } catch (Scenario.Invalid | ScenarioV2.Invalid e) {
            err.println(scenarioName + ": " + Printable.escape(e.getMessage()));
            return 1;
        } catch (IOException e) {
            err.println(outName + ": cannot create: " + Printable.escape(IoReason.of(e)));
            return 1;
        } catch (IllegalArgumentException e) {
            err.println(scenarioName + ": " + Printable.escape(e.getMessage()));
            return 1;
        }
        return 0;
    }

    private static Object parsedOrNull(String text) {
        try {
            return Json.parse(text);
        } catch (Json.ParseException e) {
            return null;
        }
    }

    private static Integer version(Object v) {
        return v instanceof Json.Num n && n.isInteger() && n.integer().bitLength() < 31 ? n.integer().intValue() : null;
    }
}
