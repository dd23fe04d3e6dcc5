//! Feeds arbitrary bytes to the deserialization of a tuning run's execution input
//! (`analyzer::result::TuningInput`), as the tuner receives it from Step Functions or `--input`.
//!
//! Invariants checked: nothing panics, and an input that deserializes survives
//! serialize-then-deserialize unchanged.
#![no_main]

use analyzer::result::TuningInput;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = serde_json::from_slice::<TuningInput>(data) {
        let text = serde_json::to_string(&input).expect("a deserialized input serializes");
        let again: TuningInput =
            serde_json::from_str(&text).expect("a serialized input deserializes");
        assert_eq!(again, input, "serialize/deserialize is not stable for {text}");
    }
});
