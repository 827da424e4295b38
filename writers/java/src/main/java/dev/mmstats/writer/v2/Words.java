package dev.mmstats.writer.v2;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A little-endian view of a byte buffer as 4-byte words, for the header words a writer publishes
 * (state, field_count, slots_used: {@code setRelease}; overflow_count: opaque). The hot paths use {@link Memory}.
 */
final class Words {
    static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private Words() {
    }

    /** {@code n} rounded up to a multiple of {@code to} (a power of two). */
    static long roundUp(long n, int to) {
        return (n + to - 1) & -to;
    }
}
