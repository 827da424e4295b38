package dev.mmstats.writer.v2;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The exclusive {@code flock} on the file that tells readers its writer is alive (spec: "Liveness").
 *
 * <p>The JDK has no {@code flock}: {@code FileChannel.lock()} takes a POSIX record lock ({@code fcntl}), which on
 * Linux does not conflict with {@code flock}, so a reader's {@code flock(LOCK_SH | LOCK_NB)} probe would succeed
 * and call a running writer dead. So the lock is held by a small child process, util-linux's {@code flock(1)}
 * running {@code cat} on a pipe from this JVM: it opens the file, takes {@code LOCK_EX}, says so, and keeps the
 * lock until its standard input ends. That happens when {@link #release()} closes the pipe, or when this JVM
 * ends in any way (the kernel closes the pipe also after SIGKILL), so the lock lives exactly as long as the
 * writer. The child holds no mapping and writes nothing.
 */
final class FileLock {
    private static final String LOCKED = "locked";

    private final Process holder;

    private FileLock(Process holder) {
        this.holder = holder;
    }

    /** Takes the lock on {@code file} (which nobody else can hold: this writer just created it). */
    static FileLock take(Path file) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("flock", "--exclusive", "--nonblock", file.toString(),
                "sh", "-c", "echo " + LOCKED + " && exec cat").redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException(file + ": cannot start flock(1) to hold the liveness lock (util-linux): "
                    + e.getMessage(), e);
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!LOCKED.equals(line)) {
            p.destroy();
            throw new IOException(file + ": flock(1) did not take the liveness lock: "
                    + (line == null ? "it exited with no message" : line));
        }
        return new FileLock(p);
    }

    /** Releases the lock: the holder sees its input end and exits; waits a moment for that. */
    void release() {
        try {
            holder.getOutputStream().close();
            if (!holder.waitFor(2, TimeUnit.SECONDS)) {
                holder.destroyForcibly();
            }
        } catch (IOException e) {
            holder.destroyForcibly();
        } catch (InterruptedException e) {
            holder.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    boolean held() {
        return holder.isAlive();
    }
}
