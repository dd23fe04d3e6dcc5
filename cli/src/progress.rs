//! Progress of a tuning on stderr: one bar per configuration on a terminal, otherwise one
//! plain line per finished configuration.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use analyzer::result::ConfigKey;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tuner::local::{Progress, ProgressFn};

use crate::output::Output;

/// Progress bars (or plain lines) for one run.
pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<BTreeMap<ConfigKey, ProgressBar>>,
    draw: bool,
}

impl Bars {
    /// Clears the bars once the run is over.
    pub fn finish(&self) {
        if let Ok(bars) = self.bars.lock() {
            for bar in bars.values() {
                bar.finish_and_clear();
            }
        }
        let _ = self.multi.clear();
    }
}

/// The progress callback of a run of `name`, and its bars.
pub fn progress(out: &Output, name: &str) -> (ProgressFn, Arc<Bars>) {
    let draw = out.progress_bars();
    let multi = if draw {
        MultiProgress::new()
    } else {
        MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
    };
    let bars = Arc::new(Bars {
        multi,
        bars: Mutex::new(BTreeMap::new()),
        draw,
    });
    let state = Arc::clone(&bars);
    let out = out.clone();
    let name = name.to_owned();
    let callback: ProgressFn = Arc::new(move |event| match event {
        Progress::Initialized {
            configurations,
            planned,
        } => {
            let style = ProgressStyle::with_template("{prefix:>22} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            let mut map = state.bars.lock().unwrap_or_else(|p| p.into_inner());
            for c in configurations {
                let bar = if state.draw {
                    state.multi.add(ProgressBar::new(u64::from(planned)))
                } else {
                    ProgressBar::hidden()
                };
                bar.set_style(style.clone());
                bar.set_prefix(format!("{} {}", c.memory_mb, c.architecture));
                map.insert(
                    ConfigKey {
                        memory_mb: c.memory_mb,
                        architecture: c.architecture,
                    },
                    bar,
                );
            }
        }
        Progress::Sample { key, sample } => {
            let map = state.bars.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(bar) = map.get(&key) {
                bar.inc(1);
                bar.set_message(format!("{:.1} ms", sample.duration_ms));
            }
        }
        Progress::ConfigurationDone {
            key,
            invocations,
            stopped_early,
        } => {
            let map = state.bars.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(bar) = map.get(&key) {
                bar.finish_with_message(if stopped_early {
                    "precise enough"
                } else {
                    "done"
                });
            }
            if !state.draw {
                let early = if stopped_early {
                    " (precise enough, stopped early)"
                } else {
                    ""
                };
                out.note(&format!(
                    "{name}: {} {} measured, {invocations} invocations{early}",
                    key.memory_mb, key.architecture
                ));
            }
        }
        Progress::Cleaning => {
            if !state.draw {
                out.note(&format!("{name}: removing the run's aliases and versions"));
            }
        }
    });
    (callback, bars)
}
