//! Polling a version 2 file: entries are parsed once (published entries never change), and each poll
//! parses only the entries published since the last one (`field_count` grew), then reads the values
//! with the reader protocol for copies.

use std::fs::File as OsFile;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::layout::Header;
use super::walk::{header, more_entries, EntryLayout};
use super::{fields, values::Copies, File};
use crate::error::{ErrorCode, FormatError, ReadError};
use crate::open::open_regular;
use crate::read::DEFAULT_MAX_SIZE;
use crate::reread::ReadAt;

/// Which file a path names: a new identity means a new file, parsed from scratch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
    size: u64,
}

/// The open file and what was parsed of it.
struct Open {
    file: OsFile,
    ident: Identity,
    /// The header the entries were walked with; its regions never change in one file.
    header: Header,
    entries: Vec<EntryLayout>,
    /// Entries walked (known or skipped) and the offset of the next one.
    walked: u32,
    cursor: usize,
}

/// Polls the version 2 file at a path.
pub struct Poller {
    path: PathBuf,
    max_size: u64,
    open: Option<Open>,
    buf: Vec<u8>,
    /// Entries parsed over the poller's life: a test sees that old entries are not parsed again.
    parsed: usize,
}

impl Poller {
    pub fn new(path: impl Into<PathBuf>) -> Poller {
        Poller::with_max_size(path, DEFAULT_MAX_SIZE)
    }

    pub fn with_max_size(path: impl Into<PathBuf>, max_size: u64) -> Poller {
        Poller { path: path.into(), max_size, open: None, buf: Vec::new(), parsed: 0 }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Entries walked since the poller was made, over all files it opened.
    pub fn entries_parsed(&self) -> usize {
        self.parsed
    }

    /// The file now. After an error the next poll starts from scratch.
    pub fn read(&mut self) -> Result<File, ReadError> {
        let result = self.poll();
        if result.is_err() {
            self.open = None;
        }
        result
    }

    fn poll(&mut self) -> Result<File, ReadError> {
        let meta = std::fs::metadata(&self.path)?;
        let ident = Identity { dev: meta.dev(), ino: meta.ino(), size: meta.len() };
        match &self.open {
            Some(open) if open.ident == ident => read_into(&open.file, &mut self.buf)?,
            _ => self.open_file()?,
        }
        let mut hd = header(&self.buf)?;
        let open = self.open.as_ref().expect("opened above");
        if !same_regions(&hd, &open.header) || hd.field_count < open.walked {
            // Not what a writer does to its file: it was rewritten in place. Parse it again.
            self.open_file()?;
            hd = header(&self.buf)?;
        }
        let open = self.open.as_mut().expect("opened above");
        if hd.field_count > open.walked {
            let (more, cursor) = more_entries(&self.buf, &hd, open.cursor, hd.field_count - open.walked)?;
            self.parsed += (hd.field_count - open.walked) as usize;
            open.entries.extend(more);
            open.cursor = cursor;
            open.walked = hd.field_count;
        }
        let copies = Copies::read(&open.file, &self.buf, &hd, &open.entries)?;
        Ok(fields(hd, open.entries.clone(), &copies))
    }

    fn open_file(&mut self) -> Result<(), ReadError> {
        let (file, meta) = open_regular(&self.path)?;
        let ident = Identity { dev: meta.dev(), ino: meta.ino(), size: meta.len() };
        if ident.size > self.max_size {
            let why = format!("file is {} bytes, over the limit of {}", ident.size, self.max_size);
            return Err(FormatError::new(ErrorCode::FileTooLarge, self.max_size, why).into());
        }
        read_into(&file, &mut self.buf)?;
        // The whole walk, for the problems of a new file; its header tells where entries start.
        let hd = header(&self.buf)?;
        let (entries, cursor) = more_entries(&self.buf, &hd, hd.meta_offset as usize, hd.field_count)?;
        self.parsed += hd.field_count as usize;
        self.open = Some(Open { file, ident, header: hd.clone(), entries, walked: hd.field_count, cursor });
        Ok(())
    }
}

/// The regions and sizes that fix where entries and values are.
pub(super) fn same_regions(a: &Header, b: &Header) -> bool {
    (a.header_size, a.entry_fixed_size, a.meta_offset, a.meta_capacity, a.process_offset, a.process_capacity)
        == (b.header_size, b.entry_fixed_size, b.meta_offset, b.meta_capacity, b.process_offset, b.process_capacity)
        && (a.slots_offset, a.slot_size, a.slot_count) == (b.slots_offset, b.slot_size, b.slot_count)
}

/// The whole file into `buf` (copy A), sized from the file itself.
fn read_into(file: &OsFile, buf: &mut Vec<u8>) -> Result<(), ReadError> {
    let size = file.metadata()?.len() as usize;
    buf.resize(size, 0);
    let mut done = 0;
    while done < size {
        match ReadAt::read_at(file, &mut buf[done..], done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    buf.truncate(done);
    Ok(())
}
