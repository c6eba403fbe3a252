//! Optimised signature code == plain reference implementation.

use proptest::prelude::*;
use sift_dedup::minhash::{mod_mersenne, reference, Scratch, Tokenizer, MERSENNE};
use sift_dedup::{MinHashParams, MinHasher};

fn text() -> impl Strategy<Value = String> {
    // Words from a small vocabulary (so shingles repeat), digits,
    // punctuation, accents, CJK and odd whitespace.
    let word = prop_oneof![
        "[a-z]{1,8}",
        "[A-Z][a-z]{0,6}",
        "[0-9]{1,4}([.,][0-9]{1,3})?",
        Just("café".to_string()),
        Just("naïve".to_string()),
        Just("한국어".to_string()),
        Just("don't".to_string()),
        Just("e-mail".to_string()),
        Just("—".to_string()),
        Just("(x)".to_string()),
        "[!-/:-@]{1,2}",
    ];
    let sep = prop_oneof![
        Just(" "),
        Just("  "),
        Just("\n"),
        Just("\t"),
        Just("\u{a0}"),
        Just(", "),
        Just(". ")
    ];
    prop::collection::vec((word, sep), 0..120).prop_map(|v| {
        v.into_iter()
            .map(|(w, s)| format!("{w}{s}"))
            .collect::<String>()
    })
}

fn params() -> impl Strategy<Value = MinHashParams> {
    (
        1usize..7,
        1usize..20,
        1usize..10,
        any::<u32>(),
        any::<bool>(),
    )
        .prop_map(|(n_grams, bands, rows, seed, ws)| MinHashParams {
            n_grams,
            bands,
            rows,
            seed,
            tokenizer: if ws {
                Tokenizer::Whitespace
            } else {
                Tokenizer::SpacyEn
            },
            ..MinHashParams::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn signature_equals_reference(text in text(), params in params()) {
        let hasher = MinHasher::new(params).expect("valid params");
        let mut scratch = Scratch::default();
        let mut sig = Vec::new();
        let has = hasher.signature(&text, &mut scratch, &mut sig);
        let want = reference::signature(&hasher, &text);
        prop_assert_eq!(has, want.is_some());
        prop_assert_eq!(sig, want.unwrap_or_default());
    }

    #[test]
    fn default_signature_equals_reference(text in text()) {
        let hasher = MinHasher::new(MinHashParams::default()).expect("defaults");
        let mut scratch = Scratch::default();
        let mut sig = Vec::new();
        hasher.signature(&text, &mut scratch, &mut sig);
        prop_assert_eq!(sig, reference::signature(&hasher, &text).unwrap_or_default());
    }

    #[test]
    fn mersenne_reduction(x in any::<u64>()) {
        prop_assert_eq!(mod_mersenne(x), x % MERSENNE);
    }
}

fn messy_text() -> impl Strategy<Value = String> {
    // Characters that exercise every rule: cased letters (final sigma,
    // dotted I), digits of several scripts and number separators,
    // punctuation, controls, odd whitespace, combining marks, Hangul, CJK.
    let ch = prop_oneof![
        4 => proptest::char::range('a', 'z'),
        2 => proptest::char::range('A', 'Z'),
        2 => proptest::char::range('0', '9'),
        2 => prop::sample::select(vec![
            ' ', ' ', '\n', '\t', '\r', '\u{b}', '\u{1c}', '\u{85}', '\u{a0}', '\u{2028}', '\u{3000}',
            '.', ',', '!', '-', '\'', '"', '(', '’', '‘', '“', '…', '—', '、', '。', '\u{ff11}', '\u{ff12}',
            '\u{60c}', '\u{66b}', '\u{2396}', '\u{663}', '\u{967}', '\u{6f3}',
            'Σ', 'σ', 'ς', 'İ', 'ß', 'Å', '\u{212b}', 'é', '\u{301}', '\u{308}', '\u{93e}', '\u{94d}',
            '한', '국', '\u{1100}', '\u{1161}', '中', '文', 'ǅ', 'ﬁ', '\u{37e}', '\u{1fef}',
            // Letters copied as they are next to ones that change or go.
            'и', 'И', 'й', 'Й', 'ё', 'α', 'Ω', 'ά', 'ς', 'ا', '\u{64b}', 'क', '\u{93f}',
            '\u{306}', '\u{316}', '\u{e01}', '\u{e48}', 'ⅰ', 'Ⅸ', '\u{2000}',
        ]),
        1 => any::<char>(),
    ];
    prop::collection::vec(ch, 0..60).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn simplify_equals_step_by_step_reference(text in messy_text()) {
        let mut out = String::new();
        sift_dedup::normalize::simplify_into(&text, &mut out);
        prop_assert_eq!(out, sift_dedup::normalize::simplify_reference(&text));
    }
}
