package dev.mmstats.reader;

/** A file does not follow the format; the message is the protocol line naming file, offset and code. */
public final class FormatException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Problem problem;
    private final String path;

    public FormatException(String path, Problem problem) {
        super(problem.describe(path));
        this.path = path;
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    public ErrorCode code() {
        return problem.code();
    }

    public long offset() {
        return problem.offset();
    }

    public String path() {
        return path;
    }
}
