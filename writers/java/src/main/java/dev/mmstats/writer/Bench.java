package dev.mmstats.writer;

import dev.mmstats.writer.v1.FieldSpec;
import dev.mmstats.writer.v1.IntSlot;
import dev.mmstats.writer.v1.MmstatsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Micro-benchmark of the hot path: ns per counter increment (buffered Q: fence, value store, fence,
 * write-buffer store) against a plain field {@code x += n}, printed as a ratio. It asserts nothing.
 *
 * <pre>java -cp writers/java/target/classes dev.mmstats.writer.Bench [iterations]</pre>
 */
public final class Bench {
    private long plain;       // the floor: a plain field add (the JIT may keep it in a register in the loop)
    private static volatile long sink;

    private Bench() {
    }

    public static void main(String[] args) throws IOException {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 50_000_000L;
        Path dir = Files.createTempDirectory("mmstats-bench");
        Path file = dir.resolve("bench.mmstats");
        try (MmstatsFile f = MmstatsFile.create(file, List.of(new FieldSpec("requests", "Q", true),
                new FieldSpec("unbuffered", "Q", false)))) {
            IntSlot counter = f.intSlot("requests");
            IntSlot flat = f.intSlot("unbuffered");
            Bench b = new Bench();
            double floor = 0;
            double incr = 0;
            double flatIncr = 0;
            for (int round = 0; round < 5; round++) { // later rounds run compiled code; keep the best
                double p = time(() -> b.plainLoop(n), n);
                double c = time(() -> loop(counter, n), n);
                double u = time(() -> loop(flat, n), n);
                floor = round == 0 ? p : Math.min(floor, p);
                incr = round == 0 ? c : Math.min(incr, c);
                flatIncr = round == 0 ? u : Math.min(flatIncr, u);
            }
            sink = b.plain + counter.get() + flat.get();
            System.out.printf("plain field x += n         %6.2f ns/op  1.00x%n", floor);
            System.out.printf("buffered counter incr(n)   %6.2f ns/op  %.2fx%n", incr, incr / floor);
            System.out.printf("unbuffered counter incr(n) %6.2f ns/op  %.2fx%n", flatIncr, flatIncr / floor);
            f.remove();
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    private static double time(Runnable r, long n) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / (double) n;
    }

    private void plainLoop(long n) {
        for (long i = 0; i < n; i++) {
            plain += i & 3;
        }
    }

    private static void loop(IntSlot s, long n) {
        for (long i = 0; i < n; i++) {
            s.incr(i & 3);
        }
    }
}
