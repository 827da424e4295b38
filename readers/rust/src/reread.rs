//! Re-reading values fast: the layout is parsed once, values are copied with `pread` into reused
//! buffers, and buffered values get the spec's re-check of the write-buffer byte.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::error::{ErrorCode, FormatError, ReadError};
use crate::open::open_regular;
use crate::read::DEFAULT_MAX_SIZE;
use crate::scan::{scan, FieldLayout};
use crate::v1;
use crate::value::{decode, Value};

/// Copies of a buffered value after the first, before a value that keeps flipping is taken as it is.
pub const RETRIES: usize = 3;

/// Where copies come from: a file (`pread`), or in tests a source that changes between reads.
pub trait ReadAt {
    /// Like `pread`: bytes at `offset` into `buf`, returning how many were read (0 at end of file).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl ReadAt for File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        FileExt::read_at(self, buf, offset)
    }
}

/// Fills `buf` from offset 0; a file that became shorter is `past_eof` at its new size.
fn copy_from<S: ReadAt + ?Sized>(src: &S, buf: &mut [u8]) -> Result<(), ReadError> {
    let mut done = 0;
    while done < buf.len() {
        match src.read_at(&mut buf[done..], done as u64) {
            Ok(0) => {
                return Err(FormatError::new(
                    ErrorCode::PastEof,
                    done as u64,
                    format!("file shrank to {done} bytes while being read ({} expected)", buf.len()),
                )
                .into())
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The spec's "Reading a buffered value", steps 3 and 4, for a whole-file copy `data`.
///
/// A copy made with one `read()` has read each write-buffer byte before its values (lower offsets
/// first), so steps 1 and 2 are done for every record at once. Here the bytes are copied again into
/// `spare`: a record whose write buffer is the same in both copies was not flipped during the first
/// copy and keeps its value. A record whose byte changed takes the newer copy of its bytes, which is
/// checked against the next copy in turn, at most RETRIES times; after that the last copy is used as
/// a possibly torn sample (spec "What version 1 cannot guarantee": even flips go unnoticed anyway).
pub fn settle<S: ReadAt + ?Sized>(
    src: &S,
    data: &mut [u8],
    spare: &mut Vec<u8>,
    fields: &[FieldLayout],
) -> Result<(), ReadError> {
    let mut pending: Vec<&FieldLayout> = fields.iter().filter(|f| f.buffered).collect();
    let Some(used) = pending.iter().map(|f| f.end()).max() else {
        return Ok(());
    };
    spare.resize(used, 0);
    for retry in 0..=RETRIES {
        copy_from(src, &mut spare[..used])?;
        if spare[v1::VERSION_OFFSET] != data[v1::VERSION_OFFSET] {
            return Err(FormatError::new(
                ErrorCode::BadVersion,
                v1::VERSION_OFFSET as u64,
                format!("version byte changed to 0x{:02x} while being read", spare[v1::VERSION_OFFSET]),
            )
            .into());
        }
        pending.retain(|f| spare[f.write_buffer_offset] != data[f.write_buffer_offset]);
        if let Some(f) = pending.iter().find(|f| spare[f.write_buffer_offset] > 1) {
            return Err(changed_write_buffer(f, spare[f.write_buffer_offset]).into());
        }
        if pending.is_empty() || retry == RETRIES {
            break;
        }
        for f in &pending {
            let record = f.write_buffer_offset..f.end();
            data[record.clone()].copy_from_slice(&spare[record]);
        }
    }
    Ok(())
}

fn changed_write_buffer(f: &FieldLayout, now: u8) -> FormatError {
    FormatError::new(
        ErrorCode::BadWriteBuffer,
        f.write_buffer_offset as u64,
        format!("write buffer of {:?} changed to 0x{now:02x} while being read; allowed: 0x00, 0x01", f.label),
    )
}

/// A file's layout, parsed once: values are then read from precomputed offsets.
#[derive(Clone, Debug)]
pub struct CompiledLayout {
    fields: Vec<FieldLayout>,
    size: usize,
}

impl CompiledLayout {
    /// The layout of a valid version 1 file, or its first problem (`bad_version` for a version 2 file).
    pub fn parse(data: &[u8]) -> Result<CompiledLayout, FormatError> {
        let (fields, mut errors) = scan(data);
        if !errors.is_empty() {
            return Err(errors.swap_remove(0));
        }
        crate::read::version_1_only(data)?;
        Ok(CompiledLayout { fields, size: data.len() })
    }

    pub fn fields(&self) -> &[FieldLayout] {
        &self.fields
    }

    /// The size of the file the layout was parsed from.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The values in `data` (a newer copy of the same file), replacing the contents of `out`.
    /// A write buffer that is no longer 0x00 or 0x01 is `bad_write_buffer`.
    pub fn values_into(&self, data: &[u8], out: &mut Vec<Value>) -> Result<(), FormatError> {
        out.clear();
        for f in &self.fields {
            let wb = data[f.write_buffer_offset];
            if f.buffered && wb > 1 {
                return Err(changed_write_buffer(f, wb));
            }
            let at = f.read_offset(wb);
            out.push(decode(f.spec.kind, &data[at..at + f.spec.size]));
        }
        Ok(())
    }
}

/// Which file a path names: a new identity means a new layout (spec "Polling").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
    size: u64,
}

/// The byte ranges of a file that are not values: the version byte, each record's header (with the 0xff
/// write buffer of an unbuffered record), the terminator and the zero fill. A file rewritten in place
/// keeps its inode and maybe its size; these bytes tell its layout apart.
fn skeleton_of(fields: &[FieldLayout], size: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for f in fields {
        let varies = if f.buffered { f.write_buffer_offset } else { f.value_offset };
        if varies > pos {
            out.push((pos, varies));
        }
        pos = f.end();
    }
    if size > pos {
        out.push((pos, size));
    }
    out
}

/// Polls one path: the layout is parsed again only when the path names another file (device, inode
/// or size changed) or when a byte outside the values changed (the file was rewritten in place); each
/// poll copies the file with `pread` and applies the write-buffer re-check.
pub struct StatsReader {
    path: PathBuf,
    max_size: u64,
    open: Option<(File, Identity, CompiledLayout)>,
    buf: Vec<u8>,
    spare: Vec<u8>,
    values: Vec<Value>,
    /// `skeleton_of` the loaded file, and its bytes one range after the other.
    skeleton: Vec<(usize, usize)>,
    seen: Vec<u8>,
}

impl StatsReader {
    pub fn new(path: impl Into<PathBuf>) -> StatsReader {
        StatsReader::with_max_size(path, DEFAULT_MAX_SIZE)
    }

    pub fn with_max_size(path: impl Into<PathBuf>, max_size: u64) -> StatsReader {
        StatsReader {
            path: path.into(),
            max_size,
            open: None,
            buf: Vec::new(),
            spare: Vec::new(),
            values: Vec::new(),
            skeleton: Vec::new(),
            seen: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current layout (after a successful `read`).
    pub fn layout(&self) -> Option<&CompiledLayout> {
        self.open.as_ref().map(|(_, _, layout)| layout)
    }

    /// The current values of all fields, in file order. After an error the layout is parsed afresh.
    pub fn read(&mut self) -> Result<&[Value], ReadError> {
        match self.poll() {
            Ok(()) => Ok(&self.values),
            Err(e) => {
                self.open = None;
                Err(e)
            }
        }
    }

    fn poll(&mut self) -> Result<(), ReadError> {
        let meta = std::fs::metadata(&self.path)?;
        let ident = Identity { dev: meta.dev(), ino: meta.ino(), size: meta.len() };
        if self.open.as_ref().map(|(_, id, _)| *id) != Some(ident) {
            self.load(ident)?; // values come from the very bytes just parsed
        } else {
            let (file, _, _) = self.open.as_ref().expect("identity matched");
            copy_from(file, &mut self.buf)?;
            if !self.same_skeleton() {
                self.load(ident)?; // rewritten in place: parse it again (scan names any problem)
            }
        }
        let (file, _, layout) = self.open.as_ref().expect("loaded above");
        if self.buf[v1::VERSION_OFFSET] != v1::FORMAT_VERSION {
            return Err(FormatError::new(
                ErrorCode::BadVersion,
                v1::VERSION_OFFSET as u64,
                format!("version byte changed to 0x{:02x}", self.buf[v1::VERSION_OFFSET]),
            )
            .into());
        }
        settle(file, &mut self.buf, &mut self.spare, layout.fields())?;
        layout.values_into(&self.buf, &mut self.values)?;
        Ok(())
    }

    fn load(&mut self, ident: Identity) -> Result<(), ReadError> {
        self.open = None;
        if ident.size > self.max_size {
            return Err(FormatError::new(
                ErrorCode::FileTooLarge,
                self.max_size,
                format!("file is {} bytes, over the limit of {}", ident.size, self.max_size),
            )
            .into());
        }
        let (file, meta) = open_regular(&self.path)?;
        // The identity of the file actually opened (the path may have been replaced meanwhile).
        let ident = Identity { dev: meta.dev(), ino: meta.ino(), size: meta.len() };
        if ident.size > self.max_size {
            return Err(FormatError::new(ErrorCode::FileTooLarge, self.max_size, "file grew past the limit").into());
        }
        self.buf.resize(ident.size as usize, 0);
        copy_from(&file, &mut self.buf)?;
        let layout = CompiledLayout::parse(&self.buf)?;
        self.skeleton = skeleton_of(layout.fields(), self.buf.len());
        self.seen.clear();
        for &(start, end) in &self.skeleton {
            self.seen.extend_from_slice(&self.buf[start..end]);
        }
        self.open = Some((file, ident, layout));
        Ok(())
    }

    /// Whether `buf` has the skeleton bytes the layout was parsed from.
    fn same_skeleton(&self) -> bool {
        let mut at = 0;
        self.skeleton.iter().all(|&(start, end)| {
            let same = self.buf[start..end] == self.seen[at..at + end - start];
            at += end - start;
            same
        })
    }
}
