package dev.mmstats.reader;

/** The error vocabulary of spec/v1.md, "Error codes": every implementation reports these names. */
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
    FILE_TOO_LARGE("file_too_large");

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
