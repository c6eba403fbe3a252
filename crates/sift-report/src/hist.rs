//! Log-scale histograms with 1-2-5 bin edges (0, 1, 2, 5, 10, 20, 50, ...).

/// Lower edges of the bins; the last bin is open-ended.
const EDGES: [u64; 23] = [
    0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000,
    200_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000,
];

/// Counts of values in fixed 1-2-5 bins, plus exact sum and count.
///
/// ```
/// use sift_report::hist::LogHistogram;
///
/// let mut h = LogHistogram::default();
/// for chars in [120, 180, 4_000] {
///     h.add(chars);
/// }
/// assert_eq!(h.count(), 3);
/// assert_eq!(h.median_bin(), 100); // the median falls in the 100–200 bin
/// let shown = LogHistogram::shown_range(&[&h]).expect("not empty");
/// assert_eq!(LogHistogram::bin_label(shown.start), "100–200");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogHistogram {
    counts: [u64; EDGES.len()],
    sum: u128,
    n: u64,
}

impl LogHistogram {
    /// Index of the bin holding `v`.
    fn bin(v: u64) -> usize {
        EDGES.partition_point(|&e| e <= v) - 1
    }

    /// Count one value.
    pub fn add(&mut self, v: u64) {
        self.counts[Self::bin(v)] += 1;
        self.sum += u128::from(v);
        self.n += 1;
    }

    /// Add another histogram's counts.
    pub fn merge(&mut self, other: &LogHistogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
        self.sum += other.sum;
        self.n += other.n;
    }

    /// Values counted.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Mean of the values counted (0 when empty).
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sum as f64 / self.n as f64
        }
    }

    /// Lower edge of the bin holding the median (0 when empty).
    pub fn median_bin(&self) -> u64 {
        let half = self.n.div_ceil(2);
        let mut acc = 0;
        for (i, c) in self.counts.iter().enumerate() {
            acc += c;
            if acc >= half && *c > 0 {
                return EDGES[i];
            }
        }
        0
    }

    /// Count per bin.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Range of bins to draw so that every non-empty bin of `all` shows:
    /// from the first non-empty to the last non-empty bin, inclusive.
    pub fn shown_range(all: &[&LogHistogram]) -> Option<std::ops::Range<usize>> {
        let used = |i: usize| all.iter().any(|h| h.counts[i] > 0);
        let first = (0..EDGES.len()).find(|&i| used(i))?;
        let last = (0..EDGES.len()).rev().find(|&i| used(i))?;
        Some(first..last + 1)
    }

    /// Short label of bin `i`, half-open: `"1k–2k"` is 1000..2000; `"10M+"`.
    pub fn bin_label(i: usize) -> String {
        match EDGES.get(i + 1) {
            Some(&hi) if hi == EDGES[i] + 1 => short(EDGES[i]),
            Some(&hi) => format!("{}–{}", short(EDGES[i]), short(hi)),
            None => format!("{}+", short(EDGES[i])),
        }
    }

    /// Lower edge of bin `i`, shortened (`"2k"`).
    pub fn edge_label(i: usize) -> String {
        short(EDGES[i])
    }
}

/// `1500 -> "1.5k"`, `2000000 -> "2M"`.
pub fn short(v: u64) -> String {
    let (div, unit) = match v {
        0..1_000 => return v.to_string(),
        1_000..1_000_000 => (1_000.0, "k"),
        1_000_000..1_000_000_000 => (1_000_000.0, "M"),
        _ => (1_000_000_000.0, "G"),
    };
    let x = v as f64 / div;
    if x >= 10.0 || x.fract() == 0.0 {
        format!("{x:.0}{unit}")
    } else {
        format!("{x:.1}{unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_follow_edges() {
        assert_eq!(LogHistogram::bin(0), 0);
        assert_eq!(LogHistogram::bin(1), 1);
        assert_eq!(LogHistogram::bin(4), 2);
        assert_eq!(LogHistogram::bin(5), 3);
        assert_eq!(LogHistogram::bin(999), 9);
        assert_eq!(LogHistogram::bin(1000), 10);
        assert_eq!(LogHistogram::bin(u64::MAX), EDGES.len() - 1);
    }

    #[test]
    fn stats_and_range() {
        let mut h = LogHistogram::default();
        for v in [3, 4, 120, 130, 140] {
            h.add(v);
        }
        assert_eq!(h.count(), 5);
        assert!((h.mean() - 79.4).abs() < 1e-9);
        assert_eq!(h.median_bin(), 100);
        let empty = LogHistogram::default();
        assert_eq!(LogHistogram::shown_range(&[&h, &empty]), Some(2..8));
        assert_eq!(LogHistogram::shown_range(&[&empty]), None);
    }

    #[test]
    fn labels() {
        assert_eq!(LogHistogram::bin_label(0), "0");
        assert_eq!(LogHistogram::bin_label(2), "2–5");
        assert_eq!(LogHistogram::bin_label(10), "1k–2k");
        assert_eq!(LogHistogram::bin_label(EDGES.len() - 1), "10M+");
        assert_eq!(short(1500), "1.5k");
        assert_eq!(short(20_000_000), "20M");
    }
}
