//! The gate's renderers: a [`GateVerdict`] as text for people ([`render_text`]), a CI job
//! summary in Markdown ([`render_markdown`]), GitHub Actions workflow commands
//! ([`render_github`]), JUnit XML ([`render_junit`]) and JSON ([`render_json`]), one file per
//! format (as hyperfine's exporters). Each is a pure function of the verdict: the decision is
//! made in [`crate::gate`] and only written out here.

mod github;
mod json;
mod junit;
mod markdown;
mod text;

pub use github::{escape_github_data, escape_github_property, render_github};
pub use json::render_json;
pub use junit::{escape_xml, render_junit};
pub use markdown::render_markdown;
pub use text::render_text;

use super::{GateVerdict, Outcome};

/// The verdict's first line: the outcome, and what was compared at which confidence.
fn headline(verdict: &GateVerdict) -> String {
    let o = &verdict.options;
    let regressions = verdict.regressions().count();
    let what = format!(
        "{} {} of {} at {:.0}% confidence",
        o.metric,
        o.statistic,
        verdict.function,
        o.confidence * 100.0
    );
    match verdict.outcome {
        Outcome::Regression => format!(
            "cold-start regression: {regressions} of {} configurations regressed ({what})",
            verdict.configurations.len()
        ),
        Outcome::Improvement => format!("no cold-start regression; every change improved ({what})"),
        Outcome::Unchanged => format!("no cold-start regression ({what})"),
    }
}

/// A p-value with four decimals, `< 0.0001` below that.
fn fmt_p(p: f64) -> String {
    if p < 0.0001 {
        "< 0.0001".to_owned()
    } else {
        format!("{p:.4}")
    }
}
