package dev.mmstats.writer;

import dev.mmstats.writer.v1.FieldSpec;
import dev.mmstats.writer.v1.IntSlot;
import dev.mmstats.writer.v1.MmstatsFile;
import dev.mmstats.writer.v2.Counter;
import dev.mmstats.writer.v2.Histogram;
import dev.mmstats.writer.v2.MmStats;
import dev.mmstats.writer.v2.Text;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Micro-benchmark of the hot paths, each timed in the same loop shape ({@code for i < n: op(i & 3)}), in chunks of
 * {@value #CHUNK} calls, the fastest chunk of 10 interleaved rounds kept, printed as {@code NAME  X ns/op  R.RRx} (bench/writer_native.py parses these lines). It asserts nothing.
 *
 * <p>Version 1: a buffered and an unbuffered counter against a plain field {@code x += n}, which the JIT keeps in
 * a register for the whole loop (the first "plain" line: the floor of the v1 rows).
 *
 * <p>Version 2: the floor is a {@code long} field of an object on the heap incremented with an opaque load, an add
 * and an opaque store: one load and one store per iteration that the JIT may neither drop nor hoist out of the
 * loop, which is exactly the work the spec asks of a thread-slot increment. The mmstats rows add the slot
 * lookup (the Counter.Local rows: the handle's address field); every value is consumed at the end.
 *
 * <pre>java -cp writers/java/target/classes:readers/java/target/classes dev.mmstats.writer.Bench [iterations]</pre>
 */
public final class Bench {
    private static final VarHandle FLOOR;

    static {
        try {
            FLOOR = MethodHandles.lookup().findVarHandle(Bench.class, "inMemory", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long plain;       // v1 floor: a plain field add (the JIT keeps it in a register in the loop)
    private long inMemory;    // v2 floor: loaded and stored in memory every iteration
    private static volatile long sink;

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 50_000_000L;
        Path dir = Files.createTempDirectory("mmstats-bench");
        try {
            v1(n, dir);
            v2(n, dir);
        } finally {
            try (var left = Files.list(dir)) {
                for (Path p : (Iterable<Path>) left::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Calls per timed chunk: well under a millisecond, so that a chunk often runs without being preempted. */
    private static final long CHUNK = 250_000;

    /** One timed operation: {@code loop.accept(k)} makes k calls; n calls per round, timed k = chunk at a time. */
    private record Case(String name, long n, long chunk, LongConsumer loop) {
        Case(String name, long n, LongConsumer loop) {
            this(name, n, CHUNK, loop);
        }
    }

    /**
     * Runs every case once per round, 10 rounds, and keeps each case's best ns per call over all its chunks:
     * interleaved rounds let every case see the same machine load, and on a busy machine (the build machine is
     * shared) the best chunk is the one least disturbed, as in the C writer's benchmark.
     */
    private static double[] timeAll(List<Case> cases) {
        double[] best = new double[cases.size()];
        java.util.Arrays.fill(best, Double.MAX_VALUE);
        for (int round = 0; round < 10; round++) {
            for (int k = 0; k < cases.size(); k++) {
                Case c = cases.get(k);
                for (long done = 0; done < c.n; ) {
                    long step = Math.min(c.chunk, c.n - done);
                    long t0 = System.nanoTime();
                    c.loop.accept(step);
                    best[k] = Math.min(best[k], (System.nanoTime() - t0) / (double) step);
                    done += step;
                }
            }
        }
        return best;
    }

    private static void v1(long n, Path dir) throws IOException {
        Path file = dir.resolve("bench.mmstats");
        try (MmstatsFile f = MmstatsFile.create(file, List.of(new FieldSpec("requests", "Q", true),
                new FieldSpec("unbuffered", "Q", false)))) {
            IntSlot counter = f.intSlot("requests");
            IntSlot flat = f.intSlot("unbuffered");
            Bench b = new Bench();
            List<Case> cases = List.of(new Case("plain field x += n", n, b::plainLoop),
                    new Case("buffered counter incr(n)", n, k -> loop(counter, k)),
                    new Case("unbuffered counter incr(n)", n, k -> loop(flat, k)));
            print(cases, timeAll(cases));
            sink = b.plain + counter.get() + flat.get();
            f.remove();
        }
    }

    private static void v2(long n, Path dir) throws Exception {
        try (MmStats own = MmStats.builder().path(dir.resolve("v2.mmstats")).closeAtExit(false).build();
             MmStats shared = MmStats.builder().path(dir.resolve("v2-shared.mmstats")).threadSlots(false)
                     .closeAtExit(false).build()) {
            Counter counter = own.counter("requests").register();
            Counter other = own.counter("responses").register();
            Counter atomic = shared.counter("requests").register();
            Histogram h = own.histogram("latency", 1.0, 2.0, 3.0).register();
            Text text = own.string("state", 16).register();
            String[] texts = {"idle", "reading", "writing", "closing"};
            Bench b = new Bench();
            long slow = Math.max(n / 10, 1);
            counter.inc(); // this thread takes its slot, and the counters bind to it
            other.inc();
            Counter.Local local = counter.local();
            List<Case> cases = List.of(
                    new Case("v2 floor: heap long field, opaque load + add + opaque store", n, b::inMemoryLoop),
                    new Case("v2 floor +1: the same with a constant 1 (for the inc() rows)", n, b::inMemoryIncLoop),
                    new Case("v2 counter add(n), own thread slot", n, k -> addLoop(counter, k)),
                    new Case("v2 counter inc(), own thread slot", n, k -> incLoop(counter, k)),
                    new Case("v2 Counter.Local add(n), own thread slot, handle", n, k -> localAddLoop(local, k)),
                    new Case("v2 Counter.Local inc(), own thread slot, handle", n, k -> localIncLoop(local, k)),
                    new Case("v2 counter add(n), own thread slot, thread-local lookup", n, n, // one chunk: a thread each
                            k -> inOtherThread(() -> otherThreadLoop(counter, other, k))),
                    new Case("v2 counter add(n), shared slot (getAndAdd)", slow, k -> sharedLoop(atomic, k)),
                    new Case("v2 histogram observe, 3 bounds, own thread slot", slow, k -> observeLoop(h, k)),
                    new Case("v2 string set, 4 to 7 bytes", slow, k -> setLoop(text, texts, k)));
            print(cases, timeAll(cases));
            sink = b.inMemory;
        }
    }

    /**
     * The loop in a second thread while the counters stay bound to this one: the second thread finds its slot
     * through its thread-local lease on every call (what a thread pays while a field is bound to another).
     */
    private static void inOtherThread(Runnable loop) {
        Thread t = new Thread(loop);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void print(List<Case> cases, double[] ns) {
        for (int k = 0; k < cases.size(); k++) {
            line(cases.get(k).name, ns[k], ns[0]);
        }
    }

    private static void line(String name, double ns, double floor) {
        System.out.printf("%-62s %7.2f ns/op  %.2fx%n", name, ns, ns / floor);
    }

    private void plainLoop(long n) {
        for (long i = 0; i < n; i++) {
            plain += i & 3;
        }
    }

    private void inMemoryLoop(long n) {
        for (long i = 0; i < n; i++) {
            FLOOR.setOpaque(this, (long) FLOOR.getOpaque(this) + (i & 3));
        }
    }

    private void inMemoryIncLoop(long n) {
        for (long i = 0; i < n; i++) {
            FLOOR.setOpaque(this, (long) FLOOR.getOpaque(this) + 1);
        }
    }

    // One loop per case, so that each call site has its own profile (one receiver, one path) and the JIT
    // compiles each as an application's call site would be compiled.

    private static void loop(IntSlot s, long n) {
        for (long i = 0; i < n; i++) {
            s.incr(i & 3);
        }
    }

    private static void addLoop(Counter c, long n) {
        for (long i = 0; i < n; i++) {
            c.add(i & 3);
        }
    }

    /** Two counters in turn: a thread takes a binding only after misses in a row on one field, so it never does. */
    private static void otherThreadLoop(Counter c, Counter d, long n) {
        for (long i = 0; i < n; i += 2) {
            c.add(i & 3);
            d.add((i + 1) & 3);
        }
    }

    private static void sharedLoop(Counter c, long n) {
        for (long i = 0; i < n; i++) {
            c.add(i & 3);
        }
    }

    private static void incLoop(Counter c, long n) {
        for (long i = 0; i < n; i++) {
            c.inc();
        }
    }

    private static void localAddLoop(Counter.Local c, long n) {
        for (long i = 0; i < n; i++) {
            c.add(i & 3);
        }
    }

    private static void localIncLoop(Counter.Local c, long n) {
        for (long i = 0; i < n; i++) {
            c.inc();
        }
    }

    private static void observeLoop(Histogram h, long n) {
        for (long i = 0; i < n; i++) {
            h.observe(i & 3);
        }
    }

    private static void setLoop(Text t, String[] texts, long n) {
        for (long i = 0; i < n; i++) {
            t.set(texts[(int) (i & 3)]);
        }
    }
}
