//! `powertune report`: render the HTML report and PNG charts of a saved result.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use analyzer::coldstart::{COLDSTART_KIND, ColdStartResult};
use analyzer::comparison::{Comparison, compare_coldstart, compare_tuning, tuning_options};
use analyzer::gate::{GateOptions, Outcome};
use analyzer::result::{SCHEMA_VERSION, TuningResult};
use anyhow::{Context, bail};
use clap::Args;

use crate::output::Output;

const AFTER_HELP: &str = "\
Writes the page and one PNG per chart into --out, named by the result's kind: report.html
and <chart>.png for a tuning result, coldstart.html and coldstart-<chart>.png for a cold-start
result (so both reports can share a folder). The page is self-contained (it loads nothing
from the network) and links the PNGs beside it. Prints the paths written (a JSON list with
--json).

With --baseline OLD.json (a result of the same kind, e.g. from before a change), the report
also compares each configuration both runs measured, as criterion does: the change of the
median Duration (tuning) or Init Duration (cold starts), its 95% bootstrap interval, a
Mann-Whitney U test, and the verdict: a change counts when the test is significant and the
whole interval lies beyond the noise threshold (tuning: 1% of the baseline; cold starts:
the gate's 5% and 5 ms, so the report agrees with `powertune gate`). It adds a section and a
change chart (change.png, coldstart-change.png).

Exit codes:
  0  the report was written (whatever the comparison found; `powertune gate` fails a build)
  2  error: unreadable or invalid result, other schema version, a baseline of another kind
     or without a configuration in common, unwritable folder

Examples:
  powertune report powertune-out/result.json
  powertune report powertune-out/coldstart.json --out coldstart-report
  powertune report powertune-out/result.json --baseline last-week/result.json";

/// Render the HTML report and PNG charts of a saved tuning or cold-start result.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ReportArgs {
    /// The result JSON written by `tune` or `coldstart` (- for stdin).
    #[arg(value_name = "RESULT.json")]
    pub result: PathBuf,
    /// Folder for the page and the PNG charts (created when missing).
    #[arg(
        long,
        env = "POWERTUNE_OUT",
        default_value = "powertune-out",
        value_name = "DIR"
    )]
    pub out: PathBuf,
    /// A previous result of the same kind to compare with, configuration by configuration.
    #[arg(long, value_name = "OLD.json")]
    pub baseline: Option<PathBuf>,
}

impl ReportArgs {
    /// Renders the report and writes its files.
    pub fn run(self, out: &Output) -> anyhow::Result<ExitCode> {
        let text = read_text(&self.result)?;
        let current = Loaded::from_text(&text)
            .with_context(|| format!("reading {}", self.result.display()))?;
        let comparison = match &self.baseline {
            Some(path) => {
                let baseline = std::fs::read_to_string(path)
                    .map_err(anyhow::Error::from)
                    .and_then(|text| Loaded::from_text(&text))
                    .with_context(|| format!("reading --baseline {}", path.display()))?;
                let comparison = current
                    .compare(&baseline)
                    .with_context(|| format!("comparing with --baseline {}", path.display()))?;
                out.note(&summary(&comparison, path));
                Some(comparison)
            }
            None => None,
        };
        let report = current
            .render(comparison)
            .with_context(|| format!("rendering {}", self.result.display()))?;
        let written = write_report(&self.out, report)?;
        if out.json() {
            let paths: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            out.print(&serde_json::to_string(&paths).context("serializing the paths")?)?;
        } else {
            for path in &written {
                out.print(&path.display().to_string())?;
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the result from stdin")?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading result {}", path.display()))
    }
}

/// A result document of either kind.
#[derive(Debug)]
enum Loaded {
    Tuning(Box<TuningResult>),
    ColdStart(Box<ColdStartResult>),
}

impl Loaded {
    /// Reads a result document: `kind` says which (a tuning result may omit it).
    fn from_text(text: &str) -> anyhow::Result<Self> {
        let value: serde_json::Value =
            serde_json::from_str(text).context("the result is not JSON")?;
        match value.get("kind").and_then(serde_json::Value::as_str) {
            Some(COLDSTART_KIND) => Ok(Loaded::ColdStart(Box::new(ColdStartResult::from_json(
                text,
            )?))),
            Some("tuning") | None => {
                let version = value
                    .get("schema_version")
                    .and_then(serde_json::Value::as_u64);
                if version != Some(u64::from(SCHEMA_VERSION)) {
                    bail!(
                        "`schema_version` is {}: this powertune reads version {SCHEMA_VERSION}; \
                         render it with the powertune that wrote it",
                        version.map_or_else(|| "missing".to_owned(), |v| v.to_string())
                    );
                }
                let result: TuningResult =
                    serde_json::from_value(value).context("the result is not a tuning result")?;
                Ok(Loaded::Tuning(Box::new(result)))
            }
            Some(other) => bail!("`kind` is `{other}`: expected `tuning` or `{COLDSTART_KIND}`"),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Loaded::Tuning(_) => "tuning",
            Loaded::ColdStart(_) => COLDSTART_KIND,
        }
    }

    /// This result compared with `baseline`, which must be of the same kind.
    fn compare(&self, baseline: &Loaded) -> anyhow::Result<Comparison> {
        match (self, baseline) {
            (Loaded::Tuning(current), Loaded::Tuning(baseline)) => {
                Ok(compare_tuning(baseline, current, &tuning_options())?)
            }
            (Loaded::ColdStart(current), Loaded::ColdStart(baseline)) => Ok(compare_coldstart(
                baseline,
                current,
                &GateOptions::default(),
            )?),
            _ => bail!(
                "the baseline is a `{}` result and the result a `{}` one: compare results of \
                 one kind (two `tune` results, or two `coldstart` results)",
                baseline.kind(),
                self.kind()
            ),
        }
    }

    /// The report, with the comparison when there is one.
    fn render(&self, comparison: Option<Comparison>) -> anyhow::Result<reports::Report> {
        Ok(match self {
            Loaded::Tuning(result) => {
                let mut extras = crate::render::extras(result);
                extras.comparison = comparison;
                reports::render_with(result, &extras)?
            }
            Loaded::ColdStart(result) => {
                reports::render_coldstart_with(result, comparison.as_ref())?
            }
        })
    }
}

/// The comparison in one line for stderr.
fn summary(comparison: &Comparison, path: &Path) -> String {
    let count = |outcome| comparison.with_outcome(outcome).count();
    format!(
        "compared with {}: {} regression(s), {} improvement(s), {} unchanged, {} not compared",
        path.display(),
        count(Outcome::Regression),
        count(Outcome::Improvement),
        count(Outcome::Unchanged),
        comparison.not_compared.len()
    )
}

/// The report of a result document of either kind, without a baseline.
#[cfg(test)]
fn render_text(text: &str) -> anyhow::Result<reports::Report> {
    Loaded::from_text(text)?.render(None)
}

fn write_report(dir: &Path, report: reports::Report) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::with_capacity(1 + report.pngs.len());
    crate::render::write_report(dir, report, &mut written)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_text_that_is_not_json() {
        let err = render_text("not json").unwrap_err();
        assert!(format!("{err:#}").contains("not JSON"), "{err:#}");
    }

    #[test]
    fn rejects_an_unknown_kind_naming_the_accepted_ones() {
        let err = render_text(r#"{"kind": "gate", "schema_version": 1}"#).unwrap_err();
        let message = format!("{err:#}");
        assert!(
            message.contains("gate") && message.contains("coldstart"),
            "{message}"
        );
    }

    #[test]
    fn rejects_another_schema_version() {
        let err = render_text(r#"{"schema_version": 99}"#).unwrap_err();
        assert!(format!("{err:#}").contains("99"), "{err:#}");
    }

    #[test]
    fn renders_an_empty_coldstart_result() {
        let text = r#"{"schema_version": 1, "kind": "coldstart",
            "function": {"name": "f"},
            "environment": {"backend": "emulator", "region": "us-east-1", "powertune_version": "0.1.0"},
            "configurations": []}"#;
        let report = render_text(text).unwrap();
        assert!(report.html.contains("No cold start of <strong>f</strong>"));
        assert!(report.pngs.is_empty());
    }
}
