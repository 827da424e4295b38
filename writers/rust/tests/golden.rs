//! Byte for byte the files mmstats 0.8 wrote, for the scenarios without process-specific values
//! (conformance/golden/mmstats-0.8/README.md): the same fields, the same number of updates, the same bytes.

mod common;

use common::{fields_of, first_difference, golden_08_dir, load_json, TempDir};
use mmstats_writer::MmstatsFile;

/// Creates the fields of `name`.json in a new file, applies `updates` as 0.8 did, and compares the
/// file with `name`.mmstats.
fn same_as_08(name: &str, updates: impl FnOnce(&MmstatsFile)) {
    let dir = golden_08_dir();
    let want = std::fs::read(dir.join(format!("{name}.mmstats"))).unwrap();
    let fields = fields_of(&load_json(&dir.join(format!("{name}.json"))));
    let tmp = TempDir::new("golden");
    let out = tmp.path(&format!("{name}.mmstats"));
    let file = MmstatsFile::create(&out, &fields).unwrap();
    updates(&file);
    file.close();
    let got = std::fs::read(&out).unwrap();
    assert_eq!(first_difference(&want, &got), None, "{name}: (offset, 0.8 byte, our byte)");
}

#[test]
fn base_model() {
    same_as_08("base-model", |f| {
        f.slot::<u64>("bare.hits").unwrap().incr(3);
        f.text("bare.name").unwrap().set("no defaults");
        f.slot::<f64>("bare.ratio").unwrap().set(0.75);
    });
}

#[test]
fn write_buffer() {
    same_as_08("write-buffer", |f| {
        f.slot::<u32>("wb.once").unwrap().set(11);
        let mut odd = f.slot::<u32>("wb.odd").unwrap();
        [21, 22, 23].into_iter().for_each(|v| odd.set(v));
        let mut even = f.slot::<u32>("wb.even").unwrap();
        [31, 32, 33, 34].into_iter().for_each(|v| even.set(v));
        let mut c = f.slot::<u64>("wb.counter.odd").unwrap();
        (0..5).for_each(|_| c.incr(1));
        let mut c = f.slot::<u64>("wb.counter.even").unwrap();
        (0..6).for_each(|_| c.incr(1));
    });
}

#[test]
fn exact_page() {
    same_as_08("exact-page", |f| {
        f.slot::<u64>("c").unwrap().incr(7);
        f.text("x").unwrap().set(&"X".repeat(4000));
        f.text("y").unwrap().set("the last field ends exactly at byte 4096");
    });
}

#[test]
fn wraparound() {
    same_as_08("wraparound", |f| {
        let mut counter = f.slot::<u64>("wrap.counter").unwrap();
        counter.incr(10);
        counter.decr(11);
        f.slot::<u32>("wrap.u32").unwrap().set(-1i32 as u32);
        f.slot::<i16>("wrap.i16").unwrap().set(40000u16 as i16);
        f.slot::<u16>("wrap.u16").unwrap().set(-2i16 as u16);
        f.slot::<i8>("wrap.i8").unwrap().set(200u8 as i8);
    });
}

#[test]
fn labels() {
    same_as_08("labels", |f| {
        let labels: Vec<String> = f.layout().iter().map(|s| s.label.clone()).collect();
        f.slot::<u32>(&labels[0]).unwrap().set(1); // p.empty_label
        f.slot::<u32>(&labels[1]).unwrap().set(2); // p.a
        f.slot::<bool>(&labels[2]).unwrap().set(true); // p.The Bool
        f.slot::<f64>("p.temp.°C.météo").unwrap().set(21.5);
        f.slot::<u32>(&labels[4]).unwrap().set(255); // label of 255 bytes
        f.slot::<u32>(&labels[5]).unwrap().set(256); // 256 bytes: label size 00 01
        f.slot::<i8>(&labels[6]).unwrap().set(5); // 512 bytes: label size 00 02
        assert_eq!((labels[4].len(), labels[5].len(), labels[6].len()), (255, 256, 512));
    });
}

#[test]
fn special_floats() {
    // CPython 3 packs NaN as 7ff8... (f32 7fc00000); negating sets the sign bit, as Rust's `-NAN` does.
    same_as_08("special-floats", |f| {
        let f32s = [
            ("f32.nan", f32::NAN),
            ("f32.inf", f32::INFINITY),
            ("f32.ninf", f32::NEG_INFINITY),
            ("f32.denormal", f32::from_bits(1)),
            ("f32.negnan", -f32::NAN),
            ("f32.static.ninf", f32::NEG_INFINITY),
        ];
        for (label, v) in f32s {
            f.slot::<f32>(label).unwrap().set(v);
        }
        let f64s = [
            ("f64.nan", f64::NAN),
            ("f64.negnan", -f64::NAN),
            ("f64.inf", f64::INFINITY),
            ("f64.ninf", f64::NEG_INFINITY),
            ("f64.negzero", -0.0),
            ("f64.max", f64::MAX),
            ("f64.denormal", 5e-324),
            ("f64.static.nan", f64::NAN),
        ];
        for (label, v) in f64s {
            f.slot::<f64>(label).unwrap().set(v);
        }
    });
}

#[test]
fn string_size_zero() {
    same_as_08("string-size-zero", |f| {
        f.slot::<u32>("after").unwrap().set(99);
        // The 0s field is never set by 0.8; setting it changes nothing (it has no bytes).
        f.text("str.zero").unwrap().set("anything");
    });
}
