//! JUnit XML, for CI systems that show test reports.

use std::fmt::Write as _;

use crate::coldstart::describe_key;
use crate::gate::{GateVerdict, Outcome};

/// Escapes text for XML 1.0 content and attribute values; drops the control characters XML
/// 1.0 cannot carry.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one test suite, one test case per configuration, a `failure` element on each
/// regression.
pub fn render_junit(verdict: &GateVerdict) -> String {
    let o = &verdict.options;
    let failures = verdict.regressions().count();
    let suite = format!("powertune gate: {} {}", verdict.function, o.metric);
    let classname = format!(
        "powertune.gate.{}.{}",
        verdict.function,
        o.metric.label().replace(' ', "_")
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"powertune gate\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\">\n  \
         <testsuite name=\"{}\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
        escape_xml(&suite),
        n = verdict.configurations.len()
    );
    for c in &verdict.configurations {
        let name = format!("{} {} {}", describe_key(&c.key), o.metric, o.statistic);
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape_xml(&classname),
            escape_xml(&name)
        );
        if c.outcome == Outcome::Regression {
            let _ = writeln!(
                out,
                ">\n      <failure type=\"regression\" message=\"{}\">{}</failure>\n    </testcase>",
                escape_xml(&c.explanation),
                escape_xml(&format!(
                    "baseline {} samples, current {} samples\n{}",
                    c.baseline_count, c.current_count, c.explanation
                ))
            );
        } else {
            let _ = writeln!(
                out,
                ">\n      <system-out>{}</system-out>\n    </testcase>",
                escape_xml(&c.explanation)
            );
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
