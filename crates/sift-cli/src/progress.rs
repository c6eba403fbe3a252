//! Progress display: a bar with rate and ETA on a terminal, plain log lines
//! otherwise (CI logs, pipes).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use sift::pipeline::Progress;

/// A running display; stop it with [`Display::finish`].
pub struct Display {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Display {
    /// Start showing `progress` (nothing at all when `quiet`).
    pub fn start(progress: Arc<Progress>, quiet: bool) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let handle = (!quiet).then(|| {
            let stop = stop.clone();
            std::thread::spawn(move || show(&progress, &stop))
        });
        Self { stop, handle }
    }

    /// Stop and clear the display.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn show(p: &Progress, stop: &AtomicBool) {
    let total = p.bytes_total.load(Ordering::Relaxed);
    if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total.max(1));
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        while !stop.load(Ordering::Relaxed) {
            bar.set_length(p.bytes_total.load(Ordering::Relaxed).max(1));
            bar.set_position(p.bytes_read.load(Ordering::Relaxed));
            bar.set_message(format!(
                "{} docs, shards {}/{}",
                p.docs.load(Ordering::Relaxed),
                p.shards_done.load(Ordering::Relaxed),
                p.shards_total.load(Ordering::Relaxed)
            ));
            std::thread::sleep(Duration::from_millis(100));
        }
        bar.finish_and_clear();
    } else {
        let start = Instant::now();
        let mut last = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            if last.elapsed() >= Duration::from_secs(10) {
                last = Instant::now();
                let read = p.bytes_read.load(Ordering::Relaxed);
                let secs = start.elapsed().as_secs_f64().max(1e-9);
                eprintln!(
                    "sift: {:.1}/{:.1} MB read ({:.1} MB/s), {} docs, shards {}/{}",
                    read as f64 / 1e6,
                    p.bytes_total.load(Ordering::Relaxed) as f64 / 1e6,
                    read as f64 / 1e6 / secs,
                    p.docs.load(Ordering::Relaxed),
                    p.shards_done.load(Ordering::Relaxed),
                    p.shards_total.load(Ordering::Relaxed)
                );
            }
        }
    }
}
