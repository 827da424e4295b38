package dev.mmstats.writer.v2;

/**
 * A value with a copy in every slot. {@link #own()} finds the calling thread's copy: for the thread this
 * field was last bound to, with one field load and a compare; for any other thread through its slot lease
 * (a thread-local lookup), after which the field binds to it if its bound thread has ended.
 */
abstract class Slotted {
    /** A thread and the address of its copy of this value; immutable, so a racy read sees all of it. */
    private record Binding(Thread thread, long at) {
    }

    private static final Binding NOBODY = new Binding(null, -1);

    private final long file;   // address of the file's byte 0 (or of the private copy)
    private final Slots slots;
    private final int offset;  // in each slot
    final long shared;         // address of the copy in slot 0
    private Binding bound = NOBODY;

    Slotted(MmStats.Placement p) {
        this.file = p.address();
        this.slots = p.slots();
        this.offset = p.at();
        this.shared = p.address() + p.slots().sharedBase() + p.at();
    }

    /** The address of the calling thread's own copy, or -1 when it uses the shared slot. */
    final long own() {
        Binding b = bound;
        return b.thread == Thread.currentThread() ? b.at : lookUp();
    }

    private long lookUp() {
        int base = slots.own();
        if (base < 0) {
            return -1;
        }
        long at = file + base + offset;
        Thread bt = bound.thread;
        if (bt == null || bt.getState() == Thread.State.TERMINATED) {
            bound = new Binding(Thread.currentThread(), at);
        }
        return at;
    }
}
