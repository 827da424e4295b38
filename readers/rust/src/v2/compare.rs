//! Comparing version 2 canonical objects by value (spec/v2.md, "Canonical decoded form"): integers
//! exactly, floats bit for bit (every NaN equal), attributes as objects, `path` ignored.

use crate::compare::{float_value, same_integer, show};
use crate::json::Json;

/// Header members compared as exact integers.
const HEADER_INTEGERS: [&str; 8] = [
    "format_version",
    "minor",
    "pid",
    "start_ticks",
    "created_unix_ns",
    "heartbeat_unix_ns",
    "heartbeat_interval_ms",
    "overflow_count",
];

/// Differences between two version 2 canonical objects, as `fields[3].value (label): want X, got Y`
/// lines; empty when they are equal.
pub fn diff(want: &Json, got: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for key in HEADER_INTEGERS {
        if !same_integer(want.get(key), got.get(key)) {
            out.push(format!("{key}: want {}, got {}", show(want.get(key)), show(got.get(key))));
        }
    }
    if want.get("state") != got.get("state") {
        out.push(format!("state: want {}, got {}", show(want.get("state")), show(got.get("state"))));
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
        for key in ["label", "kind", "type", "unit", "help"] {
            if w.get(key) != g.get(key) {
                out.push(format!("fields[{i}].{key}: want {}, got {}", show(w.get(key)), show(g.get(key))));
            }
        }
        let label = w.get("label").and_then(Json::as_str).unwrap_or("?");
        if !same_attributes(w.get("attributes"), g.get("attributes")) {
            out.push(format!("fields[{i}].attributes ({label}): differ"));
        }
        let kind = w.get("kind").and_then(Json::as_str).unwrap_or("");
        let value_type = w.get("type").and_then(Json::as_str).unwrap_or("");
        let (wv, gv) = (w.get("value"), g.get("value"));
        if !same_value(kind, value_type, wv, gv) {
            out.push(format!("fields[{i}].value ({label}): want {}, got {}", show(wv), show(gv)));
        }
    }
    out
}

/// Both are objects with the same keys, each with the same string.
fn same_attributes(want: Option<&Json>, got: Option<&Json>) -> bool {
    match (want, got) {
        (Some(Json::Object(w)), Some(Json::Object(g))) => {
            w.len() == g.len() && w.iter().all(|(k, v)| g.iter().any(|(gk, gv)| gk == k && gv == v))
        }
        _ => false,
    }
}

/// Whether two values of a field of `kind` and `value_type` are equal; `null` equals only `null`.
pub fn same_value(kind: &str, value_type: &str, want: Option<&Json>, got: Option<&Json>) -> bool {
    match (want, got) {
        (Some(Json::Null), Some(Json::Null)) => true,
        (Some(Json::Null), _) | (_, Some(Json::Null)) | (None, _) | (_, None) => false,
        (Some(w), Some(g)) if kind == "histogram" => same_histogram(w, g),
        (Some(w), Some(g)) => match value_type {
            "f64" => same_float(w, g),
            "u64" | "i64" => same_integer(Some(w), Some(g)),
            _ => matches!((w, g), (Json::String(a), Json::String(b)) if a == b),
        },
    }
}

/// Bit for bit, except that every NaN is the same value.
fn same_float(want: &Json, got: &Json) -> bool {
    match (float_value(want), float_value(got)) {
        (Some(w), Some(g)) => (w.is_nan() && g.is_nan()) || w.to_bits() == g.to_bits(),
        _ => false,
    }
}

fn same_histogram(want: &Json, got: &Json) -> bool {
    let (Some(wb), Some(gb)) =
        (want.get("buckets").and_then(Json::as_array), got.get("buckets").and_then(Json::as_array))
    else {
        return false;
    };
    let same_bucket = |w: &Json, g: &Json| match (w.get("le"), g.get("le")) {
        (Some(wl), Some(gl)) => same_float(wl, gl) && same_integer(w.get("count"), g.get("count")),
        _ => false,
    };
    let same_sum = matches!((want.get("sum"), got.get("sum")), (Some(w), Some(g)) if same_float(w, g));
    same_integer(want.get("count"), got.get("count"))
        && same_sum
        && wb.len() == gb.len()
        && wb.iter().zip(gb).all(|(w, g)| same_bucket(w, g))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn equal(kind: &str, value_type: &str, want: &str, got: &str) -> bool {
        same_value(kind, value_type, Some(&parse(want).unwrap()), Some(&parse(got).unwrap()))
    }

    #[test]
    fn values_by_type() {
        assert!(equal("counter", "u64", "18446744073709551615", "18446744073709551615"));
        assert!(!equal("counter", "u64", "18446744073709551615", "18446744073709551614"));
        assert!(!equal("counter", "u64", "1", "1.0"));
        assert!(equal("gauge", "f64", "1", "1.0"));
        assert!(!equal("gauge", "f64", "-0.0", "0.0"));
        assert!(equal("gauge", "f64", "\"NaN\"", "\"NaN\""));
        assert!(!equal("string", "utf8", "null", "\"\""));
        assert!(equal("string", "utf8", "null", "null"));
        let h = r#"{"count": 2, "sum": 1.5, "buckets": [{"le": 1.0, "count": 1}, {"le": "Infinity", "count": 2}]}"#;
        assert!(equal("histogram", "f64", h, &h.replace("1.5", "1.50")));
        assert!(!equal("histogram", "f64", h, &h.replace("\"count\": 1}", "\"count\": 2}")));
        assert!(!equal("histogram", "f64", h, "null"));
    }

    #[test]
    fn attributes_ignore_order() {
        let a = parse(r#"{"a": "1", "b": "2"}"#).unwrap();
        let b = parse(r#"{"b": "2", "a": "1"}"#).unwrap();
        let c = parse(r#"{"b": "2", "a": "3"}"#).unwrap();
        assert!(same_attributes(Some(&a), Some(&b)));
        assert!(!same_attributes(Some(&a), Some(&c)));
        assert!(!same_attributes(Some(&a), Some(&parse("{}").unwrap())));
    }
}
