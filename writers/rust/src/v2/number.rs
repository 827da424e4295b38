//! The number types a field can hold (`u64`, `i64`, `f64`) and how each adds (spec "Updating a number").

use std::sync::atomic::{AtomicU64, Ordering};

use mmstats_reader::v2::ValueType;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u64 {}
    impl Sealed for i64 {}
    impl Sealed for f64 {}
}

/// A number stored in one 8-byte word.
pub trait Number: Copy + Send + Sync + 'static + sealed::Sealed {
    const VALUE_TYPE: ValueType;
    fn to_bits(self) -> u64;
    fn from_bits(bits: u64) -> Self;
    /// `self + n`: wrapping modulo 2^64 for integers, binary64 addition for f64.
    fn plus(self, n: Self) -> Self;
    /// Adds `n` to a word that several threads write: `fetch_add` for integers, a compare-and-swap loop
    /// on the bit pattern for f64.
    fn add_shared(word: &AtomicU64, n: Self);
}

/// Numbers a counter holds (`u64`, `f64`).
pub trait CounterNumber: Number {
    /// Counters only grow: false for a negative or NaN addition, which a counter ignores.
    fn is_growth(self) -> bool;
}

/// Numbers an up-down counter holds (`i64`, `f64`).
pub trait UpDownNumber: Number {}

/// Numbers a gauge holds: all three.
pub trait GaugeNumber: Number {}

macro_rules! integer {
    ($t:ty, $vt:ident) => {
        impl Number for $t {
            const VALUE_TYPE: ValueType = ValueType::$vt;
            #[inline(always)]
            fn to_bits(self) -> u64 {
                self as u64
            }
            #[inline(always)]
            fn from_bits(bits: u64) -> Self {
                bits as $t
            }
            #[inline(always)]
            fn plus(self, n: Self) -> Self {
                self.wrapping_add(n)
            }
            #[inline(always)]
            fn add_shared(word: &AtomicU64, n: Self) {
                word.fetch_add(n as u64, Ordering::Relaxed); // two's complement: the same bits for i64
            }
        }
    };
}

integer!(u64, U64);
integer!(i64, I64);

impl Number for f64 {
    const VALUE_TYPE: ValueType = ValueType::F64;
    #[inline(always)]
    fn to_bits(self) -> u64 {
        f64::to_bits(self)
    }
    #[inline(always)]
    fn from_bits(bits: u64) -> Self {
        f64::from_bits(bits)
    }
    #[inline(always)]
    fn plus(self, n: Self) -> Self {
        self + n
    }
    fn add_shared(word: &AtomicU64, n: Self) {
        let mut old = word.load(Ordering::Relaxed);
        loop {
            let new = (f64::from_bits(old) + n).to_bits();
            match word.compare_exchange_weak(old, new, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return,
                Err(seen) => old = seen,
            }
        }
    }
}

impl CounterNumber for u64 {
    #[inline(always)]
    fn is_growth(self) -> bool {
        true
    }
}

impl CounterNumber for f64 {
    #[inline(always)]
    fn is_growth(self) -> bool {
        self >= 0.0
    }
}

impl UpDownNumber for i64 {}
impl UpDownNumber for f64 {}
impl GaugeNumber for u64 {}
impl GaugeNumber for i64 {}
impl GaugeNumber for f64 {}
