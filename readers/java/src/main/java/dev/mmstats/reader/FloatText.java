package dev.mmstats.reader;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * A binary64 value as the shortest decimal text that parses back to it, laid out like Python's
 * {@code repr} (spec: "Canonical values"). {@link Double#toString} is not used: on Java 17 it can
 * print more digits than needed (JDK-4511638, fixed in Java 19).
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
        BigDecimal exact = new BigDecimal(d);
        // The smallest p with a p-digit decimal that reads back as d; of the two p-digit neighbours of d,
        // the nearer one first. (17 digits always read back.)
        for (int p = 1; p < 17; p++) {
            BigDecimal nearest = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (Double.parseDouble(nearest.toString()) == d) {
                return layout(nearest);
            }
            BigDecimal down = exact.round(new MathContext(p, RoundingMode.DOWN));
            BigDecimal other = down.compareTo(nearest) == 0 ? exact.round(new MathContext(p, RoundingMode.UP)) : down;
            if (Double.parseDouble(other.toString()) == d) {
                return layout(other);
            }
        }
        return layout(exact.round(new MathContext(17, RoundingMode.HALF_EVEN)));
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
