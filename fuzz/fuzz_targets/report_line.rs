//! Feeds arbitrary bytes to every entry point of `analyzer::report_line`.
//!
//! Invariants checked: nothing panics, every error renders a message, and a text REPORT line
//! that parses is stable under format-then-parse once its durations are rounded to the two
//! decimals text lines carry.
#![no_main]

use analyzer::report_line::{events, format, parse_line, parse_log_tail};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    match parse_line(&text) {
        Ok(record) if !text.trim_start().starts_with('{') => {
            let normalized = parse_line(&format(&record)).expect("a formatted record parses");
            let again = parse_line(&format(&normalized)).expect("a formatted record parses");
            assert_eq!(again, normalized, "format/parse is not stable for {text:?}");
        }
        Ok(_) => {}
        Err(err) => assert!(!err.to_string().is_empty()),
    }

    for event in events(&text) {
        if let Err(err) = event {
            assert!(err.line_number >= 1 && !err.to_string().is_empty());
        }
    }

    let _ = parse_log_tail(&text);
});
