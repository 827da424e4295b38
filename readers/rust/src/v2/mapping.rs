//! A whole file mapped read-only and shared, read only through atomic loads: the one place of this crate
//! with `unsafe` code. A writer stores into the same pages while we load, so no `&[u8]` of the mapping is
//! ever made (that would promise Rust the bytes do not change); every load is an atomic load of an aligned
//! word at an offset checked against the mapped length.

use std::fs::File;
use std::io;
use std::os::unix::io::AsRawFd;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};

pub(crate) struct Mapping {
    ptr: *const u8,
    len: usize,
}

// SAFETY: the mapping is only read, and only with atomic loads, so any thread may hold and use it.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    /// The first `len` (> 0) bytes of `file`, mapped with PROT_READ and MAP_SHARED.
    pub fn new(file: &File, len: usize) -> io::Result<Mapping> {
        assert!(len > 0, "an empty file cannot be mapped");
        // SAFETY: a fresh mapping chosen by the kernel; it overlaps no Rust object.
        let ptr =
            unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_SHARED, file.as_raw_fd(), 0) };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping { ptr: ptr as *const u8, len })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// The address of `n` bytes at `at`, which must lie inside the mapping and be aligned to `n`.
    fn word(&self, at: usize, n: usize) -> *const u8 {
        assert!(at.is_multiple_of(n) && at.checked_add(n).is_some_and(|end| end <= self.len), "load at {at}");
        // SAFETY: in bounds (checked above); the mapping is page-aligned, so `at` aligned to n is too.
        unsafe { self.ptr.add(at) }
    }

    /// The little-endian u64 at `at` (a multiple of 8), in one atomic load.
    pub fn u64(&self, at: usize, order: Ordering) -> u64 {
        // SAFETY: `word` checked bounds and alignment; AtomicU64 has the layout of u64.
        u64::from_le(unsafe { &*(self.word(at, 8) as *const AtomicU64) }.load(order))
    }

    /// The little-endian u32 at `at` (a multiple of 4), in one atomic load.
    pub fn u32(&self, at: usize, order: Ordering) -> u32 {
        // SAFETY: as for `u64`.
        u32::from_le(unsafe { &*(self.word(at, 4) as *const AtomicU32) }.load(order))
    }

    fn u8(&self, at: usize) -> u8 {
        // SAFETY: as for `u64`.
        unsafe { &*(self.word(at, 1) as *const AtomicU8) }.load(Ordering::Relaxed)
    }

    /// Copies the bytes at `at..at + out.len()` into `out` with relaxed loads: 8-byte words where
    /// aligned, single bytes elsewhere.
    pub fn copy(&self, at: usize, out: &mut [u8]) {
        let mut i = 0;
        while i < out.len() {
            let p = at + i;
            if p.is_multiple_of(8) && out.len() - i >= 8 {
                out[i..i + 8].copy_from_slice(&self.u64(p, Ordering::Relaxed).to_le_bytes());
                i += 8;
            } else {
                out[i] = self.u8(p);
                i += 1;
            }
        }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once; no reference into it outlives `self`.
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len) };
    }
}
