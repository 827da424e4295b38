package dev.mmstats.writer.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmstats.reader.StatsReaderV2;
import dev.mmstats.reader.Value;
import dev.mmstats.writer.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slotted field's binding (its cached thread and copy): the bound thread's updates take the fast path, the
 * binding follows the field's writer, and no update is lost or lands in another thread's slot.
 */
class BindingTest {
    @TempDir
    Path dir;

    private static long javaValue(Path file) throws Exception {
        try (StatsReaderV2 r = new StatsReaderV2(file)) {
            return ((Value.UInt) r.read().fields().get(0).value()).bits();
        }
    }

    private static Json.Num pythonValue(Path file) throws Exception {
        return (Json.Num) Python.fields(Python.read(file)).get(0).get("value");
    }

    /** A thread's work, given its index. */
    private interface Body {
        void run(int index) throws Exception;
    }

    /**
     * Runs {@code body(0)} to {@code body(n - 1)}, each in a new thread, and waits for all of them; the first
     * throw fails the test, after {@code onFailure} (which lets the other threads finish) has run.
     */
    private static void inThreads(int n, String name, Body body, Runnable onFailure) throws InterruptedException {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int me = t;
            Thread th = new Thread(() -> {
                try {
                    body.run(me);
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                    onFailure.run();
                }
            }, name + "-" + t);
            th.start();
            all.add(th);
        }
        for (Thread th : all) {
            th.join();
        }
        assertNull(failed.get());
    }

    /** Runs {@code body} in a new thread and waits for its end; any throw in it fails the test. */
    private static void inThread(String name, Runnable body) throws InterruptedException {
        inThreads(1, name, i -> body.run(), () -> { });
    }

    /** Polls the file's first field until stopped: records the first time the value went down. */
    private static final class Poller extends Thread {
        private final Path file;
        private final CountDownLatch stop = new CountDownLatch(1);
        final AtomicReference<String> problem = new AtomicReference<>();
        long reads;

        Poller(Path file) {
            this.file = file;
            start();
        }

        @Override
        public void run() {
            try (StatsReaderV2 r = new StatsReaderV2(file)) {
                long last = 0;
                while (stop.getCount() > 0) {
                    long v = ((Value.UInt) r.read().fields().get(0).value()).bits();
                    if (v < last) {
                        problem.set("the value went from " + last + " to " + v);
                        return;
                    }
                    last = v;
                    reads++;
                }
            } catch (Exception e) {
                problem.set(e.toString());
            }
        }

        void finish() throws InterruptedException {
            stop.countDown();
            join();
            assertNull(problem.get());
            assertTrue(reads > 0, "the poller read");
        }
    }

    /** One thread alone: only its first update misses (it binds the field), a million more take the fast path. */
    @Test
    void theBoundThreadTakesTheFastPath() throws Exception {
        Path file = dir.resolve("fast.mmstats");
        try (MmStats s = MmStats.builder().path(file).keep(true).closeAtExit(false).build()) {
            Counter c = s.counter("c").register();
            UpDownCounter u = s.upDownCounter("u").register();
            inThread("alone", () -> {
                for (int i = 0; i < 1_000_000; i++) {
                    c.inc();
                    c.add(2);
                    u.dec();
                }
                assertSame(Thread.currentThread(), c.boundTo());
                assertEquals(2, c.threadMisses(), "one miss per field, at the first update");
            });
        }
        assertEquals(3_000_000L, javaValue(file));
    }

    /**
     * A thread that is not bound takes the binding from a live thread after {@link Slotted#TAKE_AFTER} misses in a
     * row on the field, not before; misses spread over two fields never take it.
     */
    @Test
    void aLiveThreadsBindingIsTakenAfterMissesInARow() throws Exception {
        Path file = dir.resolve("take.mmstats");
        try (MmStats s = MmStats.builder().path(file).keep(true).closeAtExit(false).build()) {
            Counter c = s.counter("c").register();
            Counter d = s.counter("d").register();
            c.inc();
            d.inc();
            Thread main = Thread.currentThread();
            inThread("second", () -> {
                for (int i = 0; i < 10 * Slotted.TAKE_AFTER; i++) { // in turn: never in a row
                    c.inc();
                    d.inc();
                }
                assertSame(main, c.boundTo());
                assertSame(main, d.boundTo());
                for (int i = 1; i < Slotted.TAKE_AFTER; i++) {
                    c.inc();
                }
                assertSame(main, c.boundTo(), "not yet");
                c.inc();
                assertSame(Thread.currentThread(), c.boundTo());
                long misses = c.threadMisses();
                c.add(5);
                assertEquals(misses, c.threadMisses(), "bound now: no miss");
            });
        }
        long each = 1 + 10 * Slotted.TAKE_AFTER + Slotted.TAKE_AFTER + 5;
        assertEquals(each, javaValue(file));
        assertEquals(new Json.Num(Long.toString(each)), pythonValue(file));
    }

    /**
     * Three threads take turns (a baton), each turn long enough to take the binding, so the binding changes
     * every turn while a reader polls: totals exact, the value never goes down, and each thread missed no more
     * than the turns allow (the fast path carried the rest).
     */
    @Test
    void threadsTakingTurnsMoveTheBinding() throws Exception {
        Path file = dir.resolve("turns.mmstats");
        int threads = 3;
        int turns = 40;
        int each = 4 * Slotted.TAKE_AFTER + 1000;
        try (MmStats s = MmStats.builder().path(file).keep(true).closeAtExit(false).build()) {
            Counter c = s.counter("c").register();
            Poller poller = new Poller(file);
            Semaphore[] baton = new Semaphore[threads];
            for (int t = 0; t < threads; t++) {
                baton[t] = new Semaphore(t == 0 ? 1 : 0);
            }
            inThreads(threads, "turns", me -> {
                for (int turn = 0; turn < turns; turn++) {
                    baton[me].acquire();
                    for (int i = 0; i < each; i++) {
                        c.inc();
                    }
                    assertSame(Thread.currentThread(), c.boundTo(), "turn " + turn);
                    baton[(me + 1) % threads].release();
                }
                long misses = c.threadMisses();
                assertTrue(misses <= (long) turns * Slotted.TAKE_AFTER, "misses " + misses);
            }, () -> {
                for (Semaphore b : baton) {
                    b.release(threads * turns); // let the others finish
                }
            });
            poller.finish();
            assertEquals(1 + threads, s.slotsUsed());
        }
        long total = (long) threads * turns * each;
        assertEquals(total, javaValue(file));
        assertEquals(new Json.Num(Long.toString(total)), pythonValue(file));
    }

    /**
     * Four threads updating one counter at once, each a different number of times, so the binding is taken back
     * and forth while they race: afterwards each thread slot's copy holds exactly one thread's count, so no
     * update went into another thread's slot (lost updates there would also show in the total).
     */
    @Test
    void racingThreadsEachWriteOnlyTheirOwnCopy() throws Exception {
        Path file = dir.resolve("race.mmstats");
        int threads = 4;
        int slotSize = 1024;
        try (MmStats s = MmStats.builder().path(file).capacities(4096, 4096, slotSize, 16).keep(true)
                .closeAtExit(false).build()) {
            Counter c = s.counter("c").register();
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(threads);
            inThreads(threads, "race", t -> {
                int count = (t + 1) * 300_000 + t;
                c.add(0); // takes this thread's slot before the others start
                together.await();
                for (int i = 0; i < count; i++) {
                    c.inc();
                }
            }, () -> { });
            assertEquals(1 + threads, s.slotsUsed());
            List<Long> copies = new ArrayList<>();
            for (int k = 1; k <= threads; k++) {
                copies.add(Memory.load(c.shared + (long) k * slotSize));
            }
            copies.sort(null);
            List<Long> counts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                counts.add((long) (t + 1) * 300_000 + t);
            }
            assertEquals(counts, copies, "each slot holds one thread's count");
            assertEquals(0, Memory.load(c.shared), "the shared slot is untouched");
        }
        assertEquals(3_000_006L, javaValue(file));
    }

    /**
     * Threads one after another, each ending before the next starts: each reuses the dead thread's slot
     * (slots_used stays 2) and takes the binding at its first update, since the bound thread has ended; the
     * dead thread's counts stay, the value never goes down, the total is exact.
     */
    @Test
    void aDeadThreadsSlotAndBindingGoToTheNextThread() throws Exception {
        Path file = dir.resolve("dead.mmstats");
        int waves = 30;
        int each = 50_000;
        try (MmStats s = MmStats.builder().path(file).keep(true).closeAtExit(false).build()) {
            Counter c = s.counter("c").register();
            Poller poller = new Poller(file);
            for (int w = 0; w < waves; w++) {
                inThread("wave-" + w, () -> {
                    Thread before = c.boundTo();
                    c.inc();
                    assertSame(Thread.currentThread(), c.boundTo(), "taken at the first update");
                    assertEquals(1, c.threadMisses());
                    if (before != null) {
                        assertEquals(Thread.State.TERMINATED, before.getState());
                    }
                    for (int i = 1; i < each; i++) {
                        c.inc();
                    }
                    assertEquals(1, c.threadMisses(), "the rest on the fast path");
                });
                assertEquals(2, s.slotsUsed(), "wave " + w + ": the dead thread's slot is reused");
            }
            poller.finish();
        }
        long total = (long) waves * each;
        assertEquals(total, javaValue(file));
        assertEquals(new Json.Num(Long.toString(total)), pythonValue(file));
    }
}
