package dev.mmstats.writer.v1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The creation protocol: exclusive, never through a link, mode 0644, version byte 01 last. */
class CreateTest {
    @TempDir
    Path dir;

    private static final List<FieldSpec> FIELDS = List.of(new FieldSpec("requests", "Q", true));

    @Test
    void newFileIsPublishedWithVersionOneAndThePageSizedImage() throws Exception {
        Path p = dir.resolve("a.mmstats");
        try (MmstatsFile f = MmstatsFile.create(p, FIELDS)) {
            byte[] b = Files.readAllBytes(p);
            assertEquals(4096, b.length);
            assertEquals(1, b[0]);
            byte[] image = Layout.of(FIELDS).image();
            image[0] = 1;
            assertArrayEquals(image, b);
            assertEquals(p, f.path());
        }
        assertTrue(Files.exists(p), "close keeps the file");
    }

    @Test
    void modeIs0644LessTheUmask() throws Exception {
        Path p = dir.resolve("a.mmstats");
        MmstatsFile.create(p, FIELDS).close();
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
        assertTrue(PosixFilePermissions.fromString("rw-r--r--").containsAll(perms), perms.toString());
        assertTrue(perms.contains(PosixFilePermission.OWNER_READ) && perms.contains(PosixFilePermission.OWNER_WRITE));
        Path q = dir.resolve("b.mmstats");
        MmstatsFile.create(q, FIELDS, PosixFilePermissions.fromString("rw-------")).close();
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(q));
    }

    @Test
    void existingFileIsNeverOverwritten() throws Exception {
        Path p = Files.writeString(dir.resolve("a.mmstats"), "user data");
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> MmstatsFile.create(p, FIELDS));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        assertEquals("user data", Files.readString(p));
    }

    @Test
    void symbolicLinkIsNeverFollowed() throws Exception {
        Path target = Files.writeString(dir.resolve("target"), "keep");
        Path link = Files.createSymbolicLink(dir.resolve("a.mmstats"), target);
        assertThrows(FileAlreadyExistsException.class, () -> MmstatsFile.create(link, FIELDS));
        assertEquals("keep", Files.readString(target));
        Path dangling = Files.createSymbolicLink(dir.resolve("b.mmstats"), dir.resolve("nowhere"));
        assertThrows(FileAlreadyExistsException.class, () -> MmstatsFile.create(dangling, FIELDS));
        assertFalse(Files.exists(dir.resolve("nowhere")));
        assertTrue(Files.isSymbolicLink(dangling));
    }

    @Test
    void badFieldsCreateNoFile() {
        Path p = dir.resolve("a.mmstats");
        assertThrows(IllegalArgumentException.class, () -> MmstatsFile.create(p,
                List.of(new FieldSpec("a", "Q", true), new FieldSpec("a", "Q", true))));
        assertFalse(Files.exists(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void removeDeletesTheFile() throws Exception {
        Path p = dir.resolve("a.mmstats");
        MmstatsFile f = MmstatsFile.create(p, FIELDS);
        f.intSlot("requests").incr();
        f.force();
        assertTrue(f.remove());
        assertTrue(f.isClosed());
        assertFalse(Files.exists(p));
        assertFalse(f.remove(), "nothing left to remove");
    }

    /** Only the file this writer created is deleted: one renamed over its path since is someone else's. */
    @Test
    void removeLeavesAFileRenamedOverThePath() throws Exception {
        Path p = dir.resolve("a.mmstats");
        MmstatsFile f = MmstatsFile.create(p, FIELDS);
        Path other = Files.writeString(dir.resolve("other.tmp"), "not the writer's");
        Files.move(other, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertFalse(f.remove());
        assertTrue(f.isClosed());
        assertEquals("not the writer's", Files.readString(p));
    }

    @Test
    void removeLeavesASymbolicLinkPutAtThePath() throws Exception {
        Path p = dir.resolve("a.mmstats");
        MmstatsFile f = MmstatsFile.create(p, FIELDS);
        Path kept = dir.resolve("kept.mmstats");
        Files.move(p, kept);
        Files.createSymbolicLink(p, kept); // the link points at the writer's own file, but is not it
        assertFalse(f.remove());
        assertTrue(Files.isSymbolicLink(p));
        assertTrue(Files.exists(kept));
    }

    @Test
    void slotsAreFoundByLabelAndKind() throws Exception {
        try (MmstatsFile f = MmstatsFile.create(dir.resolve("a.mmstats"),
                List.of(new FieldSpec("n", "Q", true), new FieldSpec("s", "4s", false)))) {
            assertEquals(List.of("n", "s"), f.slots().stream().map(Slot::label).toList());
            assertThrows(IllegalArgumentException.class, () -> f.slot("missing"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.textSlot("n"));
            assertTrue(e.getMessage().contains("'n' has type Q"), e.getMessage());
        }
    }
}
