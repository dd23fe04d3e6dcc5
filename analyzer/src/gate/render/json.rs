//! JSON: the [`GateVerdict`] serde shape.

use crate::gate::GateVerdict;

/// The verdict as pretty-printed JSON (the [`GateVerdict`] serde shape).
pub fn render_json(verdict: &GateVerdict) -> String {
    // Serializing plain structs of numbers and strings into a String cannot fail; non-finite
    // floats become `null`.
    serde_json::to_string_pretty(verdict).expect("a GateVerdict always serializes") + "\n"
}
