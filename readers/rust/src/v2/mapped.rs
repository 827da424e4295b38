//! Polling a version 2 file through a shared mapping (spec/v2.md, "Readers that map the file"): the file
//! is mapped once, and every poll loads from the mapping with the spec's ordering, numbers in one 8-byte
//! atomic load each and multi-word values by the sequence protocol. Entries are copied to private memory
//! before they are checked (`walk` then checks exactly the bytes it uses) and parsed once each; each poll
//! compares the file's size with the mapped size and the path's device and inode with the mapped file's.

use std::fs::File as OsFile;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{fence, Ordering::Acquire, Ordering::Relaxed};

use super::layout::{self as l, header as h, u32_at, Header};
use super::mapping::Mapping;
use super::poll::same_regions;
use super::values::{copy_offsets, Copies, Copy};
use super::walk::{header, more_entries, EntryLayout};
use super::{fields, File};
use crate::error::{ErrorCode, FormatError, ReadError};
use crate::open::open_regular;
use crate::read::DEFAULT_MAX_SIZE;

/// The mapped file and what was parsed of it.
struct Mapped {
    /// None for an empty file (nothing to map; the header check reports it).
    map: Option<Mapping>,
    size: u64,
    dev: u64,
    ino: u64,
    /// Private copies at their file offsets: the header, the entries walked, the process area (for the
    /// string-length check of new entries). Zero elsewhere; as long as the file.
    copy: Vec<u8>,
    /// The header the entries were walked with.
    header: Option<Header>,
    entries: Vec<EntryLayout>,
    /// Entries walked (known or skipped) and the offset of the next one.
    walked: u32,
    cursor: usize,
    _file: OsFile,
}

/// Polls the version 2 file at a path through a read-only shared mapping. The same results as
/// [`super::Poller`]; a version 1 file is `bad_version` as there.
pub struct MappedPoller {
    path: PathBuf,
    max_size: u64,
    open: Option<Mapped>,
    /// Entries parsed over the poller's life: a test sees that old entries are not parsed again.
    parsed: usize,
}

impl MappedPoller {
    pub fn new(path: impl Into<PathBuf>) -> MappedPoller {
        MappedPoller::with_max_size(path, DEFAULT_MAX_SIZE)
    }

    pub fn with_max_size(path: impl Into<PathBuf>, max_size: u64) -> MappedPoller {
        MappedPoller { path: path.into(), max_size, open: None, parsed: 0 }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Entries walked since the poller was made, over all files it mapped.
    pub fn entries_parsed(&self) -> usize {
        self.parsed
    }

    /// The file now. After an error the mapping is dropped and the next poll starts from the path.
    pub fn read(&mut self) -> Result<File, ReadError> {
        let result = self.poll();
        if result.is_err() {
            self.open = None;
        }
        result
    }

    fn poll(&mut self) -> Result<File, ReadError> {
        let meta = std::fs::metadata(&self.path)?;
        if !matches!(&self.open, Some(m) if (m.dev, m.ino) == (meta.dev(), meta.ino())) {
            self.open = None; // replaced (or first poll): unmap before mapping the new file
            self.open = Some(Mapped::open(&self.path, self.max_size)?);
        }
        let m = self.open.as_mut().expect("mapped above");
        // Never load past the end of a file another process shrank: that load would raise SIGBUS.
        let size = m._file.metadata()?.len();
        if size != m.size {
            let why = format!("file size {size} is not the mapped size {}", m.size);
            return Err(FormatError::new(ErrorCode::BadFileSize, size, why).into());
        }
        let hd = m.header_now()?;
        if m.header.as_ref().is_none_or(|old| !same_regions(&hd, old) || hd.field_count < m.walked) {
            // A new mapping, or a file rewritten in place (no writer does that): walk from the start.
            m.entries.clear();
            m.walked = 0;
            m.cursor = hd.meta_offset as usize;
            m.header = Some(hd.clone());
        }
        if hd.field_count > m.walked {
            let new = hd.field_count - m.walked;
            m.copy_entries(&hd, new);
            let (more, cursor) = more_entries(&m.copy, &hd, m.cursor, new)?;
            self.parsed += new as usize;
            m.entries.extend(more);
            m.cursor = cursor;
            m.walked = hd.field_count;
        }
        let copies = m.values(&hd);
        Ok(fields(hd, m.entries.clone(), &copies))
    }
}

impl Mapped {
    fn open(path: &Path, max_size: u64) -> Result<Mapped, ReadError> {
        let (file, meta) = open_regular(path)?;
        let size = meta.len();
        if size > max_size {
            let why = format!("file is {size} bytes, over the limit of {max_size}");
            return Err(FormatError::new(ErrorCode::FileTooLarge, max_size, why).into());
        }
        let map = if size > 0 { Some(Mapping::new(&file, size as usize)?) } else { None };
        Ok(Mapped {
            map,
            size,
            dev: meta.dev(),
            ino: meta.ino(),
            copy: vec![0; size as usize],
            header: None,
            entries: Vec::new(),
            walked: 0,
            cursor: 0,
            _file: file,
        })
    }

    /// The header now, checked: `state`, `field_count` and `slots_used` with acquire loads, the rest
    /// copied after them.
    fn header_now(&mut self) -> Result<Header, FormatError> {
        let Some(map) = &self.map else { return header(&self.copy) };
        let n = map.len().min(l::HEADER_SIZE as usize);
        if n < l::HEADER_SIZE as usize {
            map.copy(0, &mut self.copy[..n]); // too short for a header: the check says what is wrong
            return header(&self.copy);
        }
        let state = map.u32(h::STATE, Acquire);
        let field_count = map.u32(h::FIELD_COUNT, Acquire);
        let slots_used = map.u32(h::SLOTS_USED, Acquire);
        map.copy(0, &mut self.copy[..n]);
        for (at, v) in [(h::STATE, state), (h::FIELD_COUNT, field_count), (h::SLOTS_USED, slots_used)] {
            self.copy[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        header(&self.copy)
    }

    /// Copies `count` entries from the cursor: each one's fixed part, then as many bytes as the copied
    /// `entry_size` says when they fit the region (else the walk reports it and stops there). Then the
    /// process area, where the walk checks a new string's length.
    fn copy_entries(&mut self, hd: &Header, count: u32) {
        let map = self.map.as_ref().expect("a valid header: the file is not empty");
        let (fixed, meta_end) = (usize::from(hd.entry_fixed_size), hd.meta_end() as usize);
        let mut e = self.cursor;
        for _ in 0..count {
            if meta_end - e < fixed {
                break;
            }
            map.copy(e, &mut self.copy[e..e + fixed]);
            let size = u32_at(&self.copy, e + l::entry::ENTRY_SIZE) as usize;
            if size < fixed || size > meta_end - e {
                break;
            }
            map.copy(e + fixed, &mut self.copy[e + fixed..e + size]);
            e += size;
        }
        let process = hd.process_offset as usize..(hd.process_offset + hd.process_capacity) as usize;
        map.copy(process.start, &mut self.copy[process]);
    }

    /// The values region as one consistent copy per value: each number in one atomic load, each
    /// multi-word copy by the sequence protocol (left with an odd sequence when it has no value).
    fn values(&self, hd: &Header) -> Copies {
        let map = self.map.as_ref().expect("a valid header: the file is not empty");
        let start = hd.process_offset as usize;
        let mut c = Copy { start, bytes: vec![0; hd.values_end() as usize - start] };
        let closed = hd.state == l::STATE_CLOSED;
        for e in &self.entries {
            for at in copy_offsets(e, hd.slots_used) {
                if e.is_multi_word() {
                    seq_copy(map, at, &mut c.bytes[at - start..at - start + e.value_size], closed);
                } else {
                    c.bytes[at - start..at - start + 8].copy_from_slice(&map.u64(at, Acquire).to_le_bytes());
                }
            }
        }
        Copies { before: c.clone(), data: c.clone(), after: c }
    }
}

/// One consistent copy of the multi-word value at `at` into `out` (spec "Reading a multi-word value"):
/// the sequence (acquire), the payload (relaxed words), an acquire fence, the sequence again (relaxed),
/// equal and even. At most RETRIES tries, yielding the processor every YIELD_EVERY; a closed file's odd
/// sequence never changes, so it gets none. Without a copy, `out` keeps an odd sequence: no value.
fn seq_copy(map: &Mapping, at: usize, out: &mut [u8], closed: bool) {
    for attempt in 0..l::RETRIES {
        let s1 = map.u64(at + l::string::SEQ, Acquire);
        if s1.is_multiple_of(2) {
            map.copy(at, out);
            fence(Acquire);
            if map.u64(at + l::string::SEQ, Relaxed) == s1 {
                out[..8].copy_from_slice(&s1.to_le_bytes());
                return;
            }
        } else if closed {
            break;
        }
        if attempt % l::YIELD_EVERY == l::YIELD_EVERY - 1 {
            std::thread::yield_now(); // sched_yield(2): the OS thread gives way to the writer
        }
    }
    out[..8].copy_from_slice(&1u64.to_le_bytes());
}
