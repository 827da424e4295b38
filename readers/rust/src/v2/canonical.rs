//! The canonical JSON of a version 2 file (spec/v2.md, "Canonical decoded form").

use std::fmt::Write as _;

use super::layout::state_name;
use super::values::Value;
use super::File;
use crate::canonical::{push_float, push_string};

/// The canonical JSON object of `file`, one line per field, ending in a newline.
pub fn to_json(path: &str, file: &File) -> String {
    let h = &file.header;
    let mut out = String::with_capacity(256 + file.fields.len() * 128);
    out.push_str("{\"path\": ");
    push_string(&mut out, path);
    write!(
        out,
        ", \"format_version\": 2, \"minor\": {}, \"state\": \"{}\", \"pid\": {}, \"start_ticks\": {}, \
         \"created_unix_ns\": {}, \"heartbeat_unix_ns\": {}, \"heartbeat_interval_ms\": {}, \"overflow_count\": {}, \
         \"fields\": [",
        h.minor,
        state_name(h.state),
        h.pid,
        h.start_ticks,
        h.created_unix_ns,
        h.heartbeat_unix_ns,
        h.heartbeat_interval_ms,
        h.overflow_count
    )
    .expect("writing to a String");
    for (i, f) in file.fields.iter().enumerate() {
        out.push_str(if i == 0 { "\n  " } else { ",\n  " });
        out.push_str("{\"label\": ");
        push_string(&mut out, &f.label);
        write!(out, ", \"kind\": \"{}\", \"type\": \"{}\", \"unit\": ", f.kind.name(), f.value_type.name())
            .expect("writing to a String");
        push_string(&mut out, &f.unit);
        out.push_str(", \"help\": ");
        push_string(&mut out, &f.help);
        out.push_str(", \"attributes\": {");
        for (j, (k, v)) in f.attributes.iter().enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            push_string(&mut out, k);
            out.push_str(": ");
            push_string(&mut out, v);
        }
        out.push_str("}, \"value\": ");
        push_value(&mut out, f.value.as_ref());
        out.push('}');
    }
    out.push_str(if file.fields.is_empty() { "]}\n" } else { "\n]}\n" });
    out
}

/// One value as JSON; None is `null`.
pub fn push_value(out: &mut String, value: Option<&Value>) {
    match value {
        None => out.push_str("null"),
        Some(Value::UInt(v)) => write!(out, "{v}").expect("writing to a String"),
        Some(Value::Int(v)) => write!(out, "{v}").expect("writing to a String"),
        Some(Value::Float(v)) => push_float(out, *v),
        Some(Value::Text(v)) => push_string(out, v),
        Some(Value::Histogram(h)) => {
            write!(out, "{{\"count\": {}, \"sum\": ", h.count).expect("writing to a String");
            push_float(out, h.sum);
            out.push_str(", \"buckets\": [");
            for (i, (le, count)) in h.buckets.iter().enumerate() {
                out.push_str(if i == 0 { "{\"le\": " } else { ", {\"le\": " });
                push_float(out, *le);
                write!(out, ", \"count\": {count}}}").expect("writing to a String");
            }
            out.push_str("]}");
        }
    }
}
