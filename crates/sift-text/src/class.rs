//! Per-code-point flags from the generated tables (see `scripts/gen_tables.py`).

pub(crate) use crate::tables::{
    ALPHA, ALPHA_LOWER, ALPHA_UPPER, ICON, PREFIX1, PUNCT_CAT, PY_ALPHA, PY_DECIMAL, PY_DIGIT,
    PY_NUMERIC, QUOTE, SENT_PUNCT, SUFDOT_LB, SUFFIX1, TRIGGER,
};
use crate::tables::{BLOCKS, BLOCK_INDEX, BLOCK_SHIFT, TABLE_END};

/// All flags of `c` (a bit set of the constants above).
#[inline]
pub(crate) fn flags(c: char) -> u16 {
    let cp = c as u32;
    if cp >= TABLE_END {
        return 0;
    }
    let block = BLOCK_INDEX[(cp >> BLOCK_SHIFT) as usize] as usize;
    BLOCKS[(block << BLOCK_SHIFT) | (cp as usize & ((1 << BLOCK_SHIFT) - 1))]
}

/// Whether `c` has any of the flags in `mask`.
#[inline]
pub(crate) fn has(c: char, mask: u16) -> bool {
    flags(c) & mask != 0
}

/// ASCII `[0-9]` (what a `[0-9]` class means in Python `re`, unlike `\d`).
#[inline]
pub(crate) fn is_digit09(c: char) -> bool {
    c.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spot_checks() {
        assert!(has('a', ALPHA | ALPHA_LOWER | PY_ALPHA));
        assert!(!has('a', ALPHA_UPPER | PUNCT_CAT | TRIGGER));
        assert!(has('Z', ALPHA_UPPER));
        assert!(has('(', PREFIX1 | SUFFIX1 | TRIGGER | PUNCT_CAT));
        assert!(has('\u{a9}', ICON)); // ©
        assert!(has('.', SENT_PUNCT | TRIGGER));
        assert!(has('\u{3002}', SENT_PUNCT)); // 。
        assert!(has('\u{661}', PY_DECIMAL | PY_DIGIT | PY_NUMERIC)); // Arabic-Indic one
        assert!(has('\u{b2}', PY_DIGIT) && !has('\u{b2}', PY_DECIMAL)); // ²
        assert!(has('\u{bd}', PY_NUMERIC) && !has('\u{bd}', PY_DIGIT)); // ½
        assert!(has('\u{4e00}', ALPHA | PY_ALPHA | PY_NUMERIC) && !has('\u{4e00}', PY_DIGIT));
        assert!(has('"', QUOTE) && has('\u{2019}', QUOTE));
        assert!(has(')', SUFDOT_LB) && !has('A', SUFDOT_LB));
        assert_eq!(flags('\u{10ffff}'), 0);
        assert_eq!(flags(' '), 0);
    }
}
