package dev.mmstats.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names as bytes: every byte a name may hold reaches the same file as the JDK's own Path does. */
class FileArgumentTest {
    @TempDir
    Path dir;

    @Test
    void uriSpecialCharactersAndSpacesNameTheFileTheyLookLike() throws Exception {
        for (String name : List.of("a b.mmstats", "100%.mmstats", "%41.mmstats", "x#y?z=1&w.mmstats", "semi;colon",
                "quote'\"", "tab\there", "back\\slash", "caf\u00e9 \u2603.mmstats", "-", "..dots..")) {
            Path real = Files.writeString(dir.resolve(name), name);
            FileArgument a = FileArgument.of(real.toString().getBytes(StandardCharsets.UTF_8));
            assertEquals(real.toString(), a.shown());
            assertTrue(Files.isSameFile(real, a.path()), name + " opened " + a.path());
            assertEquals(name, Files.readString(a.path()));
        }
    }

    @Test
    void relativeNamesAreResolvedAgainstTheWorkingDirectory() throws Exception {
        Path here = Path.of("").toAbsolutePath();
        Path rel = here.relativize(Files.writeString(dir.resolve("rel.mmstats"), "r"));
        FileArgument a = FileArgument.of(rel.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(rel.toString(), a.shown());
        assertEquals("r", Files.readString(a.path()));
        assertEquals("r", Files.readString(FileArgument.of(("./" + rel).getBytes(StandardCharsets.UTF_8)).path()));
    }

    /** Each byte that is not UTF-8 stays itself in the path, and becomes U+FFFD in the text. */
    @Test
    void everyNonAsciiByteIsKept() throws Exception {
        for (int b = 0x80; b <= 0xff; b++) {
            byte[] name = (dir + "/n-x").getBytes(StandardCharsets.UTF_8);
            name[name.length - 1] = (byte) b;
            FileArgument a = FileArgument.of(name);
            Files.write(a.path(), new byte[] {(byte) b});
            assertEquals(String.format("%%%02X", b), a.path().toUri().getRawPath().replaceAll(".*/n-", ""));
            assertEquals(dir + "/n-\ufffd", a.shown());
        }
        try (var listing = Files.list(dir)) {
            assertEquals(128, listing.count(), "128 different files");
        }
    }
}
