//! The state of one open file, shared by its `Stats` and every handle: the mapping, the lock's
//! descriptor, field registration and the slot pool. All the unsafe code of version 2 that touches
//! the mapping is here: `word` and `word32` hand out atomics over the mapped words.

use std::collections::HashSet;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mmstats_reader::show::escape_path;
use mmstats_reader::v2::layout::{header as h, Storage, STATE_CLOSED, STATE_READY};
use mmstats_reader::v2::{Kind, ValueType};

use super::create::{Created, Geometry};
use super::entry::{Description, FieldError};
use super::fork;
use crate::mapping::Mapping;

/// A field to add: its description, kind, type, one copy's size, extra (bounds) and initial bytes.
pub struct NewField<'a> {
    pub desc: &'a Description,
    pub kind: Kind,
    pub value_type: ValueType,
    pub value_size: u32,
    pub extra: &'a [u8],
    /// Stored into the (zero) value before publication: a constant, a string's length and text.
    pub initial: &'a [u8],
}

/// Where registration put a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placed {
    /// Published; the value's offset in its area (the process area or each slot).
    At(usize),
    /// The file had no room (counted in overflow_count), or this is a forked child: not published.
    Unpublished,
}

struct Registry {
    meta_used: usize,
    process_used: usize,
    slot_used: usize,
    field_count: u32,
    names: HashSet<(String, Vec<(String, String)>)>,
    warned_full: bool,
}

/// Slots handed out (spec "Slots"): slot `used` is the next never-used one; `free` were given back.
pub(crate) struct Pool {
    pub(crate) used: u32,
    pub(crate) free: Vec<u32>,
}

pub struct Shared {
    /// Unique in this process, never reused: the key of a thread's slot for this file.
    pub(crate) id: u64,
    map: Mapping,
    /// The descriptor that holds the lock; closed after the mapping is gone (None: closed in a forked child).
    fd: Option<File>,
    pub(crate) path: PathBuf,
    identity: (u64, u64),
    pub(crate) geometry: Geometry,
    pub(crate) thread_slots: bool,
    registry: Mutex<Registry>,
    pub(crate) pool: Mutex<Pool>,
    pub(crate) forked: Arc<AtomicBool>,
    closed: AtomicBool,
}

// SAFETY: the mapping's words are only accessed through atomics (`word`, `word32`) or, for bytes not yet
// published, under the registration mutex; the rest of the state is behind mutexes or atomics.
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Shared {
    /// Takes over a created file (state 0), registers it for the fork handler and publishes it: state 1,
    /// release-stored last.
    pub(crate) fn publish(
        created: Created,
        path: PathBuf,
        geometry: Geometry,
        thread_slots: bool,
    ) -> io::Result<Shared> {
        let meta = created.file.metadata()?;
        let forked = Arc::new(AtomicBool::new(false));
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        fork::register(fork::Live {
            id,
            base: created.map.as_ptr() as usize,
            len: created.map.len(),
            fd: created.file.as_raw_fd(),
            forked: forked.clone(),
        });
        let shared = Shared {
            id,
            map: created.map,
            fd: Some(created.file),
            path,
            identity: (meta.dev(), meta.ino()),
            geometry,
            thread_slots,
            registry: Mutex::new(Registry {
                meta_used: 0,
                process_used: 0,
                slot_used: 0,
                field_count: 0,
                names: HashSet::new(),
                warned_full: false,
            }),
            pool: Mutex::new(Pool { used: 1, free: Vec::new() }),
            forked,
            closed: AtomicBool::new(false),
        };
        shared.word32(h::STATE).store(STATE_READY, Ordering::Release);
        Ok(shared)
    }

    /// The 8-byte word at `offset` of the file.
    #[inline(always)]
    pub(crate) fn word(&self, offset: usize) -> &AtomicU64 {
        debug_assert!(offset.is_multiple_of(8) && offset + 8 <= self.map.len());
        // SAFETY: the offset is 8-aligned inside the mapping (the base is page-aligned), which lives as long
        // as &self; every access to mapped words in this process is atomic.
        unsafe { AtomicU64::from_ptr(self.map.as_ptr().add(offset).cast()) }
    }

    /// `len` words from `offset` of the file.
    #[inline(always)]
    pub(crate) fn words(&self, offset: usize, len: usize) -> &[AtomicU64] {
        assert!(offset.is_multiple_of(8) && offset + 8 * len <= self.map.len(), "words outside the file");
        // SAFETY: checked to lie inside the mapping, 8-aligned; as in `word`.
        unsafe { std::slice::from_raw_parts(self.map.as_ptr().add(offset).cast::<AtomicU64>(), len) }
    }

    /// The 4-byte header word at `offset`.
    pub(crate) fn word32(&self, offset: usize) -> &AtomicU32 {
        debug_assert!(offset.is_multiple_of(4) && offset + 4 <= self.map.len());
        // SAFETY: as in `word`, 4-aligned.
        unsafe { AtomicU32::from_ptr(self.map.as_ptr().add(offset).cast()) }
    }

    /// The first byte of slot `k`.
    #[inline(always)]
    pub(crate) fn slot_base(&self, k: u32) -> *mut u8 {
        let at = self.geometry.slots_offset() + k as usize * self.geometry.slot_size as usize;
        // SAFETY: k < slot_count, so the slot lies inside the mapping.
        unsafe { self.map.as_ptr().add(at) }
    }

    pub(crate) fn is_forked(&self) -> bool {
        self.forked.load(Ordering::Acquire)
    }

    /// Spec "Adding a field at run time": entry, then the initial value, then field_count (release).
    /// A field that does not fit is counted in overflow_count and not published.
    pub(crate) fn add_field(&self, f: &NewField<'_>) -> Result<Placed, FieldError> {
        let mut r = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        let key = (f.desc.name.clone(), sorted(&f.desc.attributes));
        if r.names.contains(&key) {
            return Err(FieldError::Duplicate(f.desc.name.clone()));
        }
        if self.is_forked() || self.closed.load(Ordering::Relaxed) {
            return Ok(Placed::Unpublished);
        }
        let g = &self.geometry;
        let entry_size = f.desc.size(f.extra);
        let slotted = f.kind.storage() == Storage::Slots;
        let (used, area) =
            if slotted { (r.slot_used, g.slot_size as usize) } else { (r.process_used, g.process_capacity as usize) };
        let size = f.value_size as usize;
        if r.meta_used + entry_size > g.meta_capacity as usize || used + size > area {
            let overflow = self.word32(h::OVERFLOW_COUNT);
            let n = overflow.load(Ordering::Relaxed).wrapping_add(1);
            overflow.store(n, Ordering::Relaxed);
            if !std::mem::replace(&mut r.warned_full, true) {
                eprintln!(
                    "{}: mmstats file full: field {:?} is not published (counted in overflow_count; later ones too)",
                    escape_path(self.path.as_os_str()),
                    f.desc.name
                );
            }
            return Ok(Placed::Unpublished);
        }
        let entry = f.desc.encode(f.kind, f.value_type, used as u32, f.value_size, f.extra);
        let entry_at = g.meta_offset() + r.meta_used;
        // SAFETY: the bytes after the last published entry belong to nobody yet: readers ignore them and
        // this process writes them only under the registration mutex, held here; they lie in the map.
        unsafe { std::ptr::copy_nonoverlapping(entry.as_ptr(), self.map.as_ptr().add(entry_at), entry.len()) };
        if !f.initial.is_empty() {
            debug_assert!(!slotted && f.initial.len() <= size);
            let at = g.process_offset() + used;
            // SAFETY: the value is unpublished and never used before (nothing is ever freed), in the map.
            unsafe { std::ptr::copy_nonoverlapping(f.initial.as_ptr(), self.map.as_ptr().add(at), f.initial.len()) };
        }
        r.meta_used += entry_size;
        let advance = size.next_multiple_of(8);
        if slotted {
            r.slot_used += advance;
        } else {
            r.process_used += advance;
        }
        r.field_count += 1;
        r.names.insert(key);
        self.word32(h::FIELD_COUNT).store(r.field_count, Ordering::Release);
        Ok(Placed::At(used))
    }

    /// Release-stores the time into heartbeat_unix_ns.
    pub(crate) fn heartbeat(&self, unix_ns: u64) {
        if !self.is_forked() {
            self.word(h::HEARTBEAT_UNIX_NS).store(unix_ns, Ordering::Release);
        }
    }

    /// State closed (release), then the file removed unless `keep` (only if the path still names it).
    /// The mapping and the lock go when the last handle does (`Drop`). A forked child does nothing.
    pub(crate) fn close(&self, keep: bool) -> io::Result<()> {
        if self.is_forked() || self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.word32(h::STATE).store(STATE_CLOSED, Ordering::Release);
        if keep {
            return Ok(());
        }
        match std::fs::symlink_metadata(&self.path) {
            Ok(m) if (m.dev(), m.ino()) == self.identity => std::fs::remove_file(&self.path),
            Ok(_) => Err(io::Error::new(io::ErrorKind::NotFound, "the path no longer names this writer's file")),
            Err(e) => Err(e),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn sorted(attributes: &[(String, String)]) -> Vec<(String, String)> {
    let mut v = attributes.to_vec();
    v.sort();
    v
}

impl Drop for Shared {
    fn drop(&mut self) {
        fork::unregister(self.id);
        // Field order would drop `map` (munmap) before `fd`; the lock goes with the descriptor, last.
        if self.is_forked() {
            // The child handler closed this descriptor already; its number may be reused by now.
            if let Some(f) = self.fd.take() {
                std::mem::forget(f);
            }
        }
    }
}
