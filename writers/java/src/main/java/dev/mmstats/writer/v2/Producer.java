package dev.mmstats.writer.v2;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** The writer's identity in the header: pid, start_ticks, created_unix_ns (spec: "Producer identity"). */
record Producer(long pid, long startTicks, long createdUnixNs) {

    static Producer current() {
        long pid = ProcessHandle.current().pid();
        Instant now = Instant.now();
        return new Producer(pid, startTicks(Path.of("/proc/self/stat")), now.getEpochSecond() * 1_000_000_000L
                + now.getNano());
    }

    /** Field 22 (starttime) of a /proc/PID/stat file; 0 when there is none or it cannot be parsed. */
    static long startTicks(Path stat) {
        try {
            String s = new String(Files.readAllBytes(stat), StandardCharsets.US_ASCII);
            // field 2 (comm) is in parentheses and may hold spaces and ')': count from the last ')'
            String[] rest = s.substring(s.lastIndexOf(')') + 1).trim().split(" +");
            return Long.parseLong(rest[22 - 3]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
