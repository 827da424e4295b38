//! The constants of `v2::layout` against the spec's generated tables (spec/v2.md, generated from the
//! schema): every offset of the header, entry, string and histogram tables, every kind and value type.

mod common;

use mmstats_reader::v2::layout::{self as l, entry, header, histogram, string, Kind, ValueType};

/// The rows of the generated table `name` as cells, without the heading and the separator.
fn table(name: &str) -> Vec<Vec<String>> {
    let path = common::repo().join("spec/v2.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let begin = format!("<!-- BEGIN GENERATED {name} -->");
    let start = text.find(&begin).unwrap_or_else(|| panic!("no table {name}")) + begin.len();
    let end = start + text[start..].find("<!-- END GENERATED").unwrap();
    let rows: Vec<Vec<String>> = text[start..end]
        .lines()
        .filter(|line| line.starts_with('|'))
        .skip(2)
        .map(|line| line.trim_matches('|').split('|').map(|c| c.trim().trim_matches('`').to_string()).collect())
        .collect();
    assert!(!rows.is_empty(), "table {name} is empty");
    rows
}

/// Every row of `name` whose offset is a number names a constant of `ours` with that offset, and every
/// constant of `ours` is in the table.
fn check_offsets(name: &str, ours: &[(&str, usize)]) {
    let rows: Vec<(String, usize)> =
        table(name).into_iter().filter_map(|r| r[0].parse().ok().map(|offset| (r[2].clone(), offset))).collect();
    for (field, offset) in &rows {
        let mine = ours.iter().find(|(n, _)| n == field).unwrap_or_else(|| panic!("{name}: no constant for {field}"));
        assert_eq!(mine.1, *offset, "{name}: {field}");
    }
    assert_eq!(rows.len(), ours.len(), "{name}: {rows:?}");
}

#[test]
fn header_offsets() {
    use header::*;
    check_offsets(
        "v2-header",
        &[
            ("version", VERSION),
            ("magic", MAGIC),
            ("minor", MINOR),
            ("header_size", HEADER_SIZE),
            ("state", STATE),
            ("pid", PID),
            ("start_ticks", START_TICKS),
            ("created_unix_ns", CREATED_UNIX_NS),
            ("heartbeat_unix_ns", HEARTBEAT_UNIX_NS),
            ("heartbeat_interval_ms", HEARTBEAT_INTERVAL_MS),
            ("entry_fixed_size", ENTRY_FIXED_SIZE),
            ("flags", FLAGS),
            ("meta_offset", META_OFFSET),
            ("meta_capacity", META_CAPACITY),
            ("process_offset", PROCESS_OFFSET),
            ("process_capacity", PROCESS_CAPACITY),
            ("slots_offset", SLOTS_OFFSET),
            ("slot_size", SLOT_SIZE),
            ("slot_count", SLOT_COUNT),
            ("slots_used", SLOTS_USED),
            ("field_count", FIELD_COUNT),
            ("overflow_count", OVERFLOW_COUNT),
            ("reserved", RESERVED),
        ],
    );
}

#[test]
fn entry_offsets() {
    use entry::*;
    check_offsets(
        "v2-entry",
        &[
            ("entry_size", ENTRY_SIZE),
            ("kind", KIND),
            ("value_type", VALUE_TYPE),
            ("flags", FLAGS),
            ("value_offset", VALUE_OFFSET),
            ("value_size", VALUE_SIZE),
            ("name_size", NAME_SIZE),
            ("unit_size", UNIT_SIZE),
            ("help_size", HELP_SIZE),
            ("attributes_size", ATTRIBUTES_SIZE),
            ("extra_size", EXTRA_SIZE),
            ("reserved", RESERVED),
        ],
    );
}

#[test]
fn value_offsets() {
    check_offsets(
        "v2-string",
        &[("seq", string::SEQ), ("length", string::LENGTH), ("reserved", string::RESERVED), ("text", string::TEXT)],
    );
    check_offsets("v2-histogram", &[("seq", histogram::SEQ), ("sum", histogram::SUM), ("buckets", histogram::BUCKETS)]);
    // The attribute pair: key_size at 0, key at 2.
    let pair = table("v2-attribute");
    assert_eq!((pair[0][2].as_str(), pair[0][1].parse::<usize>().unwrap()), ("key_size", l::attribute::SIZE_SIZE));
}

#[test]
fn constants() {
    let rows = table("v2-constants");
    let value = |name: &str| -> u64 {
        let row = rows.iter().find(|r| r[0] == name).unwrap_or_else(|| panic!("no constant {name}"));
        row[1].split_whitespace().next().unwrap().parse().unwrap()
    };
    assert_eq!(value("FORMAT_VERSION"), u64::from(l::FORMAT_VERSION));
    assert_eq!(value("PAGE_SIZE"), l::PAGE_SIZE);
    assert_eq!(value("ALIGN"), l::ALIGN);
    assert_eq!(value("HEADER_SIZE"), l::HEADER_SIZE);
    assert_eq!(value("ENTRY_FIXED_SIZE"), l::ENTRY_FIXED_SIZE);
    assert_eq!(value("UNIT_MAX"), l::UNIT_MAX);
    assert!(rows.iter().any(|r| r[0] == "MAGIC" && r[1].contains(std::str::from_utf8(l::MAGIC).unwrap())));
}

#[test]
fn kinds_and_value_types() {
    let mut known = 0;
    for row in table("v2-kinds") {
        let Ok(code) = row[0].parse::<u8>() else { continue };
        let kind = Kind::from_code(code).unwrap_or_else(|| panic!("kind {code}"));
        assert_eq!(kind.name(), row[1]);
        let storage = if row[2] == "slots" { l::Storage::Slots } else { l::Storage::Process };
        assert_eq!(kind.storage(), storage, "{}", row[1]);
        let allowed: Vec<_> = kind.allowed().iter().map(|t| t.name()).collect();
        assert_eq!(allowed.join(", "), row[3].replace('`', ""), "{}", row[1]);
        known += 1;
    }
    assert_eq!(known, 6);
    assert!(Kind::from_code(0).is_none() && Kind::from_code(7).is_none() && Kind::from_code(99).is_none());
    let mut types = 0;
    for row in table("v2-value-types") {
        let Ok(code) = row[0].parse::<u8>() else { continue };
        assert_eq!(ValueType::from_code(code).unwrap_or_else(|| panic!("type {code}")).name(), row[1]);
        types += 1;
    }
    assert_eq!(types, 4);
    assert!(ValueType::from_code(0).is_none() && ValueType::from_code(5).is_none());
}

#[test]
fn states() {
    for row in table("v2-states") {
        let code: u32 = row[0].parse().unwrap();
        assert_eq!(l::state_name(code), row[1]);
    }
}
