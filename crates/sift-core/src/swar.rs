//! Eight bytes at a time in a `u64` ("SIMD within a register"): the byte
//! tests that let hot scans skip runs of ordinary text. Each function
//! returns a mask with bit 7 of a byte set for the bytes it flags.

/// `0x01` in every byte.
pub const LO: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte.
pub const HI: u64 = 0x8080_8080_8080_8080;

/// The 8 bytes of `b` from `i` as a little-endian word, if there are 8.
#[inline]
pub fn load(b: &[u8], i: usize) -> Option<u64> {
    b.get(i..)
        .and_then(|r| r.first_chunk::<8>())
        .map(|w| u64::from_le_bytes(*w))
}

/// Up to 8 bytes as a little-endian word, zero-padded, without a copy
/// loop: overlapping loads agree on the bytes they share. Bytes past 8 are
/// ignored.
#[inline]
pub fn load_partial(s: &[u8]) -> u64 {
    let n = s.len();
    let at = |i: usize| u64::from(s[i]);
    if n >= 8 {
        let mut x = [0u8; 8];
        x.copy_from_slice(&s[..8]);
        u64::from_le_bytes(x)
    } else if n >= 4 {
        let word = |i: usize| u64::from(u32::from_le_bytes([s[i], s[i + 1], s[i + 2], s[i + 3]]));
        word(0) | word(n - 4) << (8 * (n - 4))
    } else if n > 0 {
        at(0) | at(n / 2) << (8 * (n / 2)) | at(n - 1) << (8 * (n - 1))
    } else {
        0
    }
}

/// Non-zero iff some byte of `x` is below `n` (`n <= 0x80`). The lowest
/// flag is exact; flags above it may be false (borrows).
#[inline]
pub fn any_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(LO * u64::from(n)) & !x & HI
}

/// Non-zero iff some byte of `x` equals `v`; the lowest flag is exact.
#[inline]
pub fn any_eq(x: u64, v: u8) -> u64 {
    any_below(x ^ (LO * u64::from(v)), 1)
}

/// Exactly the bytes of `x` that equal `v` (no false flags).
#[inline]
pub fn eq(x: u64, v: u8) -> u64 {
    let y = x ^ (LO * u64::from(v));
    !(((y & !HI) + !HI) | y) & HI
}

/// Non-zero iff some byte of `x` is above `n` (`n < 0x7f`); the lowest
/// flag is exact (a carry out of a byte only reaches higher bytes).
#[inline]
pub fn any_above(x: u64, n: u8) -> u64 {
    (x.wrapping_add(LO * u64::from(0x7f - n)) | x) & HI
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Index of the lowest flagged byte, if any.
    fn first(m: u64) -> Option<usize> {
        (m != 0).then(|| (m.trailing_zeros() / 8) as usize)
    }

    #[test]
    fn partial_loads_are_zero_padded() {
        for n in 0..=10 {
            let s: Vec<u8> = (1..=n as u8).map(|i| i.wrapping_mul(37)).collect();
            let mut padded = [0u8; 8];
            padded[..n.min(8)].copy_from_slice(&s[..n.min(8)]);
            assert_eq!(load_partial(&s), u64::from_le_bytes(padded), "{n} bytes");
        }
    }

    #[test]
    fn lowest_flags_match_a_byte_scan() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let interesting = [
            0u8, 1, 0x08, 0x09, 0x0a, 0x1e, 0x1f, 0x20, b'"', b'\\', 0x7e, 0x7f, 0x80, 0xc2, 0xe2,
            0xff,
        ];
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let bytes: [u8; 8] =
                std::array::from_fn(|k| interesting[((state >> (8 * k)) & 15) as usize]);
            let x = u64::from_le_bytes(bytes);
            for n in [1u8, 0x1f, 0x20, 0x80] {
                assert_eq!(
                    first(any_below(x, n)),
                    bytes.iter().position(|&b| b < n),
                    "{bytes:?} < {n}"
                );
            }
            for v in interesting {
                assert_eq!(first(any_eq(x, v)), bytes.iter().position(|&b| b == v));
                let exact: Vec<usize> = (0..8).filter(|&k| bytes[k] == v).collect();
                let flagged: Vec<usize> = (0..8)
                    .filter(|&k| eq(x, v) >> (8 * k + 7) & 1 == 1)
                    .collect();
                assert_eq!(flagged, exact, "{bytes:?} == {v}");
            }
            for n in [0u8, 1, 5, 10, 0x7e] {
                assert_eq!(
                    first(any_above(x, n)),
                    bytes.iter().position(|&b| b > n),
                    "{bytes:?} > {n}"
                );
            }
        }
        assert_eq!(load(b"abcdefg", 0), None);
        assert_eq!(
            load(b"xabcdefgh", 1),
            Some(u64::from_le_bytes(*b"abcdefgh"))
        );
    }
}
