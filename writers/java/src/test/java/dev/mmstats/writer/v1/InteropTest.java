package dev.mmstats.writer.v1;

import dev.mmstats.writer.Paths;
import dev.mmstats.writer.Json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same fields and updates as the 0.8 corpus files without process-specific values
 * (conformance/golden/mmstats-0.8/README.md, "Scenarios"), replayed through this writer: byte-identical files.
 */
class InteropTest {
    @TempDir
    Path dir;

    /** Creates the fields of {@code name}.json in file order, runs {@code updates}, compares with name.mmstats. */
    @SuppressWarnings("unchecked")
    private void same(String name, Consumer<MmstatsFile> updates) throws Exception {
        Path golden = Paths.GOLDEN_08.resolve(name + ".mmstats");
        assertTrue(Files.exists(golden), golden + " is missing");
        Map<String, Object> json = (Map<String, Object>) Json.parse(
                Files.readString(Paths.GOLDEN_08.resolve(name + ".json"), StandardCharsets.UTF_8));
        List<FieldSpec> fields = new ArrayList<>();
        for (Object o : (List<Object>) json.get("fields")) {
            Map<String, Object> f = (Map<String, Object>) o;
            fields.add(new FieldSpec((String) f.get("label"), (String) f.get("type"), (Boolean) f.get("buffered")));
        }
        Path out = dir.resolve(name + ".mmstats");
        try (MmstatsFile file = MmstatsFile.create(out, fields)) {
            updates.accept(file);
        }
        assertArrayEquals(Files.readAllBytes(golden), Files.readAllBytes(out), name);
    }

    private static void times(int n, Runnable r) {
        for (int k = 0; k < n; k++) {
            r.run();
        }
    }

    @Test
    void baseModel() throws Exception {
        same("base-model", f -> {
            f.intSlot("bare.hits").incr(3);
            f.textSlot("bare.name").set("no defaults");
            f.floatSlot("bare.ratio").set(0.75);
        });
    }

    @Test
    void writeBuffer() throws Exception {
        same("write-buffer", f -> {
            f.intSlot("wb.once").set(11);
            for (int v : new int[] {21, 22, 23}) {
                f.intSlot("wb.odd").set(v);
            }
            for (int v : new int[] {31, 32, 33, 34}) {
                f.intSlot("wb.even").set(v);
            }
            times(5, () -> f.intSlot("wb.counter.odd").incr());
            times(6, () -> f.intSlot("wb.counter.even").incr());
        });
    }

    @Test
    void exactPage() throws Exception {
        same("exact-page", f -> {
            f.intSlot("c").incr(7);
            f.textSlot("x").set("X".repeat(4000));
            f.textSlot("y").set("the last field ends exactly at byte 4096");
        });
    }

    @Test
    void wraparound() throws Exception {
        same("wraparound", f -> {
            f.intSlot("wrap.counter").incr(10);
            f.intSlot("wrap.counter").incr(-11);
            f.intSlot("wrap.u32").set(-1);
            f.intSlot("wrap.i16").set(40000);
            f.intSlot("wrap.u16").set(-2);
            f.intSlot("wrap.i8").set(200);
        });
    }

    @Test
    void labels() throws Exception {
        same("labels", f -> {
            List<Slot> s = f.slots(); // the long labels are easier to take by position
            ((IntSlot) s.get(0)).set(1);
            ((IntSlot) s.get(1)).set(2);
            ((BoolSlot) s.get(2)).set(true);
            ((FloatSlot) s.get(3)).set(21.5);
            ((IntSlot) s.get(4)).set(255);
            ((IntSlot) s.get(5)).set(256);
            ((IntSlot) s.get(6)).set(5);
        });
    }

    @Test
    void specialFloats() throws Exception {
        double negativeNan = Double.longBitsToDouble(0xfff8000000000000L); // as CPython 2.7 wrote it
        same("special-floats", f -> {
            f.floatSlot("f32.nan").set(Double.NaN);
            f.floatSlot("f32.inf").set(Double.POSITIVE_INFINITY);
            f.floatSlot("f32.ninf").set(Double.NEGATIVE_INFINITY);
            f.floatSlot("f32.denormal").set(Float.MIN_VALUE);
            f.floatSlot("f64.nan").set(Double.NaN);
            f.floatSlot("f64.negnan").set(negativeNan);
            f.floatSlot("f32.negnan").set(negativeNan);
            f.floatSlot("f64.inf").set(Double.POSITIVE_INFINITY);
            f.floatSlot("f64.ninf").set(Double.NEGATIVE_INFINITY);
            f.floatSlot("f64.negzero").set(-0.0);
            f.floatSlot("f64.max").set(Double.MAX_VALUE);
            f.floatSlot("f64.denormal").set(Double.MIN_VALUE);
            f.floatSlot("f64.static.nan").set(Double.NaN);
            f.floatSlot("f32.static.ninf").set(Double.NEGATIVE_INFINITY);
        });
    }

    @Test
    void stringSizeZero() throws Exception {
        same("string-size-zero", f -> f.intSlot("after").set(99));
    }

    @Test
    void everyFileNamedHereExists() throws IOException {
        assertTrue(Files.isDirectory(Paths.GOLDEN_08), Paths.GOLDEN_08 + " is missing");
        for (String n : List.of("base-model", "write-buffer", "exact-page", "wraparound", "labels", "special-floats",
                "string-size-zero")) {
            assertTrue(Files.exists(Paths.GOLDEN_08.resolve(n + ".mmstats")), n);
        }
    }
}
