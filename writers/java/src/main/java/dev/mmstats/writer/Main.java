package dev.mmstats.writer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The writer command of the conformance protocol: {@code SCENARIO.json OUT.mmstats} writes OUT, which
 * must not exist yet, and exits 0. A bad scenario or a failed creation exits 1 (and leaves no OUT behind);
 * wrong usage exits 2.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintStream(System.err, true, StandardCharsets.UTF_8)));
    }

    static int run(String[] args, PrintStream err) {
        if (args.length != 2) {
            err.println("usage: mmstats-java-write SCENARIO.json OUT.mmstats");
            return 2;
        }
        String scenarioPath = args[0];
        Path out = Path.of(args[1]);
        Scenario scenario;
        try {
            byte[] raw = Files.readAllBytes(Path.of(scenarioPath));
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(raw)).toString();
            scenario = Scenario.parse(text);
        } catch (NoSuchFileException e) {
            err.println(scenarioPath + ": no such file");
            return 2;
        } catch (CharacterCodingException e) {
            err.println(scenarioPath + ": not UTF-8 text");
            return 1;
        } catch (IOException e) {
            err.println(scenarioPath + ": cannot read: " + e.getMessage());
            return 2;
        } catch (Scenario.Invalid e) {
            err.println(scenarioPath + ": " + e.getMessage());
            return 1;
        }
        try {
            scenario.writeTo(out);
        } catch (IOException e) {
            err.println(out + ": cannot create: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println(scenarioPath + ": " + e.getMessage());
            return 1;
        }
        return 0;
    }
}
