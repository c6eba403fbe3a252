//! The page: one HTML file, inline CSS and SVG, no script, no external
//! resource (a Content-Security-Policy forbids loading any).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

use crate::collect::{Collected, Example, ExampleLine, ReasonKey, OTHER};
use crate::hist::LogHistogram;
use crate::sample::Reservoir;
use crate::svg::{self, HBar, Series, Step};
use crate::ReportOptions;

/// Escape text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `1234567 -> "1,234,567"`.
pub fn fmt_int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1536000 -> "1.5 MB"` (decimal units).
pub fn fmt_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut x = n as f64;
    let mut u = 0;
    while x >= 1000.0 && u + 1 < UNITS.len() {
        x /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

fn reason_label((stage, reason): &ReasonKey) -> String {
    format!("{stage} · {reason}")
}

/// Anchor id of a reason's examples.
fn reason_anchor(kind: &str, (stage, reason): &ReasonKey) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect()
    };
    format!("ex-{kind}-{}-{}", clean(stage), clean(reason))
}

const CSS: &str = r#"
:root{--fg:#1d232b;--muted:#5d6876;--bg:#f6f7f9;--card:#fff;--line:#dfe3e8;
--in:#3b6fb6;--kept:#2f9e6b;--drop:#d1495b;--rest:#c9d1db;--s0:#3b6fb6;--s1:#e39b3a;--s2:#d1495b;}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d232b;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px;font-weight:600}
header .dir{color:#b8c2cf;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;margin-top:4px}
nav{padding:8px 28px;background:#2a323d;font-size:13px}
nav a{color:#dbe4ef;margin-right:16px;text-decoration:none}
nav a:hover{text-decoration:underline}
main{max-width:1100px;margin:0 auto;padding:8px 28px 40px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:18px 0}
h2{margin:0 0 10px;font-size:18px}
h3{margin:16px 0 6px;font-size:15px}
p.note{color:var(--muted);margin:4px 0 10px;font-size:13px}
.warn{background:#fff4e5;border:1px solid #f0c27b;border-radius:8px;padding:10px 16px;margin:18px 0}
.warn li{margin:2px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:#fbfcfd}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:22px;font-weight:600;margin-top:2px}
.card .sub{color:var(--muted);font-size:12px}
.card.kept .v{color:var(--kept)} .card.removed .v{color:var(--drop)}
svg.chart{display:block;max-width:100%;height:auto;margin:6px 0 14px}
svg .lbl{font-size:12px;fill:var(--fg)} svg .val{font-size:12px;fill:var(--muted)}
svg .tick{font-size:11px;fill:var(--muted)}
svg .grid{stroke:#e8ebef} svg .axis{stroke:#8a94a1}
svg .in{fill:var(--in)} svg .kept{fill:var(--kept)} svg .drop{fill:var(--drop)} svg .rest{fill:var(--rest)}
svg .s0{fill:var(--s0)} svg .s1{fill:var(--s1)} svg .s2{fill:var(--s2)}
svg rect.bar:hover{opacity:.8}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 12px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.sample{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:#39424e;word-break:break-word}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
details{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:0 12px}
details>summary{cursor:pointer;padding:8px 0;font-weight:600}
details>summary .count{color:var(--muted);font-weight:400}
.ex{margin:6px 0 12px}
.ex .head{font-size:12px;color:var(--muted);margin-bottom:3px}
.ex .head .note{color:#9b2335}
pre.doc{margin:0;padding:8px 10px;background:#f8f9fb;border:1px solid var(--line);border-radius:6px;white-space:pre-wrap;word-break:break-word;font:12px/1.5 ui-monospace,Menlo,Consolas,monospace}
pre.doc.dropped{border-left:4px solid var(--drop)}
pre.doc span{display:block;min-height:1.5em}
pre.doc .rm{background:#fde2e4;text-decoration:line-through;text-decoration-color:#d1495b80}
pre.doc .rm.focus{background:#f9b9c0;text-decoration:none;outline:1px solid #d1495b}
pre.doc .rm::after{content:attr(data-why);float:right;font-size:11px;color:#9b2335;padding-left:10px}
pre.doc .gap{color:var(--muted);font-style:italic}
.pill{display:inline-block;background:#eef1f5;border-radius:10px;padding:0 8px;font-size:12px;color:var(--muted);font-weight:400;margin-left:6px}
footer{color:var(--muted);font-size:12px;text-align:center;padding:10px 0 30px}
"#;

/// Render the whole page.
pub fn render(c: &Collected, opts: &ReportOptions) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let dir = c.dir.display().to_string();
    let _ = write!(
        out,
        r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sift report — {d}</title><style>{CSS}</style></head><body>
<header><h1>sift run report</h1><div class="dir">{d}</div></header>
<nav><a href="#summary">Summary</a><a href="#flow">Stages</a><a href="#reasons">Reasons</a><a href="#lengths">Lengths</a><a href="#languages">Languages</a><a href="#duplicates">Duplicates</a><a href="#examples">Examples</a><a href="#rejected">Rejected</a></nav>
<main>
"##,
        d = esc(&dir)
    );
    if !c.warnings.is_empty() {
        out.push_str(r#"<div class="warn" id="warnings"><strong>Warnings</strong><ul>"#);
        for w in &c.warnings {
            let _ = write!(out, "<li>{}</li>", esc(w));
        }
        out.push_str("</ul></div>\n");
    }
    summary(&mut out, c);
    flow(&mut out, c);
    reasons(&mut out, c);
    lengths(&mut out, c);
    languages(&mut out, c);
    duplicates(&mut out, c, opts);
    examples(&mut out, c);
    rejected(&mut out, c);
    let _ = writeln!(
        out,
        "</main><footer>sift-report {} · text field <code>{}</code> · one self-contained file, no script</footer></body></html>",
        env!("CARGO_PKG_VERSION"),
        esc(&c.text_key),
    );
    out
}

fn card(out: &mut String, class: &str, key: &str, value: &str, sub: &str) {
    let _ = write!(
        out,
        r#"<div class="card {class}"><div class="k">{}</div><div class="v">{}</div><div class="sub">{}</div></div>"#,
        esc(key),
        esc(value),
        esc(sub)
    );
}

fn summary(out: &mut String, c: &Collected) {
    out.push_str(r#"<section id="summary"><h2>Summary</h2><div class="cards">"#);
    let (docs_in, kept, removed, rejected) = match &c.stats {
        Some(s) => (s.docs_in, s.docs_kept, s.docs_removed, s.docs_rejected),
        None => (
            c.kept + c.removed + c.rejected,
            c.kept,
            c.removed,
            c.rejected,
        ),
    };
    card(
        out,
        "",
        "Records in",
        &fmt_int(docs_in),
        "documents + unreadable",
    );
    card(out, "kept", "Kept", &fmt_int(kept), &pct(kept, docs_in));
    card(
        out,
        "removed",
        "Removed",
        &fmt_int(removed),
        &pct(removed, docs_in),
    );
    card(out, "", "Rejected", &fmt_int(rejected), "unreadable input");
    let lines: u64 = c.line_reasons.values().sum();
    let lines = c
        .stats
        .as_ref()
        .map_or(lines, |s| s.stages.iter().map(|st| st.lines_removed).sum());
    card(
        out,
        "",
        "Lines removed",
        &fmt_int(lines),
        "from kept and removed docs",
    );
    if let Some(s) = &c.stats {
        card(
            out,
            "",
            "Text in",
            &fmt_bytes(s.text_bytes_in),
            &format!("{} read in all", fmt_bytes(s.bytes_in)),
        );
        card(
            out,
            "kept",
            "Text out",
            &fmt_bytes(s.bytes_out),
            &format!("{} of text in", pct(s.bytes_out, s.text_bytes_in)),
        );
        let rate = if s.seconds > 0.0 {
            format!("{}/s", fmt_bytes((s.bytes_in as f64 / s.seconds) as u64))
        } else {
            String::new()
        };
        card(out, "", "Time", &format!("{:.1} s", s.seconds), &rate);
    }
    card(
        out,
        "",
        "Mean length",
        &fmt_int(c.chars_after.mean().round() as u64),
        &format!(
            "chars per kept doc; {} per doc read",
            fmt_int(c.chars_before.mean().round() as u64)
        ),
    );
    out.push_str("</div></section>\n");
}

/// Per-stage counts in pipeline order: `(name, docs_in, removed, edited, lines)`.
fn stage_rows(c: &Collected) -> Vec<(String, u64, u64, u64, u64)> {
    if let Some(s) = &c.stats {
        return s
            .stages
            .iter()
            .map(|st| {
                (
                    st.name.clone(),
                    st.docs_in,
                    st.docs_removed,
                    st.docs_edited,
                    st.lines_removed,
                )
            })
            .collect();
    }
    // Without stats.json: stages as named in the files, alphabetically.
    let mut per: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for ((stage, _), n) in &c.doc_reasons {
        per.entry(stage).or_default().0 += n;
    }
    for ((stage, _), n) in &c.line_reasons {
        per.entry(stage).or_default().1 += n;
    }
    let mut left = c.kept + c.removed;
    per.into_iter()
        .map(|(name, (docs, lines))| {
            let row = (name.to_string(), left, docs, 0, lines);
            left = left.saturating_sub(docs);
            row
        })
        .collect()
}

fn flow(out: &mut String, c: &Collected) {
    out.push_str(r#"<section id="flow"><h2>Documents through the stages</h2>"#);
    out.push_str(r#"<p class="note">Each row is a stage in pipeline order: grey continues, red is removed there.</p>"#);
    let (docs_in, rejected, kept) = match &c.stats {
        Some(s) => (s.docs_in, s.docs_rejected, s.docs_kept),
        None => (c.kept + c.removed + c.rejected, c.rejected, c.kept),
    };
    let rows = stage_rows(c);
    let mut steps = vec![Step::Level {
        label: "records read".into(),
        value: docs_in,
        class: "in",
    }];
    if rejected > 0 {
        steps.push(Step::Drop {
            label: "unreadable (rejected)".into(),
            before: docs_in,
            after: docs_in.saturating_sub(rejected),
        });
    }
    for (name, din, removed, _, _) in &rows {
        steps.push(Step::Drop {
            label: name.clone(),
            before: *din,
            after: din.saturating_sub(*removed),
        });
    }
    steps.push(Step::Level {
        label: "kept".into(),
        value: kept,
        class: "kept",
    });
    out.push_str(&svg::waterfall(
        "chart-waterfall",
        "Documents through the stages",
        &steps,
    ));
    out.push_str(r#"<table><tr><th>stage</th><th class="n">docs in</th><th class="n">removed</th><th class="n">edited</th><th class="n">lines removed</th></tr>"#);
    for (name, din, removed, edited, lines) in &rows {
        let _ = write!(
            out,
            r#"<tr><td><code>{}</code></td><td class="n">{}</td><td class="n">{} <span class="pill">{}</span></td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(name),
            fmt_int(*din),
            fmt_int(*removed),
            pct(*removed, *din),
            fmt_int(*edited),
            fmt_int(*lines),
        );
    }
    out.push_str("</table>");
    if let Some(run) = &c.run {
        let shards = match run.shards.len() {
            0 => String::new(),
            1 => format!(", input {}", run.shards[0]),
            n => format!(", {n} input shards"),
        };
        let _ = write!(
            out,
            r#"<details id="pipeline"><summary>Pipeline<span class="count"> — sift {}{}</span></summary><pre class="doc">{}</pre></details>"#,
            esc(&run.sift_version),
            esc(&shards),
            esc(run.pipeline.trim_end()),
        );
    }
    out.push_str("</section>\n");
}

/// Counts per `(stage, reason)`, largest first.
type ReasonCounts = Vec<(ReasonKey, u64)>;

/// Reason counts of documents and of lines: `stats.json` when present
/// (exact, all stages), else the files.
fn reason_counts(c: &Collected) -> (ReasonCounts, ReasonCounts) {
    let (mut docs, mut lines) = (Vec::new(), Vec::new());
    match &c.stats {
        Some(s) => {
            for st in &s.stages {
                for (reason, n) in &st.reasons {
                    let key = (st.name.clone(), reason.clone());
                    if n.docs > 0 {
                        docs.push((key.clone(), n.docs));
                    }
                    if n.lines > 0 {
                        lines.push((key, n.lines));
                    }
                }
            }
        }
        None => {
            docs.extend(c.doc_reasons.iter().map(|(k, n)| (k.clone(), *n)));
            lines.extend(c.line_reasons.iter().map(|(k, n)| (k.clone(), *n)));
        }
    }
    docs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    lines.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    (docs, lines)
}

fn reasons(out: &mut String, c: &Collected) {
    out.push_str(r#"<section id="reasons"><h2>Removal reasons</h2>"#);
    let (docs, lines) = reason_counts(c);
    let one = [Series {
        name: "documents",
        class: "drop",
    }];
    out.push_str("<h3>Documents removed, by reason</h3>");
    if docs.is_empty() {
        out.push_str(r#"<p class="note">No document was removed.</p>"#);
    } else {
        let rows: Vec<HBar> = docs
            .iter()
            .map(|(k, n)| HBar {
                label: reason_label(k),
                values: vec![*n],
            })
            .collect();
        out.push_str(&svg::hbars(
            "chart-doc-reasons",
            "Documents removed, by reason",
            &one,
            &rows,
        ));
    }
    out.push_str("<h3>Lines removed, by reason</h3>");
    if lines.is_empty() {
        out.push_str(r#"<p class="note">No line was removed.</p>"#);
    } else {
        let rows: Vec<HBar> = lines
            .iter()
            .map(|(k, n)| HBar {
                label: reason_label(k),
                values: vec![*n],
            })
            .collect();
        let s = [Series {
            name: "lines",
            class: "s1",
        }];
        out.push_str(&svg::hbars(
            "chart-line-reasons",
            "Lines removed, by reason",
            &s,
            &rows,
        ));
    }
    out.push_str("</section>\n");
}

fn length_chart(
    out: &mut String,
    id: &str,
    title: &str,
    unit: &str,
    before: &LogHistogram,
    after: &LogHistogram,
) {
    let _ = write!(out, "<h3>{}</h3>", esc(title));
    let Some(range) = LogHistogram::shown_range(&[before, after]) else {
        out.push_str(r#"<p class="note">No documents.</p>"#);
        return;
    };
    let labels: Vec<String> = range.clone().map(LogHistogram::bin_label).collect();
    let series = [
        (
            Series {
                name: "before (all documents)",
                class: "rest",
            },
            before.counts()[range.clone()].to_vec(),
        ),
        (
            Series {
                name: "after (kept, cleaned)",
                class: "s0",
            },
            after.counts()[range].to_vec(),
        ),
    ];
    out.push_str(&svg::histogram(id, title, unit, &labels, &series));
    let _ = write!(
        out,
        r#"<p class="note">Mean {} before, {} after; median bin starts at {} before, {} after.</p>"#,
        fmt_int(before.mean().round() as u64),
        fmt_int(after.mean().round() as u64),
        fmt_int(before.median_bin()),
        fmt_int(after.median_bin()),
    );
}

fn lengths(out: &mut String, c: &Collected) {
    out.push_str(r#"<section id="lengths"><h2>Document lengths</h2>"#);
    out.push_str(r#"<p class="note">Log-scale bins (1k–2k is 1000 to 1999). "Before" counts every document read, kept ones at their length before line cleaning.</p>"#);
    length_chart(
        out,
        "chart-chars",
        "Characters per document",
        "characters",
        &c.chars_before,
        &c.chars_after,
    );
    length_chart(
        out,
        "chart-words",
        "Words per document",
        "words (whitespace separated)",
        &c.words_before,
        &c.words_after,
    );
    out.push_str("</section>\n");
}

fn languages(out: &mut String, c: &Collected) {
    out.push_str(r#"<section id="languages"><h2>Languages</h2>"#);
    if c.langs.is_empty() {
        out.push_str(r#"<p class="note">No document carries a language (<code>sift.lang</code>): the pipeline has no language-identification stage.</p></section>"#);
        out.push('\n');
        return;
    }
    const TOP: usize = 20;
    let mut langs: Vec<(&String, u64, u64)> = c
        .langs
        .iter()
        .map(|(l, n)| (l, n.kept, n.removed))
        .collect();
    langs.sort_by(|a, b| (b.1 + b.2).cmp(&(a.1 + a.2)).then(a.0.cmp(b.0)));
    let mut rows: Vec<HBar> = langs
        .iter()
        .take(TOP)
        .map(|(l, k, r)| HBar {
            label: (*l).clone(),
            values: vec![*k, *r],
        })
        .collect();
    if langs.len() > TOP {
        let rest = &langs[TOP..];
        rows.push(HBar {
            label: format!("{} other languages", rest.len()),
            values: vec![
                rest.iter().map(|x| x.1).sum(),
                rest.iter().map(|x| x.2).sum(),
            ],
        });
    }
    if c.no_lang.kept + c.no_lang.removed > 0 {
        rows.push(HBar {
            label: "(none)".into(),
            values: vec![c.no_lang.kept, c.no_lang.removed],
        });
    }
    let series = [
        Series {
            name: "kept",
            class: "kept",
        },
        Series {
            name: "removed",
            class: "drop",
        },
    ];
    out.push_str(&svg::hbars(
        "chart-languages",
        "Documents per language",
        &series,
        &rows,
    ));
    if c.langs.contains_key(OTHER) {
        out.push_str(r#"<p class="note">Too many distinct labels: the rarest are counted under (other).</p>"#);
    }
    out.push_str("</section>\n");
}

fn duplicates(out: &mut String, c: &Collected, opts: &ReportOptions) {
    out.push_str(r#"<section id="duplicates"><h2>Largest duplicate clusters</h2>"#);
    let top = c.clusters.top(opts.top_clusters);
    if top.is_empty() {
        out.push_str(r#"<p class="note">No document carries duplicate information (<code>sift.duplicate_of</code>).</p></section>"#);
        out.push('\n');
        return;
    }
    let approx = if c.clusters.is_approximate() {
        "at least "
    } else {
        ""
    };
    let _ = write!(
        out,
        r#"<p class="note">{} documents marked as duplicates in {approx}{} clusters; each cluster also has the one document kept for it.</p>"#,
        fmt_int(c.clusters.total_members()),
        fmt_int(c.clusters.tracked() as u64),
    );
    let rows: Vec<HBar> = top
        .iter()
        .map(|(key, agg)| HBar {
            label: (*key).to_string(),
            values: vec![agg.removed, agg.kept],
        })
        .collect();
    let series = [
        Series {
            name: "removed copies",
            class: "drop",
        },
        Series {
            name: "kept but marked",
            class: "s1",
        },
    ];
    out.push_str(&svg::hbars(
        "chart-clusters",
        "Largest duplicate clusters",
        &series,
        &rows,
    ));
    out.push_str(r#"<table><tr><th>cluster</th><th>kept document</th><th class="n">copies</th><th class="n">similarity</th><th>text</th></tr>"#);
    for (key, agg) in &top {
        let sim = agg
            .mean_similarity()
            .map_or("exact".to_string(), |s| format!("{s:.2}"));
        let _ = write!(
            out,
            r#"<tr><td><code>{}</code></td><td><code>{}</code></td><td class="n">{}</td><td class="n">{}</td><td class="sample">{}</td></tr>"#,
            esc(key),
            esc(&agg.duplicate_of),
            fmt_int(agg.members()),
            esc(&sim),
            esc(&agg.sample),
        );
    }
    out.push_str("</table></section>\n");
}

fn example_block(out: &mut String, ex: &Example, dropped: bool) {
    let _ = write!(
        out,
        r#"<div class="ex"><div class="head"><code>{}</code> · {}{}</div><pre class="doc{}">"#,
        esc(&ex.id),
        esc(&ex.location),
        if ex.note.is_empty() {
            String::new()
        } else {
            format!(r#" · <span class="note">{}</span>"#, esc(&ex.note))
        },
        if dropped { " dropped" } else { "" }
    );
    for line in &ex.lines {
        match line {
            None => out.push_str(r#"<span class="gap">⋯</span>"#),
            Some(ExampleLine {
                text,
                removed: None,
                ..
            }) => {
                let _ = write!(out, "<span>{}</span>", esc(text));
            }
            Some(ExampleLine {
                text,
                removed: Some(key),
                focus,
                line,
            }) => {
                let why = match line {
                    Some(n) => format!("line {} · {}", n + 1, reason_label(key)),
                    None => reason_label(key),
                };
                let _ = write!(
                    out,
                    r#"<span class="rm{}" data-why="{w}" title="removed: {w}">{}</span>"#,
                    if *focus { " focus" } else { "" },
                    esc(text),
                    w = esc(&why),
                );
            }
        }
    }
    out.push_str("</pre></div>");
}

/// Examples of one kind (`(anchor slug, count label)`), most frequent reason first;
/// the first few reasons of the page start unfolded.
fn example_group(
    out: &mut String,
    open: &mut usize,
    (slug, counted): (&str, &str),
    title: &str,
    map: &BTreeMap<ReasonKey, Reservoir<Example>>,
) {
    if map.is_empty() {
        return;
    }
    let _ = write!(out, "<h3>{}</h3>", esc(title));
    let mut keys: Vec<_> = map.iter().collect();
    keys.sort_by(|a, b| b.1.seen().cmp(&a.1.seen()).then(a.0.cmp(b.0)));
    for (key, res) in keys {
        let _ = write!(
            out,
            r#"<details id="{}"{}><summary>{}<span class="count"> — {} {}</span></summary>"#,
            reason_anchor(slug, key),
            if *open < 6 { " open" } else { "" },
            esc(&reason_label(key)),
            fmt_int(res.seen()),
            esc(counted),
        );
        *open += 1;
        for ex in res.items() {
            example_block(out, ex, slug == "docs");
        }
        out.push_str("</details>");
    }
}

fn examples(out: &mut String, c: &Collected) {
    out.push_str(r#"<section id="examples"><h2>Examples by reason</h2>"#);
    out.push_str(r#"<p class="note">A random sample per reason. Removed lines are struck through in red; in line examples the line in question is outlined.</p>"#);
    if c.doc_examples.is_empty() && c.line_examples.is_empty() {
        out.push_str(r#"<p class="note">Nothing was removed.</p>"#);
    }
    let mut open = 0;
    example_group(
        out,
        &mut open,
        ("docs", "documents"),
        "Removed documents",
        &c.doc_examples,
    );
    example_group(
        out,
        &mut open,
        ("lines", "documents with removed lines"),
        "Removed lines",
        &c.line_examples,
    );
    out.push_str("</section>\n");
}

fn rejected(out: &mut String, c: &Collected) {
    out.push_str(r#"<section id="rejected"><h2>Rejected input</h2>"#);
    let kinds: Vec<(String, u64)> = match &c.stats {
        Some(s) if !s.rejected.is_empty() => {
            s.rejected.iter().map(|(k, v)| (k.clone(), *v)).collect()
        }
        _ => c
            .rejected_kinds
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
    };
    if kinds.is_empty() {
        out.push_str(r#"<p class="note">Every input record was readable.</p></section>"#);
        out.push('\n');
        return;
    }
    out.push_str(r#"<table><tr><th>kind</th><th class="n">records</th></tr>"#);
    for (k, v) in &kinds {
        let _ = write!(
            out,
            r#"<tr><td><code>{}</code></td><td class="n">{}</td></tr>"#,
            esc(k),
            fmt_int(*v)
        );
    }
    out.push_str("</table>");
    if !c.rejected_examples.items().is_empty() {
        out.push_str(r#"<table><tr><th>where</th><th>error</th><th>raw</th></tr>"#);
        for r in c.rejected_examples.items() {
            let _ = write!(
                out,
                r#"<tr><td><code>{}:{}</code></td><td>{}</td><td class="sample">{}</td></tr>"#,
                esc(&r.source),
                r.line,
                esc(&r.error),
                esc(&r.raw),
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_numbers() {
        assert_eq!(esc("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
        assert!(matches!(esc("plain"), Cow::Borrowed(_)));
        assert_eq!(fmt_int(0), "0");
        assert_eq!(fmt_int(1234567), "1,234,567");
        assert_eq!(fmt_int(123), "123");
        assert_eq!(fmt_bytes(999), "999 B");
        assert_eq!(fmt_bytes(1_536_000), "1.5 MB");
    }

    #[test]
    fn anchors_are_safe_ids() {
        let key = ("line regex".to_string(), "a/b\"c".to_string());
        assert_eq!(reason_anchor("docs", &key), "ex-docs-line-regex-a-b-c");
    }
}
