//! Version 2 writer scenarios of the conformance suite (conformance/v2/writer-scenarios/*.json):
//! create the file with `capacities`, add `fields` in order (a field the file has no room for counts
//! in overflow_count and its updates go nowhere visible), apply `updates` from this thread, close and
//! keep. Every member is checked before the file is created.

use std::path::Path;

use mmstats_reader::json::Json;
use mmstats_reader::Kind as V1Kind;

use super::fields::{ConstantValue, Counter, Gauge, Histogram, Text, UpDownCounter};
use super::stats::Stats;
use crate::v1::scenario::{convert, UpdateValue};

/// One field of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub label: String,
    pub unit: String,
    pub help: String,
    pub attributes: Vec<(String, String)>,
    pub spec: Spec,
}

/// What a field is, with what its kind needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Spec {
    Counter { float: bool },
    UpDown { float: bool },
    Gauge(NumberType),
    Constant { value: ConstantValue, capacity: Option<usize> },
    String { capacity: usize, value: String },
    Histogram(Vec<f64>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberType {
    U64,
    I64,
    F64,
}

/// One update: the field's index and the value, already converted for the field.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    pub field: usize,
    pub value: UpdateValue,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub meta_capacity: u32,
    pub process_capacity: u32,
    pub slot_size: u32,
    pub slot_count: u32,
    pub fields: Vec<Field>,
    pub updates: Vec<Update>,
}

/// Checks a parsed scenario document; the message says which member is wrong.
pub fn parse(doc: &Json) -> Result<Scenario, String> {
    let caps = doc.get("capacities").ok_or("no \"capacities\"")?;
    let cap = |key: &str| -> Result<u32, String> {
        caps.get(key)
            .and_then(Json::as_integer_text)
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| format!("capacities.{key}: not a u32"))
    };
    let (meta_capacity, process_capacity, slot_size, slot_count) =
        (cap("meta_capacity")?, cap("process_capacity")?, cap("slot_size")?, cap("slot_count")?);
    let fields_json = doc.get("fields").and_then(Json::as_array).ok_or("no \"fields\" array")?;
    let fields = fields_json.iter().enumerate().map(|(i, f)| field(f).map_err(|e| format!("fields[{i}]: {e}")));
    let fields = fields.collect::<Result<Vec<_>, _>>()?;
    let updates_json = doc.get("updates").and_then(Json::as_array).ok_or("no \"updates\" array")?;
    let mut updates = Vec::with_capacity(updates_json.len());
    for (i, u) in updates_json.iter().enumerate() {
        updates.push(update(u, &fields).map_err(|e| format!("updates[{i}]: {e}"))?);
    }
    Ok(Scenario { meta_capacity, process_capacity, slot_size, slot_count, fields, updates })
}

fn text<'a>(f: &'a Json, key: &str) -> Result<&'a str, String> {
    f.get(key).and_then(Json::as_str).ok_or_else(|| format!("{key}: not a string"))
}

fn field(f: &Json) -> Result<Field, String> {
    let attributes = match f.get("attributes") {
        Some(Json::Object(pairs)) => pairs
            .iter()
            .map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())).ok_or(format!("attributes.{k}: not a string")))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err("attributes: not an object".into()),
    };
    let (kind, vt) = (text(f, "kind")?, text(f, "type")?);
    let number = |v1: V1Kind, key: &str| match f.get(key).map(|v| convert(v1, v)) {
        Some(Some(v)) => Ok(v),
        _ => Err(format!("{key}: not a {vt}")),
    };
    let capacity = |default: Option<usize>| match f.get("capacity") {
        Some(c) => c.as_integer_text().and_then(|t| t.parse().ok()).map(Some).ok_or("capacity: not a size".to_string()),
        None => Ok(default),
    };
    let spec = match (kind, vt) {
        ("counter", "u64" | "f64") => Spec::Counter { float: vt == "f64" },
        ("updown_counter", "i64" | "f64") => Spec::UpDown { float: vt == "f64" },
        ("gauge", "u64") => Spec::Gauge(NumberType::U64),
        ("gauge", "i64") => Spec::Gauge(NumberType::I64),
        ("gauge", "f64") => Spec::Gauge(NumberType::F64),
        ("constant", "utf8") => {
            Spec::Constant { value: ConstantValue::Text(text(f, "value")?.into()), capacity: capacity(None)? }
        }
        ("constant", "u64" | "i64") => {
            let UpdateValue::Int(bits) = number(V1Kind::U64, "value")? else { unreachable!("an integer") };
            let value = if vt == "u64" { ConstantValue::U64(bits) } else { ConstantValue::I64(bits as i64) };
            Spec::Constant { value, capacity: None }
        }
        ("constant", "f64") => {
            let UpdateValue::Float(v) = number(V1Kind::F64, "value")? else { unreachable!("a float") };
            Spec::Constant { value: ConstantValue::F64(v), capacity: None }
        }
        ("string", "utf8") => Spec::String {
            capacity: capacity(Some(64))?.unwrap_or(64),
            value: f.get("value").map(|_| text(f, "value")).transpose()?.unwrap_or("").into(),
        },
        ("histogram", "f64") => {
            let bounds = f.get("bounds").and_then(Json::as_array).ok_or("bounds: not an array")?;
            let bounds = bounds.iter().map(|b| match convert(V1Kind::F64, b) {
                Some(UpdateValue::Float(v)) => Ok(v),
                _ => Err("bounds: not numbers".to_string()),
            });
            Spec::Histogram(bounds.collect::<Result<_, _>>()?)
        }
        _ => return Err(format!("kind {kind:?} with type {vt:?} is not a version 2 field")),
    };
    Ok(Field {
        label: text(f, "label")?.into(),
        unit: text(f, "unit")?.into(),
        help: text(f, "help")?.into(),
        attributes,
        spec,
    })
}

fn update(u: &Json, fields: &[Field]) -> Result<Update, String> {
    let index: usize =
        u.get("field").and_then(Json::as_integer_text).and_then(|t| t.parse().ok()).ok_or("field: not an index")?;
    let f = fields.get(index).ok_or_else(|| format!("field: no field {index}"))?;
    let op = u.get("op").and_then(Json::as_str).ok_or("op: not a string")?;
    let v = u.get("value").ok_or("no \"value\"")?;
    let value = match (op, &f.spec) {
        ("add", Spec::Counter { float: false }) => convert(V1Kind::U64, v),
        ("add", Spec::UpDown { float: false }) | ("set", Spec::Gauge(NumberType::U64 | NumberType::I64)) => {
            convert(V1Kind::U64, v)
        }
        ("add", Spec::Counter { float: true } | Spec::UpDown { float: true })
        | ("set", Spec::Gauge(NumberType::F64))
        | ("observe", Spec::Histogram(_)) => convert(V1Kind::F64, v),
        ("set", Spec::String { .. }) => v.as_str().map(|s| UpdateValue::Text(s.into())),
        _ => return Err(format!("op {op:?} does not apply to field {index}")),
    };
    let value = value.ok_or_else(|| format!("value: {} does not fit field {index}", v.type_name()))?;
    Ok(Update { field: index, value })
}

enum Handle {
    CounterU(Counter<u64>),
    CounterF(Counter<f64>),
    UpDownI(UpDownCounter<i64>),
    UpDownF(UpDownCounter<f64>),
    GaugeU(Gauge<u64>),
    GaugeI(Gauge<i64>),
    GaugeF(Gauge<f64>),
    Text(Text),
    Histogram(Histogram),
    None,
}

/// Creates `out` (which must not exist), adds the fields, applies the updates, closes and keeps it.
pub fn run(sc: &Scenario, out: &Path) -> Result<(), String> {
    let stats = Stats::builder()
        .path(out)
        .meta_capacity(sc.meta_capacity)
        .process_capacity(sc.process_capacity)
        .slot_size(sc.slot_size)
        .slot_count(sc.slot_count)
        .keep_on_close(true)
        .create()
        .map_err(|e| e.to_string())?;
    let mut handles = Vec::with_capacity(sc.fields.len());
    for f in &sc.fields {
        match add(&stats, f) {
            Ok(h) => handles.push(h),
            Err(e) => {
                let _ = stats.close_removing(); // a refused field: no file is left behind
                return Err(format!("{}: {e}", mmstats_reader::show::escape_path(out.as_os_str())));
            }
        }
    }
    for u in &sc.updates {
        match (&handles[u.field], &u.value) {
            (Handle::CounterU(h), UpdateValue::Int(v)) => h.add(*v),
            (Handle::CounterF(h), UpdateValue::Float(v)) => h.add(*v),
            (Handle::UpDownI(h), UpdateValue::Int(v)) => h.add(*v as i64),
            (Handle::UpDownF(h), UpdateValue::Float(v)) => h.add(*v),
            (Handle::GaugeU(h), UpdateValue::Int(v)) => h.set(*v),
            (Handle::GaugeI(h), UpdateValue::Int(v)) => h.set(*v as i64),
            (Handle::GaugeF(h), UpdateValue::Float(v)) => h.set(*v),
            (Handle::Text(h), UpdateValue::Text(v)) => h.set(v),
            (Handle::Histogram(h), UpdateValue::Float(v)) => h.observe(*v),
            _ => unreachable!("parse() matched every update to its field"),
        }
    }
    stats.close().map_err(|e| e.to_string())
}

fn add(stats: &Stats, f: &Field) -> Result<Handle, super::FieldError> {
    macro_rules! described {
        ($b:expr) => {
            $b.unit(&f.unit).help(&f.help).attrs(f.attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        };
    }
    let name = f.label.as_str();
    Ok(match &f.spec {
        Spec::Counter { float: false } => Handle::CounterU(described!(stats.counter(name)).build()?),
        Spec::Counter { float: true } => Handle::CounterF(described!(stats.counter_f64(name)).build()?),
        Spec::UpDown { float: false } => Handle::UpDownI(described!(stats.updown_counter(name)).build()?),
        Spec::UpDown { float: true } => Handle::UpDownF(described!(stats.updown_counter_f64(name)).build()?),
        Spec::Gauge(NumberType::U64) => Handle::GaugeU(described!(stats.gauge_u64(name)).build()?),
        Spec::Gauge(NumberType::I64) => Handle::GaugeI(described!(stats.gauge_i64(name)).build()?),
        Spec::Gauge(NumberType::F64) => Handle::GaugeF(described!(stats.gauge(name)).build()?),
        Spec::String { capacity, value } => {
            Handle::Text(described!(stats.string(name)).capacity(*capacity).value(value).build()?)
        }
        Spec::Histogram(bounds) => Handle::Histogram(described!(stats.histogram(name, bounds)).build()?),
        Spec::Constant { value, capacity } => {
            let b = described!(stats.constant(name, value.clone()));
            match capacity {
                Some(c) => b.capacity(*c).build()?,
                None => b.build()?,
            };
            Handle::None
        }
    })
}
