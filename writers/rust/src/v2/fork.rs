//! After fork() the child must not write its parent's file and must not keep its lock (spec "Heartbeat
//! and closing"). A child handler (pthread_atfork) replaces every live file mapping of the child with
//! private zero pages at the same address, so handles the child still holds keep working on memory of
//! its own, and closes the child's copy of the locked descriptor.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};

/// One live file of this process.
pub struct Live {
    pub id: u64,
    pub base: usize,
    pub len: usize,
    pub fd: libc::c_int,
    /// Set in the child: the file is no longer ours (no close, no removal, no new slots or fields).
    pub forked: Arc<AtomicBool>,
}

/// The live files, behind a spin lock: the fork handlers cannot use a std Mutex (its guard cannot be
/// held from `prepare` to `parent`/`child`).
struct Registry {
    locked: AtomicBool,
    live: UnsafeCell<Vec<Live>>,
}

// SAFETY: `live` is only touched while `locked` is held (see `with`, and the fork handlers, which hold
// the lock from prepare until parent/child).
unsafe impl Sync for Registry {}

static REGISTRY: Registry = Registry { locked: AtomicBool::new(false), live: UnsafeCell::new(Vec::new()) };
static HANDLERS: Once = Once::new();

fn lock() {
    while REGISTRY.locked.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        std::hint::spin_loop();
    }
}

fn unlock() {
    REGISTRY.locked.store(false, Ordering::Release);
}

fn with<R>(f: impl FnOnce(&mut Vec<Live>) -> R) -> R {
    lock();
    // SAFETY: the lock is held.
    let r = f(unsafe { &mut *REGISTRY.live.get() });
    unlock();
    r
}

pub fn register(live: Live) {
    HANDLERS.call_once(|| {
        // SAFETY: three functions with the C signature; registered once per process.
        unsafe { libc::pthread_atfork(Some(prepare), Some(parent), Some(child)) };
    });
    with(|v| v.push(live));
}

pub fn unregister(id: u64) {
    with(|v| v.retain(|l| l.id != id));
}

extern "C" fn prepare() {
    lock(); // no file is registered or unregistered while the process forks
}

extern "C" fn parent() {
    unlock();
}

extern "C" fn child() {
    // SAFETY: the lock has been held since prepare; only this thread exists in the child.
    let live = unsafe { &*REGISTRY.live.get() };
    for l in live {
        // SAFETY: exactly the range of a live mapping of ours, replaced in place (MAP_FIXED) by private
        // anonymous pages: the parent's file is no longer mapped here, every address stays valid.
        unsafe {
            libc::mmap(
                l.base as *mut libc::c_void,
                l.len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            );
            libc::close(l.fd);
        }
        l.forked.store(true, Ordering::Release);
    }
    unlock();
}
