//! What each kind of update stores, read back from the file with the reader and as raw bytes.

mod common;

use common::TempDir;
use mmstats_reader::{read, Value, DEFAULT_MAX_SIZE};
use mmstats_writer::{FieldDesc, MmstatsFile};

fn values(file: &MmstatsFile) -> Vec<Value> {
    read(file.path(), DEFAULT_MAX_SIZE).unwrap().into_iter().map(|f| f.value).collect()
}

#[test]
fn every_numeric_type() {
    let tmp = TempDir::new("updates");
    let sigs = ["b", "B", "h", "H", "i", "I", "q", "Q", "f", "d", "?"];
    let fields: Vec<_> =
        sigs.iter().enumerate().map(|(i, s)| FieldDesc::new(format!("{s}.{i}"), *s, i % 2 == 0)).collect();
    let file = MmstatsFile::create(tmp.path("n.mmstats"), &fields).unwrap();
    file.slot::<i8>("b.0").unwrap().decr(1);
    file.slot::<u8>("B.1").unwrap().decr(1);
    file.slot::<i16>("h.2").unwrap().set(-40);
    file.slot::<u16>("H.3").unwrap().set(65535);
    file.slot::<i32>("i.4").unwrap().incr(i32::MAX);
    file.slot::<u32>("I.5").unwrap().set(4_000_000_000);
    file.slot::<i64>("q.6").unwrap().set(i64::MIN);
    let mut q = file.slot::<u64>("Q.7").unwrap();
    q.set(u64::MAX);
    q.incr(2); // wraps to 1
    drop(q);
    file.slot::<f32>("f.8").unwrap().set_f64(1e39); // overflows binary32
    file.slot::<f64>("d.9").unwrap().set(-0.0);
    file.slot::<bool>("?.10").unwrap().set(true);
    assert_eq!(
        values(&file),
        vec![
            Value::Int(-1),
            Value::UInt(255),
            Value::Int(-40),
            Value::UInt(65535),
            Value::Int(i32::MAX.into()),
            Value::UInt(4_000_000_000),
            Value::Int(i64::MIN),
            Value::UInt(1),
            Value::Float(f64::INFINITY),
            Value::Float(-0.0),
            Value::Bool(true),
        ]
    );
    let v = values(&file);
    assert!(matches!(v[9], Value::Float(x) if x.is_sign_negative()));
}

#[test]
fn strings_keep_stale_bytes_and_cut_on_characters() {
    let tmp = TempDir::new("updates");
    let fields = [FieldDesc::new("s", "12s", false), FieldDesc::new("t", "3s", true), FieldDesc::new("e", "4s", false)];
    let file = MmstatsFile::create(tmp.path("s.mmstats"), &fields).unwrap();
    let mut s = file.text("s").unwrap();
    s.set("a longer one");
    s.set("short");
    assert_eq!(s.get_bytes(), b"short");
    let mut t = file.text("t").unwrap();
    t.set("old");
    t.set("new");
    t.set("x");
    let mut e = file.text("e").unwrap();
    e.set_bytes(b"abc\xe2\x82\xac"); // cut blindly: abc + a broken character
    drop((s, t, e));
    let data = std::fs::read(file.path()).unwrap();
    let layout = file.layout();
    let at = layout[0].value_offset;
    assert_eq!(&data[at..at + 12], b"short\0er one", "one NUL, then the old bytes");
    // Buffered text: three updates, write buffer 1; value[0] = "x\0d" (stale "old" tail), value[1] = "new".
    let t = &layout[1];
    assert_eq!(data[t.write_buffer_offset], 1);
    assert_eq!(&data[t.value_at(0)..t.value_at(0) + 3], b"x\0d");
    assert_eq!(&data[t.value_at(1)..t.value_at(1) + 3], b"new");
    assert_eq!(
        values(&file),
        vec![Value::Text("short".into()), Value::Text("x".into()), Value::Text("abc\u{FFFD}".into())]
    );
}

#[test]
fn any_slot_converts_and_refuses_the_wrong_kind() {
    let tmp = TempDir::new("updates");
    let fields = [FieldDesc::new("h", "h", true), FieldDesc::new("f", "f", true), FieldDesc::new("s", "2s", false)];
    let file = MmstatsFile::create(tmp.path("a.mmstats"), &fields).unwrap();
    let mut h = file.any_slot(0).unwrap();
    h.set_int(40000).unwrap();
    assert!(h.set_text("x").is_err());
    assert!(h.set_float(1.0).is_err());
    let mut f = file.any_slot(1).unwrap();
    f.set_float(0.1).unwrap();
    assert!(f.set_int(1).is_err());
    let mut s = file.any_slot(2).unwrap();
    s.set_text("aé").unwrap();
    assert!(s.set_bool(true).is_err());
    assert!(file.any_slot(3).is_err());
    drop((h, f, s));
    assert_eq!(values(&file), vec![Value::Int(-25536), Value::Float(0.10000000149011612), Value::Text("a".into())]);
}
