//! The report's section comparing the run with a baseline: a summary sentence, the method, and
//! a sortable table with the change of each configuration and its verdict.

use std::fmt::Write as _;

use analyzer::comparison::{BaselineRun, Comparison};
use analyzer::gate::{GateMetric, Outcome};

use super::{escape, header, num_cell, text_cell};
use crate::charts::readable_time;

/// How the baseline is named on charts and in the page: `baseline of 2026-01-02 03:04 UTC`,
/// or `baseline run` when it does not say when it ran.
pub fn baseline_name(baseline: &BaselineRun) -> String {
    match &baseline.started_at {
        Some(at) => format!("vs baseline of {}", readable_time(at)),
        None => "vs baseline run".to_owned(),
    }
}

/// The threshold rule in words: `1% of the baseline` or `the larger of 5% of the baseline
/// and 5 ms`.
fn threshold_text(comparison: &Comparison) -> String {
    let options = &comparison.options;
    let relative = format!("{}% of the baseline", options.relative_threshold * 100.0);
    let (floor, unit) = match options.metric {
        GateMetric::MaxMemory => (options.absolute_floor_mb, "MB"),
        _ => (options.absolute_floor_ms, "ms"),
    };
    if floor > 0.0 {
        format!("the larger of {relative} and {floor} {unit}")
    } else {
        relative
    }
}

/// Writes the section (`id="comparison"`).
pub fn write_comparison(out: &mut String, comparison: &Comparison) {
    let options = &comparison.options;
    let count = |outcome| comparison.with_outcome(outcome).count();
    let when = comparison
        .baseline
        .started_at
        .as_deref()
        .map(|at| format!(", started {}", readable_time(at)))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<section id=\"comparison\">\n<h2>Compared with the baseline</h2>\n\
         <p class=\"verdict\" id=\"comparison-verdict\">Against the baseline run of \
         <strong>{function}</strong>{when}: {regressions} regression(s), {improvements} \
         improvement(s), {unchanged} configuration(s) unchanged.</p>\n\
         <p>Compared: the {statistic} {metric} of each configuration both runs measured. A \
         change counts when a two-sided Mann-Whitney U test finds the runs different at \
         {confidence:.0}% confidence and the whole {confidence:.0}% bootstrap interval of the \
         change lies beyond {threshold} (criterion's rule for a change in performance).</p>\n",
        function = escape(&comparison.baseline.function),
        when = escape(&when),
        regressions = count(Outcome::Regression),
        improvements = count(Outcome::Improvement),
        unchanged = count(Outcome::Unchanged),
        statistic = options.statistic,
        metric = options.metric,
        confidence = options.confidence * 100.0,
        threshold = escape(&threshold_text(comparison)),
    );
    if !comparison.configurations.is_empty() {
        write_table(out, comparison);
    }
    if !comparison.not_compared.is_empty() {
        out.push_str("<p>Not compared:</p>\n<ul>\n");
        for n in &comparison.not_compared {
            let _ = writeln!(
                out,
                "<li>{} MB on {}: {}</li>",
                n.key.memory_mb.get(),
                n.key.architecture,
                escape(&n.reason)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn write_table(out: &mut String, comparison: &Comparison) {
    let options = &comparison.options;
    let unit = options.metric.unit();
    let statistic = options.statistic;
    out.push_str(
        "<div class=\"scroll\">\n<table class=\"sortable\" id=\"comparison-table\">\n<thead><tr>",
    );
    for (name, numeric) in [
        ("architecture".to_owned(), false),
        ("memory (MB)".to_owned(), true),
        (format!("baseline {statistic} ({unit})"), true),
        (format!("current {statistic} ({unit})"), true),
        (format!("change ({unit})"), true),
        ("change (%)".to_owned(), true),
        (
            format!(
                "{:.0}% CI of the change ({unit})",
                options.confidence * 100.0
            ),
            false,
        ),
        ("p-value".to_owned(), true),
        ("verdict".to_owned(), false),
    ] {
        out.push_str(&header(&escape(&name), numeric));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for v in &comparison.configurations {
        let class = match v.outcome {
            Outcome::Regression => " class=\"regression\"",
            Outcome::Improvement => " class=\"improvement\"",
            Outcome::Unchanged => "",
        };
        let _ = writeln!(
            out,
            "<tr{class} title=\"{}\">{}{}{}{}{}{}{}{}{}</tr>",
            escape(&v.explanation),
            text_cell(v.key.architecture.as_str()),
            num_cell(f64::from(v.key.memory_mb.get()), 0),
            num_cell(v.baseline_value, 2),
            num_cell(v.current_value, 2),
            num_cell(v.difference, 2),
            num_cell(v.relative_difference * 100.0, 1),
            text_cell(&format!(
                "{:+.2} to {:+.2}",
                v.difference_ci.lower, v.difference_ci.upper
            )),
            num_cell(v.p_value, 4),
            text_cell(v.outcome.as_str()),
        );
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}
