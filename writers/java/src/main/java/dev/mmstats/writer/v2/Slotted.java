package dev.mmstats.writer.v2;

/**
 * A value with a copy in every slot. {@link #own()} finds the calling thread's copy: for the thread this
 * field is bound to, with two field loads and a compare; for any other thread through its slot lease
 * (a thread-local lookup), after which the field binds to it if its bound thread has ended.
 *
 * <p>The binding is two plain fields, {@code at} written before {@code owner}, both only under this object's
 * lock and only while no live thread is bound. So a thread that reads itself in {@code owner} is the thread
 * that wrote it, {@code at} included (program order), and nobody writes either field again while it lives;
 * any other thread reads someone else in {@code owner} and takes the slow path. No ordering is needed on the
 * fast path, which then costs two loads that the compiler may not keep across the copy's release store.
 */
abstract class Slotted {
    private final long file;   // address of the file's byte 0 (or of the private copy)
    private final Slots slots;
    private final int offset;  // in each slot
    final long shared;         // address of the copy in slot 0
    private Thread owner;      // the bound thread; null: none yet
    private long at;           // the address of its copy

    Slotted(MmStats.Placement p) {
        this.file = p.address();
        this.slots = p.slots();
        this.offset = p.at();
        this.shared = p.address() + p.slots().sharedBase() + p.at();
    }

    /** The address of the calling thread's own copy, or -1 when it uses the shared slot. */
    final long own() {
        return owner == Thread.currentThread() ? at : lookUp();
    }

    private long lookUp() {
        int base = slots.own();
        if (base < 0) {
            return -1;
        }
        long mine = file + base + offset;
        if (unbound(owner)) {
            synchronized (this) {
                if (unbound(owner)) {
                    at = mine;
                    owner = Thread.currentThread();
                }
            }
        }
        return mine;
    }

    private static boolean unbound(Thread t) {
        return t == null || t.getState() == Thread.State.TERMINATED;
    }
}
