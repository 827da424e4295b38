package dev.mmstats.reader;

/** A decoded value: what a reader returns for one field. */
public sealed interface Value permits Value.Int, Value.UInt, Value.Float, Value.Bool, Value.Text,
        Value.Histogram {

    /** A signed integer of any width (b h i q). */
    record Int(long value) implements Value {
    }

    /** An unsigned integer (B H I Q); {@code bits} holds the value as unsigned 64 bits. */
    record UInt(long bits) implements Value {
        @Override
        public String toString() {
            return "UInt[" + Long.toUnsignedString(bits) + "]";
        }
    }

    /** A binary32 value widened exactly, or a binary64 value. */
    record Float(double value) implements Value {
        /** Equal bit for bit, except that every NaN equals every NaN (spec: "Comparing canonical forms"). */
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Float other)) {
                return false;
            }
            if (Double.isNaN(value) && Double.isNaN(other.value)) {
                return true;
            }
            return Double.doubleToRawLongBits(value) == Double.doubleToRawLongBits(other.value);
        }

        @Override
        public int hashCode() {
            return Double.isNaN(value) ? 0 : Long.hashCode(Double.doubleToRawLongBits(value));
        }
    }

    record Bool(boolean value) implements Value {
    }

    record Text(String value) implements Value {
    }

    /**
     * A version 2 histogram: the sum and the cumulative count of each bucket, whose last bound is +Inf.
     * Counts are unsigned 64-bit; the last one is the count of observations.
     */
    record Histogram(double sum, java.util.List<Bucket> buckets) implements Value {
        public Histogram {
            buckets = java.util.List.copyOf(buckets);
        }

        public long count() {
            return buckets.get(buckets.size() - 1).count();
        }
    }

    /** One cumulative bucket: the observations at most {@code le}. */
    record Bucket(double le, long count) {
    }
}
