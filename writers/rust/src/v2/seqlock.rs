//! The writer side of a 64-bit sequence lock (spec "Updating a multi-word value").

use std::sync::atomic::{fence, AtomicU64, Ordering};

/// Runs `payload` (relaxed atomic stores of the value's words) inside an update of `seq`. `exclusive`:
/// only this thread writes the value (a histogram in its own slot): a relaxed load and store make the
/// sequence odd. Otherwise (the shared slot, a string) a compare-and-swap from even to odd takes it,
/// retried while another writer holds it. The caller never blocks inside `payload`.
#[inline(always)]
pub(crate) fn write<R>(seq: &AtomicU64, exclusive: bool, payload: impl FnOnce() -> R) -> R {
    let s = if exclusive {
        let s = seq.load(Ordering::Relaxed);
        seq.store(s.wrapping_add(1), Ordering::Relaxed);
        s
    } else {
        lock(seq)
    };
    fence(Ordering::Release); // the odd sequence before any payload store
    let r = payload();
    seq.store(s.wrapping_add(2), Ordering::Release); // the payload before the even sequence
    r
}

/// Takes the sequence from an even value s to s + 1 (acquire); returns s.
fn lock(seq: &AtomicU64) -> u64 {
    loop {
        let s = seq.load(Ordering::Relaxed);
        if s & 1 == 0 && seq.compare_exchange_weak(s, s + 1, Ordering::Acquire, Ordering::Relaxed).is_ok() {
            return s;
        }
        std::hint::spin_loop();
    }
}
