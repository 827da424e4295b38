package dev.mmstats.reader;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * A binary64 value as the shortest decimal text that parses back to it, laid out like Python's
 * {@code repr} (spec: "Canonical values"). {@link Double#toString} alone is not enough: on Java 17 it
 * can print more digits than needed (its algorithm was replaced in Java 19).
 */
public final class FloatText {
    private FloatText() {
    }

    /** Shortest round-trip text; finite values only. */
    public static String repr(double d) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("not finite: " + d);
        }
        if (d == 0) {
            return (Double.doubleToRawLongBits(d) < 0) ? "-0.0" : "0.0";
        }
        // Java 17's toString reads back as d (at most 17 digits), though not always in the fewest digits
        // (4.9E-324 for the smallest subnormal): shorten it. A p-digit decimal that reads back as d lies in d's rounding interval,
        // like toString's value, so then one of the two p-digit neighbours of that value does too; and
        // if p digits can read back, so can p + 1. So binary-search the fewest digits.
        BigDecimal approx = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int lo = 1;
        int hi = approx.precision(); // reads back: approx itself
        BigDecimal best = approx;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            BigDecimal found = readsBack(d, approx, mid);
            if (found != null) {
                hi = mid;
                best = found;
            } else {
                lo = mid + 1;
            }
        }
        if (best == approx) {
            best = nearestOfSameLength(d, approx);
        }
        return layout(best);
    }

    /**
     * toString's digits read back, but a decimal one unit away in the last digit may too and be nearer
     * to d (Java 17 does not always pick the nearest); Python's repr picks the nearest.
     */
    private static BigDecimal nearestOfSameLength(double d, BigDecimal approx) {
        BigDecimal best = approx;
        for (BigDecimal other : new BigDecimal[] {approx.subtract(approx.ulp()), approx.add(approx.ulp())}) {
            if (other.precision() == approx.precision() && Double.parseDouble(other.toString()) == d) {
                best = nearer(d, best, other);
            }
        }
        return best;
    }

    /** A p-digit neighbour of {@code approx} that reads back as d (the nearer to d when both do), or null. */
    private static BigDecimal readsBack(double d, BigDecimal approx, int p) {
        BigDecimal down = approx.round(new MathContext(p, RoundingMode.DOWN));
        BigDecimal up = approx.round(new MathContext(p, RoundingMode.UP));
        boolean downReads = Double.parseDouble(down.toString()) == d;
        boolean upReads = down.compareTo(up) != 0 && Double.parseDouble(up.toString()) == d;
        if (downReads && upReads) {
            return nearer(d, down, up);
        }
        return downReads ? down : upReads ? up : null;
    }

    /** Of two decimals that both read back as d, the one nearer to d's exact value (Python's choice). */
    private static BigDecimal nearer(double d, BigDecimal a, BigDecimal b) {
        BigDecimal exact = new BigDecimal(d);
        int c = a.subtract(exact).abs().compareTo(b.subtract(exact).abs());
        if (c != 0) {
            return c < 0 ? a : b;
        }
        return a.unscaledValue().testBit(0) ? b : a; // a tie: the even last digit
    }

    /**
     * Python's layout of the digits: positional when the decimal exponent is in [-4, 16), otherwise
     * {@code d.ddde+XX}; a positional integer gets ".0".
     */
    private static String layout(BigDecimal value) {
        BigDecimal v = value.stripTrailingZeros();
        String sign = v.signum() < 0 ? "-" : "";
        String digits = v.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - v.scale(); // decimal exponent of the first digit
        StringBuilder sb = new StringBuilder(sign);
        if (exp >= -4 && exp < 16) {
            if (exp < 0) {
                sb.append("0.").append("0".repeat(-exp - 1)).append(digits);
            } else if (digits.length() <= exp + 1) {
                sb.append(digits).append("0".repeat(exp + 1 - digits.length())).append(".0");
            } else {
                sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
            }
        } else {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            sb.append('e').append(exp < 0 ? '-' : '+');
            int abs = Math.abs(exp);
            if (abs < 10) {
                sb.append('0');
            }
            sb.append(abs);
        }
        return sb.toString();
    }
}
