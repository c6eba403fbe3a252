//! The `density` extractor: Readability's main-content scoring on a light,
//! zero-copy parse.
//!
//! [`parse`] turns the page into a flat, document-ordered list of elements
//! (with parent links and subtree extents) and text items, without building a
//! DOM. The scoring then follows Mozilla Readability (the algorithm behind
//! Firefox's reader view and dom_smoothie):
//!
//! 1. class/id/role patterns mark unlikely candidates (sidebars, comments,
//!    menus...), hidden elements and controls are dropped;
//! 2. every paragraph-like run of text (a `p`, `td`, `pre`, heading, or the
//!    text of a `div`, split at `<br><br>`) of at least 25 characters scores
//!    `1 + commas + min(chars / 100, 3)`, added to up to five ancestors with
//!    decaying weight; ancestors start with a tag and class/id bonus;
//! 3. each candidate's score is scaled by `1 - link density`; the best one is
//!    refined (common ancestor of close runners-up, climbing to a parent that
//!    scores higher) and joined by siblings that score well or read as prose;
//! 4. inside the chosen content, lists/tables/divs/forms that look like
//!    boilerplate (many links, few paragraphs, images without text, ...) and
//!    short "share" blocks are removed;
//! 5. if fewer than 500 characters remain, the steps are retried without the
//!    class/id pruning, then without class weights, then without the
//!    clean-up, and the longest result is kept.
//!
//! The text of what is kept is written in document order, a blank line
//! between blocks, a newline for `<br>`.

mod hints;
mod parse;

use parse::{Doc, ItemKind, Tag, F_BLOCK_CHILD, F_DATA_TABLE, F_DROP, F_HASH_A, F_IN_A};
use parse::{F_BYLINE, F_IN_FIGURE, F_IN_TABLE_CODE, F_LAYOUT_TABLE, F_SHARE, F_UNLIKELY, F_VIDEO};

const STRIP_UNLIKELY: u8 = 1;
const WEIGHT_CLASSES: u8 = 2;
const CLEAN_CONDITIONALLY: u8 = 4;

/// Readability's minimum article length before it retries with fewer rules.
const CHAR_THRESHOLD: usize = 500;

/// Main text of `html`.
pub(crate) fn extract(html: &str) -> String {
    let doc = parse::parse(html);
    let stats = item_stats(&doc);
    let mut best = String::new();
    let mut best_len = 0;
    for mode in [
        STRIP_UNLIKELY | WEIGHT_CLASSES | CLEAN_CONDITIONALLY,
        WEIGHT_CLASSES | CLEAN_CONDITIONALLY,
        CLEAN_CONDITIONALLY,
        0,
    ] {
        let text = Attempt::new(&doc, &stats, mode).run();
        let len = text_len(&text);
        if len >= CHAR_THRESHOLD {
            return text;
        }
        if len > best_len {
            best_len = len;
            best = text;
        }
    }
    best
}

/// Characters and commas of each text item.
fn item_stats(doc: &Doc) -> Vec<(u32, u32)> {
    doc.items
        .iter()
        .map(|it| {
            if it.kind != ItemKind::Text {
                return (0, 0);
            }
            let s = doc
                .text
                .get(it.start as usize..it.end as usize)
                .unwrap_or("");
            let mut chars = 0u32;
            let mut commas = 0u32;
            for c in s.chars() {
                chars += 1;
                if matches!(
                    c,
                    ',' | '\u{060C}'
                        | '\u{FE50}'
                        | '\u{FE10}'
                        | '\u{FE11}'
                        | '\u{2E41}'
                        | '\u{2E34}'
                        | '\u{2E32}'
                        | '\u{FF0C}'
                ) {
                    commas += 1;
                }
            }
            (chars, commas)
        })
        .collect()
}

/// Subtree totals of one element.
#[derive(Debug, Default, Clone, Copy)]
struct Agg {
    text: u32,
    link: f32,
    commas: u32,
    p: u32,
    img: u32,
    li: u32,
    input: u32,
    video: u32,
    heading_text: u32,
    list_text: u32,
    tables: u32,
    data_tables: u32,
    rows: u32,
}

impl Agg {
    fn add(&mut self, o: &Agg) {
        self.text += o.text;
        self.link += o.link;
        self.commas += o.commas;
        self.p += o.p;
        self.img += o.img;
        self.li += o.li;
        self.input += o.input;
        self.video += o.video;
        self.heading_text += o.heading_text;
        self.list_text += o.list_text;
        self.tables += o.tables;
        self.data_tables += o.data_tables;
        self.rows += o.rows;
    }

    fn link_density(&self) -> f32 {
        if self.text == 0 {
            0.0
        } else {
            self.link / self.text as f32
        }
    }
}

struct Attempt<'d, 'a> {
    doc: &'d Doc<'a>,
    stats: &'d [(u32, u32)],
    mode: u8,
    /// Flags that remove an element (and its subtree) in this attempt.
    mask: u16,
    /// Totals of each element's own text and tag.
    own: Vec<Agg>,
    /// Subtree totals.
    agg: Vec<Agg>,
    score: Vec<f32>,
    scored: Vec<bool>,
}

impl<'d, 'a> Attempt<'d, 'a> {
    fn new(doc: &'d Doc<'a>, stats: &'d [(u32, u32)], mode: u8) -> Self {
        let n = doc.els.len();
        let mask = F_DROP
            | if mode & STRIP_UNLIKELY != 0 {
                F_UNLIKELY
            } else {
                0
            };
        Attempt {
            doc,
            stats,
            mode,
            mask,
            own: vec![Agg::default(); n],
            agg: vec![Agg::default(); n],
            score: vec![0.0; n],
            scored: vec![false; n],
        }
    }

    fn removed(&self, e: u32) -> bool {
        self.doc.els[e as usize].flags & self.mask != 0
    }

    fn run(mut self) -> String {
        self.aggregate();
        let candidates = self.score_paragraphs();
        let roots = self.choose(&candidates);
        let dead = self.clean(&roots);
        self.render(&roots, &dead)
    }

    /// Text, links and element counts per subtree.
    fn aggregate(&mut self) {
        let els = &self.doc.els;
        for (it, &(chars, commas)) in self.doc.items.iter().zip(self.stats) {
            if it.kind != ItemKind::Text || self.removed(it.el) {
                continue;
            }
            let el = &els[it.el as usize];
            let a = &mut self.own[it.el as usize];
            a.text += chars;
            a.commas += commas;
            if el.flags & F_IN_A != 0 {
                a.link += if el.flags & F_HASH_A != 0 {
                    0.3 * chars as f32
                } else {
                    chars as f32
                };
            }
        }
        for e in (1..els.len()).rev() {
            let el = &els[e];
            let parent = el.parent as usize;
            if el.flags & self.mask != 0 {
                // Removed, but inputs and videos still count for the rules.
                if el.tag == Tag::Input {
                    self.own[parent].input += 1;
                }
                if el.flags & F_VIDEO != 0 {
                    self.own[parent].video += 1;
                }
                continue;
            }
            let o = &mut self.own[e];
            match el.tag {
                Tag::P => o.p += 1,
                Tag::Div if el.flags & F_BLOCK_CHILD == 0 => o.p += 1,
                Tag::Img => o.img += 1,
                Tag::Li => o.li += 1,
                Tag::Tr => o.rows += 1,
                _ => {}
            }
            let mut a = self.agg[e];
            a.add(&self.own[e]);
            self.finish(e, &mut a);
            self.agg[e] = a;
            self.agg[parent].add(&a);
        }
        let mut root = self.agg[0];
        root.add(&self.own[0]);
        self.agg[0] = root;
    }

    /// Totals that depend on the element's own tag.
    fn finish(&self, e: usize, a: &mut Agg) {
        match self.doc.els[e].tag {
            Tag::Ul | Tag::Ol => a.list_text = a.text,
            Tag::Table => {
                let data = self.is_data_table(e, a);
                a.tables += 1;
                if data {
                    a.data_tables += 1;
                }
            }
            t if t.is_heading() => a.heading_text = a.text,
            _ => {}
        }
    }

    fn is_data_table(&self, e: usize, a: &Agg) -> bool {
        let f = self.doc.els[e].flags;
        if f & F_LAYOUT_TABLE != 0 {
            return false;
        }
        if f & F_DATA_TABLE != 0 {
            return true;
        }
        // A table holding another table lays out the page.
        if a.tables > 0 {
            return false;
        }
        a.rows >= 10
    }

    /// Score paragraphs into their ancestors; returns the scored elements.
    fn score_paragraphs(&mut self) -> Vec<u32> {
        let doc = self.doc;
        let mut candidates = Vec::new();
        // Paragraph elements score with all their text.
        for e in 1..doc.els.len() as u32 {
            let el = &doc.els[e as usize];
            if el.flags & self.mask != 0
                || !matches!(
                    el.tag,
                    Tag::P
                        | Tag::Td
                        | Tag::Pre
                        | Tag::Section
                        | Tag::H2
                        | Tag::H3
                        | Tag::H4
                        | Tag::H5
                        | Tag::H6
                )
            {
                continue;
            }
            let a = self.agg[e as usize];
            self.add_paragraph(el.parent, a.text, a.commas, &mut candidates);
        }
        // The text of a div is a paragraph: the whole div if it holds no
        // blocks, else each run of text between blocks and `<br><br>`.
        let mut run_blk = u32::MAX;
        let (mut chars, mut commas) = (0u32, 0u32);
        let mut last_line = false;
        let mut split = false;
        for (it, &(c, k)) in doc.items.iter().zip(self.stats) {
            match it.kind {
                ItemKind::Text => {
                    if self.removed(it.el) {
                        continue;
                    }
                    let b = doc.els[it.el as usize].blk;
                    if b != run_blk {
                        self.flush(run_blk, chars, commas, split, &mut candidates);
                        (chars, commas, split) = (0, 0, false);
                        run_blk = b;
                    }
                    chars += c;
                    commas += k;
                    if c > 1 {
                        last_line = false;
                    }
                }
                ItemKind::Line => {
                    if self.removed(it.el) {
                        continue;
                    }
                    if last_line && chars > 0 {
                        self.flush(run_blk, chars, commas, true, &mut candidates);
                        (chars, commas) = (0, 0);
                        split = true;
                    }
                    last_line = true;
                }
                ItemKind::Break => {
                    self.flush(run_blk, chars, commas, split, &mut candidates);
                    (chars, commas, split) = (0, 0, false);
                    run_blk = u32::MAX;
                    last_line = false;
                }
            }
        }
        self.flush(run_blk, chars, commas, split, &mut candidates);
        for &c in &candidates {
            let ld = self.agg[c as usize].link_density();
            self.score[c as usize] *= 1.0 - ld;
        }
        candidates
    }

    fn flush(&mut self, blk: u32, chars: u32, commas: u32, split: bool, cands: &mut Vec<u32>) {
        if blk == u32::MAX {
            return;
        }
        let el = &self.doc.els[blk as usize];
        if el.tag != Tag::Div {
            return;
        }
        let start = if split || el.flags & F_BLOCK_CHILD != 0 {
            blk
        } else {
            el.parent
        };
        self.add_paragraph(start, chars, commas, cands);
    }

    /// Readability's paragraph score, added to `start` and its ancestors.
    fn add_paragraph(&mut self, start: u32, chars: u32, commas: u32, cands: &mut Vec<u32>) {
        // Whitespace between inline elements inflates `chars` a little; so
        // does Readability's innerText.
        if chars < 25 {
            return;
        }
        let els = &self.doc.els;
        let content = 1.0 + commas as f32 + (chars / 100).min(3) as f32;
        let mut a = start;
        for level in 0..5u32 {
            let ael = &els[a as usize];
            if matches!(ael.tag, Tag::Root | Tag::Html) {
                break;
            }
            if !self.scored[a as usize] {
                self.scored[a as usize] = true;
                self.score[a as usize] = self.initial_score(a);
                cands.push(a);
            }
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                l => l as f32 * 3.0,
            };
            self.score[a as usize] += content / divider;
            a = ael.parent;
        }
    }

    fn initial_score(&self, e: u32) -> f32 {
        let el = &self.doc.els[e as usize];
        let tag = match el.tag {
            Tag::Div => 5.0,
            Tag::Pre | Tag::Td | Tag::Blockquote => 3.0,
            Tag::Address
            | Tag::Ol
            | Tag::Ul
            | Tag::Dl
            | Tag::Dd
            | Tag::Dt
            | Tag::Li
            | Tag::Form => -3.0,
            Tag::H1 | Tag::H2 | Tag::H3 | Tag::H4 | Tag::H5 | Tag::H6 | Tag::Th => -5.0,
            _ => 0.0,
        };
        tag + self.weight(e)
    }

    fn weight(&self, e: u32) -> f32 {
        if self.mode & WEIGHT_CLASSES != 0 {
            f32::from(self.doc.els[e as usize].weight)
        } else {
            0.0
        }
    }

    fn is_body(&self, e: u32) -> bool {
        e == self.doc.body || matches!(self.doc.els[e as usize].tag, Tag::Root | Tag::Html)
    }

    fn is_ancestor(&self, a: u32, e: u32) -> bool {
        a < e && e < self.doc.els[a as usize].end
    }

    /// Kept children of `e`.
    fn children(&self, e: u32) -> impl Iterator<Item = u32> + '_ {
        let end = self.doc.els[e as usize].end;
        let mut c = e + 1;
        std::iter::from_fn(move || {
            while c < end {
                let cur = c;
                c = self.doc.els[cur as usize].end.max(cur + 1);
                if !self.removed(cur) {
                    return Some(cur);
                }
            }
            None
        })
    }

    /// The top candidate and the siblings joined to it.
    fn choose(&mut self, candidates: &[u32]) -> Vec<u32> {
        let mut top5: Vec<u32> = Vec::with_capacity(6);
        for &c in candidates {
            let s = self.score[c as usize];
            let pos = top5
                .iter()
                .position(|&t| s > self.score[t as usize])
                .unwrap_or(top5.len());
            if pos < 5 {
                top5.insert(pos, c);
                top5.truncate(5);
            }
        }
        let body = self.doc.body;
        let mut top = match top5.first() {
            Some(&t) if !self.is_body(t) => t,
            _ => return vec![body],
        };
        // Runners-up sharing an ancestor: that ancestor is the content.
        let top_score = self.score[top as usize];
        let alts: Vec<u32> = top5[1..]
            .iter()
            .copied()
            .filter(|&c| top_score > 0.0 && self.score[c as usize] / top_score >= 0.75)
            .collect();
        if alts.len() >= 3 {
            let mut p = self.doc.els[top as usize].parent;
            while !self.is_body(p) {
                let n = alts.iter().filter(|&&c| self.is_ancestor(p, c)).count();
                if n >= 3 {
                    top = p;
                    break;
                }
                p = self.doc.els[p as usize].parent;
            }
        }
        if !self.scored[top as usize] {
            self.scored[top as usize] = true;
            self.score[top as usize] = self.initial_score(top);
        }
        // Climb while the parent scores higher.
        let mut last = self.score[top as usize];
        let threshold = last / 3.0;
        let mut p = self.doc.els[top as usize].parent;
        while !self.is_body(p) {
            if !self.scored[p as usize] {
                p = self.doc.els[p as usize].parent;
                continue;
            }
            let ps = self.score[p as usize];
            if ps < threshold {
                break;
            }
            if ps > last {
                top = p;
                break;
            }
            last = ps;
            p = self.doc.els[p as usize].parent;
        }
        // An only child stands for its parent.
        loop {
            let p = self.doc.els[top as usize].parent;
            if self.is_body(p) || self.children(p).nth(1).is_some() {
                break;
            }
            top = p;
        }
        if !self.scored[top as usize] {
            self.scored[top as usize] = true;
            self.score[top as usize] = self.initial_score(top);
        }
        // Siblings.
        let top_score = self.score[top as usize];
        let threshold = (top_score * 0.2).max(10.0);
        let parent = self.doc.els[top as usize].parent;
        let top_class = self.class(top);
        let mut roots = Vec::new();
        for s in self.children(parent).collect::<Vec<_>>() {
            if s == top {
                roots.push(s);
                continue;
            }
            let bonus = if !top_class.is_empty() && self.class(s) == top_class {
                top_score * 0.2
            } else {
                0.0
            };
            if self.scored[s as usize] && self.score[s as usize] + bonus >= threshold {
                roots.push(s);
                continue;
            }
            let el = &self.doc.els[s as usize];
            let is_p = el.tag == Tag::P || (el.tag == Tag::Div && el.flags & F_BLOCK_CHILD == 0);
            if is_p {
                let a = &self.agg[s as usize];
                let ld = a.link_density();
                if (a.text > 80 && ld < 0.25)
                    || (a.text < 80 && a.text > 0 && ld == 0.0 && self.ends_sentence(s))
                {
                    roots.push(s);
                }
            }
        }
        roots
    }

    fn class(&self, e: u32) -> &str {
        let (s, t) = self.doc.els[e as usize].class;
        self.doc.src.get(s as usize..t as usize).unwrap_or("")
    }

    /// `/\.( |$)/` on the element's text.
    fn ends_sentence(&self, e: u32) -> bool {
        let mut t = String::new();
        self.collect_text(e, &mut t);
        let t = t.trim_end();
        t.ends_with('.') || t.contains(". ")
    }

    /// Items of the subtree of `e`, in document order.
    fn subtree_items(&self, e: u32) -> impl Iterator<Item = &parse::Item> + '_ {
        let els = &self.doc.els;
        let end = els[e as usize].end;
        let from = els[e as usize].first_item as usize;
        let to = els
            .get(end as usize)
            .map_or(self.doc.items.len(), |x| x.first_item as usize);
        self.doc
            .items
            .get(from..to)
            .unwrap_or(&[])
            .iter()
            .filter(move |it| it.el >= e && it.el < end)
    }

    fn collect_text(&self, e: u32, out: &mut String) {
        for it in self.subtree_items(e) {
            if it.kind == ItemKind::Text && !self.removed(it.el) {
                out.push_str(
                    self.doc
                        .text
                        .get(it.start as usize..it.end as usize)
                        .unwrap_or(""),
                );
            }
        }
    }

    /// Readability's clean-up of the article; returns the removed elements
    /// (whole subtrees marked).
    fn clean(&self, roots: &[u32]) -> Vec<bool> {
        let n = self.doc.els.len();
        let mut dead = vec![false; n];
        for &r in roots {
            let end = self.doc.els[r as usize].end as usize;
            let r = r as usize;
            // Inside a data table or code: never cleaned conditionally.
            let mut protected = vec![false; end - r];
            protected[0] = self.in_data_table_or_code(r);
            for e in r + 1..end {
                let p = self.doc.els[e].parent as usize;
                if p >= r {
                    let pt = self.doc.els[p].tag;
                    protected[e - r] = protected[p - r]
                        || pt == Tag::Code
                        || (pt == Tag::Table && self.table_is_data(p));
                }
            }
            // Bottom-up with the totals of what is still kept.
            let mut kept: Vec<Agg> = vec![Agg::default(); end - r];
            for e in (r..end).rev() {
                if self.doc.els[e].flags & self.mask != 0 {
                    continue;
                }
                let mut a = self.own[e];
                for c in self.children(e as u32) {
                    a.add(&kept[c as usize - r]);
                }
                self.finish(e, &mut a);
                if self.cut(e, &a, protected[e - r]) {
                    dead[e] = true;
                    continue;
                }
                kept[e - r] = a;
            }
            // Propagate down.
            for e in r + 1..end {
                let p = self.doc.els[e].parent as usize;
                if p >= r && dead[p] {
                    dead[e] = true;
                }
            }
        }
        dead
    }

    /// Whether element `e`, whose kept subtree totals are `a`, is cleaned.
    fn cut(&self, e: usize, a: &Agg, protected: bool) -> bool {
        let el = &self.doc.els[e];
        let weight = self.weight(e as u32);
        if el.flags & F_SHARE != 0 && a.text < 500 {
            return true;
        }
        // Readability takes bylines out of the text (as metadata).
        if el.flags & F_BYLINE != 0 && a.text < 100 {
            return true;
        }
        if matches!(el.tag, Tag::H1 | Tag::H2) && weight < 0.0 {
            return true;
        }
        if self.mode & CLEAN_CONDITIONALLY == 0 {
            return false;
        }
        // Figures and their captions are not running text (trafilatura drops
        // them too): better F1 on every page set.
        if matches!(el.tag, Tag::Figure | Tag::Figcaption) {
            return true;
        }
        // Blocks that are mostly links (related stories, teasers), lists
        // included: Readability keeps lists, trafilatura does not.
        if matches!(el.tag, Tag::Ul | Tag::Ol | Tag::Div | Tag::Table)
            && a.commas < 10
            && a.link_density() > 0.5
        {
            return true;
        }
        let is_div = el.tag == Tag::Div && el.flags & F_BLOCK_CHILD != 0;
        if !(is_div || matches!(el.tag, Tag::Form | Tag::Fieldset | Tag::Table | Tag::Ul)) {
            return false;
        }
        if a.data_tables > 0 || protected {
            return false;
        }
        if weight < 0.0 {
            return true;
        }
        if a.commas >= 10 {
            return false;
        }
        if a.video > 0 {
            return false;
        }
        let text = a.text.max(1) as f32;
        let is_list = el.tag == Tag::Ul || (a.list_text as f32 / text > 0.9 && a.text > 0);
        let p = a.p as f32;
        let img = a.img as f32;
        let li = a.li as f32 - 100.0;
        let in_figure = el.flags & F_IN_FIGURE != 0;
        let ld = a.link_density();
        let heading_density = a.heading_text as f32 / text;
        (!in_figure && img > 1.0 && p / img < 0.5)
            || (!is_list && li > p)
            || (a.input as f32 > (p / 3.0).floor())
            || (!is_list
                && !in_figure
                && heading_density < 0.9
                && a.text < 25
                && (a.img == 0 || a.img > 2)
                && ld > 0.0)
            || (!is_list && weight < 25.0 && ld > 0.2)
            || (weight >= 25.0 && ld > 0.5)
            || (a.img == 0 && a.text == 0)
    }

    /// Whether table `e` holds data (not layout).
    fn table_is_data(&self, e: usize) -> bool {
        let mut a = self.agg[e];
        // `tables` counts `e` itself.
        a.tables = a.tables.saturating_sub(1);
        self.is_data_table(e, &a)
    }

    /// Whether an ancestor of `e` is `code` or a data table.
    fn in_data_table_or_code(&self, e: usize) -> bool {
        if self.doc.els[e].flags & F_IN_TABLE_CODE == 0 {
            return false;
        }
        let mut p = self.doc.els[e].parent as usize;
        while p != 0 {
            let el = &self.doc.els[p];
            if el.tag == Tag::Code || (el.tag == Tag::Table && self.table_is_data(p)) {
                return true;
            }
            p = el.parent as usize;
        }
        false
    }

    fn render(&self, roots: &[u32], dead: &[bool]) -> String {
        let mut out = String::new();
        for &r in roots {
            for it in self.subtree_items(r) {
                if self.removed(it.el) || dead[it.el as usize] {
                    continue;
                }
                match it.kind {
                    ItemKind::Text => {
                        let t = self
                            .doc
                            .text
                            .get(it.start as usize..it.end as usize)
                            .unwrap_or("");
                        if t == " " && (out.is_empty() || out.ends_with([' ', '\n'])) {
                            continue;
                        }
                        out.push_str(t);
                    }
                    ItemKind::Break => {
                        if !out.is_empty() && !out.ends_with("\n\n") {
                            out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
                        }
                    }
                    ItemKind::Line => out.push('\n'),
                }
            }
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push_str("\n\n");
            }
        }
        out
    }
}

/// Length as Readability measures it: whitespace runs count one.
fn text_len(text: &str) -> usize {
    let mut n = 0;
    let mut ws = true;
    for c in text.chars() {
        if c.is_whitespace() {
            if !ws {
                n += 1;
            }
            ws = true;
        } else {
            n += 1;
            ws = false;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::parse::{parse, ItemKind, Tag};
    use super::*;

    fn texts(html: &str) -> Vec<String> {
        let d = parse(html);
        d.items
            .iter()
            .filter(|i| i.kind == ItemKind::Text)
            .map(|i| d.text[i.start as usize..i.end as usize].to_string())
            .collect()
    }

    fn para(n: usize) -> String {
        "This sentence, with a comma, is part of the article body text. ".repeat(n)
    }

    #[test]
    fn implied_end_tags_close_paragraphs_items_and_cells() {
        let d = parse("<body><p>a<p>b<ul><li>x<li>y</ul><table><tr><td>1<td>2<tr><td>3</table>");
        let tags: Vec<(Tag, u32)> = d.els.iter().map(|e| (e.tag, e.parent)).collect();
        let body = d.body;
        let ps: Vec<u32> = (0..tags.len() as u32)
            .filter(|&i| tags[i as usize].0 == Tag::P)
            .collect();
        assert_eq!(ps.len(), 2);
        // The second <p> is a sibling of the first, not its child.
        assert!(ps.iter().all(|&p| tags[p as usize].1 == body));
        let lis: Vec<u32> = (0..tags.len() as u32)
            .filter(|&i| tags[i as usize].0 == Tag::Li)
            .collect();
        assert_eq!(tags[lis[0] as usize].1, tags[lis[1] as usize].1);
        let tds = tags.iter().filter(|t| t.0 == Tag::Td).count();
        let trs: Vec<u32> = (0..tags.len() as u32)
            .filter(|&i| tags[i as usize].0 == Tag::Tr)
            .collect();
        assert_eq!((tds, trs.len()), (3, 2));
        assert_eq!(tags[trs[0] as usize].1, tags[trs[1] as usize].1);
    }

    #[test]
    fn end_tags_close_what_they_enclose_and_stray_ones_are_ignored() {
        let d = parse("<div><span><b>x</div><p>y</span></p>");
        let p = d.els.iter().position(|e| e.tag == Tag::P).expect("p");
        assert_eq!(d.els[p].parent, 0, "the <p> is outside the closed div");
        // Descendant ranges nest.
        for (i, e) in d.els.iter().enumerate().skip(1) {
            let parent = &d.els[e.parent as usize];
            assert!((e.parent as usize) < i && e.end <= parent.end);
        }
    }

    #[test]
    fn character_references_and_whitespace() {
        assert_eq!(
            texts("<p>Tom&amp;Jerry&nbsp;&lt;3 don&rsquo;t &#8220;x&#x201D; &bogus; &amp</p>"),
            vec!["Tom&Jerry\u{a0}<3 don’t “x” &bogus; &"]
        );
        // Leading whitespace of the document is dropped, inner runs collapse.
        assert_eq!(texts("<p>  a \n\t b  </p>"), vec!["a b "]);
        assert_eq!(texts("<pre>a\n  b</pre>"), vec!["a\n  b"]);
        assert_eq!(
            texts("<p>&#0;&#xFFFFFFFF;&#128;</p>"),
            vec!["\u{fffd}\u{fffd}€"]
        );
    }

    #[test]
    fn scripts_styles_comments_and_title_are_not_text() {
        let d = parse(
            "<html><head><title> The  title </title><style>p{}</style></head>\
             <body><script>if (a < b) document.write('</div><p>no');</script>\
             <!-- <p>comment</p> --><p>yes</p><SCRIPT>x</SCRIPT ><p>also</p>",
        );
        assert_eq!(d.title, "The title");
        let t: Vec<&str> = d
            .items
            .iter()
            .filter(|i| i.kind == ItemKind::Text)
            .map(|i| &d.text[i.start as usize..i.end as usize])
            .collect();
        assert_eq!(t, vec!["yes", "also"]);
    }

    #[test]
    fn unterminated_markup_does_not_panic() {
        for html in [
            "<",
            "<a",
            "<a href=\"x",
            "<!--",
            "<script>",
            "</",
            "<p>x</p",
            "&#",
            "&#x",
            "<div class='a' =b/ >é",
            "<title>é",
            "<plaintext><p>x",
        ] {
            let _ = extract(html);
        }
    }

    #[test]
    fn article_wins_over_navigation_sidebar_and_comments() {
        let html = format!(
            "<html><body><nav><a href=/>Home</a> <a href=/x>News</a></nav>\
             <div class=sidebar><p>{side}</p></div>\
             <div id=main><article><h1>Headline</h1><p>{a}</p><p>{b}</p>\
             <div class=share-tools><a href=#>Share on Facebook</a></div>\
             <ul class=related><li><a href=/1>Another story you might like to read today</a></li>\
             <li><a href=/2>Yet another story you might like to read today</a></li></ul>\
             <p>{c}</p></article></div>\
             <div id=comments><p>{com}</p></div>\
             <footer>Copyright 2024 Example Corp, all rights reserved</footer></body></html>",
            side = "Sidebar text that is long enough to be scored as a paragraph. ".repeat(3),
            a = para(4),
            b = para(3),
            c = "Closing words of the article, the last paragraph of it. ".repeat(2),
            com = "A reader's comment, which is not part of the article. ".repeat(3),
        );
        let text = extract(&html);
        assert!(text.contains("Headline"), "{text}");
        assert!(text.contains("Closing words of the article"), "{text}");
        assert_eq!(text.matches("This sentence").count(), 7);
        for junk in [
            "Home",
            "Sidebar",
            "Share",
            "Another story",
            "comment",
            "Copyright",
        ] {
            assert!(!text.contains(junk), "{junk} in {text}");
        }
        // Blocks become paragraphs.
        assert!(text.contains("Headline\n\nThis sentence"), "{text}");
    }

    #[test]
    fn hidden_elements_are_dropped() {
        let html = format!(
            "<body><div><p>{}</p><p hidden>secret one</p>\
             <p style='display: none'>secret two</p><div aria-hidden=true>secret three</div>\
             <p>{}</p></div></body>",
            para(3),
            para(3)
        );
        let text = extract(&html);
        assert!(!text.contains("secret"), "{text}");
        assert_eq!(text.matches("This sentence").count(), 6);
    }

    #[test]
    fn an_unclosed_link_does_not_make_the_page_a_link() {
        // `<a name=top/>` is an open <a> in HTML; the next <a> closes it.
        let html = format!(
            "<body><a name=top/><div><a href=#c>skip</a></div><div><p>{}</p><p>{}</p></div></body>",
            para(3),
            para(3)
        );
        let text = extract(&html);
        assert_eq!(text.matches("This sentence").count(), 6, "{text}");
    }

    #[test]
    fn pathological_nesting_and_many_siblings_stay_linear() {
        let start = std::time::Instant::now();
        let deep = "<div><span><a href=x>t".repeat(30_000);
        let _ = extract(&deep);
        let wide = format!(
            "<div>{}</div>",
            "<p>Short line one.</p><li>x<td>y<b>z</i>".repeat(20_000)
        );
        let text = extract(&wide);
        assert!(text.contains("Short line one."));
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    }

    #[test]
    fn short_pages_fall_back_to_all_text() {
        assert_eq!(extract("<p>Just one line.</p>").trim(), "Just one line.");
        assert_eq!(
            extract("plain text, no markup").trim(),
            "plain text, no markup"
        );
        assert_eq!(extract("a<br>b").trim(), "a\nb");
    }
}
