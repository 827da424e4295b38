//! The canonical decoded form (spec "Canonical decoded form"): the JSON object every reader prints.
//!
//! Integers are exact, floats are the shortest text that round-trips (laid out as Python's `repr`
//! lays it out), NaN and the infinities are the strings "NaN", "Infinity" and "-Infinity".

use std::fmt::Write as _;

use crate::read::Field;
use crate::value::Value;

/// The canonical JSON object of a file's fields, on one line per field, ending in a newline.
pub fn to_json(path: &str, fields: &[Field]) -> String {
    let mut out = String::with_capacity(64 + fields.len() * 64);
    out.push_str("{\"path\": ");
    push_string(&mut out, path);
    out.push_str(", \"format_version\": 1, \"fields\": [");
    for (i, field) in fields.iter().enumerate() {
        out.push_str(if i == 0 { "\n  " } else { ",\n  " });
        out.push_str("{\"label\": ");
        push_string(&mut out, &field.label);
        out.push_str(", \"type\": ");
        push_string(&mut out, &field.type_signature);
        out.push_str(if field.buffered { ", \"buffered\": true" } else { ", \"buffered\": false" });
        out.push_str(", \"value\": ");
        push_value(&mut out, &field.value);
        out.push('}');
    }
    out.push_str(if fields.is_empty() { "]}\n" } else { "\n]}\n" });
    out
}

/// One value as JSON.
pub fn push_value(out: &mut String, value: &Value) {
    match value {
        Value::Int(v) => write!(out, "{v}").expect("writing to a String"),
        Value::UInt(v) => write!(out, "{v}").expect("writing to a String"),
        Value::Float(v) => push_float(out, *v),
        Value::Bool(v) => out.push_str(if *v { "true" } else { "false" }),
        Value::Text(v) => push_string(out, v),
    }
}

/// A binary64 value as JSON: a number, or one of the strings "NaN", "Infinity", "-Infinity".
pub fn push_float(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("\"NaN\"");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "\"Infinity\"" } else { "\"-Infinity\"" });
    } else {
        out.push_str(&python_repr(v));
    }
}

/// The text Python's `repr` gives a finite float: the shortest digits that round-trip, fixed notation
/// for exponents -4 to 15 (always with a fraction: `1.0`), otherwise `d.ddde+XX` / `de-XX`.
///
/// Rust's `{:e}` yields the shortest round-trip digits; the layout is Python's. `{}` and
/// `{:?}` would round-trip too (and print 1e16 as 10000000000000000), which is equally valid JSON,
/// but one layout everywhere lets the tests compare text with CPython's.
pub fn python_repr(v: f64) -> String {
    assert!(v.is_finite(), "python_repr of a non-finite value");
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    // `{:e}` gives the fewest digits that round-trip, but breaks an exact tie between two such
    // texts upwards; Python takes the nearer one, ties to even, which is what formatting the same
    // number of digits exactly gives (2.2457682836891562e13, not ...563e13). Just above a power of
    // two the lower rounding interval is half as wide, and the exactly rounded digits may not read
    // back (7.291122019556397e-304 for 2^-1008): then the shortest text is the nearest one that does.
    let shortest = format!("{:e}", v.abs()); // e.g. "1.2345e-7", "5e-324", "1e16"
    let digit_count = shortest.split_once('e').expect("{:e} has an exponent").0.replace('.', "").len();
    let exact = format!("{:.*e}", digit_count - 1, v.abs());
    let sci = if exact.parse::<f64>() == Ok(v.abs()) { exact } else { shortest };
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if v < 0.0 { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point (may be <= 0)
        if point <= 0 {
            format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!("{sign}{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            let (int, frac) = digits.split_at(point as usize);
            format!("{sign}{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{dot}e{esign}{:02}", exp.abs())
    }
}

/// A JSON string. Non-ASCII text is written as it is (UTF-8); quotes, backslashes and control
/// characters are escaped.
pub fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                write!(out, "\\u{:04x}", c as u32).expect("writing to a String");
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_layout() {
        for (v, want) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345.6, "123456789012345.6"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.10000000149011612, "0.10000000149011612"),
            (f64::from(f32::from_bits(1)), "1.401298464324817e-45"),
            (1700000000.25, "1700000000.25"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (f64::from_bits(0x0100_0000_0000_0000), "7.291122019556398e-304"),
        ] {
            assert_eq!(python_repr(v), want, "{v:e}");
        }
    }

    #[test]
    fn specials_are_strings() {
        let mut s = String::new();
        push_float(&mut s, f64::NAN);
        push_float(&mut s, -f64::NAN);
        push_float(&mut s, f64::INFINITY);
        push_float(&mut s, f64::NEG_INFINITY);
        assert_eq!(s, "\"NaN\"\"NaN\"\"Infinity\"\"-Infinity\"");
    }

    #[test]
    fn strings_escape_only_what_json_needs() {
        let mut s = String::new();
        push_string(&mut s, "a\"b\\c\n\u{1}\u{7f}é✓😀");
        assert_eq!(s, "\"a\\\"b\\\\c\\n\\u0001\\u007fé✓😀\"");
    }
}
