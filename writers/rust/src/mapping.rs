//! A shared read-write mapping of a whole file (mmap MAP_SHARED), unmapped on drop.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::ptr::NonNull;

pub(crate) struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory; moving the owner to another thread is fine. Sharing is not:
// the file type that owns a Mapping is !Sync.
unsafe impl Send for Mapping {}

impl Mapping {
    /// Maps the first `len` bytes of `file` shared, for reading and writing.
    pub(crate) fn new(file: &File, len: usize) -> io::Result<Mapping> {
        // SAFETY: a fresh mapping chosen by the kernel; the result is checked before use.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(ptr.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned a null address"))?;
        Ok(Mapping { ptr, len })
    }

    pub(crate) fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Writes the mapped pages back to the file and waits (msync MS_SYNC).
    pub(crate) fn sync(&self) -> io::Result<()> {
        // SAFETY: exactly the range this Mapping owns.
        if unsafe { libc::msync(self.ptr.as_ptr().cast(), self.len, libc::MS_SYNC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: exactly the range this Mapping owns, and nothing uses it after drop (handles borrow
        // the file that owns the mapping).
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
