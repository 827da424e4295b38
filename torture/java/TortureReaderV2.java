// TortureReaderV2 MODE PATH SECONDS -- reads a torture-writer-v2 file continuously with readers/java and
// checks every value as torture/check_v2.py does. MODE: statsreader (StatsReaderV2: entries parsed once,
// values polled), mapped (MappedStatsReaderV2: the same through a mapping) or read (MmstatsReader.readAny:
// the whole file each time). Prints one JSON object like
// torture/py_reader_v2.py. Reached as "TortureReader v2 MODE PATH SECONDS".

import dev.mmstats.reader.FieldV2;
import dev.mmstats.reader.FileV2;
import dev.mmstats.reader.FormatException;
import dev.mmstats.reader.FormatV2;
import dev.mmstats.reader.LayoutV2;
import dev.mmstats.reader.MappedStatsReaderV2;
import dev.mmstats.reader.MmstatsReader;
import dev.mmstats.reader.StatsReaderV2;
import dev.mmstats.reader.Value;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

final class TortureReaderV2 {
    static final long K = (1L << 32) + 1;
    static final long MAX_WRAPS = 1024;
    static final long MAX_UPDOWN = 64;

    private final Map<String, Long> last = new HashMap<>();
    private final Map<String, Long> checked = new LinkedHashMap<>();
    private final Map<String, Long> tornFields = new TreeMap<>();
    private long values, torn, nulls;
    private String example;

    TortureReaderV2() {
        for (String k : new String[] {"counter", "updown_counter", "gauge", "string", "histogram"}) {
            checked.put(k, 0L);
        }
    }

    static boolean fitsString(String s) {
        if (s.isEmpty()) {
            return true;
        }
        int slash = s.indexOf('/');
        String digits = slash < 0 ? s : s.substring(0, slash);
        if (digits.isEmpty() || digits.length() > 20 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        long k;
        try {
            k = Long.parseUnsignedLong(digits);
        } catch (NumberFormatException e) {
            return false; // beyond 64 bits: never written
        }
        return s.equals((digits + "/").repeat((int) (1 + Long.remainderUnsigned(k, 7))));
    }

    private boolean monotone(String label, long n) {
        Long before = last.put(label, n);
        return before == null || Long.compareUnsigned(n, before) >= 0;
    }

    private boolean fits(LayoutV2.Entry e, Value v) {
        FormatV2.Kind kind = e.kind();
        FormatV2.ValueType type = e.type();
        if (kind == FormatV2.Kind.COUNTER && type == FormatV2.ValueType.U64 && v instanceof Value.UInt u) {
            long bits = u.bits();
            long wraps = ((bits >>> 32) - (bits & 0xffffffffL)) & 0xffffffffL;
            return wraps < MAX_WRAPS && monotone(e.label(), wraps << 32 | bits & 0xffffffffL);
        }
        if (kind == FormatV2.Kind.UPDOWN_COUNTER && type == FormatV2.ValueType.I64 && v instanceof Value.Int i) {
            return i.value() % K == 0 && Math.abs(i.value() / K) <= MAX_UPDOWN;
        }
        if (kind == FormatV2.Kind.GAUGE && type == FormatV2.ValueType.U64 && v instanceof Value.UInt u) {
            return (u.bits() >>> 32) == (u.bits() & 0xffffffffL);
        }
        if (kind == FormatV2.Kind.GAUGE && type == FormatV2.ValueType.F64 && v instanceof Value.Float f) {
            long b = Double.doubleToRawLongBits(f.value());
            return b == 0
                    || ((b >>> 52) == 0x3ff && ((b >>> 32) & 0xfffffL) == (b & 0xfffffL) && ((b >>> 20) & 0xfffL) == 0);
        }
        if (kind == FormatV2.Kind.STRING && v instanceof Value.Text t) {
            return fitsString(t.value());
        }
        if (kind == FormatV2.Kind.HISTOGRAM && v instanceof Value.Histogram h) {
            List<Value.Bucket> cum = h.buckets();
            if (cum.size() != 4) {
                return false;
            }
            long[] b = new long[4]; // per bucket, from the cumulative counts
            for (int i = 0; i < 4; i++) {
                b[i] = cum.get(i).count() - (i > 0 ? cum.get(i - 1).count() : 0);
            }
            if (b[3] != 0 || h.sum() != 0.5 * b[0] + 2.0 * b[1] + 3.0 * b[2]) {
                return false;
            }
            return monotone(e.label(), h.count());
        }
        return false;
    }

    void check(FieldV2 f) {
        String kind = f.entry().kind().jsonName();
        if (!checked.containsKey(kind)) {
            return;
        }
        if (f.value() == null) {
            nulls++;
            return;
        }
        checked.merge(kind, 1L, Long::sum);
        values++;
        if (!fits(f.entry(), f.value())) {
            torn++;
            tornFields.merge(f.entry().label(), 1L, Long::sum);
            if (example == null) {
                example = f.entry().label() + ": " + f.value();
            }
        }
    }

    private static String map(Map<String, Long> m) {
        List<String> items = new ArrayList<>();
        m.forEach((k, v) -> items.add(TortureReader.json(k) + ": " + v));
        return "{" + String.join(", ", items) + "}";
    }

    static void run(String[] args) throws IOException {
        String mode = args[0];
        Path path = Path.of(args[1]);
        double seconds = Double.parseDouble(args[2]);
        TortureReaderV2 c = new TortureReaderV2();
        Map<String, Long> errors = new TreeMap<>();
        long reads = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        try (StatsReaderV2 poller = new StatsReaderV2(path);
             MappedStatsReaderV2 mapped = new MappedStatsReaderV2(path)) {
            while (System.nanoTime() < end) {
                FileV2 file;
                try {
                    if (mode.equals("statsreader")) {
                        file = poller.read();
                    } else if (mode.equals("mapped")) {
                        file = mapped.read();
                    } else if (mode.equals("read")) {
                        file = (FileV2) MmstatsReader.readAny(path, path.toString(), MmstatsReader.DEFAULT_MAX_SIZE);
                    } else {
                        System.err.println("unknown mode " + mode);
                        System.exit(2);
                        return;
                    }
                } catch (FormatException e) {
                    errors.merge(e.problem().code().code(), 1L, Long::sum);
                    continue;
                } catch (IOException | ClassCastException e) {
                    errors.merge("io", 1L, Long::sum);
                    continue;
                }
                reads++;
                for (FieldV2 f : file.fields()) {
                    c.check(f);
                }
            }
        }
        System.out.println("{\"reader\": \"java-" + mode + "\", \"reads\": " + reads + ", \"values\": " + c.values
                + ", \"checked\": " + map(c.checked) + ", \"torn\": " + c.torn + ", \"nulls\": " + c.nulls
                + ", \"errors\": " + map(errors) + ", \"example\": "
                + (c.example == null ? "null" : TortureReader.json(c.example)) + ", \"torn_fields\": "
                + map(c.tornFields) + ", \"seconds\": " + seconds + "}");
    }
}
