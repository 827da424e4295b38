//! `Counter::local`: a thread's handle on its own copy of a counter. What it adds reads back summed with
//! every other thread's copy; without a thread slot it adds atomically to the shared slot; it keeps its
//! slot from other threads while it lives, also past its thread's exit.

mod v2_common;

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};

use mmstats_reader::v2::Value;
use mmstats_writer::v2::{Counter, LocalCounter, Stats};
use v2_common::{read, value, TempDir};

const ADDS: u64 = 100_000;

#[test]
fn local_adds_read_back_summed_with_the_other_threads_copies() {
    let tmp = TempDir::new("local");
    let path = tmp.path("l.mmstats");
    let stats = Stats::builder().path(&path).create().unwrap();
    let c = stats.counter("c").build().unwrap();
    let f = stats.counter_f64("f").build().unwrap();
    let all_counted = Arc::new(Barrier::new(5)); // no thread gives its slot back before all have one
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let (c, f, all_counted) = (c.clone(), f.clone(), all_counted.clone());
            std::thread::spawn(move || {
                if t % 2 == 0 {
                    let (lc, lf) = (c.local(), f.local());
                    for _ in 0..ADDS {
                        lc.inc();
                        lf.add(0.5);
                    }
                    lf.add(-1.0); // ignored: counters only grow
                    lf.add(f64::NAN);
                } else {
                    for _ in 0..ADDS {
                        c.add(1);
                        f.add(0.5);
                    }
                }
                all_counted.wait();
            })
        })
        .collect();
    let local = c.local();
    local.add(7);
    c.add(3); // the same thread's copy, through the counter
    local.add(5);
    all_counted.wait();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let file = read(&path);
    assert_eq!(value(&file, "c"), Value::UInt(4 * ADDS + 15));
    assert_eq!(value(&file, "f"), Value::Float(4.0 * ADDS as f64 * 0.5));
    assert_eq!(file.header.slots_used, 1 + 5, "one thread slot for each thread, the main thread's included");
}

#[test]
fn without_a_thread_slot_local_handles_add_atomically_to_the_shared_slot() {
    let tmp = TempDir::new("local-shared");
    let path = tmp.path("s.mmstats");
    let stats = Stats::builder().path(&path).slot_count(2).create().unwrap(); // one thread slot
    let c = stats.counter("c").build().unwrap();
    c.add(1); // the main thread takes it
    let (start, stop) = (Arc::new(Barrier::new(5)), Arc::new(AtomicBool::new(false)));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (c, start, stop) = (c.clone(), start.clone(), stop.clone());
            std::thread::spawn(move || {
                let local = c.local(); // slot 0: a plain load and store here would lose updates
                start.wait();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..1000 {
                        local.inc();
                    }
                    n += 1000;
                }
                n
            })
        })
        .collect();
    start.wait();
    // Long enough that the threads overlap on any number of cores (timed only to make them overlap).
    std::thread::sleep(std::time::Duration::from_millis(100));
    stop.store(true, Ordering::Relaxed);
    let added: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let file = read(&path);
    assert_eq!(value(&file, "c"), Value::UInt(1 + added));
    assert_eq!(file.header.slots_used, 2);
}

/// A handle kept in a thread-local that is destroyed after the thread gave its slots back, and adds then.
struct LateAdd {
    local: LocalCounter<'static>,
    counter: &'static Counter,
    path: std::path::PathBuf,
}

/// slots_used before and after another thread took a slot, seen from `LateAdd::drop` (a panic there
/// would abort every test).
static SEEN: Mutex<Option<(u32, u32)>> = Mutex::new(None);

impl Drop for LateAdd {
    fn drop(&mut self) {
        // Another thread taking a slot now must not be given this one, which the handle still writes.
        let before = read(&self.path).header.slots_used;
        let counter = self.counter;
        let _ = std::thread::spawn(move || counter.add(100)).join();
        let after = read(&self.path).header.slots_used;
        *SEEN.lock().unwrap() = Some((before, after));
        self.local.add(10);
    }
}

thread_local! {
    static KEPT: RefCell<Option<LateAdd>> = const { RefCell::new(None) };
}

#[test]
fn a_handle_keeps_its_slot_past_its_threads_exit() {
    let tmp = TempDir::new("local-late");
    let path = tmp.path("k.mmstats");
    let stats = Stats::builder().path(&path).create().unwrap();
    let counter: &'static Counter = Box::leak(Box::new(stats.counter("c").build().unwrap()));
    let p = path.clone();
    std::thread::spawn(move || {
        // KEPT is registered for destruction before the thread's slot list, so it is destroyed after it.
        KEPT.with(|k| assert!(k.borrow().is_none()));
        let local = counter.local();
        local.add(1);
        KEPT.with(|k| *k.borrow_mut() = Some(LateAdd { local, counter, path: p }));
    })
    .join()
    .unwrap();
    let (before, after) = SEEN.lock().unwrap().expect("the thread-local was not destroyed");
    assert_eq!((before, after), (2, 3), "another thread was given the slot of a live handle");
    let file = read(&path);
    assert_eq!(value(&file, "c"), Value::UInt(111));
    // Given back once the handle was dropped: the next thread takes it instead of a new one.
    std::thread::spawn(move || counter.add(1000)).join().unwrap();
    let file = read(&path);
    assert_eq!((value(&file, "c"), file.header.slots_used), (Value::UInt(1111), 3));
}

#[test]
fn a_handle_outlives_the_close_of_its_file() {
    let tmp = TempDir::new("local-close");
    let path = tmp.path("c.mmstats");
    let stats = Stats::builder().path(&path).keep_on_close(true).create().unwrap();
    let c = stats.counter("c").build().unwrap();
    let local = c.local();
    local.add(2);
    stats.close().unwrap();
    local.add(3); // the mapping is kept by the counter the handle borrows
    assert_eq!(value(&read(&path), "c"), Value::UInt(5));
}
