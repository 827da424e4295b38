package dev.mmstats.writer.v2;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Little-endian views of a byte buffer as 8- and 4-byte words. Every access is one load or store of an
 * aligned word (spec: "Numbers"): opaque for relaxed, {@code setRelease} to publish, {@code getAndAdd} and
 * compare-and-set for the shared copies.
 */
final class Words {
    static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private Words() {
    }

    /** {@code n} rounded up to a multiple of {@code to} (a power of two). */
    static long roundUp(long n, int to) {
        return (n + to - 1) & -to;
    }
}
