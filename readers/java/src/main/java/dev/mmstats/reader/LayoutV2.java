package dev.mmstats.reader;

import java.util.List;
import java.util.Map;

/**
 * What the version 2 walk found in one copy of a file: the header (null when the walk stopped before the
 * entries), the layout of every published entry of known kind and value type, and the problems in the
 * order found. Entries never change once published, so a layout stays good for later copies.
 */
public record LayoutV2(Header header, List<Entry> entries, List<Problem> problems, Cursor cursor) {

    /** Where the walk stopped: {@code count} entries parsed, the next one at {@code offset} (spec: a polling reader's cursor). */
    public record Cursor(long count, long offset) {
    }

    public LayoutV2 {
        entries = List.copyOf(entries);
        problems = List.copyOf(problems);
    }

    public boolean valid() {
        return problems.isEmpty();
    }

    /** The header words; u32 fields as non-negative longs, u64 fields as their bits. */
    public record Header(int minor, int headerSize, long state, long pid, long startTicks, long createdUnixNs,
                         long heartbeatUnixNs, long heartbeatIntervalMs, int entryFixedSize, long metaOffset,
                         long metaCapacity, long processOffset, long processCapacity, long slotsOffset,
                         long slotSize, long slotCount, long slotsUsed, long fieldCount, long overflowCount) {

        /** The header of a copy at least {@link FormatV2#HEADER_SIZE} bytes long. */
        static Header of(byte[] d) {
            return new Header(FormatV2.u16(d, FormatV2.H_MINOR), FormatV2.u16(d, FormatV2.H_HEADER_SIZE),
                    FormatV2.u32(d, FormatV2.H_STATE), FormatV2.u64(d, FormatV2.H_PID),
                    FormatV2.u64(d, FormatV2.H_START_TICKS), FormatV2.u64(d, FormatV2.H_CREATED_UNIX_NS),
                    FormatV2.u64(d, FormatV2.H_HEARTBEAT_UNIX_NS), FormatV2.u32(d, FormatV2.H_HEARTBEAT_INTERVAL_MS),
                    FormatV2.u16(d, FormatV2.H_ENTRY_FIXED_SIZE), FormatV2.u32(d, FormatV2.H_META_OFFSET),
                    FormatV2.u32(d, FormatV2.H_META_CAPACITY), FormatV2.u32(d, FormatV2.H_PROCESS_OFFSET),
                    FormatV2.u32(d, FormatV2.H_PROCESS_CAPACITY), FormatV2.u32(d, FormatV2.H_SLOTS_OFFSET),
                    FormatV2.u32(d, FormatV2.H_SLOT_SIZE), FormatV2.u32(d, FormatV2.H_SLOT_COUNT),
                    FormatV2.u32(d, FormatV2.H_SLOTS_USED), FormatV2.u32(d, FormatV2.H_FIELD_COUNT),
                    FormatV2.u32(d, FormatV2.H_OVERFLOW_COUNT));
        }

        public String stateName() {
            return FormatV2.STATES.get((int) state);
        }
    }

    /**
     * One field: its metadata, and where its value is. {@code at} is the absolute offset of the copy in the
     * process area, or of slot 0's copy; slot k's copy is {@code stride} bytes after slot k - 1's (0: one copy).
     */
    public record Entry(String label, FormatV2.Kind kind, FormatV2.ValueType type, String unit, String help,
                        Map<String, String> attributes, long at, long stride, long size, double[] bounds) {

        /** A value behind a sequence lock (a string or a histogram). */
        public boolean sequenced() {
            return kind == FormatV2.Kind.HISTOGRAM || type == FormatV2.ValueType.UTF8;
        }
    }
}
