package dev.mmstats.writer.v2;

import dev.mmstats.reader.FormatV2;
import dev.mmstats.reader.FormatV2.Kind;
import dev.mmstats.reader.FormatV2.ValueType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The bytes of one metadata entry (spec: "Metadata entries"), checked: a name of 1 to 65535 bytes, a unit of
 * at most 63 printable ASCII bytes, help and attributes that fit their u16 sizes, all text well-formed UTF-8.
 * The value's offset is filled in when the field is placed.
 */
final class Entry {
    private static final int U16_MAX = 0xffff;

    final Kind kind;
    final ValueType type;
    final int valueSize;
    private final byte[] bytes;

    private Entry(Kind kind, ValueType type, int valueSize, byte[] bytes) {
        this.kind = kind;
        this.type = type;
        this.valueSize = valueSize;
        this.bytes = bytes;
    }

    /** @throws IllegalArgumentException naming the field and what is wrong */
    static Entry of(Kind kind, ValueType type, String name, String unit, String help, Map<String, String> attributes,
                    double[] bounds, long valueSize) {
        byte[] n = utf8(name, name, "name");
        if (n.length == 0 || n.length > U16_MAX) {
            throw new IllegalArgumentException("field name '" + name + "': want 1 to " + U16_MAX + " bytes of UTF-8");
        }
        byte[] u = utf8(unit, name, "unit");
        if (u.length > FormatV2.UNIT_MAX) {
            throw new IllegalArgumentException(name + ": unit '" + unit + "' is longer than " + FormatV2.UNIT_MAX
                    + " bytes");
        }
        for (byte b : u) {
            if (b < 0x21 || b > 0x7e) {
                throw new IllegalArgumentException(name + ": unit '" + unit + "' holds a byte outside 0x21 to 0x7e "
                        + "(UCUM units are printable ASCII without spaces)");
            }
        }
        byte[] h = utf8(help, name, "help");
        if (h.length > U16_MAX) {
            throw new IllegalArgumentException(name + ": help is longer than " + U16_MAX + " bytes");
        }
        byte[] a = attributes(name, attributes);
        if (!kind.allows(type)) {
            throw new IllegalArgumentException(name + ": a " + kind.jsonName() + " cannot hold " + type.jsonName());
        }
        long strings = (long) n.length + u.length + h.length + a.length;
        long padded = Words.roundUp(FormatV2.ENTRY_FIXED_SIZE + strings, FormatV2.ALIGN);
        long size = padded + (long) FormatV2.WORD * bounds.length;
        if (size > Integer.MAX_VALUE || valueSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": the entry or its value is too large for a file");
        }
        ByteBuffer e = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        e.putInt(FormatV2.E_ENTRY_SIZE, (int) size);
        e.put(FormatV2.E_KIND, (byte) kind.code());
        e.put(FormatV2.E_VALUE_TYPE, (byte) type.code());
        e.putInt(FormatV2.E_VALUE_SIZE, (int) valueSize);
        e.putShort(FormatV2.E_NAME_SIZE, (short) n.length);
        e.putShort(FormatV2.E_UNIT_SIZE, (short) u.length);
        e.putShort(FormatV2.E_HELP_SIZE, (short) h.length);
        e.putShort(FormatV2.E_ATTRIBUTES_SIZE, (short) a.length);
        e.putInt(FormatV2.E_EXTRA_SIZE, FormatV2.WORD * bounds.length);
        e.position(FormatV2.ENTRY_FIXED_SIZE);
        e.put(n).put(u).put(h).put(a);
        e.position((int) padded);
        for (double b : bounds) {
            e.putDouble(b);
        }
        return new Entry(kind, type, (int) valueSize, e.array());
    }

    int size() {
        return bytes.length;
    }

    /** The entry's bytes with its value at {@code valueOffset} (of its area). */
    byte[] bytes(int valueOffset) {
        byte[] out = bytes.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(FormatV2.E_VALUE_OFFSET, valueOffset);
        return out;
    }

    private static byte[] attributes(String field, Map<String, String> attributes) {
        ByteBuffer out = ByteBuffer.allocate(U16_MAX).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, String> kv : attributes.entrySet()) {
            byte[] k = utf8(kv.getKey(), field, "attribute key");
            byte[] v = utf8(kv.getValue(), field, "attribute value");
            if (k.length == 0) {
                throw new IllegalArgumentException(field + ": an attribute key is empty");
            }
            if (k.length > U16_MAX || v.length > U16_MAX
                    || out.remaining() < 2 * FormatV2.ATTR_SIZE_SIZE + k.length + v.length) {
                throw new IllegalArgumentException(field + ": the attributes need more than " + U16_MAX + " bytes");
            }
            out.putShort((short) k.length).put(k).putShort((short) v.length).put(v);
        }
        byte[] a = new byte[out.position()];
        out.flip().get(a);
        return a;
    }

    /** Strict UTF-8: a string with an unpaired surrogate has no UTF-8 form and is refused. */
    static byte[] utf8(String s, String field, String what) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(s));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(field + ": the " + what + " holds an unpaired surrogate, which has no "
                    + "UTF-8 form");
        }
    }
}
