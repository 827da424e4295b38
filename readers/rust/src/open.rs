//! Opening a file to read: the only way this crate opens one.
//!
//! The open never blocks (a FIFO planted where a stats file was expected would wait forever for a
//! writer), and anything but a regular file is refused, judged on the descriptor actually opened.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The file at `path`, opened read-only and non-blocking, with its metadata; an error when it is not a
/// regular file (the message says what it is).
pub fn open_regular(path: &Path) -> io::Result<(File, Metadata)> {
    // O_NONBLOCK changes nothing for a regular file; std adds O_CLOEXEC.
    let file = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(not_regular(&meta));
    }
    Ok((file, meta))
}

fn not_regular(meta: &Metadata) -> io::Error {
    let t = meta.file_type();
    let what = if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "of another kind"
    };
    io::Error::new(io::ErrorKind::InvalidInput, format!("not a regular file: it is {what}"))
}
