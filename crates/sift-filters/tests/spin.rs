//! `spin` on the seed documents: the spun one is flagged with its evidence,
//! the other is not.

use sift_core::{Document, Stage};
use sift_filters::SpinConfig;

const SEED_0: &str = include_str!("data/seeds/000_51d3f5e64b5c8cdf.txt");
const SEED_2: &str = include_str!("data/seeds/002_aba2611a59813192.txt");

#[test]
fn spun_seed_is_flagged_with_evidence_spans() {
    let s = SpinConfig::default().build("spin").expect("valid");
    let mut doc = Document::new("002", SEED_2);
    assert!(s.process(&mut doc).is_keep(), "flags, does not remove");
    let flag = &doc.sift.flags["spin"];
    let ev = flag["evidence"].as_array().expect("evidence");
    let texts: Vec<&str> = ev.iter().filter_map(|e| e["text"].as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "calls the Diaoyu Islands the Diaoyu Islands",
            "Japan and Japan"
        ]
    );
    for e in ev {
        let (start, end) = (
            e["start"].as_u64().expect("start") as usize,
            e["end"].as_u64().expect("end") as usize,
        );
        assert_eq!(Some(&SEED_2[start..end]), e["text"].as_str());
    }
    assert_eq!(doc.sift.scores["spin"], 2.0);

    let mut clean = Document::new("000", SEED_0);
    s.process(&mut clean);
    assert!(clean.sift.flags.is_empty(), "{:?}", clean.sift.flags);
}
