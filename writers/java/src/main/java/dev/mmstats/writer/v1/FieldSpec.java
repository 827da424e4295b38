package dev.mmstats.writer.v1;

import dev.mmstats.reader.FormatV1;
import dev.mmstats.reader.TypeSpec;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One field to create: its label, its type (a row of the reader's version 1 type table) and whether it is
 * buffered. The layout of a file never changes after creation, so these are decided up front.
 */
public record FieldSpec(String label, TypeSpec type, boolean buffered) {

    /** label_size is a u16, and 0 means the terminator. */
    public static final int MAX_LABEL_BYTES = 65535;

    public FieldSpec {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(type, "type");
        int n = encodeLabel(label).length;
        if (n == 0 || n > MAX_LABEL_BYTES) {
            throw new IllegalArgumentException("label '" + label + "' is " + n + " bytes of UTF-8; allowed: 1 to "
                    + MAX_LABEL_BYTES);
        }
    }

    public FieldSpec(String label, String type, boolean buffered) {
        this(label, typeOf(type), buffered);
    }

    /** The type of a signature (spec/v1.md, "Type signatures"); IllegalArgumentException when not in the table. */
    public static TypeSpec typeOf(String signature) {
        TypeSpec t = FormatV1.lookup(signature);
        if (t == null) {
            throw new IllegalArgumentException("type signature '" + signature + "' is not in the type table "
                    + "(b B h H i I q Q f d ? <N>s)");
        }
        return t;
    }

    /** The label's UTF-8 bytes; a string with an unpaired surrogate has no UTF-8 form and is refused. */
    static byte[] encodeLabel(String label) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(label));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("label has no UTF-8 form (an unpaired surrogate): " + e.getMessage(), e);
        }
    }
}
