//! A small, forgiving HTML tokenizer and tree builder for main-text
//! extraction.
//!
//! It keeps only what the scoring needs: elements (tag, parent, extent in
//! document order, class/id hints) and the text in document order, with
//! block boundaries and `<br>`s as markers. It is not a conforming HTML5
//! parser: it implements the parts of the tree-construction rules that decide
//! which element a piece of text belongs to (void elements, raw-text
//! elements, implied end tags of `p`, `li`, `dt`/`dd`, table cells and rows,
//! `option` and headings, end tags that close intervening elements, scope
//! boundaries), and skips comments, doctype and processing instructions.
//! Every byte position it slices at is an ASCII delimiter, so any `&str`
//! input is safe.

use memchr::{memchr, memchr2, memmem};

use super::hints::{self, Hints};

/// Element kinds the extractor distinguishes; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    Root,
    Other,
    Html,
    Head,
    Body,
    P,
    Div,
    A,
    Br,
    Hr,
    Img,
    Section,
    Article,
    Main,
    Header,
    Footer,
    Nav,
    Aside,
    Ul,
    Ol,
    Li,
    Dl,
    Dt,
    Dd,
    Table,
    Thead,
    Tbody,
    Tfoot,
    Tr,
    Td,
    Th,
    Caption,
    Col,
    Colgroup,
    Pre,
    Code,
    Blockquote,
    H1,
    H2,
    H3,
    H4,
    H5,
    H6,
    Form,
    Fieldset,
    Input,
    Button,
    Select,
    Option,
    Textarea,
    Iframe,
    Object,
    Embed,
    Figure,
    Figcaption,
    Svg,
    Math,
    Address,
    Details,
    Summary,
    Center,
    Menu,
    Dialog,
    Legend,
    Void,
    Title,
    Script,
    Style,
    Noscript,
    Template,
    Xmp,
    Noembed,
    Noframes,
    Plaintext,
    Canvas,
    Video,
    Audio,
    Map,
}

impl Tag {
    fn from_lower(name: &[u8]) -> Tag {
        use Tag::*;
        match name {
            b"html" => Html,
            b"head" => Head,
            b"body" => Body,
            b"p" => P,
            b"div" => Div,
            b"a" => A,
            b"br" => Br,
            b"hr" => Hr,
            b"img" | b"image" => Img,
            b"section" => Section,
            b"article" => Article,
            b"main" => Main,
            b"header" => Header,
            b"footer" => Footer,
            b"nav" => Nav,
            b"aside" => Aside,
            b"ul" => Ul,
            b"ol" => Ol,
            b"li" => Li,
            b"dl" => Dl,
            b"dt" => Dt,
            b"dd" => Dd,
            b"table" => Table,
            b"thead" => Thead,
            b"tbody" => Tbody,
            b"tfoot" => Tfoot,
            b"tr" => Tr,
            b"td" => Td,
            b"th" => Th,
            b"caption" => Caption,
            b"col" => Col,
            b"colgroup" => Colgroup,
            b"pre" | b"listing" => Pre,
            b"code" => Code,
            b"blockquote" => Blockquote,
            b"h1" => H1,
            b"h2" => H2,
            b"h3" => H3,
            b"h4" => H4,
            b"h5" => H5,
            b"h6" => H6,
            b"form" => Form,
            b"fieldset" => Fieldset,
            b"input" => Input,
            b"button" => Button,
            b"select" => Select,
            b"option" | b"optgroup" => Option,
            b"textarea" => Textarea,
            b"iframe" => Iframe,
            b"object" => Object,
            b"embed" => Embed,
            b"figure" => Figure,
            b"figcaption" => Figcaption,
            b"svg" => Svg,
            b"math" => Math,
            b"address" => Address,
            b"details" => Details,
            b"summary" => Summary,
            b"center" => Center,
            b"menu" => Menu,
            b"dialog" => Dialog,
            b"legend" => Legend,
            b"area" | b"base" | b"link" | b"meta" | b"param" | b"source" | b"track" | b"wbr"
            | b"keygen" | b"basefont" | b"bgsound" | b"frame" => Void,
            b"title" => Title,
            b"script" => Script,
            b"style" => Style,
            b"noscript" => Noscript,
            b"template" => Template,
            b"xmp" => Xmp,
            b"noembed" => Noembed,
            b"noframes" => Noframes,
            b"plaintext" => Plaintext,
            b"canvas" => Canvas,
            b"video" => Video,
            b"audio" => Audio,
            b"map" => Map,
            _ => Other,
        }
    }

    /// No content, never pushed on the stack.
    fn is_void(self) -> bool {
        use Tag::*;
        matches!(self, Br | Hr | Img | Col | Input | Embed | Void)
    }

    /// Content is raw text that is skipped (or captured, for `title`).
    fn is_raw(self) -> bool {
        use Tag::*;
        matches!(
            self,
            Title
                | Script
                | Style
                | Noscript
                | Template
                | Xmp
                | Noembed
                | Noframes
                | Textarea
                | Iframe
        )
    }

    /// Starts a new line of text: opening or closing it is a paragraph break.
    pub(crate) fn is_block(self) -> bool {
        use Tag::*;
        matches!(
            self,
            Root | Html
                | Body
                | P
                | Div
                | Hr
                | Section
                | Article
                | Main
                | Header
                | Footer
                | Nav
                | Aside
                | Ul
                | Ol
                | Li
                | Dl
                | Dt
                | Dd
                | Table
                | Thead
                | Tbody
                | Tfoot
                | Tr
                | Td
                | Th
                | Caption
                | Pre
                | Blockquote
                | H1
                | H2
                | H3
                | H4
                | H5
                | H6
                | Form
                | Fieldset
                | Figure
                | Figcaption
                | Address
                | Details
                | Summary
                | Center
                | Menu
                | Dialog
                | Legend
                | Select
                | Option
        )
    }

    /// Opening it closes an open `p` (HTML tree construction).
    fn closes_p(self) -> bool {
        use Tag::*;
        matches!(
            self,
            P | Div
                | Hr
                | Section
                | Article
                | Main
                | Header
                | Footer
                | Nav
                | Aside
                | Ul
                | Ol
                | Li
                | Dl
                | Dt
                | Dd
                | Table
                | Pre
                | Blockquote
                | H1
                | H2
                | H3
                | H4
                | H5
                | H6
                | Form
                | Fieldset
                | Figure
                | Figcaption
                | Address
                | Details
                | Summary
                | Center
                | Menu
                | Dialog
        )
    }

    pub(crate) fn is_heading(self) -> bool {
        use Tag::*;
        matches!(self, H1 | H2 | H3 | H4 | H5 | H6)
    }

    /// Content never kept: controls, embedded media, navigation.
    fn is_dropped(self) -> bool {
        use Tag::*;
        matches!(
            self,
            Nav | Button
                | Select
                | Option
                | Textarea
                | Input
                | Iframe
                | Object
                | Embed
                | Svg
                | Canvas
                | Video
                | Audio
                | Map
                | Footer
                | Aside
                | Head
                | Title
                | Script
                | Style
                | Noscript
                | Template
                | Noembed
                | Noframes
        )
    }

    /// Boundary of the "scope" in which end tags and implied ends look for
    /// their element.
    fn is_scope_boundary(self) -> bool {
        use Tag::*;
        matches!(
            self,
            Root | Html | Table | Td | Th | Caption | Object | Template | Svg | Math
        )
    }
}

// Element flags.
/// Dropped by its tag, or hidden (`hidden`, `aria-hidden`, `display:none`).
pub(crate) const F_DROP: u16 = 1;
/// class/id/role say boilerplate (Readability's "unlikely candidates").
pub(crate) const F_UNLIKELY: u16 = 1 << 1;
/// Inside an `<a>` (or is one).
pub(crate) const F_IN_A: u16 = 1 << 2;
/// Inside an `<a href="#...">`: its text counts 0.3 towards link density.
pub(crate) const F_HASH_A: u16 = 1 << 3;
/// Inside `pre`: whitespace kept.
pub(crate) const F_IN_PRE: u16 = 1 << 4;
/// Inside a table or `code` (exempt from the class/id test).
pub(crate) const F_IN_TABLE_CODE: u16 = 1 << 5;
/// Has a block-level child element.
pub(crate) const F_BLOCK_CHILD: u16 = 1 << 6;
/// class/id matches "share" (removed inside the article when short).
pub(crate) const F_SHARE: u16 = 1 << 7;
/// Table with header cells, caption, col/colgroup: a data table.
pub(crate) const F_DATA_TABLE: u16 = 1 << 8;
/// Inside a `figure`.
pub(crate) const F_IN_FIGURE: u16 = 1 << 9;
/// An embed whose source is a known video host (kept by the embed rule).
pub(crate) const F_VIDEO: u16 = 1 << 10;
/// Table with `role=presentation`: a layout table.
pub(crate) const F_LAYOUT_TABLE: u16 = 1 << 11;
/// Inside MathML: tokens are separated.
pub(crate) const F_IN_MATH: u16 = 1 << 12;
/// A byline (`rel=author`, `itemprop=author`, class/id byline/author...).
pub(crate) const F_BYLINE: u16 = 1 << 13;

/// One element. Elements are numbered in document (pre-)order, so the
/// descendants of `e` are exactly `e + 1 .. end`.
#[derive(Debug, Clone)]
pub(crate) struct El {
    pub tag: Tag,
    pub flags: u16,
    /// Readability's class weight (class and id, ±25 each).
    pub weight: i16,
    pub parent: u32,
    pub end: u32,
    /// Nearest block-level element, itself included.
    pub blk: u32,
    /// Hash of the lowercased name, for `Tag::Other` end tags.
    pub name_hash: u32,
    /// `class` attribute as a byte range of the source (0..0 if none).
    pub class: (u32, u32),
    /// Index of the first item at or after the element's start: the items of
    /// the subtree are in `first_item .. els[end].first_item` (with some of
    /// the parent's in between, told apart by `Item::el`).
    pub first_item: u32,
}

/// Item kinds in document order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemKind {
    /// Text `start..end` of [`Doc::text`].
    Text,
    /// Opening or closing of a block element.
    Break,
    /// `<br>`.
    Line,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Item {
    pub kind: ItemKind,
    /// Innermost open element.
    pub el: u32,
    pub start: u32,
    pub end: u32,
}

/// A parsed page.
#[derive(Debug)]
pub(crate) struct Doc<'a> {
    pub src: &'a str,
    pub els: Vec<El>,
    pub items: Vec<Item>,
    /// Decoded, whitespace-collapsed text of all text items.
    pub text: String,
    /// `<title>` text.
    pub title: String,
    /// The `body` element (or the root if there is none).
    pub body: u32,
}

const MAX_DEPTH: usize = 2048;

struct Builder<'a> {
    src: &'a str,
    doc: Doc<'a>,
    stack: Vec<u32>,
    hints: &'static Hints,
    seen_html: bool,
    seen_head: bool,
    /// Open elements per tag, to skip stack searches.
    open_count: [u32; TAG_COUNT],
}

const TAG_COUNT: usize = Tag::Map as usize + 1;

/// Parse `html` into elements and text items.
pub(crate) fn parse(html: &str) -> Doc<'_> {
    let mut b = Builder {
        src: html,
        doc: Doc {
            src: html,
            els: Vec::with_capacity(html.len() / 64 + 16),
            items: Vec::with_capacity(html.len() / 64 + 16),
            text: String::with_capacity(html.len() / 4 + 16),
            title: String::new(),
            body: 0,
        },
        stack: Vec::with_capacity(64),
        hints: hints::get(),
        seen_html: false,
        seen_head: false,
        open_count: [0; TAG_COUNT],
    };
    b.doc.els.push(El {
        tag: Tag::Root,
        flags: 0,
        weight: 0,
        parent: 0,
        end: u32::MAX,
        blk: 0,
        name_hash: 0,
        class: (0, 0),
        first_item: 0,
    });
    b.stack.push(0);
    b.run();
    b.doc
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

fn fnv(name: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &c in name {
        h ^= u32::from(c.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Attributes the extractor looks at, as source byte ranges.
#[derive(Default)]
struct Attrs {
    class: Option<(usize, usize)>,
    id: Option<(usize, usize)>,
    role: Option<(usize, usize)>,
    style: Option<(usize, usize)>,
    href: Option<(usize, usize)>,
    src: Option<(usize, usize)>,
    rel: Option<(usize, usize)>,
    itemprop: Option<(usize, usize)>,
    hidden: bool,
    aria_hidden: Option<(usize, usize)>,
}

impl<'a> Builder<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn run(&mut self) {
        let b = self.bytes();
        let n = b.len();
        let mut i = 0;
        while i < n {
            let lt = match memchr(b'<', &b[i..]) {
                Some(k) => i + k,
                None => n,
            };
            if lt > i {
                self.text(i, lt);
            }
            if lt >= n {
                break;
            }
            i = self.markup(lt);
        }
        // Close everything still open.
        self.pop_to(1);
        self.doc.els[0].end = self.doc.els.len() as u32;
        if self.doc.body == 0 {
            // No <body>: the root stands for it.
            self.doc.body = 0;
        }
    }

    /// Handle markup starting with `<` at `i`; returns where to continue.
    fn markup(&mut self, i: usize) -> usize {
        let b = self.bytes();
        let n = b.len();
        match b.get(i + 1) {
            Some(b'!') => {
                if b.get(i + 2..i + 4) == Some(b"--") {
                    match memmem::find(&b[i + 4..], b"-->") {
                        Some(k) => i + 4 + k + 3,
                        None => n,
                    }
                } else {
                    skip_past(b, i + 2, b'>')
                }
            }
            Some(b'?') => skip_past(b, i + 2, b'>'),
            Some(b'/') => match b.get(i + 2) {
                Some(c) if c.is_ascii_alphabetic() => {
                    let (name_end, tag, hash) = read_name(b, i + 2);
                    let close = skip_past(b, name_end, b'>');
                    self.end_tag(tag, hash);
                    close
                }
                Some(b'>') => i + 3,
                _ => skip_past(b, i + 2, b'>'),
            },
            Some(c) if c.is_ascii_alphabetic() => self.start_tag(i),
            _ => {
                self.text(i, i + 1);
                i + 1
            }
        }
    }

    fn start_tag(&mut self, i: usize) -> usize {
        let b = self.bytes();
        let n = b.len();
        let (mut j, tag, hash) = read_name(b, i + 1);
        let mut attrs = Attrs::default();
        // Attributes.
        loop {
            while j < n && (is_ws(b[j]) || b[j] == b'/') {
                j += 1;
            }
            if j >= n {
                break;
            }
            if b[j] == b'>' {
                j += 1;
                break;
            }
            let ns = j;
            while j < n && !is_ws(b[j]) && b[j] != b'=' && b[j] != b'>' && b[j] != b'/' {
                j += 1;
            }
            if j == ns {
                // A stray `=`: part of the next attribute name per spec.
                j += 1;
                continue;
            }
            let name = &b[ns..j];
            while j < n && is_ws(b[j]) {
                j += 1;
            }
            let mut val = None;
            if j < n && b[j] == b'=' {
                j += 1;
                while j < n && is_ws(b[j]) {
                    j += 1;
                }
                if j < n && (b[j] == b'"' || b[j] == b'\'') {
                    let q = b[j];
                    let vs = j + 1;
                    let ve = memchr(q, &b[vs..]).map_or(n, |k| vs + k);
                    val = Some((vs, ve));
                    j = (ve + 1).min(n);
                } else {
                    let vs = j;
                    while j < n && !is_ws(b[j]) && b[j] != b'>' {
                        j += 1;
                    }
                    val = Some((vs, j));
                }
            }
            if name.len() <= 11 {
                let mut low = [0u8; 11];
                for (d, s) in low.iter_mut().zip(name) {
                    *d = s.to_ascii_lowercase();
                }
                match &low[..name.len()] {
                    b"class" => attrs.class = val,
                    b"id" => attrs.id = val,
                    b"role" => attrs.role = val,
                    b"style" => attrs.style = val,
                    b"href" => attrs.href = val,
                    b"src" => attrs.src = val,
                    b"rel" => attrs.rel = val,
                    b"itemprop" => attrs.itemprop = val,
                    b"hidden" => attrs.hidden = true,
                    b"aria-hidden" => attrs.aria_hidden = val,
                    _ => {}
                }
            }
        }
        self.open(tag, hash, &attrs);
        if tag.is_raw() {
            return self.skip_raw(j, i + 1, tag);
        }
        if tag == Tag::Plaintext {
            return n;
        }
        j
    }

    /// Skip raw text up to `</name`; capture `<title>`.
    fn skip_raw(&mut self, from: usize, name_at: usize, tag: Tag) -> usize {
        let b = self.bytes();
        let n = b.len();
        let (name_end, _, _) = read_name(b, name_at);
        let name = &b[name_at..name_end];
        let mut k = from;
        let close = loop {
            match memchr(b'<', &b[k.min(n)..]) {
                None => break n,
                Some(off) => {
                    let at = k + off;
                    let s = at + 2;
                    if b.get(at + 1) == Some(&b'/')
                        && b.get(s..s + name.len())
                            .is_some_and(|x| x.eq_ignore_ascii_case(name))
                        && b.get(s + name.len())
                            .is_none_or(|&c| is_ws(c) || c == b'>' || c == b'/')
                    {
                        break at;
                    }
                    k = at + 1;
                }
            }
        };
        if tag == Tag::Title && self.doc.title.is_empty() {
            let mut t = String::new();
            decode_into(&self.src[from.min(close)..close], &mut t, false);
            self.doc.title = t.trim().to_string();
        }
        // The element was opened and is on the stack (raw tags are not void):
        // close it.
        if let Some(&top) = self.stack.last() {
            if self.doc.els[top as usize].tag == tag {
                let depth = self.stack.len() - 1;
                self.pop_to(depth);
            }
        }
        if close >= n {
            n
        } else {
            skip_past(b, close + 2, b'>')
        }
    }

    fn top(&self) -> u32 {
        self.stack.last().copied().unwrap_or(0)
    }

    /// Pop the stack down to `depth` entries, closing each element.
    fn pop_to(&mut self, depth: usize) {
        let depth = depth.max(1);
        while self.stack.len() > depth {
            let Some(e) = self.stack.pop() else { break };
            let count = self.doc.els.len() as u32;
            let el = &mut self.doc.els[e as usize];
            el.end = count;
            if let Some(c) = self.open_count.get_mut(el.tag as usize) {
                *c = c.saturating_sub(1);
            }
            if el.tag.is_block() {
                self.doc.items.push(Item {
                    kind: ItemKind::Break,
                    el: e,
                    start: 0,
                    end: 0,
                });
            }
        }
    }

    /// Find `tag` on the stack above the nearest element for which `stop`
    /// holds; returns its depth.
    fn find_open(&self, tag: Tag, stop: impl Fn(Tag) -> bool) -> Option<usize> {
        // Most searches are for elements that are not open at all.
        if self.open_count.get(tag as usize).is_some_and(|&c| c == 0) {
            return None;
        }
        for d in (1..self.stack.len()).rev() {
            let t = self.doc.els[self.stack[d] as usize].tag;
            if t == tag {
                return Some(d);
            }
            if stop(t) {
                return None;
            }
        }
        None
    }

    fn implied_ends(&mut self, tag: Tag) {
        use Tag::*;
        // Anything but head content ends an unclosed <head>.
        if !matches!(tag, Title | Void | Script | Style | Noscript | Template) {
            if let Some(d) = self.find_open(Head, |t| t != Head) {
                self.pop_to(d);
            }
        }
        if tag.closes_p() {
            if let Some(d) = self.find_open(P, |t| t.is_scope_boundary() || t == Button) {
                self.pop_to(d);
            }
        }
        match tag {
            // A new link ends an unclosed one (the adoption agency's effect).
            A => {
                if let Some(d) = self.find_open(A, |t| t.is_scope_boundary()) {
                    self.pop_to(d);
                }
            }
            Li => {
                if let Some(d) = self.find_open(Li, |t| {
                    t.is_scope_boundary() || matches!(t, Ul | Ol | Menu | Body)
                }) {
                    self.pop_to(d);
                }
            }
            Dt | Dd => {
                let stop = |t: Tag| t.is_scope_boundary() || matches!(t, Dl | Body);
                let d = self.find_open(Dt, stop).max(self.find_open(Dd, stop));
                if let Some(d) = d {
                    self.pop_to(d);
                }
            }
            Td | Th => {
                let stop = |t: Tag| matches!(t, Tr | Table | Root | Html | Template);
                let d = self.find_open(Td, stop).max(self.find_open(Th, stop));
                if let Some(d) = d {
                    self.pop_to(d);
                }
            }
            Tr => {
                if let Some(d) = self.find_open(Tr, |t| matches!(t, Table | Root | Html)) {
                    self.pop_to(d);
                }
            }
            Thead | Tbody | Tfoot => {
                let stop = |t: Tag| matches!(t, Table | Root | Html);
                let d = self
                    .find_open(Thead, stop)
                    .max(self.find_open(Tbody, stop))
                    .max(self.find_open(Tfoot, stop));
                if let Some(d) = d {
                    self.pop_to(d);
                }
            }
            Option if self.doc.els[self.top() as usize].tag == Option => {
                let d = self.stack.len() - 1;
                self.pop_to(d);
            }
            H1 | H2 | H3 | H4 | H5 | H6 if self.doc.els[self.top() as usize].tag.is_heading() => {
                let d = self.stack.len() - 1;
                self.pop_to(d);
            }
            _ => {}
        }
    }

    fn open(&mut self, tag: Tag, hash: u32, attrs: &Attrs) {
        use Tag::*;
        match tag {
            // Only the first of each matters; later ones are ignored.
            Html if std::mem::replace(&mut self.seen_html, true) => return,
            Head if std::mem::replace(&mut self.seen_head, true) => return,
            Body if self.doc.body != 0 => return,
            _ => {}
        }
        if tag != Br {
            self.implied_ends(tag);
        }
        let parent = self.top();
        let p = &self.doc.els[parent as usize];
        let mut flags = p.flags
            & (F_DROP
                | F_UNLIKELY
                | F_IN_A
                | F_HASH_A
                | F_IN_PRE
                | F_IN_TABLE_CODE
                | F_IN_FIGURE
                | F_IN_MATH);
        let p_blk = p.blk;
        let src = self.bytes();
        let slice =
            |r: std::option::Option<(usize, usize)>| r.map_or(&b""[..], |(s, e)| &src[s..e]);
        match tag {
            A => {
                flags |= F_IN_A;
                if slice(attrs.href).first() == Some(&b'#') {
                    flags |= F_HASH_A;
                }
            }
            Pre => flags |= F_IN_PRE,
            Table | Code => flags |= F_IN_TABLE_CODE,
            Figure => flags |= F_IN_FIGURE,
            Math => flags |= F_IN_MATH,
            Iframe | Embed | Object if self.hints.is_video(slice(attrs.src)) => flags |= F_VIDEO,
            _ => {}
        }
        if tag.is_dropped() {
            flags |= F_DROP;
        }
        if attrs.hidden
            || slice(attrs.aria_hidden).eq_ignore_ascii_case(b"true")
            || hints::style_hidden(slice(attrs.style))
        {
            flags |= F_DROP;
        }
        let class = slice(attrs.class);
        let id = slice(attrs.id);
        let role = slice(attrs.role);
        let mut weight = 0i16;
        if !class.is_empty() || !id.is_empty() {
            let hc = self.hints.classify(class);
            let hi = self.hints.classify(id);
            weight = hc.weight() + hi.weight();
            if (hc.unlikely || hi.unlikely)
                && !(hc.maybe || hi.maybe)
                && !matches!(tag, Body | A | Html)
                && flags & F_IN_TABLE_CODE == 0
            {
                flags |= F_UNLIKELY;
            }
            if hc.share || hi.share {
                flags |= F_SHARE;
            }
            if hc.byline || hi.byline {
                flags |= F_BYLINE;
            }
        }
        if slice(attrs.rel).eq_ignore_ascii_case(b"author")
            || memchr::memmem::find(slice(attrs.itemprop), b"author").is_some()
        {
            flags |= F_BYLINE;
        }
        if !role.is_empty() {
            if hints::unlikely_role(role) {
                flags |= F_UNLIKELY;
            }
            if tag == Table && role.eq_ignore_ascii_case(b"presentation") {
                flags |= F_LAYOUT_TABLE;
            }
        }
        if matches!(tag, Th | Thead | Tfoot | Caption | Col | Colgroup) {
            if let Some(d) = self.find_open(Table, |t| matches!(t, Root | Html)) {
                let t = self.stack[d] as usize;
                self.doc.els[t].flags |= F_DATA_TABLE;
            }
        }
        let idx = self.doc.els.len() as u32;
        let block = tag.is_block();
        if block {
            self.doc.els[p_blk as usize].flags |= F_BLOCK_CHILD;
            if p_blk != parent {
                self.doc.els[parent as usize].flags |= F_BLOCK_CHILD;
            }
        }
        self.doc.els.push(El {
            tag,
            flags,
            weight,
            parent,
            end: idx + 1,
            blk: if block { idx } else { p_blk },
            name_hash: hash,
            class: attrs.class.map_or((0, 0), |(s, e)| (s as u32, e as u32)),
            first_item: self.doc.items.len() as u32,
        });
        if tag == Body {
            self.doc.body = idx;
        }
        if block {
            self.doc.items.push(Item {
                kind: ItemKind::Break,
                el: idx,
                start: 0,
                end: 0,
            });
        } else if tag == Br {
            self.doc.items.push(Item {
                kind: ItemKind::Line,
                el: idx,
                start: 0,
                end: 0,
            });
        }
        if !tag.is_void() && self.stack.len() < MAX_DEPTH {
            self.stack.push(idx);
            if let Some(c) = self.open_count.get_mut(tag as usize) {
                *c += 1;
            }
        }
    }

    fn end_tag(&mut self, tag: Tag, hash: u32) {
        use Tag::*;
        match tag {
            Br => {
                self.open(Br, 0, &Attrs::default());
                return;
            }
            Body | Html | Head => return,
            _ if tag.is_void() => return,
            _ => {}
        }
        if self.open_count.get(tag as usize).is_some_and(|&c| c == 0) {
            return;
        }
        let table_part = matches!(
            tag,
            Table | Td | Th | Tr | Thead | Tbody | Tfoot | Caption | Colgroup
        );
        for d in (1..self.stack.len()).rev() {
            let el = &self.doc.els[self.stack[d] as usize];
            let t = el.tag;
            if t == tag && (tag != Other || el.name_hash == hash) {
                self.pop_to(d);
                return;
            }
            if t.is_scope_boundary() {
                // `</td>` may close across its own kind of boundary only.
                if table_part && t != Root && t != Html {
                    continue;
                }
                return;
            }
        }
    }

    fn text(&mut self, s: usize, e: usize) {
        let el = self.top();
        let flags = self.doc.els[el as usize].flags;
        if flags & F_DROP != 0 {
            return;
        }
        let raw = &self.src[s..e];
        let start = self.doc.text.len();
        if flags & F_IN_MATH != 0 && !self.doc.text.ends_with(' ') {
            self.doc.text.push(' ');
        }
        decode_into(raw, &mut self.doc.text, flags & F_IN_PRE != 0);
        let end = self.doc.text.len();
        if end == start {
            return;
        }
        self.doc.items.push(Item {
            kind: ItemKind::Text,
            el,
            start: start as u32,
            end: end as u32,
        });
    }
}

fn skip_past(b: &[u8], from: usize, c: u8) -> usize {
    if from >= b.len() {
        return b.len();
    }
    match memchr(c, &b[from..]) {
        Some(k) => from + k + 1,
        None => b.len(),
    }
}

/// Read a tag name starting at `i` (an ASCII letter); returns its end, its
/// kind and a hash of the lowercased name.
fn read_name(b: &[u8], i: usize) -> (usize, Tag, u32) {
    let mut j = i;
    while j < b.len() && !is_ws(b[j]) && b[j] != b'/' && b[j] != b'>' {
        j += 1;
    }
    let name = &b[i..j];
    let tag = if name.len() <= 10 {
        let mut low = [0u8; 10];
        for (d, s) in low.iter_mut().zip(name) {
            *d = s.to_ascii_lowercase();
        }
        Tag::from_lower(&low[..name.len()])
    } else {
        Tag::Other
    };
    let hash = if tag == Tag::Other { fnv(name) } else { 0 };
    (j, tag, hash)
}

/// Append `raw` to `out` with character references decoded and (unless
/// `keep_ws`) runs of whitespace collapsed to one space.
pub(crate) fn decode_into(raw: &str, out: &mut String, keep_ws: bool) {
    let b = raw.as_bytes();
    let mut i = 0;
    let mut last_space = out.ends_with(' ') || out.is_empty();
    while i < b.len() {
        let next = if keep_ws {
            memchr(b'&', &b[i..]).map_or(b.len(), |k| i + k)
        } else {
            // Next `&` or whitespace.
            let mut k = i;
            while k < b.len() && b[k] != b'&' && !is_ws(b[k]) {
                k += 1;
            }
            k
        };
        if next > i {
            out.push_str(&raw[i..next]);
            last_space = false;
            i = next;
        }
        if i >= b.len() {
            break;
        }
        if b[i] == b'&' {
            let (ch, len) = entity(&b[i..]);
            match ch {
                Some(c) => {
                    if c.is_whitespace() && c != '\u{a0}' && !keep_ws {
                        if !last_space {
                            out.push(' ');
                            last_space = true;
                        }
                    } else {
                        out.push(c);
                        last_space = false;
                    }
                    i += len;
                }
                None => {
                    out.push('&');
                    last_space = false;
                    i += 1;
                }
            }
        } else {
            // Whitespace run.
            while i < b.len() && is_ws(b[i]) {
                i += 1;
            }
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        }
    }
}

/// Decode the character reference at the start of `b` (which starts with
/// `&`): the character and the bytes consumed.
fn entity(b: &[u8]) -> (Option<char>, usize) {
    if b.get(1) == Some(&b'#') {
        let (hex, start) = match b.get(2) {
            Some(b'x') | Some(b'X') => (true, 3),
            _ => (false, 2),
        };
        let mut j = start;
        let mut v: u32 = 0;
        while j < b.len() && j < start + 8 {
            let d = match (b[j] as char).to_digit(if hex { 16 } else { 10 }) {
                Some(d) => d,
                None => break,
            };
            v = v
                .saturating_mul(if hex { 16 } else { 10 })
                .saturating_add(d);
            j += 1;
        }
        if j == start {
            return (None, 1);
        }
        if b.get(j) == Some(&b';') {
            j += 1;
        }
        let c = match v {
            0x80..=0x9f => windows_1252(v),
            _ => char::from_u32(v).filter(|&c| c != '\0'),
        };
        return (Some(c.unwrap_or('\u{fffd}')), j);
    }
    let end = memchr2(b';', b' ', &b[1..b.len().min(33)]).map(|k| k + 1);
    let name_end = match end {
        Some(k) if b.get(k) == Some(&b';') => k,
        _ => {
            // Legacy references without `;`.
            for (name, c) in [
                (&b"amp"[..], '&'),
                (b"lt", '<'),
                (b"gt", '>'),
                (b"quot", '"'),
                (b"nbsp", '\u{a0}'),
                (b"copy", '©'),
                (b"reg", '®'),
            ] {
                if b.get(1..1 + name.len()) == Some(name) {
                    return (Some(c), 1 + name.len());
                }
            }
            return (None, 1);
        }
    };
    match hints::named_entity(&b[1..name_end]) {
        Some(c) => (Some(c), name_end + 1),
        None => (None, 1),
    }
}

fn windows_1252(v: u32) -> Option<char> {
    const T: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    T.get((v - 0x80) as usize).copied()
}
