//! Which slot the calling thread writes (spec "Slots"). The first slotted update of a thread takes a
//! slot from the file's pool under its mutex, release-storing `slots_used` before the slot's first
//! store; with none left the thread uses the shared slot 0 for good. When the thread exits its slots
//! go back to the pools, with their values kept.
//!
//! The hot path reads one thread-local cell: (file id, slot base, exclusive). Ids are never reused,
//! and a handle that asks keeps its file alive, so a matching id means a live slot base.
//!
//! A thread holds each slot through a `Lease`, which gives the slot back when dropped. The thread's
//! list holds one; a `LocalCounter` holds another, so a handle that outlives the list (one kept in a
//! thread-local whose destructor runs later) keeps its slot until it is dropped itself.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use mmstats_reader::v2::layout::header as h;

use super::shared::Shared;

/// The slot a thread writes last: (file id, first byte of the slot | 1 for an owned thread slot). Slots are
/// 8-aligned, so the low bit is free; one pair of words keeps the hot path to two thread-local loads.
type Last = (u64, usize);

thread_local! {
    static LAST: Cell<Last> = const { Cell::new((0, 0)) };
    static OWNED: Owned = const { Owned(RefCell::new(Vec::new())) };
}

/// A thread's slots, one per file it updated: (file id, its lease).
struct Owned(RefCell<Vec<(u64, Rc<Lease>)>>);

impl Drop for Owned {
    fn drop(&mut self) {
        // From here on this thread uses the shared slot (see `slow`).
        let _ = LAST.try_with(|l| l.set((0, 0)));
        self.0.borrow_mut().clear();
    }
}

/// One thread's hold on one slot of a file (slot 0, the shared slot, is never given back).
pub(crate) struct Lease {
    file: Weak<Shared>,
    slot: u32,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let (Some(file), true) = (self.file.upgrade(), self.slot != 0) {
            if file.is_forked() {
                return; // the pool's mutex may be held by a thread that does not exist in this child
            }
            // The mutex orders this thread's last stores before the next owner's first load.
            file.pool.lock().unwrap_or_else(|e| e.into_inner()).free.push(self.slot);
        }
    }
}

/// The thread's last slot: (file id, first byte, owned); (0, 0, false) before any.
#[inline(always)]
pub(crate) fn last() -> (u64, usize, bool) {
    let (id, tagged) = LAST.with(Cell::get);
    (id, tagged & !1, tagged & 1 == 1)
}

/// The calling thread's slot of `file`: its first byte, and whether the thread owns it (false: slot 0,
/// written with atomic read-modify-write).
#[inline(always)]
pub(crate) fn slot(file: &Arc<Shared>) -> (*mut u8, bool) {
    let (id, base, exclusive) = last();
    if id == file.id {
        return (base as *mut u8, exclusive);
    }
    slow(file)
}

#[cold]
#[inline(never)]
fn slow(file: &Arc<Shared>) -> (*mut u8, bool) {
    match lease(file) {
        Some((base, exclusive, _)) => (base, exclusive),
        None => (file.slot_base(0), false),
    }
}

/// Drops a lease, out of line (see `LocalCounter`'s `Drop`).
#[inline(never)]
pub(crate) fn release(lease: Rc<Lease>) {
    drop(lease);
}

/// The calling thread's slot of `file`, found or taken, with the thread's lease on it; None where the
/// thread must use the shared slot without one (a forked child, or a thread that is exiting).
pub(crate) fn lease(file: &Arc<Shared>) -> Option<(*mut u8, bool, Rc<Lease>)> {
    if file.is_forked() {
        return None; // the pool's mutex may have been held by a thread that does not exist in the child
    }
    let found = OWNED.try_with(|owned| {
        let mut owned = owned.0.borrow_mut();
        let lease = match owned.iter().find(|(id, _)| *id == file.id) {
            Some((_, lease)) => lease.clone(),
            None => {
                let lease = Rc::new(Lease { file: Arc::downgrade(file), slot: take(file) });
                owned.push((file.id, lease.clone()));
                lease
            }
        };
        (file.slot_base(lease.slot), lease.slot != 0, lease)
    });
    let (base, exclusive, lease) = found.ok()?; // Err: the thread is exiting, its slots went back already
    LAST.with(|l| l.set((file.id, base as usize | usize::from(exclusive))));
    Some((base, exclusive, lease))
}

/// A slot for a thread that has none: a given-back one, else a new one, else 0.
fn take(file: &Shared) -> u32 {
    if !file.thread_slots {
        return 0;
    }
    let mut pool = file.pool.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(slot) = pool.free.pop() {
        return slot;
    }
    if pool.used < file.geometry.slot_count {
        let slot = pool.used;
        pool.used += 1;
        // Before the first store into the slot: a reader that adds this slot sees it zero or later.
        file.word32(h::SLOTS_USED).store(pool.used, Ordering::Release);
        return slot;
    }
    0
}
