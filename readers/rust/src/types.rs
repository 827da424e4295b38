//! What a type signature means once looked up: the kind of value and the size of one value.
//!
//! The signatures themselves belong to a format version (`v1::lookup`); a later version may map new
//! signatures to these kinds, or add kinds.

/// How the bytes of one value are decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    /// IEEE 754 binary32, widened to binary64 when decoded.
    F32,
    /// IEEE 754 binary64.
    F64,
    /// One byte: zero is false, anything else true.
    Bool,
    /// N bytes of UTF-8 text ending at the first NUL.
    Text,
}

impl Kind {
    pub fn is_integer(self) -> bool {
        matches!(self, Kind::I8 | Kind::U8 | Kind::I16 | Kind::U16 | Kind::I32 | Kind::U32 | Kind::I64 | Kind::U64)
    }

    pub fn is_float(self) -> bool {
        matches!(self, Kind::F32 | Kind::F64)
    }

    pub fn is_signed(self) -> bool {
        matches!(self, Kind::I8 | Kind::I16 | Kind::I32 | Kind::I64)
    }
}

/// A looked-up type signature: the kind and the size in bytes of ONE value (one buffer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TypeSpec {
    pub kind: Kind,
    pub size: usize,
}
