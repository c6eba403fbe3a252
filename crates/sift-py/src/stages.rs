//! Single stages callable on one text: `clean_lines`, `minhash`.
