package dev.mmstats.reader;

/** The error vocabulary of spec/v1.md and spec/v2.md, "Error codes": every implementation reports these names. */
public enum ErrorCode {
    NOT_READY("not_ready"),
    BAD_VERSION("bad_version"),
    TRUNCATED_RECORD("truncated_record"),
    PAST_EOF("past_eof"),
    BAD_LABEL_UTF8("bad_label_utf8"),
    UNKNOWN_TYPE("unknown_type"),
    BAD_WRITE_BUFFER("bad_write_buffer"),
    TRAILING_GARBAGE("trailing_garbage"),
    BAD_FILE_SIZE("bad_file_size"),
    FILE_TOO_LARGE("file_too_large"),
    // version 2 only
    BAD_HEADER_SIZE("bad_header_size"),
    BAD_STATE("bad_state"),
    BAD_REGION("bad_region"),
    BAD_COUNT("bad_count"),
    BAD_ENTRY_SIZE("bad_entry_size"),
    BAD_LENGTHS("bad_lengths"),
    BAD_NAME("bad_name"),
    BAD_UTF8("bad_utf8"),
    BAD_UNIT("bad_unit"),
    BAD_ATTRIBUTES("bad_attributes"),
    BAD_VALUE_TYPE("bad_value_type"),
    BAD_VALUE_OFFSET("bad_value_offset"),
    BAD_VALUE_SIZE("bad_value_size"),
    BAD_HISTOGRAM("bad_histogram"),
    BAD_STRING_LENGTH("bad_string_length");

    private final String code;

    ErrorCode(String code) {
        this.code = code;
    }

    /** The snake_case name used on stderr and in the conformance manifest. */
    public String code() {
        return code;
    }

    @Override
    public String toString() {
        return code;
    }
}
