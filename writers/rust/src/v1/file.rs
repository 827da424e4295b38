//! Creating and publishing a file (spec "Creating a file", "Exclusive creation"), handing out one
//! handle per field, and closing or removing it.

use std::cell::Cell;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};

use mmstats_reader::show::escape_path;
use mmstats_reader::v1::{FORMAT_VERSION, VERSION_OFFSET};
use mmstats_reader::Kind;

use super::desc::{DescError, FieldDesc};
use super::image::{build, SlotLayout};
use super::slot::{AnySlot, Scalar, Slot, TextSlot};
use super::stale;
use crate::mapping::Mapping;

/// The default mode of a new file, before the umask.
pub const DEFAULT_MODE: u32 = 0o644;

/// How to create a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Permission bits, filtered by the umask.
    pub mode: u32,
    /// When the name exists: remove it if it is provably a stale file of ours (a regular file we own,
    /// whose `sys.pid` process is dead) and try once more. Otherwise creation fails.
    pub replace_stale: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { mode: DEFAULT_MODE, replace_stale: true }
    }
}

/// Why a file could not be created. The message names the path.
#[derive(Debug)]
pub enum CreateError {
    /// The field descriptions were refused; nothing was created.
    Description(DescError),
    /// The name exists and is not a provably stale file; it was left alone.
    Exists { path: PathBuf, reason: String },
    /// The system refused a step; a half-made file was removed.
    Io { path: PathBuf, step: &'static str, source: io::Error },
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateError::Description(e) => write!(f, "bad field description: {e}"),
            CreateError::Exists { path, reason } => {
                write!(f, "{}: cannot create: the file exists and was kept: {reason}", escape_path(path.as_os_str()))
            }
            CreateError::Io { path, step, source } => {
                write!(f, "{}: cannot create: {step}: {source}", escape_path(path.as_os_str()))
            }
        }
    }
}

impl std::error::Error for CreateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CreateError::Description(e) => Some(e),
            CreateError::Exists { .. } => None,
            CreateError::Io { source, .. } => Some(source),
        }
    }
}

/// Why a handle could not be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotError {
    NoSuchField(String),
    WrongType {
        label: String,
        signature: String,
        wanted: Kind,
    },
    /// A handle to this field is alive: two handles would each keep their own write-buffer copy.
    AlreadyTaken(String),
}

impl fmt::Display for SlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlotError::NoSuchField(label) => write!(f, "no field labelled {label:?}"),
            SlotError::WrongType { label, signature, wanted } => {
                write!(f, "field {label:?} has type {signature:?}, not a {wanted:?} field")
            }
            SlotError::AlreadyTaken(label) => write!(f, "field {label:?} already has a live handle"),
        }
    }
}

impl std::error::Error for SlotError {}

/// A published file, mapped shared. Owned by one thread (it is `Send`, not `Sync`).
pub struct MmstatsFile {
    path: PathBuf,
    /// (device, inode) of the file we created: remove() deletes nothing else.
    identity: (u64, u64),
    map: Mapping,
    slots: Vec<SlotLayout>,
    taken: Vec<Cell<bool>>,
}

impl MmstatsFile {
    /// Creates and publishes a file at `path` with the default options (mode 0644, stale files replaced).
    pub fn create(path: impl AsRef<Path>, fields: &[FieldDesc]) -> Result<MmstatsFile, CreateError> {
        MmstatsFile::create_with(path, fields, &Options::default())
    }

    /// The creation protocol: the image with version byte 0x00, an exclusive create (never following a
    /// symbolic link, never reusing a file), write, map shared, then the version byte 0x01 stored last
    /// with a release store.
    pub fn create_with(
        path: impl AsRef<Path>,
        fields: &[FieldDesc],
        options: &Options,
    ) -> Result<MmstatsFile, CreateError> {
        let path = path.as_ref();
        let (image, slots) = build(fields).map_err(CreateError::Description)?;
        let io_error = |step, source| CreateError::Io { path: path.to_path_buf(), step, source };
        let file = match open_exclusive(path, options.mode) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && options.replace_stale => {
                let identity = stale::stale_identity(path)
                    .map_err(|reason| CreateError::Exists { path: path.to_path_buf(), reason })?;
                stale::remove_if_same(path, identity).map_err(|e| io_error("removing the stale file", e))?;
                open_exclusive(path, options.mode)
            }
            other => other,
        };
        let file = file.map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => CreateError::Exists {
                path: path.to_path_buf(),
                reason: "a writer never reuses an existing file".to_string(),
            },
            _ => io_error("open", e),
        })?;
        let identity = match file.metadata() {
            Ok(meta) => (meta.dev(), meta.ino()),
            Err(e) => {
                let _ = std::fs::remove_file(path);
                return Err(io_error("fstat", e));
            }
        };
        match publish(&file, &image) {
            Ok(map) => Ok(MmstatsFile {
                path: path.to_path_buf(),
                identity,
                map,
                taken: slots.iter().map(|_| Cell::new(false)).collect(),
                slots,
            }),
            Err((step, e)) => {
                // Never leave a half-made file behind: it is ours, we just created it.
                let _ = std::fs::remove_file(path);
                Err(io_error(step, e))
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The fields, in file order.
    pub fn layout(&self) -> &[SlotLayout] {
        &self.slots
    }

    /// The size of the file (a multiple of 4096).
    pub fn size(&self) -> usize {
        self.map.len()
    }

    pub fn index_of(&self, label: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.label == label)
    }

    /// The handle to the field `label`, whose type must be `T`'s (`u64` for `Q`, `bool` for `?`).
    pub fn slot<T: Scalar>(&self, label: &str) -> Result<Slot<'_, T>, SlotError> {
        let i = self.find(label)?;
        let s = &self.slots[i];
        if s.spec.kind != T::KIND {
            return Err(SlotError::WrongType {
                label: s.label.clone(),
                signature: s.signature.clone(),
                wanted: T::KIND,
            });
        }
        let taken = self.take(i)?;
        let (area, wb) = self.pointers(i);
        // SAFETY: the pointers are this field's bytes in a mapping that lives as long as &self, the
        // kind matches, and `take` made this the only handle.
        Ok(unsafe { Slot::new(area, wb, s.buffered, taken) })
    }

    /// The handle to the `<N>s` field `label`.
    pub fn text(&self, label: &str) -> Result<TextSlot<'_>, SlotError> {
        let i = self.find(label)?;
        self.text_at(i)
    }

    /// A handle to field number `index` (file order), whatever its type.
    pub fn any_slot(&self, index: usize) -> Result<AnySlot<'_>, SlotError> {
        let s = self.slots.get(index).ok_or_else(|| SlotError::NoSuchField(format!("#{index}")))?;
        let typed = |kind| match kind {
            Kind::I8 => self.slot(&s.label).map(AnySlot::I8),
            Kind::U8 => self.slot(&s.label).map(AnySlot::U8),
            Kind::I16 => self.slot(&s.label).map(AnySlot::I16),
            Kind::U16 => self.slot(&s.label).map(AnySlot::U16),
            Kind::I32 => self.slot(&s.label).map(AnySlot::I32),
            Kind::U32 => self.slot(&s.label).map(AnySlot::U32),
            Kind::I64 => self.slot(&s.label).map(AnySlot::I64),
            Kind::U64 => self.slot(&s.label).map(AnySlot::U64),
            Kind::F32 => self.slot(&s.label).map(AnySlot::F32),
            Kind::F64 => self.slot(&s.label).map(AnySlot::F64),
            Kind::Bool => self.slot(&s.label).map(AnySlot::Bool),
            Kind::Text => self.text_at(index).map(AnySlot::Text),
        };
        typed(s.spec.kind)
    }

    /// Writes the mapped pages to the file now (msync). Not needed for readers, which see the pages.
    pub fn sync(&self) -> io::Result<()> {
        self.map.sync()
    }

    /// Unmaps the file and keeps it: readers still see the last values.
    pub fn close(self) {
        drop(self);
    }

    /// Removes the file, then unmaps it: readers stop seeing it. When the path now names another
    /// file (ours was renamed over or deleted), nothing is removed and the error is `NotFound`.
    pub fn remove(self) -> io::Result<()> {
        let removed = stale::remove_if_same(&self.path, self.identity);
        drop(self);
        match removed {
            Ok(true) => Ok(()),
            Ok(false) => Err(io::Error::new(io::ErrorKind::NotFound, "the path no longer names this writer's file")),
            Err(e) => Err(e),
        }
    }

    fn find(&self, label: &str) -> Result<usize, SlotError> {
        self.index_of(label).ok_or_else(|| SlotError::NoSuchField(label.to_string()))
    }

    fn take(&self, i: usize) -> Result<&Cell<bool>, SlotError> {
        let taken = &self.taken[i];
        if taken.replace(true) {
            return Err(SlotError::AlreadyTaken(self.slots[i].label.clone()));
        }
        Ok(taken)
    }

    fn text_at(&self, i: usize) -> Result<TextSlot<'_>, SlotError> {
        let s = &self.slots[i];
        if s.spec.kind != Kind::Text {
            return Err(SlotError::WrongType {
                label: s.label.clone(),
                signature: s.signature.clone(),
                wanted: Kind::Text,
            });
        }
        let taken = self.take(i)?;
        let (area, wb) = self.pointers(i);
        // SAFETY: as in `slot`.
        Ok(unsafe { TextSlot::new(area, wb, s.buffered, s.spec.size, taken) })
    }

    /// value[0] and the write-buffer byte of field `i`, in the mapping.
    fn pointers(&self, i: usize) -> (*mut u8, *mut u8) {
        let s = &self.slots[i];
        let base = self.map.as_ptr();
        // SAFETY: the layout lies inside the mapped image it was built with.
        unsafe { (base.add(s.value_offset), base.add(s.write_buffer_offset)) }
    }
}

/// O_CREAT | O_EXCL (create_new) | O_NOFOLLOW | O_CLOEXEC, read and write, with `mode` (umask applies).
fn open_exclusive(path: &Path, mode: u32) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// Writes the image (version byte 0x00), maps the file, and publishes it: version byte 0x01, last,
/// with a release store, so a reader that sees 0x01 with an acquire load sees the whole image.
fn publish(mut file: &File, image: &[u8]) -> Result<Mapping, (&'static str, io::Error)> {
    debug_assert_eq!(image[VERSION_OFFSET], 0, "the image is not ready until published");
    file.write_all(image).map_err(|e| ("write", e))?;
    let map = Mapping::new(file, image.len()).map_err(|e| ("mmap", e))?;
    // SAFETY: offset 0 of a live mapping of at least one page; only this thread writes the file now.
    unsafe { AtomicU8::from_ptr(map.as_ptr().add(VERSION_OFFSET)) }.store(FORMAT_VERSION, Ordering::Release);
    Ok(map)
}
