//! Is an existing file a stale mmstats file that a writer may replace? (spec "Exclusive creation",
//! step 3, and "Removing stale files"): a regular file, owned by us, valid, with a `sys.pid` field
//! whose process is dead.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use mmstats_reader::{read, Value, DEFAULT_MAX_SIZE};

/// The (device, inode) of `path` when it is provably stale, or why it is not.
pub(crate) fn stale_identity(path: &Path) -> Result<(u64, u64), String> {
    let meta = fs::symlink_metadata(path).map_err(|e| format!("cannot inspect it: {e}"))?;
    if !meta.file_type().is_file() {
        return Err("it is not a regular file".to_string());
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(format!("it is owned by uid {}, not by us ({me})", meta.uid()));
    }
    // A file being created (not_ready) or broken proves nothing: keep it.
    let fields = read(path, DEFAULT_MAX_SIZE).map_err(|e| format!("it is not a readable mmstats file: {e}"))?;
    let pid = fields
        .iter()
        .find(|f| f.label == "sys.pid" || f.label.ends_with(".sys.pid"))
        .and_then(|f| match f.value {
            Value::UInt(v) => i32::try_from(v).ok(),
            Value::Int(v) => i32::try_from(v).ok(),
            _ => None,
        })
        .ok_or("it has no integer sys.pid field")?;
    if pid <= 0 {
        return Err(format!("its sys.pid {pid} names no single process"));
    }
    // SAFETY: signal 0 only checks whether the process exists.
    if unsafe { libc::kill(pid, 0) } == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH) {
        return Err(format!("its writer, process {pid}, may be alive"));
    }
    Ok((meta.dev(), meta.ino()))
}

/// Removes `path` if it still names the file (device, inode) that was judged stale.
pub(crate) fn remove_if_same(path: &Path, identity: (u64, u64)) -> io::Result<bool> {
    let meta = fs::symlink_metadata(path)?;
    if (meta.dev(), meta.ino()) != identity {
        return Ok(false);
    }
    fs::remove_file(path)?;
    Ok(true)
}
