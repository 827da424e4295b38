package dev.mmstats.writer.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmstats.reader.FieldV2;
import dev.mmstats.reader.FileV2;
import dev.mmstats.reader.StatsReaderV2;
import dev.mmstats.reader.Value;
import dev.mmstats.writer.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many writer threads: exact sums across thread slots and the shared slot; exits and reuse never go back. */
class SlotsTest {
    private static final int THREADS = 8;
    private static final int INCREMENTS = 100_000;
    private static final int OBSERVATIONS = 10_000;

    @TempDir
    Path dir;

    /**
     * Runs {@code first} in n new threads, waits until all of them have run it (so each has taken its slot while
     * the others are alive), then {@code rest}; returns when all have ended.
     */
    private static void inThreads(int n, Runnable first, Runnable rest) throws InterruptedException {
        CyclicBarrier together = new CyclicBarrier(n);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            Thread th = new Thread(() -> {
                first.run();
                try {
                    together.await();
                } catch (InterruptedException | BrokenBarrierException e) {
                    throw new IllegalStateException(e);
                }
                rest.run();
            });
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
    }

    /** slot_count 64: a slot per thread; slot_count 4: three thread slots, the other five threads share slot 0. */
    private void sums(int slotCount) throws Exception {
        Path file = dir.resolve("sums-" + slotCount + ".mmstats");
        try (MmStats s = MmStats.builder().path(file).capacities(4096, 4096, 1024, slotCount).keep(true)
                .closeAtExit(false).build()) {
            Counter c = s.counter("c").register();
            UpDownCounter u = s.upDownCounter("u").register();
            DoubleCounter d = s.doubleCounter("d").register();
            Histogram h = s.histogram("h", 0.5).register();
            inThreads(THREADS, c::inc, () -> {
                for (int i = 1; i < INCREMENTS; i++) {
                    c.inc();
                }
                for (int i = 0; i < INCREMENTS; i++) {
                    u.add(i % 2 == 0 ? 3 : -1);
                }
                for (int i = 0; i < OBSERVATIONS; i++) {
                    d.add(0.5);
                    h.observe(i % 2);
                }
            });
            assertEquals(Math.min(slotCount, THREADS + 1), s.slotsUsed());
        }
        List<Map<String, Object>> f = Python.fields(Python.read(file));
        assertEquals(new Json.Num(Long.toString((long) THREADS * INCREMENTS)), f.get(0).get("value"));
        assertEquals(new Json.Num(Long.toString((long) THREADS * INCREMENTS)), f.get(1).get("value")); // +3 -1
        assertEquals(new Json.Num(Double.toString(THREADS * OBSERVATIONS * 0.5)), f.get(2).get("value"));
        assertEquals(Json.parse("{\"count\": " + THREADS * OBSERVATIONS + ", \"sum\": " + (double) THREADS * OBSERVATIONS / 2
                + ", \"buckets\": [{\"le\": 0.5, \"count\": " + THREADS * OBSERVATIONS / 2 + "}, {\"le\": \"Infinity\", "
                + "\"count\": " + THREADS * OBSERVATIONS + "}]}"), f.get(3).get("value"));
    }

    @Test
    void everyThreadItsOwnSlot() throws Exception {
        sums(64);
    }

    @Test
    void moreThreadsThanSlotsShareSlotZero() throws Exception {
        sums(4);
    }

    /**
     * Waves of short-lived threads, each adding to a counter and dying, while a reader polls the file: the sum
     * never goes down, ends exact, and the dead threads' slots are reused (slots_used stays at 1 + wave size).
     */
    @Test
    void threadExitAndSlotReuseNeverGoBack() throws Exception {
        Path file = dir.resolve("reuse.mmstats");
        int waves = 30;
        int width = 3;
        int each = 20_000;
        try (MmStats s = MmStats.builder().path(file).capacities(4096, 4096, 1024, 16).keep(true).closeAtExit(false)
                .build()) {
            Counter c = s.counter("c").register();
            AtomicReference<String> problem = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            long[] reads = {0};
            Thread reader = new Thread(() -> {
                try (StatsReaderV2 r = new StatsReaderV2(file)) {
                    long last = 0;
                    while (done.getCount() > 0) {
                        FileV2 now = r.read();
                        long v = counter(now);
                        if (v < last) {
                            problem.set("the sum went from " + last + " to " + v);
                            return;
                        }
                        last = v;
                        reads[0]++;
                    }
                } catch (Exception e) {
                    problem.set(e.toString());
                }
            });
            reader.start();
            for (int w = 0; w < waves; w++) {
                inThreads(width, c::inc, () -> {
                    for (int i = 1; i < each; i++) {
                        c.inc();
                    }
                });
                assertEquals(1 + width, s.slotsUsed(), "wave " + w + ": dead threads' slots are reused");
            }
            done.countDown();
            reader.join();
            assertEquals(null, problem.get());
            assertTrue(reads[0] > 0, "the reader read");
            try (StatsReaderV2 r = new StatsReaderV2(file)) {
                assertEquals((long) waves * width * each, counter(r.read()));
            }
        }
        assertEquals(new Json.Num(Long.toString((long) waves * width * each)),
                Python.fields(Python.read(file)).get(0).get("value"));
    }

    private static long counter(FileV2 f) {
        FieldV2 c = f.fields().get(0);
        return ((Value.UInt) c.value()).bits();
    }
}
