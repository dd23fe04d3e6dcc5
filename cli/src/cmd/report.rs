//! `powertune report`: render the HTML report and PNG charts of a saved result.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use analyzer::coldstart::{COLDSTART_KIND, ColdStartResult};
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

Exit codes:
  0  the report was written
  2  error: unreadable or invalid result, other schema version, unwritable folder

Examples:
  powertune report powertune-out/result.json
  powertune report powertune-out/coldstart.json --out coldstart-report";

/// Render the HTML report and PNG charts of a saved tuning or cold-start result.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ReportArgs {
    /// The result JSON written by `tune` or `coldstart` (- for stdin).
    #[arg(value_name = "RESULT.json")]
    pub result: PathBuf,
    /// Folder for the page and the PNG charts (created when missing).
    #[arg(long, default_value = "powertune-out", value_name = "DIR")]
    pub out: PathBuf,
}

impl ReportArgs {
    /// Renders the report and writes its files.
    pub fn run(self, out: &Output) -> anyhow::Result<ExitCode> {
        let text = read_text(&self.result)?;
        let report =
            render_text(&text).with_context(|| format!("rendering {}", self.result.display()))?;
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

/// The report of a result document of either kind (`coldstart`, or a tuning result).
fn render_text(text: &str) -> anyhow::Result<reports::Report> {
    let value: serde_json::Value = serde_json::from_str(text).context("the result is not JSON")?;
    match value.get("kind").and_then(serde_json::Value::as_str) {
        Some(COLDSTART_KIND) => {
            let result = ColdStartResult::from_json(text)?;
            Ok(reports::render_coldstart(&result)?)
        }
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
            Ok(reports::render(&result)?)
        }
        Some(other) => bail!("`kind` is `{other}`: expected `tuning` or `{COLDSTART_KIND}`"),
    }
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
