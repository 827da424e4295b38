import dev.mmstats.reader.DecodedFile;
import dev.mmstats.reader.FileV2;
import dev.mmstats.reader.MmstatsReader;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The one-shot read of N files ({@code MmstatsReader.readAny}: open, read, decode, close) beside a raw
 * read of the same bytes (open, read, close), interleaved round by round.
 *
 * <pre>java -cp target/classes bench/DecodeBench.java PATHLIST ROUNDS</pre>
 *
 * PATHLIST holds one path per line. Prints "raw NS decode NS fields N": the median over the rounds of
 * each pass in nanoseconds per file (the JIT warms up in the first rounds), and the fields decoded per
 * pass. bench/readers.py runs it for the scale table.
 */
public final class DecodeBench {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: DecodeBench PATHLIST ROUNDS");
            System.exit(2);
        }
        List<String> paths = Files.readAllLines(Path.of(args[0])).stream().filter(s -> !s.isEmpty()).toList();
        int rounds = Integer.parseInt(args[1]);
        byte[] buf = new byte[1 << 16];
        double[] raw = new double[rounds], dec = new double[rounds];
        long fields = 0;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (String p : paths) {
                try (RandomAccessFile f = new RandomAccessFile(p, "r")) {
                    f.read(buf);
                }
            }
            long t1 = System.nanoTime();
            fields = 0;
            for (String p : paths) {
                fields += count(MmstatsReader.readAny(Path.of(p), p, MmstatsReader.DEFAULT_MAX_SIZE));
            }
            long t2 = System.nanoTime();
            raw[r] = (double) (t1 - t0) / paths.size();
            dec[r] = (double) (t2 - t1) / paths.size();
        }
        Arrays.sort(raw);
        Arrays.sort(dec);
        System.out.printf("raw %.0f decode %.0f fields %d%n", raw[rounds / 2], dec[rounds / 2], fields);
    }

    private static int count(Object decoded) throws IOException {
        if (decoded instanceof DecodedFile f) {
            return f.fields().size();
        }
        if (decoded instanceof FileV2 f) {
            return f.fields().size();
        }
        throw new IOException("unknown decoded type " + decoded.getClass());
    }
}
