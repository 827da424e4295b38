package dev.mmstats.writer.v1;

import dev.mmstats.reader.TypeSpec;
import java.math.BigInteger;
import java.nio.ByteBuffer;

/** An integer field (b B h H i I q Q). Values are stored modulo 2^bits, so counters wrap silently. */
public final class IntSlot extends Slot {
    private final int shift;      // 64 - bits: wraps a long to the field's width
    private final boolean signed;
    private long value;           // the writer's copy, wrapped, sign- or zero-extended

    IntSlot(ByteBuffer map, Layout.Placed placed) {
        super(map, placed);
        this.shift = 64 - 8 * size;
        this.signed = placed.spec().type().kind() == TypeSpec.Kind.SIGNED_INT;
    }

    /** Adds one. */
    public void incr() {
        set(value + 1);
    }

    /** Adds {@code n} (which may be negative), wrapping. The hot path: one store and, if buffered, one flip. */
    public void incr(long n) {
        set(value + n);
    }

    public void decr(long n) {
        set(value - n);
    }

    /** Stores {@code v} modulo 2^bits: -1 into Q is 18446744073709551615, 40000 into h is -25536. */
    public void set(long v) {
        long w = signed ? v << shift >> shift : v << shift >>> shift;
        putBits(beginStore(), w);
        endStore();
        value = w;
    }

    /** Stores any integer modulo 2^bits. */
    public void set(BigInteger v) {
        set(v.longValue()); // the low 64 bits: the same residue modulo 2^bits for every width here
    }

    /** The current value: signed types as signed, unsigned ones as unsigned bits (see {@link #getExact()}). */
    public long get() {
        return value;
    }

    /** The current value as an exact integer (a Q above 2^63 - 1 is positive here). */
    public BigInteger getExact() {
        return signed || value >= 0 ? BigInteger.valueOf(value)
                : new BigInteger(Long.toUnsignedString(value));
    }
}
