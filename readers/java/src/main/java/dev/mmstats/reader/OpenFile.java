package dev.mmstats.reader;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * A file opened for reading, which is a regular file: never a FIFO (an open of one blocks until a writer
 * comes, so a FIFO planted in a stats directory would hang the reader), a device, a directory, or a
 * symbolic link (not followed). Every open of the readers goes through {@link #open}.
 */
public record OpenFile(FileChannel channel, BasicFileAttributes attributes) implements Closeable {

    /** The path names something other than a regular file; the reason says what. */
    public static final class NotRegularFileException extends FileSystemException {
        private static final long serialVersionUID = 1L;

        NotRegularFileException(Path path, String what) {
            super(path.toString(), null, "not a regular file (" + what + ")");
        }
    }

    /** A file replaced between the check and the open (a writer's rename) is opened again this often. */
    private static final int ATTEMPTS = 3;

    /**
     * Opens {@code path} for reading if it is a regular file.
     *
     * <p>Java 17 cannot open with {@code O_NONBLOCK} nor fstat an open channel, so the type is checked on
     * the path (without following a link) before the open, and after it the channel must be seekable (a
     * FIFO or socket is not) and the path must still name the same file (file key; a file renamed over the
     * path meanwhile, as writers replace files, is opened again, up to {@value #ATTEMPTS} times). What
     * remains: a FIFO renamed over the path between the check and the open, with no writer, blocks that
     * open until someone opens the FIFO for writing; the check narrows that window to two system calls.
     *
     * @throws NotRegularFileException for anything but a regular file
     */
    public static OpenFile open(Path path) throws IOException {
        for (int attempt = 1; ; attempt++) {
            OpenFile f = tryOpen(path);
            if (f != null) {
                return f;
            }
            if (attempt == ATTEMPTS) {
                throw new FileSystemException(path.toString(), null,
                        "replaced by another file while being opened, " + ATTEMPTS + " times");
            }
        }
    }

    /** The open file, or null when the path named another file after the open than before it. */
    private static OpenFile tryOpen(Path path) throws IOException {
        BasicFileAttributes before = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        requireRegular(path, before);
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try {
            try {
                ch.position(); // lseek: fails on a pipe or socket opened in the meantime
            } catch (IOException e) {
                throw new NotRegularFileException(path, "it cannot seek: " + e.getMessage());
            }
            BasicFileAttributes after = Files.readAttributes(path, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            requireRegular(path, after);
            if (!Objects.equals(before.fileKey(), after.fileKey())) {
                ch.close();
                return null;
            }
            return new OpenFile(ch, after);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Throws {@link NotRegularFileException} unless {@code attrs} (read without following links) is a regular file. */
    static void requireRegular(Path path, BasicFileAttributes attrs) throws NotRegularFileException {
        if (attrs.isRegularFile()) {
            return;
        }
        String what;
        if (attrs.isSymbolicLink()) {
            what = "a symbolic link";
        } else if (attrs.isDirectory()) {
            what = "a directory";
        } else {
            what = specialKind(path);
        }
        throw new NotRegularFileException(path, what);
    }

    /** FIFO, socket or device, from the mode bits where the platform has them. */
    private static String specialKind(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return switch (mode & 0170000) {
                case 0010000 -> "a FIFO";
                case 0140000 -> "a socket";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                default -> "a special file";
            };
        } catch (IOException | RuntimeException e) {
            return "a special file";
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
