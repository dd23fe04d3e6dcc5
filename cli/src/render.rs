//! The human-readable table of a tuning result, and the files written to `--out`.

use std::fmt::Write as _;
use std::path::Path;

use analyzer::result::{Strategy, TuningResult};
use anyhow::Context;

use crate::output::{Output, Style};

/// The result as a table with units, then each strategy's pick.
pub fn table(
    out: &Output,
    title: &str,
    result: &TuningResult,
    invocations: &[(analyzer::result::ConfigKey, u32)],
) -> String {
    let mut s = String::new();
    let isolation = result
        .environment
        .isolation
        .map(|i| format!(", isolation {i}"))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "{} ({}{isolation})",
        out.paint(title, Style::Bold),
        result.environment.backend
    );
    let _ = writeln!(
        s,
        "  {:>9}  {:<6}  {:>5}  {:>12}  {:>12}  {:>12}  {:>14}",
        "memory", "arch", "runs", "mean ms", "median ms", "p90 ms", "USD/invocation"
    );
    let overall = |strategy| {
        result
            .recommendations
            .overall
            .iter()
            .find(|r| r.strategy == strategy)
            .map(|r| r.key)
    };
    for c in &result.configurations {
        let runs = invocations
            .iter()
            .find(|(k, _)| *k == c.key)
            .map_or(c.samples.len() as u32, |(_, n)| *n);
        let mut marks = Vec::new();
        for strategy in Strategy::ALL {
            if overall(strategy) == Some(c.key) {
                marks.push(strategy.as_str());
            }
        }
        let mark = if marks.is_empty() {
            String::new()
        } else {
            out.paint(&format!("  <- {}", marks.join(", ")), Style::Green)
        };
        let _ = writeln!(
            s,
            "  {:>9}  {:<6}  {:>5}  {:>12.2}  {:>12.2}  {:>12.2}  {:>14.3e}{mark}",
            c.key.memory_mb.to_string(),
            c.key.architecture.as_str(),
            runs,
            c.duration.trimmed_mean,
            c.duration.median,
            c.duration.p90,
            c.cost.mean_cost_usd,
        );
    }
    let _ = writeln!(s, "{}", out.paint("Recommendations:", Style::Bold));
    for r in &result.recommendations.overall {
        let name = r.strategy.as_str();
        let _ = writeln!(
            s,
            "  {name:<9} {} {}: {:.2} ms, {:.3e} USD per invocation",
            out.paint(&r.key.memory_mb.to_string(), Style::Bold),
            r.key.architecture,
            r.mean_duration_ms,
            r.mean_cost_usd
        );
    }
    if let Some(figures) = &result.concurrency {
        let _ = writeln!(
            s,
            "{}",
            out.paint(
                &format!(
                    "Concurrency at {} {}:",
                    figures.key.memory_mb, figures.key.architecture
                ),
                Style::Bold
            )
        );
        let p = &figures.provisioned;
        for f in figures.needed.iter().chain([
            &p.provisioned_concurrency,
            &p.on_demand_monthly_usd,
            &p.with_provisioned_monthly_usd,
            &p.break_even_utilization,
        ]) {
            let _ = writeln!(s, "  {:<44} {:.2} {}", f.name, f.value, f.unit);
        }
    }
    for w in &result.warnings {
        let _ = writeln!(
            s,
            "{}",
            out.paint(&format!("warning: {}", w.message), Style::Yellow)
        );
    }
    s
}

/// The report's optional sections: the concurrency cost curves when the result has figures.
fn extras(result: &TuningResult) -> reports::Extras {
    let Some(figures) = &result.concurrency else {
        return reports::Extras::default();
    };
    match analyzer::concurrency::ConcurrencyPrices::from_table(
        analyzer::pricing::PriceTable::builtin(),
        &figures.region,
        figures.key.architecture,
    ) {
        Ok(prices) => reports::Extras::with_concurrency(
            reports::charts::concurrency::ConcurrencyCurve::from_figures(
                figures,
                &prices,
                analyzer::concurrency::HOURS_PER_MONTH,
            ),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "no concurrency prices: the report omits the curves");
            reports::Extras::default()
        }
    }
}

/// Writes `result.json` and the reports into `dir` (created when missing). Returns the paths.
///
/// # Errors
///
/// When a file cannot be written or a report cannot be rendered.
pub fn write_files(dir: &Path, result: &TuningResult) -> anyhow::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    let json_path = dir.join("result.json");
    let json = serde_json::to_vec_pretty(result).context("serializing the result")?;
    std::fs::write(&json_path, json).with_context(|| format!("writing {}", json_path.display()))?;
    written.push(json_path);
    let report = reports::render_with(result, &extras(result)).context("rendering the report")?;
    write_report(dir, report, &mut written)?;
    Ok(written)
}

/// Writes a rendered report into `dir` (`report.html` and its charts), adding each path to
/// `written`.
pub fn write_report(
    dir: &Path,
    report: reports::Report,
    written: &mut Vec<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let html_path = dir.join("report.html");
    std::fs::write(&html_path, report.html)
        .with_context(|| format!("writing {}", html_path.display()))?;
    written.push(html_path);
    for (name, png) in report.pngs {
        let path = dir.join(name);
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(())
}
