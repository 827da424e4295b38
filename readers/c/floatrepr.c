/* floatrepr.c -- Python's repr of a double: the shortest decimal that reads back
 * to the same bits, written in Python's notation. */
#include "mmstats_read.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decimal digits and exponent of a %e text: value = 0.d1d2d3... x 10^(exp+1). */
static int split_e(const char *e, char *digits, int *exp)
{
    int n = 0;
    const char *p = e;
    if (*p == '-')
        p++;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    digits[n] = '\0';
    *exp = *p == 'e' ? atoi(p + 1) : 0;
    return n;
}

static double value_of(int neg, const char *digits, int exp)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%s%c.%se%d", neg ? "-" : "", digits[0], digits + 1, exp);
    return strtod(buf, NULL);
}

/* The p-digit decimal next to digits (one unit in the last place up or down). */
static void step(char *digits, int *exp, int p, int up)
{
    int i;
    if (up) {
        for (i = p - 1; i >= 0 && digits[i] == '9'; i--)
            digits[i] = '0';
        if (i < 0) { /* 99..9 + 1 = 100..0 */
            digits[0] = '1';
            (*exp)++;
        } else {
            digits[i]++;
        }
    } else {
        for (i = p - 1; i >= 0 && digits[i] == '0'; i--)
            digits[i] = '9';
        digits[i]--; /* the leading digit is never 0, so i >= 0 */
        if (digits[0] == '0') { /* 100..0 - 1: p nines one decade lower */
            memset(digits, '9', (size_t)p);
            (*exp)--;
        }
    }
}

/* The shortest digits that round-trip; when two such strings of the shortest length
 * exist, the one nearer to v (the correctly rounded one). */
static int shortest(double v, char *digits, int *exp)
{
    char buf[48], alt[24];
    int p;
    for (p = 1; p <= 17; p++) {
        int aexp, n;
        double c;
        snprintf(buf, sizeof buf, "%.*e", p - 1, v);
        n = split_e(buf, digits, exp);
        c = strtod(buf, NULL);
        if (c == v)
            return n;
        memcpy(alt, digits, (size_t)n + 1);
        aexp = *exp;
        step(alt, &aexp, n, (c < v) == (v > 0)); /* toward v, away from the rounded side */
        if (value_of(v < 0, alt, aexp) == v) {
            memcpy(digits, alt, (size_t)n + 1);
            *exp = aexp;
            return n;
        }
    }
    return split_e(buf, digits, exp); /* 17 digits always round-trip */
}

size_t mmr_float_repr(double v, char out[32])
{
    char digits[24];
    int exp, n, o = 0, i;
    if (isnan(v))
        return (size_t)snprintf(out, 32, "nan");
    if (isinf(v))
        return (size_t)snprintf(out, 32, v < 0 ? "-inf" : "inf");
    if (v == 0)
        return (size_t)snprintf(out, 32, signbit(v) ? "-0.0" : "0.0");
    n = shortest(v, digits, &exp);
    while (n > 1 && digits[n - 1] == '0')
        digits[--n] = '\0';
    if (v < 0)
        out[o++] = '-';
    if (exp >= -4 && exp < 16) { /* fixed notation, always with a fraction */
        int point = exp + 1;     /* digits before the decimal point */
        if (point <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (i = 0; i < -point; i++)
                out[o++] = '0';
            memcpy(out + o, digits, (size_t)n);
            o += n;
        } else if (point < n) {
            memcpy(out + o, digits, (size_t)point);
            o += point;
            out[o++] = '.';
            memcpy(out + o, digits + point, (size_t)(n - point));
            o += n - point;
        } else {
            memcpy(out + o, digits, (size_t)n);
            o += n;
            for (i = n; i < point; i++)
                out[o++] = '0';
            out[o++] = '.';
            out[o++] = '0';
        }
        out[o] = '\0';
        return (size_t)o;
    }
    out[o++] = digits[0];
    if (n > 1) {
        out[o++] = '.';
        memcpy(out + o, digits + 1, (size_t)(n - 1));
        o += n - 1;
    }
    o += snprintf(out + o, (size_t)(32 - o), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return (size_t)o;
}
