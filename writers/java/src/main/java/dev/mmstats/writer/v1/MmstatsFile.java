package dev.mmstats.writer.v1;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One mmstats file, created and published by this writer (spec: "Creating a file"):
 * <ol>
 *   <li>the whole image is built in memory with version byte 0x00 ({@link Layout#image()});</li>
 *   <li>the file is created exclusively ({@code CREATE_NEW}, {@code NOFOLLOW_LINKS}; an existing file or
 *       symbolic link is never touched) with mode 0644 less the umask, and the image is written;</li>
 *   <li>the file is mapped shared, read and write;</li>
 *   <li>the version byte 0x01 is stored last, behind a release fence: readers that see it see the image.</li>
 * </ol>
 * Updates then go through the {@link Slot}s with plain stores and no system calls. One writer thread per file.
 */
public final class MmstatsFile implements AutoCloseable {
    public static final Set<PosixFilePermission> DEFAULT_MODE = PosixFilePermissions.fromString("rw-r--r--");

    private final Path path;
    private final Object fileKey; // device and inode of the file created, as the path named it then
    private final MappedByteBuffer map;
    private final List<Slot> slots;
    private final Map<String, Slot> byLabel;
    private boolean closed;

    private MmstatsFile(Path path, Object fileKey, MappedByteBuffer map, List<Slot> slots) {
        this.path = path;
        this.fileKey = fileKey;
        this.map = map;
        this.slots = Collections.unmodifiableList(slots);
        Map<String, Slot> m = new LinkedHashMap<>();
        for (Slot s : slots) {
            m.put(s.label(), s);
        }
        this.byLabel = Collections.unmodifiableMap(m);
    }

    /** Creates {@code path} with mode 0644 (less the umask). */
    public static MmstatsFile create(Path path, List<FieldSpec> fields) throws IOException {
        return create(path, fields, DEFAULT_MODE);
    }

    /**
     * Creates and publishes a new file at {@code path}, which must not exist.
     *
     * @throws FileAlreadyExistsException when the name exists (also a symbolic link): it is left alone
     * @throws IllegalArgumentException for duplicate labels or a file over {@link Layout#MAX_FILE_SIZE}
     */
    public static MmstatsFile create(Path path, List<FieldSpec> fields, Set<PosixFilePermission> mode)
            throws IOException {
        return create(path, fields, mode, file -> { });
    }

    /**
     * As {@link #create(Path, List, Set)}, with {@code initialValues} run on the mapped file before it is
     * published: readers never see the file without them (e.g. {@link Defaults#fill}).
     */
    public static MmstatsFile create(Path path, List<FieldSpec> fields, Set<PosixFilePermission> mode,
                                     Consumer<MmstatsFile> initialValues) throws IOException {
        Layout layout = Layout.of(fields);
        byte[] image = layout.image();
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        FileChannel ch;
        try {
            ch = FileChannel.open(path, options, permissions(mode));
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(path.toString(), null,
                    "exists already; an mmstats writer never reuses or overwrites a file");
        }
        Object fileKey = null;
        try (FileChannel channel = ch) {
            // Java cannot fstat the channel: the path is asked, a moment after CREATE_NEW made the file there.
            // Replacing it in that moment needs write access to the directory (and in a sticky one like
            // /tmp, to be this user).
            fileKey = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            ByteBuffer src = ByteBuffer.wrap(image);
            while (src.hasRemaining()) {
                channel.write(src, src.position());
            }
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, image.length);
            List<Slot> slots = new ArrayList<>(layout.fields().size());
            for (Layout.Placed p : layout.fields()) {
                slots.add(Slot.of(map, p));
            }
            MmstatsFile file = new MmstatsFile(path, fileKey, map, slots);
            initialValues.accept(file);
            // Publish: every byte of the image and of the initial values is ordered before the version byte.
            VarHandle.releaseFence();
            map.put(Layout.VERSION_OFFSET, Layout.VERSION_READY);
            return file;
        } catch (IOException | RuntimeException | Error e) {
            try {
                deleteIfSame(path, fileKey); // we created it a moment ago; a half-made file helps no one
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static FileAttribute<?>[] permissions(Set<PosixFilePermission> mode) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0]; // no POSIX modes on this platform: its defaults apply
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)};
    }

    public Path path() {
        return path;
    }

    /** Every field in file order. */
    public List<Slot> slots() {
        return slots;
    }

    /** The field labelled {@code label}; IllegalArgumentException when there is none. */
    public Slot slot(String label) {
        Slot s = byLabel.get(label);
        if (s == null) {
            throw new IllegalArgumentException(path + ": no field labelled '" + label + "'");
        }
        return s;
    }

    public IntSlot intSlot(String label) {
        return as(IntSlot.class, label);
    }

    public FloatSlot floatSlot(String label) {
        return as(FloatSlot.class, label);
    }

    public BoolSlot boolSlot(String label) {
        return as(BoolSlot.class, label);
    }

    public TextSlot textSlot(String label) {
        return as(TextSlot.class, label);
    }

    private <T extends Slot> T as(Class<T> kind, String label) {
        Slot s = slot(label);
        if (!kind.isInstance(s)) {
            throw new IllegalArgumentException(path + ": field '" + label + "' has type " + s.type().signature()
                    + ", not a " + kind.getSimpleName());
        }
        return kind.cast(s);
    }

    /** Flushes the mapping to the file (msync); readers do not need this, a crash-safe copy does. */
    public void force() {
        map.force();
    }

    /**
     * Closes the file and keeps it for readers. Java cannot unmap explicitly: the mapping goes when the
     * garbage collector frees it, so a slot used after close still writes into the file (harmless, but a
     * programming error).
     */
    @Override
    public void close() {
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes and deletes the file, so readers stop seeing it (what a writer should do when it exits) -- if the
     * path still names the file this writer created (same device and inode). Another file renamed over the
     * path since is someone else's and is kept. Java has no unlink relative to a checked directory entry, so
     * a rename over the path between the check and the delete (two system calls apart) still loses that file.
     * Where the platform gives no file key the file cannot be told apart and is kept.
     *
     * @return true when the file was deleted; false when the path no longer names it (gone or replaced)
     */
    public boolean remove() throws IOException {
        close();
        return deleteIfSame(path, fileKey);
    }

    /** Deletes {@code path} if it names the file of {@code fileKey} (see {@link #remove()}); whether it did. */
    private static boolean deleteIfSame(Path path, Object fileKey) throws IOException {
        BasicFileAttributes now;
        try {
            now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return false;
        }
        if (fileKey == null || !fileKey.equals(now.fileKey())) {
            return false;
        }
        return Files.deleteIfExists(path);
    }
}
