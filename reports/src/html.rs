//! The self-contained HTML report: one file with inline SVG charts, an inline sorting script
//! and inline styles, and a Content-Security-Policy that forbids every network load.
//!
//! Every string that comes from the measured function or the result (names, ARNs, warnings,
//! the input) goes through [`escape`], so a function named `<script>alert(1)</script>` shows as
//! text.

use std::fmt::Write as _;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use analyzer::coldstart::ColdStartResult;
use analyzer::comparison::Comparison;
use analyzer::environment::Backend;
use analyzer::result::{ConfigKey, Recommendation, RunEnvironment, TuningResult, Warning};
use analyzer::stats::Summary;

use crate::charts::INVOCATIONS_PER_UNIT;

mod comparison;

pub use comparison::baseline_name;

/// A chart ready for the page: its SVG and what it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File stem of the chart, also the element id (`chart-<stem>`).
    pub file_stem: &'static str,
    /// File name of the chart's PNG beside the page, which the caption links.
    pub png_file: String,
    /// One-line description shown under the chart.
    pub caption: String,
    /// The chart as an SVG document.
    pub svg: String,
}

/// Sorts the tables marked `sortable` when a column header is clicked (or activated with
/// Enter or Space). Numeric columns sort by each cell's `data-value`.
const SORT_SCRIPT: &str = r#"
(function () {
  "use strict";
  function key(cell, numeric) {
    var raw = cell.getAttribute("data-value");
    if (raw === null) { raw = cell.textContent; }
    if (!numeric) { return raw; }
    var n = parseFloat(raw);
    return isNaN(n) ? -Infinity : n;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, column) {
      th.tabIndex = 0;
      th.classList.add("sort");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        var numeric = th.getAttribute("data-type") === "num";
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[column], numeric), y = key(b.cells[column], numeric);
          var order = numeric ? (x < y ? -1 : x > y ? 1 : 0) : String(x).localeCompare(String(y));
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  });
})();
"#;

/// The page's only style sheet.
const STYLE: &str = r#"
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.3rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.verdict { font-size: 1.15rem; background: #f3f7fc; border-left: 4px solid #1f77b4; padding: 0.7rem 1rem; }
.meta { color: #555; }
figure { margin: 1.5rem 0; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #444; font-size: 0.92rem; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0; }
th, td { border: 1px solid #d6d6d6; padding: 0.25rem 0.5rem; }
td { white-space: nowrap; }
.scroll { overflow-x: auto; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f2f2f2; text-align: left; }
th.sort { cursor: pointer; }
th[aria-sort="ascending"]::after { content: " \2191"; }
th[aria-sort="descending"]::after { content: " \2193"; }
tr.pick td { background: #fff4e0; }
tr.regression td { background: #fde8e8; }
tr.improvement td { background: #e6f5ea; }
.warnings li { color: #8a4b00; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
code { background: #f6f6f6; padding: 0 0.2rem; }
"#;

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The `'sha256-…'` CSP source that allows exactly `content` inline.
fn csp_hash(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The Content-Security-Policy of every report: nothing may load from anywhere (no network,
/// no other file), only the page's own inline script and style run, and images only from
/// `data:` URLs.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src {}; style-src {}; img-src data:; font-src 'none'; \
         connect-src 'none'; base-uri 'none'; form-action 'none'",
        csp_hash(SORT_SCRIPT),
        csp_hash(STYLE)
    )
}

/// Starts a page: head with title, CSP and style, and the opening of the body.
fn open_page(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        csp = escape(&content_security_policy()),
        title = escape(title),
    );
}

/// Ends a page with the sorting script.
fn close_page(out: &mut String) {
    let _ = write!(out, "<script>{SORT_SCRIPT}</script>\n</body>\n</html>\n");
}

/// An SVG as plotters writes it, made fit to sit inside HTML: no XML declaration, and a label
/// for assistive technology.
fn inline_svg(svg: &str, label: &str) -> String {
    let body = match svg.find("<svg") {
        Some(start) => &svg[start..],
        None => svg,
    };
    body.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(label)),
        1,
    )
}

fn write_figures(out: &mut String, figures: &[Figure]) {
    if figures.is_empty() {
        return;
    }
    out.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
    for figure in figures {
        let _ = write!(
            out,
            "<figure id=\"chart-{stem}\">\n{svg}\n<figcaption>{caption} (PNG: \
             <a href=\"{png}\">{png}</a>)</figcaption>\n</figure>\n",
            stem = figure.file_stem,
            svg = inline_svg(&figure.svg, &figure.caption),
            caption = escape(&figure.caption),
            png = escape(&figure.png_file),
        );
    }
    out.push_str("</section>\n");
}

fn write_warnings(out: &mut String, warnings: &[Warning]) {
    out.push_str("<section id=\"warnings\">\n<h2>Warnings</h2>\n");
    if warnings.is_empty() {
        out.push_str("<p>None: nothing limited the measurement.</p>\n");
    } else {
        out.push_str("<ul class=\"warnings\">\n");
        for warning in warnings {
            let _ = writeln!(
                out,
                "<li><strong>{}</strong>: {}</li>",
                escape(warning.code.as_str()),
                escape(&warning.message)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn write_environment(out: &mut String, env: &RunEnvironment) {
    out.push_str("<section id=\"environment\">\n<h2>Where it ran</h2>\n<table>\n<tbody>\n");
    let mut row = |name: &str, value: String| {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{name}</th><td>{}</td></tr>",
            escape(&value)
        );
    };
    row("back end", env.backend.to_string());
    row("prices of region", env.region.clone());
    row("powertune version", env.powertune_version.clone());
    if let Some(arch) = env.host_architecture {
        row("host architecture", arch.to_string());
    }
    if let Some(cpus) = env.host_cpus {
        row("host CPUs", cpus.to_string());
    }
    if let Some(isolation) = env.isolation {
        row("CPU and memory isolation", isolation.to_string());
    }
    if let Some(started_at) = &env.started_at {
        row("started at", started_at.clone());
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// A number cell: sortable by its exact value, shown with `decimals`.
fn num_cell(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("<td class=\"num\" data-value=\"{value}\">{value:.decimals$}</td>")
    } else {
        "<td class=\"num\" data-value=\"\">n/a</td>".to_owned()
    }
}

/// A text cell.
fn text_cell(text: &str) -> String {
    let text = escape(text);
    format!("<td data-value=\"{text}\">{text}</td>")
}

/// A header cell; `numeric` makes the column sort by number.
fn header(name: &str, numeric: bool) -> String {
    let kind = if numeric { "num" } else { "text" };
    format!("<th scope=\"col\" data-type=\"{kind}\">{name}</th>")
}

fn ci_text(summary: &Summary) -> String {
    format!(
        "{:.2} to {:.2}",
        summary.mean_ci.lower, summary.mean_ci.upper
    )
}

fn describe(key: &ConfigKey) -> String {
    format!("{} MB on {}", key.memory_mb.get(), key.architecture)
}

/// The recommendation in one sentence, plus the analyzer's explanation.
fn write_tuning_verdict(out: &mut String, result: &TuningResult) {
    let strategy = result.input.strategy;
    let pick = result
        .recommendations
        .overall
        .iter()
        .find(|r| r.strategy == strategy)
        .or_else(|| result.recommendations.overall.first());
    match pick {
        Some(rec) => {
            let _ = writeln!(
                out,
                "<p class=\"verdict\" id=\"verdict\">Run <strong>{function}</strong> with \
                 <strong>{config}</strong>: the {strategy} strategy's pick, at {cost:.4} USD per \
                 1M invocations and {duration:.2} ms mean duration.</p>",
                function = escape(&result.function.name),
                config = describe(&rec.key),
                strategy = rec.strategy.as_str(),
                cost = rec.mean_cost_usd * INVOCATIONS_PER_UNIT,
                duration = rec.mean_duration_ms,
            );
            if !rec.explanation.is_empty() {
                let _ = writeln!(
                    out,
                    "<p id=\"explanation\">{}</p>",
                    escape(&rec.explanation)
                );
            }
            if !rec.indistinguishable_from.is_empty() {
                let others: Vec<String> = rec.indistinguishable_from.iter().map(describe).collect();
                let _ = writeln!(
                    out,
                    "<p>Not significantly different on this strategy's metric: {}.</p>",
                    escape(&others.join(", "))
                );
            }
        }
        None => {
            let _ = writeln!(
                out,
                "<p class=\"verdict\" id=\"verdict\">No recommendation for <strong>{}</strong>: \
                 no configuration completed.</p>",
                escape(&result.function.name)
            );
        }
    }
}

fn write_recommendations(out: &mut String, result: &TuningResult) {
    out.push_str(
        "<section id=\"recommendations\">\n<h2>Recommendations</h2>\n<table>\n<thead><tr>\
         <th scope=\"col\">scope</th><th scope=\"col\">strategy</th>\
         <th scope=\"col\">configuration</th><th scope=\"col\">cost per 1M invocations (USD)</th>\
         <th scope=\"col\">mean duration (ms)</th></tr></thead>\n<tbody>\n",
    );
    let mut row = |scope: &str, rec: &Recommendation| {
        let _ = writeln!(
            out,
            "<tr><td>{scope}</td><td>{}</td><td>{}</td>{}{}</tr>",
            rec.strategy.as_str(),
            describe(&rec.key),
            num_cell(rec.mean_cost_usd * INVOCATIONS_PER_UNIT, 4),
            num_cell(rec.mean_duration_ms, 2),
        );
    };
    for rec in &result.recommendations.overall {
        row("overall", rec);
    }
    for (arch, recs) in &result.recommendations.per_architecture {
        for rec in recs {
            row(arch.as_str(), rec);
        }
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn write_tuning_table(out: &mut String, result: &TuningResult) {
    out.push_str(
        "<section id=\"configurations\">\n<h2>Every configuration</h2>\n\
         <p>Click a column header to sort. Durations in ms; costs in USD; the trimmed mean is \
         what the strategies rank by.</p>\n<div class=\"scroll\">\n<table class=\"sortable\" \
         id=\"configurations-table\">\n<thead><tr>",
    );
    for (name, numeric) in [
        ("architecture", false),
        ("memory (MB)", true),
        ("samples", true),
        ("errors", true),
        ("cold starts", true),
        ("trimmed mean (ms)", true),
        ("mean (ms)", true),
        ("95% CI of mean (ms)", false),
        ("median (ms)", true),
        ("p10 (ms)", true),
        ("p90 (ms)", true),
        ("p99 (ms)", true),
        ("mean billed (ms)", true),
        ("cost per 1M invocations (USD)", true),
        ("max memory used (MB)", true),
        ("Pareto optimal", false),
    ] {
        out.push_str(&header(name, numeric));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let picks: Vec<ConfigKey> = result
        .recommendations
        .overall
        .iter()
        .map(|r| r.key)
        .collect();
    for config in &result.configurations {
        let class = if picks.contains(&config.key) {
            " class=\"pick\""
        } else {
            ""
        };
        let max_memory_used_mb = config
            .samples
            .iter()
            .map(|s| s.max_memory_used_mb)
            .max()
            .map_or(f64::NAN, f64::from);
        let pareto = result.recommendations.pareto_frontier.contains(&config.key);
        let d = &config.duration;
        let _ = writeln!(
            out,
            "<tr{class}>{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}</tr>",
            text_cell(config.key.architecture.as_str()),
            num_cell(f64::from(config.key.memory_mb.get()), 0),
            num_cell(usize_f64(d.count), 0),
            num_cell(f64::from(config.errors), 0),
            num_cell(f64::from(config.cold_starts), 0),
            num_cell(d.trimmed_mean, 2),
            num_cell(d.mean, 2),
            text_cell(&ci_text(d)),
            num_cell(d.median, 2),
            num_cell(d.p10, 2),
            num_cell(d.p90, 2),
            num_cell(d.p99, 2),
            num_cell(config.billed_duration.mean, 1),
            num_cell(config.cost.mean_cost_usd * INVOCATIONS_PER_UNIT, 4),
            num_cell(max_memory_used_mb, 0),
            text_cell(if pareto { "yes" } else { "no" }),
        );
    }
    out.push_str("</tbody>\n</table>\n</div>\n</section>\n");
}

#[allow(clippy::cast_precision_loss)]
fn usize_f64(n: usize) -> f64 {
    n as f64
}

fn write_input(out: &mut String, input_json: &str, commands: &[String]) {
    let _ = write!(
        out,
        "<section id=\"input\">\n<h2>Input</h2>\n<pre>{}</pre>\n</section>\n\
         <section id=\"reproduce\">\n<h2>How to reproduce</h2>\n<p>Save the input above as \
         <code>input.json</code>, then run the first command (it writes the result and this \
         report); the second renders the report again from a saved result.</p>\n<pre>",
        escape(input_json)
    );
    for command in commands {
        let _ = writeln!(out, "{}", escape(command));
    }
    out.push_str("</pre>\n</section>\n");
}

/// The command that repeats a tuning run of `lambda_arn` measured on `env`, with the input
/// saved as `input.json`. It writes `result.json`, this report and its PNGs to the folder.
fn tune_command(lambda_arn: &str, env: &RunEnvironment) -> String {
    let target = if env.backend == Backend::Emulator {
        "--local PATH_TO_FUNCTION".to_owned()
    } else {
        format!("--function {lambda_arn} --region {}", env.region)
    };
    format!("powertune tune {target} --input input.json --out powertune-out")
}

/// The HTML page of a tuning result, with `figures` inline, compared with a baseline when
/// `comparison` is given.
pub fn tuning_page(
    result: &TuningResult,
    comparison: Option<&Comparison>,
    figures: &[Figure],
) -> String {
    let mut out =
        String::with_capacity(64 * 1024 + figures.iter().map(|f| f.svg.len()).sum::<usize>());
    let title = format!("powertune: {}", result.function.name);
    open_page(&mut out, &title);
    let _ = writeln!(out, "<header>\n<h1>{}</h1>", escape(&title));
    if let Some(arn) = &result.function.arn {
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", escape(arn));
    }
    out.push_str("</header>\n<main>\n");
    write_tuning_verdict(&mut out, result);
    if let Some(comparison) = comparison {
        comparison::write_comparison(&mut out, comparison);
    }
    write_warnings(&mut out, &result.warnings);
    write_figures(&mut out, figures);
    write_recommendations(&mut out, result);
    write_tuning_table(&mut out, result);
    write_environment(&mut out, &result.environment);
    let input_json = serde_json::to_string_pretty(&result.input)
        .unwrap_or_else(|e| format!("the input could not be shown: {e}"));
    write_input(
        &mut out,
        &input_json,
        &[
            tune_command(&result.input.lambda_arn, &result.environment),
            "powertune report powertune-out/result.json --out powertune-out".to_owned(),
        ],
    );
    out.push_str("</main>\n");
    close_page(&mut out);
    out
}

/// The HTML page of a cold-start result, with `figures` inline, compared with a baseline
/// when `comparison` is given.
pub fn coldstart_page(
    result: &ColdStartResult,
    comparison: Option<&Comparison>,
    figures: &[Figure],
) -> String {
    let mut out =
        String::with_capacity(32 * 1024 + figures.iter().map(|f| f.svg.len()).sum::<usize>());
    let title = format!("powertune cold starts: {}", result.function.name);
    open_page(&mut out, &title);
    let _ = writeln!(out, "<header>\n<h1>{}</h1>", escape(&title));
    if let Some(arn) = &result.function.arn {
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", escape(arn));
    }
    out.push_str("</header>\n<main>\n");
    write_coldstart_verdict(&mut out, result);
    if let Some(comparison) = comparison {
        comparison::write_comparison(&mut out, comparison);
    }
    write_warnings(&mut out, &result.warnings);
    write_figures(&mut out, figures);
    write_coldstart_table(&mut out, result);
    write_environment(&mut out, &result.environment);
    let _ = write!(
        out,
        "<section id=\"reproduce\">\n<h2>How to reproduce</h2>\n<pre>{}</pre>\n</section>\n",
        escape(&coldstart_commands(result))
    );
    out.push_str("</main>\n");
    close_page(&mut out);
    out
}

/// The sentence that sums a cold-start result up: the range of the 90th percentile of Init
/// Duration over the configurations.
fn write_coldstart_verdict(out: &mut String, result: &ColdStartResult) {
    let slowest = result.configurations.iter().max_by(|a, b| {
        a.init_duration
            .summary
            .p90
            .total_cmp(&b.init_duration.summary.p90)
    });
    let fastest = result.configurations.iter().min_by(|a, b| {
        a.init_duration
            .summary
            .p90
            .total_cmp(&b.init_duration.summary.p90)
    });
    match (fastest, slowest) {
        (Some(fast), Some(slow)) => {
            let _ = writeln!(
                out,
                "<p class=\"verdict\" id=\"verdict\">Cold starts of <strong>{}</strong>: the \
                 90th percentile of Init Duration ranges from {:.1} ms ({}) to {:.1} ms ({}) \
                 over {} configurations.</p>",
                escape(&result.function.name),
                fast.init_duration.summary.p90,
                describe(&fast.key),
                slow.init_duration.summary.p90,
                describe(&slow.key),
                result.configurations.len(),
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "<p class=\"verdict\" id=\"verdict\">No cold start of <strong>{}</strong> was \
                 measured.</p>",
                escape(&result.function.name)
            );
        }
    }
}

/// The sortable table of every configuration of a cold-start result.
fn write_coldstart_table(out: &mut String, result: &ColdStartResult) {
    out.push_str(
        "<section id=\"configurations\">\n<h2>Every configuration</h2>\n\
         <p>Click a column header to sort. Intervals are bootstrap confidence intervals.</p>\n\
         <div class=\"scroll\">\n<table class=\"sortable\" id=\"configurations-table\">\n<thead><tr>",
    );
    for (name, numeric) in [
        ("architecture", false),
        ("memory (MB)", true),
        ("cold starts", true),
        ("Init median (ms)", true),
        ("Init p90 (ms)", true),
        ("Init p90 CI (ms)", false),
        ("Init p99 (ms)", true),
        ("Init p99 CI (ms)", false),
        ("duration median (ms)", true),
        ("max memory used median (MB)", true),
    ] {
        out.push_str(&header(name, numeric));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for config in &result.configurations {
        let init = &config.init_duration;
        let _ = writeln!(
            out,
            "<tr>{}{}{}{}{}{}{}{}{}{}</tr>",
            text_cell(config.key.architecture.as_str()),
            num_cell(f64::from(config.key.memory_mb.get()), 0),
            num_cell(usize_f64(config.samples.len()), 0),
            num_cell(init.summary.median, 2),
            num_cell(init.summary.p90, 2),
            text_cell(&format!(
                "{:.2} to {:.2}",
                init.p90_ci.lower, init.p90_ci.upper
            )),
            num_cell(init.summary.p99, 2),
            text_cell(&format!(
                "{:.2} to {:.2}",
                init.p99_ci.lower, init.p99_ci.upper
            )),
            num_cell(config.duration.summary.median, 2),
            num_cell(config.max_memory_used.summary.median, 0),
        );
    }
    out.push_str("</tbody>\n</table>\n</div>\n</section>\n");
}

/// The commands that measure a cold-start result again and render its report.
fn coldstart_commands(result: &ColdStartResult) -> String {
    format!(
        "powertune coldstart {} --out powertune-out\n\
         powertune report powertune-out/coldstart.json --out powertune-out",
        if result.environment.backend == Backend::Emulator {
            "--local PATH_TO_FUNCTION".to_owned()
        } else {
            format!(
                "--function {} --region {}",
                result
                    .function
                    .arn
                    .as_deref()
                    .unwrap_or(&result.function.name),
                result.environment.region
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralizes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn csp_forbids_network_and_allows_only_the_inline_script_and_style() {
        let csp = content_security_policy();
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        assert!(csp.contains(&csp_hash(SORT_SCRIPT)), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(!csp.contains("http"), "{csp}");
    }
}
