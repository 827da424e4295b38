//! Creating a file (spec "Creating a file"): a temporary name, an exclusive create, the lock held for
//! life, pages allocated before mapping, the header with state 0, the final name never replacing
//! anything. Publishing (state 1) is the caller's last step, once the file is mapped and shared.

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use mmstats_reader::v2::layout::{header as h, ALIGN, ENTRY_FIXED_SIZE, FORMAT_VERSION, HEADER_SIZE, MAGIC, PAGE_SIZE};
use mmstats_reader::DEFAULT_MAX_SIZE;

use crate::mapping::Mapping;

/// The sizes of a file's regions, all multiples of 8, fixed for its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub meta_capacity: u32,
    pub process_capacity: u32,
    pub slot_size: u32,
    pub slot_count: u32,
}

impl Default for Geometry {
    /// The spec's recommendation: 64 KiB of metadata and of process area, 64 slots of 1 KiB.
    fn default() -> Geometry {
        Geometry { meta_capacity: 65536, process_capacity: 65536, slot_size: 1024, slot_count: 64 }
    }
}

impl Geometry {
    pub fn meta_offset(&self) -> usize {
        HEADER_SIZE as usize
    }

    pub fn process_offset(&self) -> usize {
        self.meta_offset() + self.meta_capacity as usize
    }

    pub fn slots_offset(&self) -> usize {
        self.process_offset() + self.process_capacity as usize
    }

    /// The regions rounded up to whole pages.
    pub fn file_size(&self) -> u64 {
        let end = self.slots_offset() as u64 + u64::from(self.slot_size) * u64::from(self.slot_count);
        end.next_multiple_of(PAGE_SIZE)
    }

    /// Alignment, at least one slot, and a size every reader accepts (u32 offsets, the default size limit).
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [
            ("meta_capacity", self.meta_capacity),
            ("process_capacity", self.process_capacity),
            ("slot_size", self.slot_size),
        ] {
            if u64::from(v) % ALIGN != 0 {
                return Err(format!("{name} {v} is not a multiple of {ALIGN}"));
            }
        }
        if self.slot_count == 0 {
            return Err("slot_count must be at least 1 (slot 0 is the shared slot)".into());
        }
        if self.file_size() > DEFAULT_MAX_SIZE.min(u64::from(u32::MAX)) {
            return Err(format!(
                "the file would be {} bytes: readers refuse files over {DEFAULT_MAX_SIZE} (file_too_large)",
                self.file_size()
            ));
        }
        Ok(())
    }
}

/// The producer's identity in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    pub pid: u64,
    pub start_ticks: u64,
    pub created_unix_ns: u64,
}

impl Identity {
    /// This process: its pid, its start time (/proc/self/stat field 22, 0 if unknown), now.
    pub fn this_process() -> Identity {
        let created_unix_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Identity { pid: u64::from(std::process::id()), start_ticks: start_ticks("/proc/self/stat"), created_unix_ns }
    }
}

/// Field 22 (starttime) of a /proc/PID/stat file, or 0. The command name (field 2) may hold spaces
/// and parentheses, so fields are counted from the last ')'.
pub fn start_ticks(stat_path: impl AsRef<Path>) -> u64 {
    std::fs::read(stat_path)
        .ok()
        .and_then(|raw| {
            let end = raw.iter().rposition(|&b| b == b')')?;
            let rest = std::str::from_utf8(&raw[end + 1..]).ok()?;
            rest.split_ascii_whitespace().nth(19)?.parse().ok()
        })
        .unwrap_or(0)
}

/// The 128 header bytes of a new file: state 0 (creating), slots_used 1, no fields yet.
pub fn header(g: &Geometry, id: &Identity, heartbeat_interval_ms: u32) -> Vec<u8> {
    let mut out = vec![0u8; HEADER_SIZE as usize];
    let mut put = |at: usize, bytes: &[u8]| out[at..at + bytes.len()].copy_from_slice(bytes);
    put(h::VERSION, &[FORMAT_VERSION]);
    put(h::MAGIC, MAGIC);
    put(h::HEADER_SIZE, &(HEADER_SIZE as u16).to_le_bytes());
    put(h::PID, &id.pid.to_le_bytes());
    put(h::START_TICKS, &id.start_ticks.to_le_bytes());
    put(h::CREATED_UNIX_NS, &id.created_unix_ns.to_le_bytes());
    put(h::HEARTBEAT_INTERVAL_MS, &heartbeat_interval_ms.to_le_bytes());
    put(h::ENTRY_FIXED_SIZE, &(ENTRY_FIXED_SIZE as u16).to_le_bytes());
    put(h::META_OFFSET, &(g.meta_offset() as u32).to_le_bytes());
    put(h::META_CAPACITY, &g.meta_capacity.to_le_bytes());
    put(h::PROCESS_OFFSET, &(g.process_offset() as u32).to_le_bytes());
    put(h::PROCESS_CAPACITY, &g.process_capacity.to_le_bytes());
    put(h::SLOTS_OFFSET, &(g.slots_offset() as u32).to_le_bytes());
    put(h::SLOT_SIZE, &g.slot_size.to_le_bytes());
    put(h::SLOT_COUNT, &g.slot_count.to_le_bytes());
    put(h::SLOTS_USED, &1u32.to_le_bytes());
    out
}

/// A created, locked and mapped file under its final name, still in state 0.
pub(crate) struct Created {
    pub(crate) file: File,
    pub(crate) map: Mapping,
}

/// Steps 2 to 6 of "Creating a file". On failure nothing is left behind and nothing that existed is
/// touched; the error says which step failed.
pub(crate) fn create(path: &Path, header: &[u8], size: u64, mode: u32) -> Result<Created, (&'static str, io::Error)> {
    let tmp = temporary_name(path);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&tmp)
        .map_err(|e| ("creating the temporary file", e))?;
    let made = (|| {
        lock(&file).map_err(|e| ("flock", e))?;
        file.set_len(size).map_err(|e| ("ftruncate", e))?;
        allocate(&file, size).map_err(|e| ("allocating the pages", e))?;
        file.write_all_at(header, 0).map_err(|e| ("writing the header", e))?;
        let map = Mapping::new(&file, size as usize).map_err(|e| ("mmap", e))?;
        rename_no_replace(&tmp, path).map_err(|e| ("renaming to the final name", e))?;
        Ok(map)
    })();
    match made {
        Ok(map) => Ok(Created { file, map }),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp); // ours: created exclusively above
            Err(e)
        }
    }
}

/// `PATH.PID.creating`: in the target directory, not ending in `.mmstats`, so tools ignore it.
pub fn temporary_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}.creating", std::process::id()));
    PathBuf::from(name)
}

/// flock(LOCK_EX), held until the descriptor's open file description is closed (spec "Liveness").
fn lock(file: &File) -> io::Result<()> {
    // SAFETY: a valid descriptor owned by `file`.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Reserves every page now, so that a full file system fails here and not with SIGBUS on a store.
fn allocate(file: &File, size: u64) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: a valid descriptor; the range is the file's.
        match unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, size as libc::off_t) } {
            0 => return Ok(()),
            libc::EOPNOTSUPP | libc::EINVAL => {} // the file system cannot: write zeros instead
            err => return Err(io::Error::from_raw_os_error(err)),
        }
    }
    let zeros = vec![0u8; 65536];
    let mut at = 0;
    while at < size {
        let n = (size - at).min(zeros.len() as u64) as usize;
        file.write_all_at(&zeros[..n], at)?;
        at += n as u64;
    }
    Ok(())
}

/// Gives `from` the name `to` only if `to` does not exist (a writer never replaces a file).
fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
        let (a, b) = (c(from)?, c(to)?);
        // SAFETY: two NUL-terminated paths that live across the call.
        let r =
            unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_NOREPLACE) };
        if r == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if !matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
            return Err(e);
        }
    }
    // No RENAME_NOREPLACE here: a hard link never replaces either; then the temporary name goes.
    std::fs::hard_link(from, to)?;
    std::fs::remove_file(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_ticks_is_field_22_counted_after_the_command() {
        let dir = std::env::temp_dir().join(format!("mmstats-stat-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let stat = dir.join("stat");
        // Field 2 holds ") (" to fool a naive split; fields 3.. are "S 1 2 ... 19 <22>".
        let rest: Vec<String> = (3..=21).map(|i| i.to_string()).collect();
        std::fs::write(&stat, format!("42 (a) (b) {} 7777 23 24\n", rest.join(" "))).unwrap();
        assert_eq!(start_ticks(&stat), 7777);
        assert_eq!(start_ticks(dir.join("missing")), 0);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(start_ticks("/proc/self/stat") > 0);
    }

    #[test]
    fn geometry_is_checked() {
        assert!(Geometry::default().check().is_ok());
        assert_eq!(Geometry::default().file_size(), 128 + 65536 * 2 + 65536 + 4096 - 128);
        assert!(Geometry { slot_size: 12, ..Geometry::default() }.check().is_err());
        assert!(Geometry { slot_count: 0, ..Geometry::default() }.check().is_err());
        assert!(Geometry { slot_count: 300_000, ..Geometry::default() }
            .check()
            .unwrap_err()
            .contains("file_too_large"));
    }
}
