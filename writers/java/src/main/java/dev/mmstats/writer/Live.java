package dev.mmstats.writer;

import dev.mmstats.writer.v1.FieldSpec;
import dev.mmstats.writer.v1.IntSlot;
import dev.mmstats.writer.v1.MmstatsFile;
import dev.mmstats.writer.v2.Counter;
import dev.mmstats.writer.v2.Gauge;
import dev.mmstats.writer.v2.MmStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * The live writer of the conformance protocol (conformance/README.md, "Live writer"):
 * {@code --version 1|2 DIR} creates one file in DIR, prints its path and {@code ready}, then makes one step at
 * most every millisecond ({@code live.counter} and {@code live.gauge} = step number) until stdin reaches its
 * end; then {@code live.gauge} = -1, the file is closed (version 2: state closed, kept) and {@code done N}
 * printed, N the last step. A file that cannot be made exits 1; wrong usage exits 2.
 */
public final class Live {
    static final String COUNTER = "live.counter";
    static final String GAUGE = "live.gauge";
    static final int GAUGE_FINAL = -1;

    private Live() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3 || !args[0].equals("--version") || !(args[1].equals("1") || args[1].equals("2"))) {
            System.err.println("usage: mmstats-java-live --version 1|2 DIR");
            System.exit(2);
        }
        Path path = Path.of(args[2], "live-" + ProcessHandle.current().pid() + ".mmstats");
        AtomicBoolean closed = new AtomicBoolean();
        Thread stdin = new Thread(() -> {
            try (InputStream in = System.in) {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // an unreadable stdin ends the run as its end would
            }
            closed.set(true);
        });
        stdin.setDaemon(true);
        stdin.start();
        try {
            long n = args[1].equals("1") ? liveV1(path, closed) : liveV2(path, closed);
            System.out.println("done " + n);
            System.exit(0);
        } catch (IOException e) {
            System.err.println("mmstats-java-live: " + path + ": " + e.getMessage());
            System.exit(1);
        }
    }

    private static long liveV1(Path path, AtomicBoolean closed) throws IOException, InterruptedException {
        try (MmstatsFile file = MmstatsFile.create(path, List.of(new FieldSpec(COUNTER, "Q", true),
                new FieldSpec(GAUGE, "i", true)))) {
            IntSlot counter = file.intSlot(COUNTER);
            IntSlot gauge = file.intSlot(GAUGE);
            long n = steps(path, closed, step -> {
                counter.incr();
                gauge.set(step);
            });
            gauge.set(GAUGE_FINAL);
            return n;
        }
    }

    private static long liveV2(Path path, AtomicBoolean closed) throws IOException, InterruptedException {
        try (MmStats stats = MmStats.builder().path(path).keep(true).closeAtExit(false).build()) {
            Counter counter = stats.counter(COUNTER).register();
            Gauge gauge = stats.gauge(GAUGE).register();
            long n = steps(path, closed, step -> {
                counter.inc();
                gauge.set(step);
            });
            gauge.set(GAUGE_FINAL);
            return n;
        }
    }

    /** Announces the file, then steps until stdin closed; the last step. */
    private static long steps(Path path, AtomicBoolean closed, LongConsumer step) throws InterruptedException {
        System.out.println(path);
        System.out.println("ready");
        System.out.flush();
        long n = 0;
        while (true) {
            Thread.sleep(1); // never returns sooner, which bounds the step count by the time run
            if (closed.get()) {
                return n;
            }
            step.accept(++n);
        }
    }
}
