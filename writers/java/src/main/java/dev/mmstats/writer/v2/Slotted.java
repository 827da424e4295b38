package dev.mmstats.writer.v2;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A value with a copy in every slot. The field caches one binding, a thread and the address of its copy, in two
 * plain fields: for the bound thread {@link #own()} is two field loads and a compare with
 * {@code Thread.currentThread()}. Any other thread misses and finds its slot through its lease (a thread-local
 * lookup); it takes the binding at once if the bound thread has ended (or there is none), else after
 * {@value #TAKE_AFTER} misses in a row on this field, so that the binding follows a field's current writer without
 * threads that update it together writing the binding on every call.
 *
 * <p>Why a thread X never writes another thread's copy. A take, by thread T under the slots' lock, stores
 * {@code boundThread = T}, then release-stores {@code boundAt} = T's copy; the hot path acquire-loads
 * {@code boundAt}, then loads {@code boundThread}, and uses the address only if that is X. Only X stores X, so X
 * read the store of one of its own takes, all of which store X's copy (a thread keeps its slot while it lives).
 * Had X's address load read another thread's take j: if j came before X's last take, X's own later store of the
 * address happens-before X's load, which cannot then see j's; if after, the acquire load synchronizes with j's
 * release store, so j's store of its thread happens-before X's load of the thread, which cannot then see X's
 * older store. A slot freed at its thread's end and handed to another thread gets no stale write: the dead thread
 * is never {@code currentThread()} again. (Two fields, not an immutable record behind one: one dependent load
 * fewer on every update, measured 0.62 against 1.0 ns per {@code inc()}.) The cost: the binding keeps its thread
 * object reachable, alive or ended, until the next thread takes it.
 */
abstract class Slotted {
    /** Misses in a row on one field after which a thread takes its binding from a thread still alive. */
    static final int TAKE_AFTER = 64;

    private static final VarHandle BOUND_AT;

    static {
        try {
            BOUND_AT = MethodHandles.lookup().findVarHandle(Slotted.class, "boundAt", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long file;   // address of the file's byte 0 (or of the private copy)
    private final Slots slots;
    private final int offset;  // in each slot
    final long shared;         // address of the copy in slot 0
    /** The bound thread (null: none yet); stored before {@link #boundAt}, loaded after it. */
    Thread boundThread;
    @SuppressWarnings("unused") // through BOUND_AT
    private long boundAt = -1;

    Slotted(MmStats.Placement p) {
        this.file = p.address();
        this.slots = p.slots();
        this.offset = p.at();
        this.shared = p.address() + p.slots().sharedBase() + p.at();
    }

    /** The bound thread's copy: load it first, then {@link #boundThread} (the class comment says why). */
    final long boundAt() {
        return (long) BOUND_AT.getAcquire(this);
    }

    /** The address of the calling thread's own copy, or -1 when it uses the shared slot. */
    final long own() {
        long at = boundAt();
        return boundThread == Thread.currentThread() ? at : miss();
    }

    /** {@link #own()} for a thread this field is not bound to; it takes the binding as the class comment says. */
    final long miss() {
        Slots.Lease lease = slots.lease();
        if (lease.base < 0) {
            return -1; // the shared slot: never bound
        }
        long at = file + lease.base + offset;
        int inARow = lease.missed(offset);
        Thread bt = boundThread;
        if (bt == null || bt.getState() == Thread.State.TERMINATED || inARow >= TAKE_AFTER) {
            synchronized (slots) { // takes one at a time: each stores its thread, then its address
                boundThread = Thread.currentThread();
                BOUND_AT.setRelease(this, at);
            }
            lease.tookBinding();
        }
        return at;
    }

    /** The calling thread's binding misses on the fields of this file (a probe for the tests). */
    final long threadMisses() {
        return slots.misses();
    }

    /** The thread this field is bound to, or null (for the tests). */
    final Thread boundTo() {
        return boundThread;
    }
}
