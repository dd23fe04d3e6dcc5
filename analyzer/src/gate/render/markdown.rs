//! Markdown for a CI job summary.

use std::fmt::Write as _;

use super::{fmt_p, headline};
use crate::coldstart::describe_key;
use crate::gate::{GateVerdict, Outcome};

/// Text safe inside a Markdown table cell: pipes escaped, line breaks as spaces.
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Markdown for a CI job summary (e.g. `$GITHUB_STEP_SUMMARY`): a headline and a table.
pub fn render_markdown(verdict: &GateVerdict) -> String {
    let o = &verdict.options;
    let mut out = format!("### {}\n\n", md_cell(&headline(verdict)));
    let unit = o.metric.unit();
    let _ = writeln!(
        out,
        "| Configuration | Verdict | Baseline {stat} ({unit}) | Current {stat} ({unit}) | \
         Change ({unit}) | {pct:.0}% CI ({unit}) | Threshold ({unit}) | p-value |",
        stat = o.statistic,
        pct = o.confidence * 100.0
    );
    out.push_str("|---|---|---:|---:|---:|---|---:|---:|\n");
    for c in &verdict.configurations {
        let mark = match c.outcome {
            Outcome::Regression => "❌ regression",
            Outcome::Improvement => "✅ improvement",
            Outcome::Unchanged => "➖ unchanged",
        };
        let _ = writeln!(
            out,
            "| {} | {mark} | {:.1} | {:.1} | {:+.1} ({:+.1}%) | [{:+.1}, {:+.1}] | {:.1} | {} |",
            describe_key(&c.key),
            c.baseline_value,
            c.current_value,
            c.difference,
            c.relative_difference * 100.0,
            c.difference_ci.lower,
            c.difference_ci.upper,
            c.threshold,
            fmt_p(c.p_value)
        );
    }
    if !verdict.warnings.is_empty() {
        out.push('\n');
        for w in &verdict.warnings {
            let _ = writeln!(out, "> **Warning:** {}", md_cell(&w.message));
        }
    }
    out
}
