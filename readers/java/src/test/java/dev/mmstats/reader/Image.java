package dev.mmstats.reader;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Test files written out by hand: hex dumps in the spec's notation and records built field by field. */
final class Image {
    private Image() {
    }

    /** Bytes of a dump like {@code "01 fc 0f 61*4092"}: hex bytes, {@code HH*COUNT} repeats one. */
    static byte[] hex(String dump) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String tok : dump.trim().split("\\s+")) {
            if (tok.isEmpty()) {
                continue;
            }
            int star = tok.indexOf('*');
            int b = Integer.parseInt(star < 0 ? tok : tok.substring(0, star), 16);
            int n = star < 0 ? 1 : Integer.parseInt(tok.substring(star + 1));
            for (int k = 0; k < n; k++) {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    /** {@code prefix}, then zeros up to {@code size} bytes. */
    static byte[] padded(byte[] prefix, int size) {
        return Arrays.copyOf(prefix, size);
    }

    /** A dump zero-filled to the next multiple of 4096 (at least 4096). */
    static byte[] page(String dump) {
        byte[] b = hex(dump);
        return padded(b, Math.max(4096, (b.length + 4095) / 4096 * 4096));
    }

    /** One record: label_size, label, type_size, type, write_buffer, value bytes. */
    static byte[] record(String label, String type, int writeBuffer, byte[] values) {
        byte[] l = label.getBytes(StandardCharsets.UTF_8);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(l.length & 0xff);
        out.write(l.length >> 8);
        out.writeBytes(l);
        out.write(t.length & 0xff);
        out.write(t.length >> 8);
        out.writeBytes(t);
        out.write(writeBuffer);
        out.writeBytes(values);
        return out.toByteArray();
    }

    /** Version byte 01, the records, zero fill to a page multiple. */
    static byte[] file(byte[]... records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(1);
        for (byte[] r : records) {
            out.writeBytes(r);
        }
        byte[] b = out.toByteArray();
        return padded(b, Math.max(4096, (b.length + 4095) / 4096 * 4096));
    }
}
