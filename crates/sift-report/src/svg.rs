//! Hand-written inline SVG charts. Colours come from CSS classes defined by
//! the page (`.s0`, `.s1`, ... for series), so the charts follow its theme.
//! Every mark carries a `<title>`, which browsers show as a tooltip: no script.

use std::fmt::Write;

use crate::html::{esc, fmt_int};

/// Width of every chart, in CSS pixels (charts scale down with the page).
const WIDTH: f64 = 760.0;
/// Approximate width of one character of the 12px label font.
const CHAR_W: f64 = 6.8;

/// One series: legend name and CSS class of its marks.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// Legend text.
    pub name: &'a str,
    /// CSS class of the marks (`s0`, `s1`, ...).
    pub class: &'a str,
}

/// One row of a horizontal bar chart: stacked values, one per series.
#[derive(Debug, Clone)]
pub struct HBar {
    /// Row label.
    pub label: String,
    /// One value per series, stacked left to right.
    pub values: Vec<u64>,
}

fn open(out: &mut String, id: &str, title: &str, height: f64) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        id = esc(id),
        t = esc(title),
    );
}

fn legend(out: &mut String, series: &[Series<'_>], x0: f64, y: f64) {
    let mut x = x0;
    for s in series {
        let _ = write!(
            out,
            r#"<rect class="{c}" x="{x:.1}" y="{y0:.1}" width="12" height="12" rx="2"/><text class="lbl" x="{tx:.1}" y="{ty:.1}">{n}</text>"#,
            c = esc(s.class),
            y0 = y - 10.0,
            tx = x + 17.0,
            ty = y,
            n = esc(s.name),
        );
        x += 17.0 + s.name.chars().count() as f64 * CHAR_W + 22.0;
    }
}

/// Cut `s` to about `max_px` wide, with an ellipsis.
fn fit(s: &str, max_px: f64) -> String {
    let max = ((max_px + 0.5) / CHAR_W).floor().max(3.0) as usize;
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// Horizontal bars, one row per item, stacked by series.
///
/// ```
/// use sift_report::svg::{hbars, HBar, Series};
///
/// let series = [Series { name: "documents", class: "drop" }];
/// let rows = vec![
///     HBar { label: "min_words · too_short".into(), values: vec![120] },
///     HBar { label: "dedup · duplicate".into(), values: vec![30] },
/// ];
/// let svg = hbars("chart-reasons", "Documents removed", &series, &rows);
/// assert!(svg.starts_with("<svg") && svg.contains("id=\"chart-reasons\""));
/// assert_eq!(svg.matches("<rect class=\"bar drop\"").count(), 2);
/// ```
pub fn hbars(id: &str, title: &str, series: &[Series<'_>], rows: &[HBar]) -> String {
    const ROW: f64 = 24.0;
    let top = if series.len() > 1 { 28.0 } else { 6.0 };
    let height = top + ROW * rows.len() as f64 + 6.0;
    let longest = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0);
    let label_w = (longest as f64 * CHAR_W + 16.0).clamp(90.0, 300.0);
    let value_w = 110.0;
    let bar_w = WIDTH - label_w - value_w;
    let max = rows
        .iter()
        .map(|r| r.values.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut out = String::new();
    open(&mut out, id, title, height);
    if series.len() > 1 {
        legend(&mut out, series, label_w, 16.0);
    }
    for (i, row) in rows.iter().enumerate() {
        let y = top + ROW * i as f64;
        let total: u64 = row.values.iter().sum();
        let _ = write!(
            out,
            r#"<g class="row"><text class="lbl" x="{lx:.1}" y="{ty:.1}" text-anchor="end">{l}<title>{full}</title></text>"#,
            lx = label_w - 8.0,
            ty = y + ROW / 2.0 + 4.0,
            l = esc(&fit(&row.label, label_w - 10.0)),
            full = esc(&row.label),
        );
        let mut x = label_w;
        for (v, s) in row.values.iter().zip(series) {
            if *v == 0 {
                continue;
            }
            let w = (*v as f64 / max * bar_w).max(1.0);
            let _ = write!(
                out,
                r#"<rect class="bar {c}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{l} — {n}: {v}</title></rect>"#,
                c = esc(s.class),
                y = y + 3.0,
                h = ROW - 6.0,
                l = esc(&row.label),
                n = esc(s.name),
                v = fmt_int(*v),
            );
            x += w;
        }
        let _ = write!(
            out,
            r#"<text class="val" x="{vx:.1}" y="{ty:.1}">{v}</text></g>"#,
            vx = x + 6.0,
            ty = y + ROW / 2.0 + 4.0,
            v = fmt_int(total),
        );
    }
    out.push_str("</svg>");
    out
}

/// One step of a waterfall.
#[derive(Debug, Clone)]
pub enum Step {
    /// A level shown as a full bar from zero (input, output).
    Level {
        /// Row label.
        label: String,
        /// Number of documents.
        value: u64,
        /// CSS class.
        class: &'static str,
    },
    /// Documents lost at this step: `before` -> `after`.
    Drop {
        /// Row label.
        label: String,
        /// Documents reaching the step.
        before: u64,
        /// Documents leaving it.
        after: u64,
    },
}

/// A horizontal waterfall: each row shows what is left (grey) and what the
/// step removed (red), so the flow reads top to bottom.
pub fn waterfall(id: &str, title: &str, steps: &[Step]) -> String {
    const ROW: f64 = 28.0;
    let height = ROW * steps.len() as f64 + 10.0;
    let longest = steps
        .iter()
        .map(|s| match s {
            Step::Level { label, .. } | Step::Drop { label, .. } => label.chars().count(),
        })
        .max()
        .unwrap_or(0);
    let label_w = (longest as f64 * CHAR_W + 16.0).clamp(90.0, 260.0);
    let value_w = 170.0;
    let bar_w = WIDTH - label_w - value_w;
    let max = steps
        .iter()
        .map(|s| match s {
            Step::Level { value, .. } => *value,
            Step::Drop { before, after, .. } => (*before).max(*after),
        })
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let x_of = |v: u64| label_w + v as f64 / max * bar_w;
    let mut out = String::new();
    open(&mut out, id, title, height);
    for (i, step) in steps.iter().enumerate() {
        let y = 5.0 + ROW * i as f64;
        let ty = y + ROW / 2.0 + 4.0;
        let (label, value_text, end_x) = match step {
            Step::Level {
                label,
                value,
                class,
            } => {
                let _ = write!(
                    out,
                    r#"<rect class="bar {class}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{l}: {v}</title></rect>"#,
                    x = label_w,
                    y = y + 4.0,
                    w = (x_of(*value) - label_w).max(1.0),
                    h = ROW - 8.0,
                    l = esc(label),
                    v = fmt_int(*value),
                );
                (label, fmt_int(*value), x_of(*value))
            }
            Step::Drop {
                label,
                before,
                after,
            } => {
                let (lo, hi) = ((*after).min(*before), (*after).max(*before));
                let removed = hi - lo;
                if lo > 0 {
                    let _ = write!(
                        out,
                        r#"<rect class="bar rest" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{l}: {v} continue</title></rect>"#,
                        x = label_w,
                        y = y + 4.0,
                        w = x_of(lo) - label_w,
                        h = ROW - 8.0,
                        l = esc(label),
                        v = fmt_int(lo),
                    );
                }
                let _ = write!(
                    out,
                    r#"<rect class="bar drop" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{l}: {v} removed</title></rect>"#,
                    x = x_of(lo),
                    y = y + 4.0,
                    w = if removed == 0 {
                        0.0
                    } else {
                        (x_of(hi) - x_of(lo)).max(1.5)
                    },
                    h = ROW - 8.0,
                    l = esc(label),
                    v = fmt_int(removed),
                );
                let pct = if *before > 0 {
                    format!(" ({:.1}%)", removed as f64 * 100.0 / *before as f64)
                } else {
                    String::new()
                };
                (label, format!("−{}{pct}", fmt_int(removed)), x_of(hi))
            }
        };
        let _ = write!(
            out,
            r#"<text class="lbl" x="{lx:.1}" y="{ty:.1}" text-anchor="end">{l}<title>{full}</title></text><text class="val" x="{vx:.1}" y="{ty:.1}">{v}</text>"#,
            lx = label_w - 8.0,
            l = esc(&fit(label, label_w - 10.0)),
            full = esc(label),
            vx = end_x + 6.0,
            v = esc(&value_text),
        );
    }
    out.push_str("</svg>");
    out
}

/// A "nice" axis step (1, 2 or 5 times a power of ten) for about `ticks` ticks up to `max`.
fn nice_step(max: f64, ticks: f64) -> f64 {
    let raw = (max / ticks).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Vertical grouped bars over the same bins, one group per bin.
pub fn histogram(
    id: &str,
    title: &str,
    x_title: &str,
    bin_labels: &[String],
    series: &[(Series<'_>, Vec<u64>)],
) -> String {
    const HEIGHT: f64 = 300.0;
    let (left, right, top, bottom) = (62.0, 12.0, 30.0, 70.0);
    let plot_w = WIDTH - left - right;
    let plot_h = HEIGHT - top - bottom;
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = nice_step(max, 4.0);
    let y_max = (max / step).ceil() * step;
    let y_of = |v: f64| top + plot_h - v / y_max * plot_h;
    let n = bin_labels.len().max(1) as f64;
    let group_w = plot_w / n;
    let bar_w = (group_w * 0.8) / series.len().max(1) as f64;
    let mut out = String::new();
    open(&mut out, id, title, HEIGHT);
    let names: Vec<Series<'_>> = series.iter().map(|(s, _)| *s).collect();
    legend(&mut out, &names, left, 16.0);
    let mut t = 0.0;
    while t <= y_max + 0.5 {
        let y = y_of(t);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{left}" x2="{x2:.1}" y1="{y:.1}" y2="{y:.1}"/><text class="tick" x="{tx:.1}" y="{ty:.1}" text-anchor="end">{v}</text>"#,
            x2 = WIDTH - right,
            tx = left - 6.0,
            ty = y + 4.0,
            v = crate::hist::short(t as u64),
        );
        t += step;
    }
    for (b, label) in bin_labels.iter().enumerate() {
        let gx = left + group_w * b as f64 + group_w * 0.1;
        for (k, (s, values)) in series.iter().enumerate() {
            let v = values.get(b).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let y = y_of(v as f64);
            let _ = write!(
                out,
                r#"<rect class="bar {c}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{n}, {l}: {v}</title></rect>"#,
                c = esc(s.class),
                x = gx + bar_w * k as f64,
                w = (bar_w - 1.0).max(1.0),
                h = (top + plot_h - y).max(0.5),
                n = esc(s.name),
                l = esc(label),
                v = fmt_int(v),
            );
        }
        let cx = left + group_w * (b as f64 + 0.5);
        let ly = top + plot_h + 14.0;
        let _ = write!(
            out,
            r#"<text class="tick" x="{cx:.1}" y="{ly:.1}" text-anchor="end" transform="rotate(-40 {cx:.1} {ly:.1})">{l}</text>"#,
            l = esc(label),
        );
    }
    let _ = write!(
        out,
        r#"<line class="axis" x1="{left}" x2="{x2:.1}" y1="{y:.1}" y2="{y:.1}"/><text class="lbl" x="{mx:.1}" y="{ty:.1}" text-anchor="middle">{xt}</text></svg>"#,
        x2 = WIDTH - right,
        y = top + plot_h,
        mx = left + plot_w / 2.0,
        ty = HEIGHT - 6.0,
        xt = esc(x_title),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: [Series<'static>; 2] = [
        Series {
            name: "kept",
            class: "s0",
        },
        Series {
            name: "removed",
            class: "s1",
        },
    ];

    #[test]
    fn hbars_scale_to_largest_row_and_escape_labels() {
        let rows = vec![
            HBar {
                label: "<script>".into(),
                values: vec![50, 50],
            },
            HBar {
                label: "b".into(),
                values: vec![10, 0],
            },
        ];
        let svg = hbars("c", "t", &S, &rows);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        // Three non-empty segments; the zero segment is not drawn.
        assert_eq!(svg.matches("<rect class=\"bar").count(), 3);
        // Largest row fills the bar area; `b` is a tenth of it.
        let bar_w = WIDTH - 90.0 - 110.0;
        assert!(svg.contains(&format!("width=\"{:.1}\"", bar_w / 2.0)));
        assert!(svg.contains(&format!("width=\"{:.1}\"", bar_w / 10.0)));
    }

    #[test]
    fn labels_fit_unless_the_column_is_full() {
        let rows = |label: &str| {
            vec![HBar {
                label: label.into(),
                values: vec![1],
            }]
        };
        let medium = "junk_lines · share_buttons";
        assert!(hbars("c", "t", &S[..1], &rows(medium)).contains(&format!(">{medium}<title>")));
        let long = "x".repeat(80);
        let svg = hbars("c", "t", &S[..1], &rows(&long));
        assert!(svg.contains("xxx…<title>"));
        assert!(svg.contains(&format!("<title>{long}</title>")));
    }

    #[test]
    fn waterfall_shows_removed_share() {
        let steps = vec![
            Step::Level {
                label: "input".into(),
                value: 200,
                class: "in",
            },
            Step::Drop {
                label: "min_words".into(),
                before: 200,
                after: 150,
            },
            Step::Level {
                label: "kept".into(),
                value: 150,
                class: "kept",
            },
        ];
        let svg = waterfall("w", "flow", &steps);
        assert!(svg.contains("−50 (25.0%)"));
        assert!(svg.contains("min_words: 50 removed"));
        assert!(svg.contains("min_words: 150 continue"));
    }

    #[test]
    fn histogram_has_one_label_per_bin_and_nice_ticks() {
        let labels: Vec<String> = ["1", "2–5", "5–10"].iter().map(|s| s.to_string()).collect();
        let svg = histogram(
            "h",
            "t",
            "chars",
            &labels,
            &[(S[0], vec![3, 0, 7]), (S[1], vec![1, 2, 0])],
        );
        assert_eq!(svg.matches("<rect class=\"bar").count(), 4);
        assert!(svg.contains(">2–5</text>"));
        assert_eq!(nice_step(7.0, 4.0), 2.0);
        assert_eq!(nice_step(1234.0, 4.0), 500.0);
    }
}
