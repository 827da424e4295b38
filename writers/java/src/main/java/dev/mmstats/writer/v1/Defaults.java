package dev.mmstats.writer.v1;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The spec's default fields ("Default fields") and default file name ("Directory and file names"), for a
 * Java writer on Linux. Tools such as cleanstats find a file's writer through {@code sys.pid}.
 */
public final class Defaults {
    /** This runtime's version, under the reverse-DNS name of its project (the spec asks each language for its own). */
    public static final String RUNTIME_LABEL = "org.openjdk.version";
    public static final String TEMPLATE = "{CMD}-{PID}-{TID}.mmstats";

    private Defaults() {
    }

    /** The six default fields, all unbuffered, each label after {@code prefix} (e.g. "web.stats."). */
    public static List<FieldSpec> fields(String prefix) {
        return List.of(new FieldSpec(prefix + "sys.pid", "I", false),
                new FieldSpec(prefix + "sys.tid", "q", false),
                new FieldSpec(prefix + "sys.uid", "Q", false),
                new FieldSpec(prefix + "sys.gid", "Q", false),
                new FieldSpec(prefix + RUNTIME_LABEL, "256s", false),
                new FieldSpec(prefix + "sys.created", "d", false));
    }

    /**
     * Stores the default values; pass as the initializer of {@link MmstatsFile#create(Path, List, java.util.Set,
     * java.util.function.Consumer)} so they are in the file before it is published.
     */
    public static void fill(MmstatsFile f, String prefix) {
        f.intSlot(prefix + "sys.pid").set(ProcessHandle.current().pid());
        f.intSlot(prefix + "sys.tid").set(threadId());
        f.intSlot(prefix + "sys.uid").set(owner("unix:uid"));
        f.intSlot(prefix + "sys.gid").set(owner("unix:gid"));
        f.textSlot(prefix + RUNTIME_LABEL).set(System.getProperty("java.runtime.version", Runtime.version().toString()));
        f.floatSlot(prefix + "sys.created").set(System.currentTimeMillis() / 1000.0);
    }

    /** The operating system's id of the calling thread (Linux: /proc/thread-self), or 0 when unknown. */
    public static long threadId() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString(); // "PID/task/TID"
            return Long.parseLong(link.substring(link.lastIndexOf('/') + 1));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long owner(String attribute) {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), attribute)).longValue();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * The default path of the calling thread's file: directory MMSTATS_PATH (else java.io.tmpdir), name from
     * the template MMSTATS_FILES (else {@value #TEMPLATE}) with {CMD}, {PID} and {TID} filled in.
     */
    public static Path path(String cmd) {
        return path(cmd, System.getenv());
    }

    static Path path(String cmd, Map<String, String> env) {
        String dir = env.getOrDefault("MMSTATS_PATH", "");
        String template = env.getOrDefault("MMSTATS_FILES", "");
        String name = (template.isEmpty() ? TEMPLATE : template)
                .replace("{CMD}", cmd.isEmpty() ? "java" : cmd)
                .replace("{PID}", Long.toString(ProcessHandle.current().pid()))
                .replace("{TID}", Long.toString(threadId()));
        return Path.of(dir.isEmpty() ? System.getProperty("java.io.tmpdir") : dir).resolve(name);
    }
}
