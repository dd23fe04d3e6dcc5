//! Plain text for a terminal.

use std::fmt::Write as _;

use super::headline;
use crate::coldstart::describe_key;
use crate::gate::GateVerdict;

/// Plain text for a terminal: one headline and one line per configuration, units shown.
pub fn render_text(verdict: &GateVerdict) -> String {
    let mut out = headline(verdict);
    out.push('\n');
    for c in &verdict.configurations {
        let _ = writeln!(out, "  {:<18} {}", describe_key(&c.key), c.explanation);
    }
    for w in &verdict.warnings {
        let _ = writeln!(out, "warning: {}", w.message);
    }
    out
}
