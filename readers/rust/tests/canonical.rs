//! The canonical JSON form: floats and UTF-8 replacement against the generated oracles, and the spec's table of canonical values.

mod common;

use mmstats_reader::canonical::{push_value, python_repr, to_json};
use mmstats_reader::compare::same_value;
use mmstats_reader::json::{self, Json};
use mmstats_reader::value::{decode, replace_ill_formed};
use mmstats_reader::{v1, Field, Value};

/// The rows of a generated oracle table in conformance/oracles/, split at spaces.
fn oracle_rows(name: &str) -> Vec<Vec<String>> {
    let path = common::repo().join("conformance/oracles").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().map(|l| l.split(' ').map(str::to_string).collect()).collect()
}

#[test]
fn floats_print_as_the_float_repr_oracle() {
    let (mut doubles, mut singles) = (0, 0);
    for row in oracle_rows("float-repr.txt") {
        let [bits, kind, want] = &row[..] else { panic!("float-repr.txt: bad row {row:?}") };
        // A binary32 value is widened before printing, as a reader widens an `f` field.
        let v = match kind.as_str() {
            "d" if bits.len() == 16 => f64::from_bits(u64::from_str_radix(bits, 16).unwrap()),
            "f" if bits.len() == 8 => f64::from(f32::from_bits(u32::from_str_radix(bits, 16).unwrap())),
            _ => panic!("float-repr.txt: bad row {row:?}"),
        };
        let got = python_repr(v);
        assert_eq!(&got, want, "bits {bits} ({kind})");
        // And the text reads back to the same bits (shortest round trip, as JSON).
        assert_eq!(got.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{got}");
        if kind == "d" {
            doubles += 1;
        } else {
            singles += 1;
        }
    }
    assert!(doubles > 500 && singles > 100, "only {doubles} binary64 and {singles} binary32 rows");
}

#[test]
fn ill_formed_utf8_is_replaced_as_the_utf8_replace_oracle() {
    let hex = |text: &str| -> Vec<u8> {
        assert!(text.len().is_multiple_of(2), "odd hex {text:?}");
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
    };
    let rows = oracle_rows("utf8-replace.txt");
    for row in &rows {
        let [bytes, want] = &row[..] else { panic!("utf8-replace.txt: bad row {row:?}") };
        let got = replace_ill_formed(&hex(bytes));
        assert_eq!(got.as_bytes(), hex(want), "bytes {bytes}: got {got:?}");
    }
    assert!(rows.len() > 2000, "only {} rows", rows.len());
}

/// Rows of the spec's "BEGIN CHECKED canonical-values" table: (type, stored bytes, canonical JSON).
fn spec_canonical_rows() -> Vec<(String, Vec<u8>, String)> {
    let path = common::repo().join("spec/v1.md");
    let spec = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start = spec.find("<!-- BEGIN CHECKED canonical-values -->").expect("spec/v1.md has a canonical-values table");
    let end = spec[start..].find("<!-- END CHECKED canonical-values -->").expect("the table ends") + start;
    let cells = |line: &str| -> Vec<String> {
        line.trim().trim_matches('|').split(" | ").map(|c| c.trim().trim_matches('`').to_string()).collect()
    };
    spec[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let c = cells(l);
            let bytes = if c[1] == "(none)" { Vec::new() } else { common::hex(&c[1]) };
            (c[0].clone(), bytes, c[2].clone())
        })
        .collect()
}

#[test]
fn spec_table_of_canonical_values() {
    let rows = spec_canonical_rows();
    assert!(rows.len() >= 25, "only {} rows", rows.len());
    for (sig, bytes, want) in rows {
        let spec = v1::lookup(sig.as_bytes()).unwrap_or_else(|| panic!("{sig} not in the table"));
        assert_eq!(bytes.len(), spec.size, "{sig}");
        let mut got = String::new();
        push_value(&mut got, &decode(spec.kind, &bytes));
        let (want_json, got_json) = (json::parse(&want).unwrap(), json::parse(&got).unwrap());
        assert!(same_value(&sig, Some(&want_json), Some(&got_json)), "{sig} {bytes:02x?}: want {want}, got {got}");
        // The text is the same too: the spec writes Python's repr and escapes U+FFFD as \ufffd.
        assert_eq!(got.replace('\u{FFFD}', "\\ufffd"), want, "{sig} text");
    }
}

#[test]
fn whole_object_reads_back() {
    let fields = vec![
        Field { label: "u64".into(), type_signature: "Q".into(), buffered: true, value: Value::UInt(u64::MAX) },
        Field { label: "neg\"zero".into(), type_signature: "d".into(), buffered: false, value: Value::Float(-0.0) },
        Field { label: "nan".into(), type_signature: "f".into(), buffered: false, value: Value::Float(f64::NAN) },
        Field { label: "big".into(), type_signature: "d".into(), buffered: false, value: Value::Float(1e16) },
        Field { label: "t".into(), type_signature: "4s".into(), buffered: false, value: Value::Text("é\n".into()) },
        Field { label: "b".into(), type_signature: "?".into(), buffered: false, value: Value::Bool(true) },
        Field { label: "i".into(), type_signature: "q".into(), buffered: true, value: Value::Int(i64::MIN) },
    ];
    let text = to_json("dir/a \"b\".mmstats", &fields);
    let obj = json::parse(&text).unwrap();
    assert_eq!(obj.get("path").and_then(Json::as_str), Some("dir/a \"b\".mmstats"));
    assert_eq!(obj.get("format_version"), Some(&Json::Number("1".into())));
    let got = obj.get("fields").and_then(Json::as_array).unwrap();
    let values: Vec<_> = got.iter().map(|f| f.get("value").unwrap().clone()).collect();
    assert_eq!(
        values,
        vec![
            Json::Number("18446744073709551615".into()),
            Json::Number("-0.0".into()),
            Json::String("NaN".into()),
            Json::Number("1e+16".into()),
            Json::String("é\n".into()),
            Json::Bool(true),
            Json::Number("-9223372036854775808".into()),
        ]
    );
    assert_eq!(got[1].get("label").and_then(Json::as_str), Some("neg\"zero"));
    assert_eq!(got[0].get("buffered"), Some(&Json::Bool(true)));
    assert_eq!(to_json("e", &[]), "{\"path\": \"e\", \"format_version\": 1, \"fields\": []}\n");
}
