package dev.mmstats.writer.v2;

import java.nio.file.Path;

/**
 * A writer in a process of its own, for the liveness tests: creates PATH with one counter, prints "ready",
 * then either waits to be killed ("hang") or returns from main without closing ("exit"), which leaves the
 * closing to the shutdown hook.
 */
public final class WriterProcess {
    private WriterProcess() {
    }

    public static void main(String[] args) throws Exception {
        MmStats s = MmStats.builder().path(Path.of(args[0])).build();
        s.counter("alive").register().inc();
        System.out.println("ready");
        System.out.flush();
        if (args[1].equals("hang")) {
            Thread.sleep(60_000);
        }
    }
}
