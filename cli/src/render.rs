//! The human-readable table of a tuning result, and the files written to `--out`.

use std::fmt::Write as _;
use std::path::Path;

use analyzer::result::{ConfigKey, Strategy, TuningResult};
use anyhow::Context;

use crate::output::{Output, Style};
use crate::table::{Column, Table, Width};

/// The result as a table with units, then each strategy's pick.
pub fn table(
    out: &Output,
    title: &str,
    result: &TuningResult,
    invocations: &[(ConfigKey, u32)],
) -> String {
    let isolation = result
        .environment
        .isolation
        .map(|i| format!(", isolation {}", i.as_str()))
        .unwrap_or_default();
    let mut s = format!(
        "{} ({}{isolation})\n",
        out.paint(title, Style::Bold),
        result.environment.backend
    );
    s.push_str(&configurations(out, result, invocations).render(out));
    let _ = writeln!(s, "{}", out.paint("Recommendations:", Style::Bold));
    for r in &result.recommendations.overall {
        let _ = writeln!(
            s,
            "  {:<9} {} {}: {:.2} ms, {:.3e} USD per invocation",
            strategy_name(r.strategy),
            out.paint(&r.key.memory_mb.to_string(), Style::Bold),
            r.key.architecture,
            r.mean_duration_ms,
            r.mean_cost_usd
        );
    }
    if let Some(figures) = &result.concurrency {
        concurrency(out, figures, &mut s);
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

/// aws-lambda-power-tuning's name of a strategy.
fn strategy_name(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Cost => "cost",
        Strategy::Speed => "speed",
        Strategy::Balanced => "balanced",
    }
}

/// One row per configuration, the strategies' picks marked.
fn configurations(out: &Output, result: &TuningResult, invocations: &[(ConfigKey, u32)]) -> Table {
    let mut table = Table::new(vec![
        Column::right(Width::AtLeast(9)),
        Column::left(Width::AtLeast(6)),
        Column::right(Width::AtLeast(5)),
        Column::right(Width::AtLeast(12)),
        Column::right(Width::AtLeast(12)),
        Column::right(Width::AtLeast(12)),
        Column::right(Width::AtLeast(14)),
    ])
    .indent(2);
    let pick = |strategy| {
        result
            .recommendations
            .overall
            .iter()
            .find(|r| r.strategy == strategy)
            .map(|r| r.key)
    };
    table.row([
        "memory",
        "arch",
        "runs",
        "mean ms",
        "median ms",
        "p90 ms",
        "USD/invocation",
    ]);
    for c in &result.configurations {
        let runs = invocations
            .iter()
            .find(|(k, _)| *k == c.key)
            .map_or(c.samples.len() as u32, |(_, n)| *n);
        let marks: Vec<&str> = [Strategy::Cost, Strategy::Speed, Strategy::Balanced]
            .into_iter()
            .filter(|&strategy| pick(strategy) == Some(c.key))
            .map(strategy_name)
            .collect();
        let mark = if marks.is_empty() {
            String::new()
        } else {
            out.paint(&format!("  <- {}", marks.join(", ")), Style::Green)
        };
        table.row_then(
            [
                c.key.memory_mb.to_string(),
                c.key.architecture.as_str().to_owned(),
                runs.to_string(),
                format!("{:.2}", c.duration.trimmed_mean),
                format!("{:.2}", c.duration.median),
                format!("{:.2}", c.duration.p90),
                format!("{:.3e}", c.cost.mean_cost_usd),
            ],
            mark,
        );
    }
    table
}

/// The concurrency figures of the recommended configuration.
fn concurrency(out: &Output, figures: &analyzer::concurrency::ConcurrencyFigures, s: &mut String) {
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

/// The report's optional sections: the concurrency cost curves when the result has figures.
pub fn extras(result: &TuningResult) -> reports::Extras {
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

/// Writes a rendered report into `dir` under the names of its kind (`report.html` or
/// `coldstart.html`, and the charts it links), adding each path to `written`.
pub fn write_report(
    dir: &Path,
    report: reports::Report,
    written: &mut Vec<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let html_path = dir.join(report.html_file_name());
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
