//! Comparing canonical objects by value, never as text (spec "Comparing canonical forms").

use crate::json::Json;
use crate::types::Kind;
use crate::v1;

/// Differences between two canonical objects, as `fields[3].value (label): want X, got Y` lines.
/// Empty when they are equal. `path` is ignored.
pub fn diff(want: &Json, got: &Json) -> Vec<String> {
    let mut out = Vec::new();
    if !matches!(got, Json::Object(_)) {
        return vec![format!("top level: want an object, got {}", got.type_name())];
    }
    if want.get("format_version").and_then(Json::as_integer_text) == Some("2") {
        return crate::v2::compare::diff(want, got);
    }
    let (wv, gv) = (want.get("format_version"), got.get("format_version"));
    if !same_integer(wv, gv) {
        out.push(format!("format_version: want {}, got {}", show(wv), show(gv)));
    }
    let empty = Vec::new();
    let want_fields = want.get("fields").and_then(Json::as_array).unwrap_or(&empty);
    let Some(got_fields) = got.get("fields").and_then(Json::as_array) else {
        out.push(format!("fields: want an array, got {}", show(got.get("fields"))));
        return out;
    };
    if want_fields.len() != got_fields.len() {
        out.push(format!("fields: want {} fields, got {}", want_fields.len(), got_fields.len()));
    }
    for (i, (w, g)) in want_fields.iter().zip(got_fields).enumerate() {
        if !matches!(g, Json::Object(_)) {
            out.push(format!("fields[{i}]: want an object, got {}", g.type_name()));
            continue;
        }
        for key in ["label", "type", "buffered"] {
            if w.get(key) != g.get(key) {
                out.push(format!("fields[{i}].{key}: want {}, got {}", show(w.get(key)), show(g.get(key))));
            }
        }
        let signature = w.get("type").and_then(Json::as_str).unwrap_or("");
        let (wv, gv) = (w.get("value"), g.get("value"));
        if !same_value(signature, wv, gv) {
            let label = w.get("label").and_then(Json::as_str).unwrap_or("?");
            out.push(format!("fields[{i}].value ({label}): want {}, got {}", show(wv), show(gv)));
        }
    }
    out
}

/// Whether two values of a field of type `signature` are equal.
pub fn same_value(signature: &str, want: Option<&Json>, got: Option<&Json>) -> bool {
    let (Some(want), Some(got)) = (want, got) else {
        return false;
    };
    match v1::lookup(signature.as_bytes()).map(|spec| spec.kind) {
        Some(kind) if kind.is_float() => match (float_value(want), float_value(got)) {
            // Bit for bit, except that every NaN is the same value: 0.1 == 0.1000, -0.0 != 0.0.
            (Some(w), Some(g)) => (w.is_nan() && g.is_nan()) || w.to_bits() == g.to_bits(),
            _ => false,
        },
        Some(kind) if kind.is_integer() => same_integer(Some(want), Some(got)),
        Some(Kind::Bool) => matches!((want, got), (Json::Bool(w), Json::Bool(g)) if w == g),
        _ => matches!((want, got), (Json::String(w), Json::String(g)) if w == g),
    }
}

/// Both are JSON integers (no fraction, no exponent) with the same value.
pub(crate) fn same_integer(want: Option<&Json>, got: Option<&Json>) -> bool {
    match (want.and_then(Json::as_integer_text), got.and_then(Json::as_integer_text)) {
        // JSON integers have no leading zeros, so equal values have equal text, except -0 and 0.
        (Some(w), Some(g)) => zero_unsigned(w) == zero_unsigned(g),
        _ => false,
    }
}

fn zero_unsigned(integer: &str) -> &str {
    if integer == "-0" {
        "0"
    } else {
        integer
    }
}

/// The binary64 value of a canonical float: a number (correctly rounded), or "NaN"/"Infinity"/"-Infinity".
pub fn float_value(v: &Json) -> Option<f64> {
    match v {
        Json::Number(text) => text.parse().ok(),
        Json::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn show(v: Option<&Json>) -> String {
    match v {
        None => "<missing>".to_string(),
        Some(Json::Number(text)) => text.clone(),
        Some(Json::String(s)) => {
            let mut out = String::new();
            crate::canonical::push_string(&mut out, s);
            out
        }
        Some(Json::Bool(b)) => b.to_string(),
        Some(Json::Null) => "null".to_string(),
        Some(other) => other.type_name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn equal(signature: &str, want: &str, got: &str) -> bool {
        same_value(signature, Some(&parse(want).unwrap()), Some(&parse(got).unwrap()))
    }

    /// The spec's table "Comparing canonical forms".
    #[test]
    fn spec_comparison_table() {
        let rows = [
            ("d", "0.1", "0.1000", true),
            ("d", "100", "1e2", true),
            ("d", "1", "1.0", true),
            ("d", "-0.0", "0.0", false),
            ("f", "\"NaN\"", "\"NaN\"", true),
            ("f", "0.10000000149011612", "0.1", false),
            ("d", "\"NaN\"", "null", false),
            ("Q", "18446744073709551615", "18446744073709551615", true),
            ("Q", "1", "1.0", false),
            ("i", "-5", "-5", true),
            ("?", "true", "1", false),
            ("8s", "\"abc\"", "\"abc\\u0000\"", false),
            ("8s", "\"é\"", "\"\\u00e9\"", true),
        ];
        for (sig, want, got, eq) in rows {
            assert_eq!(equal(sig, want, got), eq, "{sig} {want} {got}");
        }
    }

    #[test]
    fn integers_are_exact() {
        assert!(!equal("Q", "18446744073709551615", "18446744073709551614"));
        assert!(equal("q", "0", "-0"));
        assert!(!equal("q", "0", "-10"));
        assert!(!equal("Q", "1", "\"1\""));
        assert!(!equal("d", "true", "1"));
        assert!(equal("d", "\"-Infinity\"", "\"-Infinity\""));
        assert!(!equal("d", "\"Infinity\"", "\"-Infinity\""));
    }

    #[test]
    fn diff_names_the_path() {
        let want = parse(
            r#"{"path": "a", "format_version": 1, "fields": [
            {"label": "x", "type": "Q", "buffered": true, "value": 42}]}"#,
        )
        .unwrap();
        let same = parse(
            r#"{"path": "b", "format_version": 1, "fields": [
            {"label": "x", "type": "Q", "buffered": true, "value": 42}]}"#,
        )
        .unwrap();
        let other = parse(
            r#"{"format_version": 1, "fields": [
            {"label": "x", "type": "Q", "buffered": false, "value": 0}, {}]}"#,
        )
        .unwrap();
        assert!(diff(&want, &same).is_empty());
        assert_eq!(
            diff(&want, &other),
            vec![
                "fields: want 1 fields, got 2",
                "fields[0].buffered: want true, got false",
                "fields[0].value (x): want 42, got 0",
            ]
        );
    }
}
