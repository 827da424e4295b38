package dev.mmstats.writer.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmstats.reader.FileV2;
import dev.mmstats.reader.StatsReaderV2;
import dev.mmstats.reader.Value;
import dev.mmstats.writer.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Counter.Local: a thread's copy found once; its updates reach readers, and it stays with its thread. */
class LocalTest {
    @TempDir
    Path dir;

    /** Runs {@code body} in n new threads started together; returns when all have ended, failing on any throw. */
    private static void inThreads(int n, Runnable body) throws InterruptedException {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            Thread th = new Thread(body);
            th.setUncaughtExceptionHandler((x, e) -> failed.compareAndSet(null, e));
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(null, failed.get());
    }

    private static long javaValue(Path file, int field) throws Exception {
        try (StatsReaderV2 r = new StatsReaderV2(file)) {
            return ((Value.UInt) r.read().fields().get(field).value()).bits();
        }
    }

    private static Json.Num pythonValue(Path file, int field) throws Exception {
        return (Json.Num) Python.fields(Python.read(file)).get(field).get("value");
    }

    /**
     * slot_count 64: each of 6 threads its own slot; slot_count 3: two thread slots, the other four threads'
     * handles add to the shared slot. Each thread mixes handle updates with the counter's own calls.
     */
    private void sums(int slotCount, int expectSlotsUsed) throws Exception {
        Path file = dir.resolve("local-" + slotCount + ".mmstats");
        int threads = 6;
        int each = 200_000;
        try (MmStats s = MmStats.builder().path(file).capacities(4096, 4096, 1024, slotCount).keep(true)
                .closeAtExit(false).build()) {
            Counter c = s.counter("c").register();
            CyclicBarrier together = new CyclicBarrier(threads);
            inThreads(threads, () -> {
                Counter.Local l = c.local();
                try {
                    together.await(); // every thread holds its slot before any ends
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < each; i++) {
                    l.inc();
                }
                l.add(5);
                l.addUnsigned(-1L); // 2^64 - 1: minus one modulo 2^64
                c.add(2);
            });
            assertEquals(expectSlotsUsed, s.slotsUsed());
        }
        long total = (long) threads * (each + 5 - 1 + 2);
        assertEquals(total, javaValue(file, 0));
        assertEquals(new Json.Num(Long.toString(total)), pythonValue(file, 0));
    }

    @Test
    void everyThreadItsOwnSlot() throws Exception {
        sums(64, 7);
    }

    @Test
    void handlesWithoutASlotAddToTheSharedSlot() throws Exception {
        sums(3, 3);
    }

    @Test
    void negativeAddRefused() throws Exception {
        try (MmStats s = MmStats.builder().path(dir.resolve("neg.mmstats")).closeAtExit(false).build()) {
            Counter.Local l = s.counter("c").register().local();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.add(-3));
            assertTrue(e.getMessage().contains("-3"), e.getMessage());
        }
    }

    /** With assertions on (Maven's default for tests), another thread's update fails and changes nothing. */
    @Test
    void otherThreadRefused() throws Exception {
        assertTrue(Counter.Local.class.desiredAssertionStatus(), "this test needs -ea (surefire's default)");
        Path file = dir.resolve("misuse.mmstats");
        try (MmStats s = MmStats.builder().path(file).keep(true).closeAtExit(false).build()) {
            Counter.Local mine = s.counter("c").register().local();
            mine.add(7);
            AtomicReference<Throwable> seen = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    mine.inc();
                } catch (Throwable e) {
                    seen.set(e);
                }
            }, "intruder");
            other.start();
            other.join();
            assertTrue(seen.get() instanceof AssertionError, "refused: " + seen.get());
            assertTrue(seen.get().getMessage().contains("\"intruder\""), seen.get().getMessage());
            assertEquals(7, javaValue(file, 0));
        }
        assertEquals(new Json.Num("7"), pythonValue(file, 0));
    }

    /**
     * A loop of handle increments with nothing else in it, called often enough to be compiled first: a reader polling
     * the file sees values inside the second half of the loop, so the store is made on every call and not once
     * after the loop.
     */
    @Test
    void valuesVisibleWhileTheLoopRuns() throws Exception {
        Path file = dir.resolve("visible.mmstats");
        long total = 1_000_000_000L;
        try (MmStats s = MmStats.builder().path(file).keep(true).closeAtExit(false).build();
             StatsReaderV2 r = new StatsReaderV2(file)) {
            Counter c = s.counter("c").register();
            Thread writer = new Thread(() -> {
                Counter.Local l = c.local();
                for (int k = 0; k < WARM_CALLS; k++) { // compiled as a method, not only on stack replacement
                    incLoop(l, WARM_EACH);
                }
                incLoop(l, total - (long) WARM_CALLS * WARM_EACH);
            });
            writer.start();
            List<Long> late = new ArrayList<>();
            while (writer.isAlive() && late.size() < 2) {
                long v = ((Value.UInt) r.read().fields().get(0).value()).bits();
                if (v > total / 2 && v < total && (late.isEmpty() || v > late.get(late.size() - 1))) {
                    late.add(v);
                }
            }
            writer.join();
            assertEquals(2, late.size(), "two rising values in the loop's second half were seen: " + late);
            assertEquals(total, javaValue(file, 0));
        }
    }

    private static final int WARM_CALLS = 20_000;
    private static final int WARM_EACH = 1_000;

    private static void incLoop(Counter.Local l, long n) {
        for (long i = 0; i < n; i++) {
            l.inc();
        }
    }

    /**
     * Waves of threads, each taking a handle, adding and ending, while a reader polls: the sum never goes down,
     * dead threads' slots are reused by the next wave's handles (slots_used stays 1 + wave size), the total is
     * exact.
     */
    @Test
    void slotReuseByLaterThreadsHandles() throws Exception {
        Path file = dir.resolve("reuse.mmstats");
        int waves = 20;
        int width = 3;
        int each = 50_000;
        try (MmStats s = MmStats.builder().path(file).capacities(4096, 4096, 1024, 16).keep(true).closeAtExit(false)
                .build()) {
            Counter c = s.counter("c").register();
            AtomicReference<String> problem = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try (StatsReaderV2 r = new StatsReaderV2(file)) {
                    long last = 0;
                    while (done.getCount() > 0) {
                        FileV2 now = r.read();
                        long v = ((Value.UInt) now.fields().get(0).value()).bits();
                        if (v < last) {
                            problem.set("the sum went from " + last + " to " + v);
                            return;
                        }
                        last = v;
                    }
                } catch (Exception e) {
                    problem.set(e.toString());
                }
            });
            reader.start();
            for (int w = 0; w < waves; w++) {
                CyclicBarrier together = new CyclicBarrier(width);
                inThreads(width, () -> {
                    Counter.Local l = c.local();
                    try {
                        together.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < each; i++) {
                        l.inc();
                    }
                });
                assertEquals(1 + width, s.slotsUsed(), "wave " + w + ": dead threads' slots are reused");
            }
            done.countDown();
            reader.join();
            assertEquals(null, problem.get());
            assertEquals((long) waves * width * each, javaValue(file, 0));
        }
        assertEquals(new Json.Num(Long.toString((long) waves * width * each)), pythonValue(file, 0));
    }

    /** A field that did not fit: its handle works on the field's private memory, the file is unchanged. */
    @Test
    void handleOfAFieldThatDidNotFit() throws Exception {
        Path file = dir.resolve("full.mmstats");
        try (MmStats s = MmStats.builder().path(file).capacities(40, 8, 64, 2).keep(true).closeAtExit(false)
                .build()) {
            Counter a = s.counter("a").register();
            Counter.Local b = s.counter("b").register().local(); // no room in the metadata
            a.local().add(3);
            b.add(100);
            b.inc();
        }
        Python.valid(file);
        assertEquals(1, Python.fields(Python.read(file)).size());
        assertEquals(new Json.Num("3"), pythonValue(file, 0));
    }
}
