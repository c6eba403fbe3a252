//! Bounded-memory summaries of a stream: reservoir samples and the largest
//! duplicate clusters.

use std::collections::HashMap;

/// SplitMix64: a small deterministic generator, so that the same output
/// directory always gives the same report.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`); the bias for `n` far below 2^64 is negligible.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// A uniform sample of at most `k` items of a stream (Algorithm R).
///
/// The caller asks first whether the next item would be kept, and builds it
/// only then, so expensive examples are made for a few items only.
///
/// ```
/// use sift_report::sample::{Reservoir, Rng};
///
/// let mut rng = Rng::new(1);
/// let mut sample = Reservoir::new(3);
/// for i in 0..1000 {
///     sample.offer_with(&mut rng, || format!("doc {i}"));
/// }
/// assert_eq!(sample.items().len(), 3);
/// assert_eq!(sample.seen(), 1000);
/// ```
#[derive(Debug, Clone)]
pub struct Reservoir<T> {
    k: usize,
    seen: u64,
    items: Vec<T>,
}

impl<T> Reservoir<T> {
    /// An empty sample of capacity `k`.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            seen: 0,
            items: Vec::new(),
        }
    }

    /// Offer the next item of the stream; `make` runs only if it is kept.
    pub fn offer_with(&mut self, rng: &mut Rng, make: impl FnOnce() -> T) {
        self.seen += 1;
        if self.items.len() < self.k {
            self.items.push(make());
        } else if self.k > 0 {
            let j = rng.below(self.seen) as usize;
            if j < self.k {
                self.items[j] = make();
            }
        }
    }

    /// Merge a sample of another part of the stream: the result is a uniform
    /// sample of both parts (items are drawn from each side in proportion to
    /// what it saw).
    pub fn merge(&mut self, other: Reservoir<T>, rng: &mut Rng) {
        let (mut a, mut b) = (self.seen, other.seen);
        let mut xs = std::mem::take(&mut self.items);
        let mut ys = other.items;
        while self.items.len() < self.k && !(xs.is_empty() && ys.is_empty()) {
            let from_a = if xs.is_empty() {
                false
            } else if ys.is_empty() {
                true
            } else {
                rng.below(a + b) < a
            };
            let (pool, left) = if from_a {
                (&mut xs, &mut a)
            } else {
                (&mut ys, &mut b)
            };
            let j = rng.below(pool.len() as u64) as usize;
            self.items.push(pool.swap_remove(j));
            *left = left.saturating_sub(1);
        }
        self.seen += other.seen;
    }

    /// Items offered so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The sample.
    pub fn items(&self) -> &[T] {
        &self.items
    }
}

/// Aggregate of one duplicate cluster.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterAgg {
    /// Id of the document kept for the cluster.
    pub duplicate_of: String,
    /// Members found in `removed/`.
    pub removed: u64,
    /// Members found in `kept/` (dedup that flags rather than drops).
    pub kept: u64,
    /// Sum of the similarities reported (near duplicates).
    pub similarity_sum: f64,
    /// Number of similarities summed.
    pub similarity_n: u64,
    /// Start of one member's text.
    pub sample: String,
}

impl ClusterAgg {
    /// Members seen, not counting the representative document.
    pub fn members(&self) -> u64 {
        self.removed + self.kept
    }

    /// Mean similarity, if any was reported.
    pub fn mean_similarity(&self) -> Option<f64> {
        (self.similarity_n > 0).then(|| self.similarity_sum / self.similarity_n as f64)
    }
}

/// The largest duplicate clusters, in bounded memory.
///
/// Counts are exact while fewer than `capacity` clusters have been seen. Past
/// that the smaller half is pruned each time the table fills up, so a large
/// cluster whose members arrive late may be undercounted;
/// [`TopClusters::is_approximate`] then says so.
#[derive(Debug, Clone)]
pub struct TopClusters {
    capacity: usize,
    map: HashMap<String, ClusterAgg>,
    pruned: bool,
    total_members: u64,
}

impl TopClusters {
    /// Track at most `capacity` clusters at a time.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(2),
            map: HashMap::new(),
            pruned: false,
            total_members: 0,
        }
    }

    /// Record one member of cluster `key`. `sample` is called when the
    /// cluster has no sample text yet.
    pub fn add(
        &mut self,
        key: &str,
        duplicate_of: &str,
        kept: bool,
        similarity: Option<f64>,
        sample: impl FnOnce() -> String,
    ) {
        self.total_members += 1;
        if !self.map.contains_key(key) && self.map.len() >= self.capacity {
            self.prune();
        }
        let agg = self.map.entry(key.to_string()).or_default();
        if agg.duplicate_of.is_empty() {
            agg.duplicate_of = duplicate_of.to_string();
        }
        if kept {
            agg.kept += 1;
        } else {
            agg.removed += 1;
        }
        if let Some(s) = similarity.filter(|s| s.is_finite()) {
            agg.similarity_sum += s;
            agg.similarity_n += 1;
        }
        if agg.sample.is_empty() {
            agg.sample = sample();
        }
    }

    fn prune(&mut self) {
        let mut counts: Vec<u64> = self.map.values().map(ClusterAgg::members).collect();
        let keep = self.capacity / 2;
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let threshold = counts.get(keep).copied().unwrap_or(0);
        // Keep strictly larger clusters, then fill up with ties to `keep`.
        let mut ties = keep.saturating_sub(counts.iter().filter(|&&c| c > threshold).count());
        self.map.retain(|_, agg| {
            let m = agg.members();
            if m > threshold {
                true
            } else if m == threshold && ties > 0 {
                ties -= 1;
                true
            } else {
                false
            }
        });
        self.pruned = true;
    }

    /// Add the clusters counted over other documents.
    pub fn merge(&mut self, other: TopClusters) {
        self.total_members += other.total_members;
        self.pruned |= other.pruned;
        for (key, agg) in other.map {
            let mine = self.map.entry(key).or_default();
            if mine.duplicate_of.is_empty() {
                mine.duplicate_of = agg.duplicate_of;
            }
            if mine.sample.is_empty() {
                mine.sample = agg.sample;
            }
            mine.removed += agg.removed;
            mine.kept += agg.kept;
            mine.similarity_sum += agg.similarity_sum;
            mine.similarity_n += agg.similarity_n;
        }
        if self.map.len() > self.capacity {
            self.prune();
        }
    }

    /// Whether pruning happened, making counts lower bounds.
    pub fn is_approximate(&self) -> bool {
        self.pruned
    }

    /// Every member recorded, in all clusters.
    pub fn total_members(&self) -> u64 {
        self.total_members
    }

    /// Clusters currently tracked (all of them unless approximate).
    pub fn tracked(&self) -> usize {
        self.map.len()
    }

    /// The `n` largest clusters, largest first (ties by key, for stable output).
    pub fn top(&self, n: usize) -> Vec<(&str, &ClusterAgg)> {
        let mut all: Vec<(&str, &ClusterAgg)> =
            self.map.iter().map(|(k, v)| (k.as_str(), v)).collect();
        all.sort_by(|a, b| b.1.members().cmp(&a.1.members()).then(a.0.cmp(b.0)));
        all.truncate(n);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservoir_keeps_k_and_is_roughly_uniform() {
        let mut rng = Rng::new(7);
        let mut hits = [0u32; 10];
        for _ in 0..2000 {
            let mut r = Reservoir::new(2);
            for i in 0..10 {
                r.offer_with(&mut rng, || i);
            }
            assert_eq!(r.items().len(), 2);
            assert_eq!(r.seen(), 10);
            for &i in r.items() {
                hits[i] += 1;
            }
        }
        // Each item is kept with probability 2/10: 400 expected of 2000.
        for h in hits {
            assert!((300..500).contains(&h), "{hits:?}");
        }
    }

    #[test]
    fn reservoir_builds_only_kept_items() {
        let mut rng = Rng::new(1);
        let mut r = Reservoir::new(1);
        let mut built = 0;
        for i in 0..1000 {
            r.offer_with(&mut rng, || {
                built += 1;
                i
            });
        }
        assert!(built < 30, "built {built} items for a sample of one");
    }

    #[test]
    fn merged_reservoirs_are_uniform_over_both_parts() {
        // Part A saw 0..2, part B saw 2..10: after merging, each of the ten
        // items should remain with probability 2/10.
        let mut rng = Rng::new(9);
        let mut hits = [0u32; 10];
        for _ in 0..4000 {
            let mut a = Reservoir::new(2);
            let mut b = Reservoir::new(2);
            for i in 0..2 {
                a.offer_with(&mut rng, || i);
            }
            for i in 2..10 {
                b.offer_with(&mut rng, || i);
            }
            a.merge(b, &mut rng);
            assert_eq!((a.items().len(), a.seen()), (2, 10));
            for &i in a.items() {
                hits[i] += 1;
            }
        }
        for h in hits {
            assert!((650..950).contains(&h), "{hits:?}");
        }
    }

    #[test]
    fn merged_clusters_add_up() {
        let mut a = TopClusters::new(100);
        let mut b = TopClusters::new(100);
        a.add("x", "rep", false, Some(1.0), || "first".into());
        b.add("x", "rep", true, Some(0.5), || "second".into());
        b.add("y", "r2", false, None, String::new);
        a.merge(b);
        let top = a.top(2);
        assert_eq!(top[0].0, "x");
        assert_eq!((top[0].1.removed, top[0].1.kept), (1, 1));
        assert_eq!(top[0].1.sample, "first");
        assert_eq!(top[0].1.mean_similarity(), Some(0.75));
        assert_eq!(a.total_members(), 3);
    }

    #[test]
    fn clusters_exact_below_capacity() {
        let mut t = TopClusters::new(100);
        for (key, n) in [("a", 5), ("b", 2), ("c", 9)] {
            for _ in 0..n {
                t.add(key, "rep", false, Some(0.5), || format!("text {key}"));
            }
        }
        t.add("a", "rep", true, None, String::new);
        let top = t.top(2);
        assert_eq!(top[0].0, "c");
        assert_eq!(top[0].1.members(), 9);
        assert_eq!(top[1].0, "a");
        assert_eq!((top[1].1.removed, top[1].1.kept), (5, 1));
        assert_eq!(top[1].1.sample, "text a");
        assert_eq!(top[1].1.mean_similarity(), Some(0.5));
        assert!(!t.is_approximate());
        assert_eq!(t.total_members(), 17);
    }

    #[test]
    fn clusters_bounded_and_big_ones_survive_pruning() {
        let mut t = TopClusters::new(16);
        for i in 0..5000u32 {
            // One big cluster interleaved with many singletons.
            t.add("big", "rep", false, None, String::new);
            t.add(&format!("s{i}"), "x", false, None, String::new);
            assert!(t.tracked() <= 16);
        }
        assert!(t.is_approximate());
        let top = t.top(1);
        assert_eq!(top[0].0, "big");
        assert_eq!(top[0].1.members(), 5000);
    }
}
