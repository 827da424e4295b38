// TortureReader MODE PATH SECONDS -- reads a torture-writer file continuously with the Java reader
// (readers/java) and counts torn values. MODE: statsreader (dev.mmstats.reader.StatsReader: layout
// once, write-buffer re-check) or read (MmstatsReader.read: whole file, re-check). Prints one JSON
// object like torture/py_reader.py; the checks are torture/check.py's.
//
// TortureReader v2 MODE PATH SECONDS -- format version 2 (TortureReaderV2).
//
// TortureReader twice PATH -- reads PATH with one StatsReader, prints its labels as JSON, waits for a
// line on stdin, reads again and prints the labels (or {"error": CODE}) -- for the in-place rewrite test.

import dev.mmstats.reader.FieldLayout;
import dev.mmstats.reader.FormatException;
import dev.mmstats.reader.MmstatsReader;
import dev.mmstats.reader.Printable;
import dev.mmstats.reader.StatsReader;
import dev.mmstats.reader.Value;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public final class TortureReader {
    private record Item(String label, String type, boolean buffered, Value value) {
    }

    /** Is v a value torture-writer stored (or the initial zero)? */
    static boolean fits(String type, Value v) {
        switch (type) {
            case "Q": {
                long u = ((Value.UInt) v).bits();
                return (u >>> 32) == (u & 0xffffffffL);
            }
            case "I": {
                long u = ((Value.UInt) v).bits();
                return (u >>> 16) == (u & 0xffffL);
            }
            case "H": {
                long u = ((Value.UInt) v).bits();
                return (u >>> 8) == (u & 0xffL);
            }
            case "d": {
                long b = Double.doubleToRawLongBits(((Value.Float) v).value());
                return b == 0 || ((b >>> 52) == 0x3ff && ((b >>> 32) & 0xfffffL) == (b & 0xfffffL) && ((b >>> 20) & 0xfffL) == 0);
            }
            case "f": {
                long b = Float.floatToRawIntBits((float) ((Value.Float) v).value()) & 0xffffffffL;
                return b == 0 || ((b >>> 23) == 0x7f && ((b >>> 12) & 0x7ffL) == (b & 0x7ffL) && ((b >>> 11) & 1) == 0);
            }
            case "16s": {
                String s = ((Value.Text) v).value();
                if (s.isEmpty()) {
                    return true;
                }
                if (s.length() != 16 || !s.substring(0, 8).equals(s.substring(8))) {
                    return false;
                }
                for (char c : s.toCharArray()) {
                    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                        return false;
                    }
                }
                return true;
            }
            default:
                return false;
        }
    }

    static String json(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    static String labels(List<FieldLayout> fields) {
        List<String> parts = new ArrayList<>();
        for (FieldLayout f : fields) {
            parts.add(json(f.label()));
        }
        return "{\"labels\": [" + String.join(", ", parts) + "]}";
    }

    static void twice(Path path) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (StatsReader reader = new StatsReader(path)) {
            for (int round = 0; round < 2; round++) {
                if (round == 1 && in.readLine() == null) {
                    return;
                }
                try {
                    reader.read();
                    System.out.println(labels(reader.layout().fields()));
                } catch (FormatException e) {
                    System.out.println("{\"error\": " + json(e.problem().code().code()) + "}");
                }
                System.out.flush();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("twice")) {
            twice(Path.of(args[1]));
            return;
        }
        if (args.length == 4 && args[0].equals("v2")) {
            TortureReaderV2.run(java.util.Arrays.copyOfRange(args, 1, 4));
            return;
        }
        if (args.length != 3) {
            System.err.println("usage: TortureReader statsreader|read PATH SECONDS | v2 statsreader|mapped|read PATH SECONDS");
            System.exit(2);
        }
        String mode = args[0];
        Path path = Path.of(args[1]);
        double seconds = Double.parseDouble(args[2]);
        long reads = 0, values = 0, tornBuffered = 0, tornUnbuffered = 0;
        Map<String, Long> errors = new TreeMap<>();
        Map<String, Long> tornFields = new TreeMap<>();
        String example = null;
        List<Item> items = new ArrayList<>();
        StatsReader reader = new StatsReader(path);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            items.clear();
            try {
                if (mode.equals("statsreader")) {
                    List<Value> vals = reader.read();
                    List<FieldLayout> fields = reader.layout().fields();
                    for (int i = 0; i < vals.size(); i++) {
                        FieldLayout f = fields.get(i);
                        items.add(new Item(f.label(), f.type().signature(), f.buffered(), vals.get(i)));
                    }
                } else if (mode.equals("read")) {
                    for (var f : MmstatsReader.read(path).fields()) {
                        items.add(new Item(f.label(), f.type(), f.buffered(), f.value()));
                    }
                } else {
                    System.err.println("unknown mode " + Printable.escape(mode));
                    System.exit(2);
                }
            } catch (FormatException e) {
                errors.merge(e.problem().code().code(), 1L, Long::sum);
                continue;
            } catch (IOException e) {
                errors.merge("io", 1L, Long::sum);
                continue;
            }
            reads++;
            for (Item it : items) {
                if (it.label().equals("sys.pid")) {
                    continue;
                }
                values++;
                if (!fits(it.type(), it.value())) {
                    tornFields.merge(it.label().replaceAll("-+$", ""), 1L, Long::sum);
                    if (it.buffered()) {
                        tornBuffered++;
                        if (example == null) {
                            example = it.label() + ": " + it.value();
                        }
                    } else {
                        tornUnbuffered++;
                    }
                }
            }
        }
        reader.close();
        List<String> errs = new ArrayList<>();
        errors.forEach((k, v) -> errs.add(json(k) + ": " + v));
        List<String> torn = new ArrayList<>();
        tornFields.forEach((k, v) -> torn.add(json(k) + ": " + v));
        System.out.println("{\"reader\": \"java-" + mode + "\", \"reads\": " + reads + ", \"values\": " + values
                + ", \"torn_buffered\": " + tornBuffered + ", \"torn_unbuffered\": " + tornUnbuffered
                + ", \"retries\": null, \"errors\": {" + String.join(", ", errs) + "}, \"example\": "
                + (example == null ? "null" : json(example)) + ", \"torn_fields\": {" + String.join(", ", torn)
                + "}, \"seconds\": " + seconds + "}");
    }
}
