//! How a value becomes the stored bytes of one value (spec "Storing values").

/// Little-endian bytes of an integer, modulo 2^bits for a field of `size` bytes: the low `size` bytes
/// of the two's-complement value are exactly the value modulo 2^(8 * size).
pub fn int_bytes(value: u64, size: usize) -> [u8; 8] {
    debug_assert!(matches!(size, 1 | 2 | 4 | 8));
    value.to_le_bytes()
}

/// binary64 to binary32: round to nearest, ties to even; too large becomes an infinity (Rust's `as`
/// does exactly this). A NaN keeps its sign and the top of its payload, quieted: `as` leaves a NaN's
/// bits unspecified, and a writer's output should not depend on the compiler.
pub fn f32_from_f64(v: f64) -> f32 {
    if v.is_nan() {
        let bits = v.to_bits();
        let sign = ((bits >> 63) as u32) << 31;
        let payload = ((bits >> 29) as u32) & 0x003f_ffff;
        f32::from_bits(sign | 0x7fc0_0000 | payload)
    } else {
        v as f32
    }
}

/// The longest prefix of `text` of at most `n` bytes that ends on a character boundary.
pub fn cut_text(text: &str, n: usize) -> &[u8] {
    let mut end = text.len().min(n);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text.as_bytes()[..end]
}

/// Writes `bytes` (at most `area.len()`) into a string value area: one NUL follows a shorter value and
/// the rest of the area keeps its old bytes, as 0.8 did.
pub fn put_text(area: &mut [u8], bytes: &[u8]) {
    let n = bytes.len().min(area.len());
    area[..n].copy_from_slice(&bytes[..n]);
    if n < area.len() {
        area[n] = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_wrap() {
        assert_eq!(int_bytes((-1i64) as u64, 8), [0xff; 8]);
        assert_eq!(&int_bytes(40000, 2)[..2], &(-25536i16).to_le_bytes());
        assert_eq!(&int_bytes(200, 1)[..1], &[200]);
    }

    #[test]
    fn float32_rounding() {
        assert_eq!(f32_from_f64(0.1).to_bits(), 0x3dcc_cccd);
        assert_eq!(f32_from_f64(1e39), f32::INFINITY);
        assert_eq!(f32_from_f64(-1e39), f32::NEG_INFINITY);
        assert_eq!(f32_from_f64(16777217.0), 16777216.0); // tie to even
        assert_eq!(f32_from_f64(1e-46).to_bits(), 0); // underflow to +0
        assert_eq!(f32_from_f64(-1e-46).to_bits(), 0x8000_0000);
        assert_eq!(f32_from_f64(f64::NAN).to_bits(), 0x7fc0_0000);
        assert_eq!(f32_from_f64(-f64::NAN).to_bits(), 0xffc0_0000);
        assert_eq!(f32_from_f64(f64::from_bits(0x7ff0_0000_2000_0001)).to_bits(), 0x7fc0_0001);
    }

    #[test]
    fn text_is_cut_on_a_character_boundary() {
        assert_eq!(cut_text("€€€", 8), "€€".as_bytes());
        assert_eq!(cut_text("aé", 2), b"a");
        assert_eq!(cut_text("é", 1), b"");
        assert_eq!(cut_text("ab😀cd", 6), "ab😀".as_bytes());
        assert_eq!(cut_text("abc", 0), b"");
        assert_eq!(cut_text("abc", 10), b"abc");
    }

    #[test]
    fn shorter_text_gets_one_nul_and_keeps_stale_bytes() {
        let mut area = *b"a longer one";
        put_text(&mut area, b"short");
        assert_eq!(&area, b"short\0er one");
        put_text(&mut area, b"exactly 12 b");
        assert_eq!(&area, b"exactly 12 b");
        let mut empty: [u8; 0] = [];
        put_text(&mut empty, b"");
    }
}
