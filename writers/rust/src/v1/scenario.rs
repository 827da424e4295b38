//! Writer scenarios of the conformance suite (conformance/writer-scenarios/*.json):
//!
//! ```json
//! {"fields": [{"label": "requests", "type": "Q", "buffered": true}],
//!  "updates": [{"field": "requests", "value": 5}]}
//! ```
//!
//! Values use the canonical JSON encoding: exact integers (stored modulo 2^bits), numbers or "NaN",
//! "Infinity", "-Infinity" for floats, true/false for `?`, text for strings. Every update is checked
//! against its field's type before the file is created. Other members (`id`, `expect`, ...) are ignored.

use std::fmt;
use std::path::Path;

use mmstats_reader::json::{self, Json};
use mmstats_reader::show::escape_path;
use mmstats_reader::{v1, Kind};

use super::desc::FieldDesc;
use super::file::{CreateError, MmstatsFile, Options};

/// A checked scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub fields: Vec<FieldDesc>,
    pub updates: Vec<Update>,
}

/// One set() of one field.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    /// Index of the field in `Scenario::fields`.
    pub field: usize,
    pub value: UpdateValue,
}

/// An update value converted for its field.
#[derive(Clone, Debug, PartialEq)]
pub enum UpdateValue {
    /// An integer modulo 2^64 (the field keeps the low bits).
    Int(u64),
    Float(f64),
    Bool(bool),
    Text(String),
}

/// A scenario that cannot be run, with where in it.
#[derive(Debug)]
pub enum ScenarioError {
    Json(json::ParseError),
    /// The JSON is well-formed but not a scenario (a member missing, a value of the wrong kind).
    Content(String),
    Create(CreateError),
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Json(e) => write!(f, "not JSON: {e}"),
            ScenarioError::Content(e) => f.write_str(e),
            ScenarioError::Create(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Parses and checks a scenario.
pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    let doc = json::parse(text).map_err(ScenarioError::Json)?;
    let bad = |what: String| ScenarioError::Content(what);
    let fields_json = doc.get("fields").and_then(Json::as_array).ok_or_else(|| bad("no \"fields\" array".into()))?;
    let mut fields = Vec::with_capacity(fields_json.len());
    for (i, f) in fields_json.iter().enumerate() {
        let member = |key: &str| f.get(key).ok_or_else(|| bad(format!("fields[{i}]: no {key:?}")));
        let label = member("label")?.as_str().ok_or_else(|| bad(format!("fields[{i}].label: not a string")))?;
        let signature = member("type")?.as_str().ok_or_else(|| bad(format!("fields[{i}].type: not a string")))?;
        let buffered =
            member("buffered")?.as_bool().ok_or_else(|| bad(format!("fields[{i}].buffered: not true or false")))?;
        fields.push(FieldDesc::new(label, signature, buffered));
    }
    let updates_json = doc.get("updates").and_then(Json::as_array).ok_or_else(|| bad("no \"updates\" array".into()))?;
    let mut updates = Vec::with_capacity(updates_json.len());
    for (i, u) in updates_json.iter().enumerate() {
        let label =
            u.get("field").and_then(Json::as_str).ok_or_else(|| bad(format!("updates[{i}].field: not a string")))?;
        let field = fields
            .iter()
            .position(|f| f.label == label)
            .ok_or_else(|| bad(format!("updates[{i}]: no field labelled {label:?}")))?;
        let signature = &fields[field].signature;
        let kind = v1::lookup(signature.as_bytes())
            .ok_or_else(|| bad(format!("fields[{field}].type: {signature:?} is not in the type table")))?
            .kind;
        let value = u.get("value").ok_or_else(|| bad(format!("updates[{i}]: no \"value\"")))?;
        let value = convert(kind, value).ok_or_else(|| {
            bad(format!("updates[{i}].value: {} does not fit field {label:?} of type {signature:?}", value.type_name()))
        })?;
        updates.push(Update { field, value });
    }
    Ok(Scenario { fields, updates })
}

/// The value `v` stands for in a field of `kind`, or None when it does not fit.
pub fn convert(kind: Kind, v: &Json) -> Option<UpdateValue> {
    match (kind, v) {
        (k, Json::Number(_)) if k.is_integer() => v.as_integer_text().and_then(wrap_integer).map(UpdateValue::Int),
        (k, Json::Number(text)) if k.is_float() => {
            let x: f64 = text.parse().ok()?;
            // An integer has no sign of zero: -0 is the integer 0, which becomes +0.0.
            let x = if v.as_integer_text().is_some() && x == 0.0 { 0.0 } else { x };
            Some(UpdateValue::Float(x))
        }
        (k, Json::String(s)) if k.is_float() => match s.as_str() {
            "NaN" => Some(UpdateValue::Float(f64::NAN)),
            "Infinity" => Some(UpdateValue::Float(f64::INFINITY)),
            "-Infinity" => Some(UpdateValue::Float(f64::NEG_INFINITY)),
            _ => None,
        },
        (Kind::Bool, Json::Bool(b)) => Some(UpdateValue::Bool(*b)),
        // An integer is truthy when it is not zero (as the Python writer's bool()).
        (Kind::Bool, Json::Number(_)) => v
            .as_integer_text()
            .map(|t| UpdateValue::Bool(!t.trim_start_matches('-').trim_start_matches('0').is_empty())),
        (Kind::Text, Json::String(s)) => Some(UpdateValue::Text(s.clone())),
        _ => None,
    }
}

/// A JSON integer's value modulo 2^64, exact for any number of digits: wrapping arithmetic in u64
/// computes the value modulo 2^64 digit by digit.
pub fn wrap_integer(text: &str) -> Option<u64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.bytes().fold(0u64, |n, d| n.wrapping_mul(10).wrapping_add(u64::from(d - b'0')));
    Some(if negative { magnitude.wrapping_neg() } else { magnitude })
}

/// Creates `out` (which must not exist: a scenario never replaces a file) and applies every update,
/// each as one set(). The file is closed and kept.
pub fn run(scenario: &Scenario, out: &Path) -> Result<(), ScenarioError> {
    let options = Options { replace_stale: false, ..Options::default() };
    let file = MmstatsFile::create_with(out, &scenario.fields, &options).map_err(ScenarioError::Create)?;
    {
        let mut slots = (0..scenario.fields.len())
            .map(|i| file.any_slot(i))
            .collect::<Result<Vec<_>, _>>()
            .expect("a new file hands out one handle per field");
        for u in &scenario.updates {
            let slot = &mut slots[u.field];
            let done = match &u.value {
                UpdateValue::Int(v) => slot.set_int(*v),
                UpdateValue::Float(v) => slot.set_float(*v),
                UpdateValue::Bool(v) => slot.set_bool(*v),
                UpdateValue::Text(v) => slot.set_text(v),
            };
            done.expect("parse() checked every value against its field");
        }
    }
    file.sync().map_err(|e| ScenarioError::Content(format!("{}: msync: {e}", escape_path(out.as_os_str()))))?;
    file.close();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_wrap_modulo_2_64_whatever_their_size() {
        assert_eq!(wrap_integer("0"), Some(0));
        assert_eq!(wrap_integer("-1"), Some(u64::MAX));
        assert_eq!(wrap_integer("18446744073709551616"), Some(0)); // 2^64
        assert_eq!(wrap_integer("1180591620717411303427"), Some(3)); // 2^70 + 3
        assert_eq!(wrap_integer("-9223372036854775809"), Some(i64::MAX as u64)); // -2^63 - 1
        assert_eq!(wrap_integer("1.0"), None);
        assert_eq!(wrap_integer("-"), None);
    }

    #[test]
    fn values_are_converted_for_their_field() {
        let n = |t: &str| Json::Number(t.into());
        assert_eq!(convert(Kind::U8, &n("256")), Some(UpdateValue::Int(256)));
        assert_eq!(convert(Kind::U8, &n("2.5")), None);
        assert_eq!(convert(Kind::U8, &Json::String("1".into())), None);
        assert_eq!(
            convert(Kind::F64, &n("-0")).map(|v| matches!(v, UpdateValue::Float(x) if x.to_bits() == 0)),
            Some(true)
        );
        assert_eq!(
            convert(Kind::F64, &n("-0.0")).map(|v| matches!(v, UpdateValue::Float(x) if x.to_bits() == 1 << 63)),
            Some(true)
        );
        assert_eq!(convert(Kind::F32, &Json::String("-Infinity".into())), Some(UpdateValue::Float(f64::NEG_INFINITY)));
        assert_eq!(convert(Kind::F32, &Json::String("nan".into())), None);
        assert_eq!(convert(Kind::Bool, &Json::Bool(false)), Some(UpdateValue::Bool(false)));
        assert_eq!(convert(Kind::Bool, &n("0")), Some(UpdateValue::Bool(false)));
        assert_eq!(convert(Kind::Bool, &n("-3")), Some(UpdateValue::Bool(true)));
        assert_eq!(convert(Kind::Bool, &Json::String("yes".into())), None);
        assert_eq!(convert(Kind::Text, &Json::String("é".into())), Some(UpdateValue::Text("é".into())));
        assert_eq!(convert(Kind::Text, &n("1")), None);
    }

    #[test]
    fn bad_scenarios_say_where() {
        let err = |text: &str| parse(text).unwrap_err().to_string();
        assert!(err("{").starts_with("not JSON"));
        assert_eq!(err(r#"{"updates": []}"#), "no \"fields\" array");
        assert_eq!(err(r#"{"fields": [{"label": "a", "type": "Q"}], "updates": []}"#), "fields[0]: no \"buffered\"");
        assert_eq!(
            err(
                r#"{"fields": [{"label": "a", "type": "Q", "buffered": true}], "updates": [{"field": "b", "value": 1}]}"#
            ),
            "updates[0]: no field labelled \"b\""
        );
        assert_eq!(
            err(
                r#"{"fields": [{"label": "a", "type": "Q", "buffered": true}], "updates": [{"field": "a", "value": "x"}]}"#
            ),
            "updates[0].value: a string does not fit field \"a\" of type \"Q\""
        );
    }
}
