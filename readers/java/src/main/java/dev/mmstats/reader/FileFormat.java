package dev.mmstats.reader;

import java.util.List;

/**
 * Everything that depends on the version byte. A reader picks the implementation by that byte
 * ({@link #forVersion}): {@link FormatV1}, {@link FormatV2}.
 */
public interface FileFormat {

    /** The version byte of a ready file of this format. */
    int version();

    /**
     * Walks the records from after the header, appending every layout that could be followed and every
     * problem found (in the order found; the caller sorts, unless {@link #walkOrdersProblems}).
     */
    void walk(byte[] data, List<FieldLayout> fields, List<Problem> problems);

    /**
     * Whether {@link #walk} reports every problem itself in its version's walk order, the file-size rule
     * included (version 2): the caller then neither adds the size rule nor sorts by offset.
     */
    default boolean walkOrdersProblems() {
        return false;
    }

    /** Whether {@code writeBuffer} is a byte this format allows for a record of this layout. */
    boolean isValidWriteBuffer(FieldLayout field, int writeBuffer);

    /** The offset of the value a reader reads when the record's write-buffer byte is {@code writeBuffer}. */
    int readOffset(FieldLayout field, int writeBuffer);

    /** Decodes one value of {@code type} starting at {@code offset}. */
    Value decode(byte[] data, int offset, TypeSpec type);

    /** The format of a version byte, or null when no format has that byte (0 is "not ready", not a format). */
    static FileFormat forVersion(int versionByte) {
        return switch (versionByte) {
            case FormatV1.VERSION -> FormatV1.INSTANCE;
            case FormatV2.VERSION -> FormatV2.INSTANCE;
            default -> null;
        };
    }
}
