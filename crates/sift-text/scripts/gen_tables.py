#!/usr/bin/env python3
"""Generate crates/sift-text/src/tables.rs from spaCy's English tokenizer data.

The Rust tokenizer in src/spacy.rs hard-codes the *shape* of spaCy's prefix,
suffix and infix rules (which alternatives exist and how they combine); this
script extracts the *data* those rules are built from (character classes,
literal lists, tokenizer exceptions) from a live spaCy install, after asserting
that the rule lists still have exactly the shape the Rust code expects. It also
emits Python 3.11 `str` predicate tables (isalpha, isdecimal, ...) so sift agrees
with the Python that runs datatrove, whatever Unicode version Rust ships.

Run with the interpreter that runs datatrove (spaCy 3.8.18, Python 3.11):

    python crates/sift-text/scripts/gen_tables.py > crates/sift-text/src/tables.rs

(src/lib.rs declares the module `#[rustfmt::skip]`, so the output is committed as is.)
"""

import re
import sys
import unicodedata

import spacy
from spacy.lang import char_classes as cc
from spacy.lang.tokenizer_exceptions import URL_PATTERN
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer

assert spacy.__version__.startswith("3.8."), spacy.__version__
assert sys.version_info[:2] == (3, 11), sys.version_info

nlp = spacy.blank("en")
tok = nlp.tokenizer
D = nlp.Defaults
CPS = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000]


def unescape(piece):
    return re.sub(r"\\(.)", r"\1", piece)


def class_set(cls):
    rx = re.compile(cls)
    return {c for c in CPS if rx.fullmatch(chr(c))}


# ---------------------------------------------------------------- rule shapes
ICONS_CLS = "[{}]".format(cc.ICONS)
AL, AU, A, Q = cc.ALPHA_LOWER, cc.ALPHA_UPPER, cc.ALPHA, cc.CONCAT_QUOTES
SUFDOT_LB_CLS = "[0-9{al}{e}{p}(?:{q})]".format(al=AL, e=r"%²\-\+", q=Q, p=cc.PUNCT)

PREFIX_SPECIAL = {r"\.\.+", r"\+(?![0-9])", ICONS_CLS}
SUFFIX_SPECIAL = {
    r"\.\.+",
    ICONS_CLS,
    r"(?<=[0-9])\+",
    r"(?<=°[FfCcKk])\.",
    r"(?<=[0-9])(?:{c})".format(c=cc.CURRENCY),
    r"(?<=[0-9])(?:{u})".format(u=cc.UNITS),
    r"(?<={c})\.".format(c=SUFDOT_LB_CLS),
    r"(?<=[{au}][{au}])\.".format(au=AU),
}
EXPECTED_INFIXES = [
    r"\.\.+",
    "…",
    ICONS_CLS,
    r"(?<=[0-9])[+\-\*^](?=[0-9-])",
    r"(?<=[{al}{q}])\.(?=[{au}{q}])".format(al=AL, au=AU, q=Q),
    r"(?<=[{a}]),(?=[{a}])".format(a=A),
    r"(?<=[{a}0-9])(?:{h})(?=[{a}])".format(a=A, h=cc.HYPHENS),
    r"(?<=[{a}0-9])[:<>=/](?=[{a}])".format(a=A),
]
assert list(D.infixes) == EXPECTED_INFIXES, "spaCy English infixes changed"
assert cc.HYPHENS == "-|–|—|--|---|——|~", cc.HYPHENS

prefix1, prefix_multi = set(), []
for p in D.prefixes:
    if not p.strip():
        continue
    if p in PREFIX_SPECIAL:
        continue
    lit = unescape(p)
    assert re.fullmatch(p, lit), p
    if len(lit) == 1:
        prefix1.add(ord(lit))
    else:
        prefix_multi.append(lit)
assert sorted(prefix_multi) == sorted(["……", "US$", "C$", "A$"]), prefix_multi
assert ord("+") not in prefix1 and ord(".") not in prefix1
assert not {ord(c) for c in "UCA"} & prefix1

suffix1, suffix_multi = set(), []
seen_special = set()
for p in D.suffixes:
    if not p.strip():
        continue
    if p in SUFFIX_SPECIAL:
        seen_special.add(p)
        continue
    lit = unescape(p)
    assert re.fullmatch(p, lit), p
    if len(lit) == 1:
        suffix1.add(ord(lit))
    else:
        suffix_multi.append(lit)
assert seen_special == SUFFIX_SPECIAL, SUFFIX_SPECIAL - seen_special
assert sorted(suffix_multi) == sorted(["……", "'s", "'S", "’s", "’S"]), suffix_multi
assert ord("+") not in suffix1 and ord(".") not in suffix1

icons = class_set(ICONS_CLS)
prefix1 |= icons
suffix1 |= icons
after_digit = [unescape(x) for x in cc.CURRENCY.split("|")] + [
    unescape(x) for x in cc.UNITS.split("|")
]
after_digit = sorted(set(after_digit), key=lambda s: (len(s), s))

# URL_MATCH: the Rust matcher hand-codes this exact pattern.
assert D.url_match.__self__.pattern == "(?u)" + URL_PATTERN
assert D.token_match is None
assert tok.faster_heuristics

# ------------------------------------------------------------------ classes
flags = {}


def add(bit, cps):
    for c in cps:
        flags[c] = flags.get(c, 0) | (1 << bit)


SENT = {ord(c) for c in nlp.add_pipe("sentencizer").punct_chars}
assert all(len(chr(c)) == 1 for c in SENT) and len(SENT) == 128

FLAG_NAMES = [
    ("PREFIX1", "single-char prefix (literal or icon)", prefix1),
    ("SUFFIX1", "single-char unconditional suffix (literal or icon)", suffix1),
    ("ICON", "spaCy LIST_ICONS", icons),
    ("ALPHA", "spaCy ALPHA", class_set("[{}]".format(A))),
    ("ALPHA_LOWER", "spaCy ALPHA_LOWER", class_set("[{}]".format(AL))),
    ("ALPHA_UPPER", "spaCy ALPHA_UPPER", class_set("[{}]".format(AU))),
    ("QUOTE", "spaCy CONCAT_QUOTES", class_set("[{}]".format(Q))),
    ("SUFDOT_LB", "chars after which `.` is a suffix", class_set(SUFDOT_LB_CLS)),
    ("PY_DECIMAL", "Python str.isdecimal (= re \\d)", {c for c in CPS if chr(c).isdecimal()}),
    ("PY_DIGIT", "Python str.isdigit", {c for c in CPS if chr(c).isdigit()}),
    ("PY_NUMERIC", "Python str.isnumeric", {c for c in CPS if chr(c).isnumeric()}),
    ("PY_ALPHA", "Python str.isalpha (Lu Ll Lt Lm Lo)", {c for c in CPS if chr(c).isalpha()}),
    ("PUNCT_CAT", "Unicode general category P* (spaCy is_punct)",
     {c for c in CPS if unicodedata.category(chr(c)).startswith("P")}),
    ("SENT_PUNCT", "spaCy Sentencizer.default_punct_chars", SENT),
]
# Sanity: Python re \d and \w are what the Rust side derives them from.
dig = re.compile(r"\d")
word = re.compile(r"\w")
for c in CPS:
    ch = chr(c)
    assert bool(dig.fullmatch(ch)) == ch.isdecimal(), hex(c)
    assert bool(word.fullmatch(ch)) == (ch.isalnum() or ch == "_"), hex(c)
    assert ch.isalnum() == (ch.isalpha() or ch.isnumeric()), hex(c)
    assert ch.isalpha() == (unicodedata.category(ch) in ("Lu", "Ll", "Lt", "Lm", "Lo")), hex(c)

# TRIGGER: a chunk without any of these chars has no prefix, suffix, infix or URL.
trigger = set(prefix1) | suffix1 | icons | FLAG_NAMES[6][2]
trigger |= {ord(c) for c in "0123456789.+-*^,:<>=/~–—…°'’$@"}
for s in prefix_multi + suffix_multi + [unescape(x) for x in cc.CURRENCY.split("|")]:
    trigger |= {ord(c) for c in s if not c.isalpha()}
FLAG_NAMES.append(("TRIGGER", "may take part in a prefix, suffix, infix or URL", trigger))
assert len(FLAG_NAMES) <= 16
for bit, (_, _, cps) in enumerate(FLAG_NAMES):
    add(bit, cps)
# The Rust side emits every whitespace run as one token: no affix may be whitespace.
# (Whitespace can still be in ALPHA: U+3000 is in spaCy's CJK range.)
for c in CPS:
    if chr(c).isspace():
        assert not flags.get(c, 0) & 0b111, hex(c)
# Every ASCII char that TRIGGER marks is printable non-letter (src/spacy.rs ASCII_CLASS).
for c in range(128):
    if flags.get(c, 0) & (1 << (len(FLAG_NAMES) - 1)):
        assert 0x20 < c < 0x7F and not chr(c).isalpha(), hex(c)

# ---------------------------------------------------------------- exceptions
def orths(subs):
    return [d[ORTH] if ORTH in d else d["ORTH"] for d in subs]


plain = Tokenizer(
    nlp.vocab,
    rules={},
    prefix_search=tok.prefix_search,
    suffix_search=tok.suffix_search,
    infix_finditer=tok.infix_finditer,
    token_match=None,
    url_match=tok.url_match,
)
specials = []
for key, subs in sorted(tok.rules.items()):
    pieces = orths(subs)
    assert "".join(pieces) == key
    in_matcher = bool(
        tok.find_prefix(key) or tok.find_infix(key) or tok.find_suffix(key) or " " in key
    )
    pattern = [t.text for t in plain(key)] if in_matcher else []
    # src/spacy.rs merge_specials relies on this: a one-token match never changes a token.
    assert len(pattern) != 1 or pieces == [key], key
    specials.append((key, pieces, in_matcher, pattern))

# ------------------------------------------------------------------- output
BLOCK = 32
END = (max(flags) // BLOCK + 1) * BLOCK
table = [flags.get(c, 0) for c in range(END)]
blocks, index, seen = [], [], {}
for b in range(0, END, BLOCK):
    blk = tuple(table[b : b + BLOCK])
    if blk not in seen:
        seen[blk] = len(blocks)
        blocks.append(blk)
    index.append(seen[blk])
assert len(blocks) < 65536


def rs_str(s):
    out = []
    for ch in s:
        c = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 0x20 <= c < 0x7F:
            out.append(ch)
        else:
            out.append("\\u{%x}" % c)
    return '"' + "".join(out) + '"'


def wrap(nums, fmt, width=100):
    lines, cur = [], "    "
    for n in nums:
        item = fmt(n) + ","
        if len(cur) + len(item) + 1 > width:
            lines.append(cur.rstrip())
            cur = "    "
        cur += item + " "
    lines.append(cur.rstrip())
    return "\n".join(lines)


w = sys.stdout.write
w("// @generated by crates/sift-text/scripts/gen_tables.py from spaCy %s (blank \"en\")\n" % spacy.__version__)
w("// and Python %d.%d unicodedata %s. Do not edit by hand.\n\n" % (sys.version_info[0], sys.version_info[1], unicodedata.unidata_version))
w("//! Character classes and tokenizer exceptions (generated).\n\n")
for bit, (name, doc, cps) in enumerate(FLAG_NAMES):
    w("/// %s (%d chars).\n" % (doc, len(cps)))
    w("pub(crate) const %s: u16 = 1 << %d;\n" % (name, bit))
w("\n/// log2 of the block size of the two-level flag table.\n")
w("pub(crate) const BLOCK_SHIFT: u32 = %d;\n" % (BLOCK.bit_length() - 1))
w("/// Code points from here on have no flags.\n")
w("pub(crate) const TABLE_END: u32 = 0x%x;\n\n" % END)
w("/// Block index for each `BLOCK`-sized run of code points.\n")
w("pub(crate) static BLOCK_INDEX: [u16; %d] = [\n%s\n];\n\n" % (len(index), wrap(index, str)))
flat = [v for blk in blocks for v in blk]
w("/// Flag blocks, `BLOCK` entries each.\n")
w("pub(crate) static BLOCKS: [u16; %d] = [\n%s\n];\n\n" % (len(flat), wrap(flat, lambda v: "0x%x" % v)))
w("/// Suffixes that split off only after an ASCII digit (spaCy CURRENCY and UNITS).\n")
w("pub(crate) static AFTER_DIGIT: [&str; %d] = [\n" % len(after_digit))
for s in after_digit:
    w("    %s,\n" % rs_str(s))
w("];\n\n")
w("/// Tokenizer exceptions: (string, byte length of each piece, matcher pattern).\n")
w("/// The pattern (byte lengths of the tokens the string splits into without\n")
w("/// exceptions) is present when spaCy also matches the exception across tokens.\n")
w("pub(crate) type SpecialEntry = (&'static str, &'static [u8], Option<&'static [u8]>);\n\n")
w("/// All exceptions, sorted by string.\n")
w("pub(crate) static SPECIALS: [SpecialEntry; %d] = [\n" % len(specials))
for key, pieces, in_matcher, pattern in specials:
    pl = ", ".join(str(len(p.encode())) for p in pieces)
    pat = ("Some(&[%s])" % ", ".join(str(len(p.encode())) for p in pattern)) if in_matcher else "None"
    w("    (%s, &[%s], %s),\n" % (rs_str(key), pl, pat))
w("];\n")
