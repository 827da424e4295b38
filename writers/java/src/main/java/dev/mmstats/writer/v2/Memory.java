package dev.mmstats.writer.v2;

import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The hot paths' access to the mapping: aligned 8-byte loads and stores at raw addresses (sun.misc.Unsafe,
 * module jdk.unsupported). In Java 17 a VarHandle view of a direct ByteBuffer costs about 10 ns for an opaque
 * load and store (session and bounds checks on every access); these cost what a field access costs.
 *
 * <p>Safety: every address is computed from a buffer {@link #address registered} here, and registered buffers
 * are never released (Java cannot unmap a file anyway before its buffer is garbage-collected), so no address
 * ever points at unmapped memory. Offsets are checked against the file's layout when a field is placed.
 */
final class Memory {
    private static final sun.misc.Unsafe UNSAFE;
    private static final long ADDRESS;
    private static final List<ByteBuffer> KEPT = new ArrayList<>(); // mappings stay mapped while the JVM runs

    static {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            UNSAFE = (sun.misc.Unsafe) f.get(null);
            ADDRESS = UNSAFE.objectFieldOffset(Buffer.class.getDeclaredField("address"));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Memory() {
    }

    /** The address of byte 0 of a direct buffer, which is kept mapped from now on. */
    static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        synchronized (KEPT) {
            KEPT.add(direct);
        }
        return UNSAFE.getLong(direct, ADDRESS);
    }

    /** A plain 8-byte load: for a copy only the calling thread writes, or under a sequence it holds. */
    static long load(long at) {
        return UNSAFE.getLong(at);
    }

    /** An 8-byte load the compiler may not cache or reorder with later ones (acquire). */
    static long loadAcquire(long at) {
        return UNSAFE.getLongVolatile(null, at);
    }

    /** A release store: single-copy atomic, after every earlier store; one plain store on x86-64. */
    static void storeRelease(long at, long value) {
        UNSAFE.putOrderedLong(null, at, value);
    }

    static void getAndAdd(long at, long n) {
        UNSAFE.getAndAddLong(null, at, n);
    }

    static boolean compareAndSet(long at, long expected, long value) {
        return UNSAFE.compareAndSwapLong(null, at, expected, value);
    }

    static void storeReleaseInt(long at, int value) {
        UNSAFE.putOrderedInt(null, at, value);
    }

    static void copy(byte[] src, long at) {
        UNSAFE.copyMemory(src, sun.misc.Unsafe.ARRAY_BYTE_BASE_OFFSET, null, at, src.length);
    }
}
