//! GitHub Actions workflow commands (`::error`, `::notice`, `::warning`).

use std::fmt::Write as _;

use crate::coldstart::describe_key;
use crate::gate::{GateVerdict, Outcome};

/// Escapes the message of a GitHub Actions workflow command (`%`, `\r`, `\n`).
pub fn escape_github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a GitHub Actions workflow command (the data escapes plus `:`
/// and `,`).
pub fn escape_github_property(text: &str) -> String {
    escape_github_data(text)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// GitHub Actions workflow commands: one `::error` per regression, one `::notice` per
/// improvement and per unchanged configuration, one `::warning` per warning.
pub fn render_github(verdict: &GateVerdict) -> String {
    let mut out = String::new();
    for c in &verdict.configurations {
        let level = match c.outcome {
            Outcome::Regression => "error",
            Outcome::Improvement | Outcome::Unchanged => "notice",
        };
        let title = format!(
            "Cold-start {}: {} {}",
            c.outcome.as_str(),
            verdict.function,
            describe_key(&c.key)
        );
        let _ = writeln!(
            out,
            "::{level} title={}::{}",
            escape_github_property(&title),
            escape_github_data(&c.explanation)
        );
    }
    for w in &verdict.warnings {
        let _ = writeln!(
            out,
            "::warning title={}::{}",
            escape_github_property(&format!("powertune gate: {}", w.code)),
            escape_github_data(&w.message)
        );
    }
    out
}
