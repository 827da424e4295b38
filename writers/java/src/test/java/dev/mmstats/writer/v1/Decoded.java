package dev.mmstats.writer.v1;

import dev.mmstats.writer.Json;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A test-only reading of a valid file, written from the spec independently of the writer: the record
 * walk and each value at value[wb ^ 1], compared with a scenario's "expect" by value.
 */
final class Decoded {
    record Field(String label, String type, boolean buffered, Object value) {
    }

    private Decoded() {
    }

    static List<Field> fields(byte[] file) {
        if (file.length == 0 || file[0] != 1 || file.length % 4096 != 0) {
            throw new AssertionError("not a ready, page-sized file");
        }
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Field> out = new ArrayList<>();
        int pos = 1;
        while (file.length - pos >= 2) {
            int labelSize = b.getShort(pos) & 0xffff;
            if (labelSize == 0) {
                for (int k = pos; k < file.length; k++) {
                    if (file[k] != 0) {
                        throw new AssertionError("non-zero byte in the zero fill at " + k);
                    }
                }
                break;
            }
            String label = new String(file, pos + 2, labelSize, StandardCharsets.UTF_8);
            int ts = pos + 2 + labelSize;
            int typeSize = b.getShort(ts) & 0xffff;
            String type = new String(file, ts + 2, typeSize, StandardCharsets.US_ASCII);
            int wbAt = ts + 2 + typeSize;
            int wb = file[wbAt] & 0xff;
            int size = size(type);
            boolean buffered = wb != 0xff;
            int at = wbAt + 1 + (buffered ? (wb ^ 1) * size : 0);
            out.add(new Field(label, type, buffered, value(b, at, type, size)));
            pos = wbAt + 1 + (buffered ? 2 : 1) * size;
        }
        return out;
    }

    static int size(String type) {
        return switch (type) {
            case "b", "B", "?" -> 1;
            case "h", "H" -> 2;
            case "i", "I", "f" -> 4;
            case "q", "Q", "d" -> 8;
            default -> Integer.parseInt(type.substring(0, type.length() - 1));
        };
    }

    private static Object value(ByteBuffer b, int at, String type, int size) {
        switch (type) {
            case "b": return BigInteger.valueOf(b.get(at));
            case "B": return BigInteger.valueOf(b.get(at) & 0xff);
            case "h": return BigInteger.valueOf(b.getShort(at));
            case "H": return BigInteger.valueOf(b.getShort(at) & 0xffff);
            case "i": return BigInteger.valueOf(b.getInt(at));
            case "I": return BigInteger.valueOf(b.getInt(at) & 0xffffffffL);
            case "q": return BigInteger.valueOf(b.getLong(at));
            case "Q": return new BigInteger(Long.toUnsignedString(b.getLong(at)));
            case "f": return (double) b.getFloat(at);
            case "d": return b.getDouble(at);
            case "?": return b.get(at) != 0;
            default:
                int n = 0;
                while (n < size && b.get(at + n) != 0) {
                    n++;
                }
                return new String(b.array(), at, n, StandardCharsets.UTF_8); // valid UTF-8 from this writer
        }
    }

    /** Differences from a canonical "expect" object: labels, types, buffering, values (floats bit for bit). */
    @SuppressWarnings("unchecked")
    static List<String> diff(Map<String, Object> expect, List<Field> got) {
        List<String> out = new ArrayList<>();
        List<Object> want = (List<Object>) expect.get("fields");
        if (want.size() != got.size()) {
            out.add("want " + want.size() + " fields, got " + got.size());
            return out;
        }
        for (int k = 0; k < want.size(); k++) {
            Map<String, Object> w = (Map<String, Object>) want.get(k);
            Field g = got.get(k);
            if (!w.get("label").equals(g.label()) || !w.get("type").equals(g.type())
                    || !w.get("buffered").equals(g.buffered())) {
                out.add("fields[" + k + "]: want " + w + ", got " + g);
            } else if (!same(g.type(), w.get("value"), g.value())) {
                out.add("fields[" + k + "] " + g.label() + ": want " + w.get("value") + ", got " + g.value());
            }
        }
        return out;
    }

    private static boolean same(String type, Object want, Object got) {
        if (type.equals("f") || type.equals("d")) {
            double w = want instanceof Json.Num n ? n.toDouble()
                    : switch ((String) want) {
                        case "NaN" -> Double.NaN;
                        case "Infinity" -> Double.POSITIVE_INFINITY;
                        default -> Double.NEGATIVE_INFINITY;
                    };
            double g = (Double) got;
            return Double.isNaN(w) ? Double.isNaN(g) : Double.doubleToRawLongBits(w) == Double.doubleToRawLongBits(g);
        }
        if (want instanceof Json.Num n) {
            return n.isInteger() && n.integer().equals(got);
        }
        return want.equals(got);
    }
}
