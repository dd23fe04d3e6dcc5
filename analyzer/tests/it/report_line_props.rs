//! Properties of the REPORT-line parser: it never panics, and formatting then parsing gives
//! back the record.

use analyzer::report_line::{
    LOG_TAIL_LIMIT_BYTES, ReportRecord, ReportStatus, XRayTrace, events, format,
    format_json_report, format_json_runtime_done, format_start, parse_json_event, parse_line,
    parse_line_event, parse_log_tail, records,
};
use base64::Engine as _;
use proptest::prelude::*;

fn status() -> impl Strategy<Value = ReportStatus> {
    prop_oneof![
        Just(ReportStatus::Success),
        Just(ReportStatus::Timeout),
        Just(ReportStatus::Error),
        Just(ReportStatus::Failure),
    ]
}

/// A duration with at most two decimals, as text lines print it.
fn centi_ms() -> impl Strategy<Value = f64> {
    (0u64..10_000_000_000).prop_map(|n| n as f64 / 100.0)
}

fn xray() -> impl Strategy<Value = XRayTrace> {
    (
        "1-[0-9a-f]{8}-[0-9a-f]{24}",
        proptest::option::of("[0-9a-f]{16}"),
        any::<bool>(),
    )
        .prop_map(|(trace_id, segment_id, sampled)| XRayTrace {
            trace_id,
            segment_id,
            sampled,
        })
}

/// The required fields of a generated record, in `ReportRecord`'s order.
type Required = (String, f64, u64, u32, u32);
/// Its optional fields: Init, Restore and Billed Restore Duration, Status, Error Type, X-Ray.
type Optional = (
    Option<f64>,
    Option<f64>,
    Option<u64>,
    Option<ReportStatus>,
    Option<String>,
    Option<XRayTrace>,
);

/// A record from its generated fields.
fn record_of(
    (
        (request_id, duration_ms, billed_duration_ms, memory_size_mb, max_memory_used_mb),
        (init, restore, billed_restore, status, error_type, xray),
    ): (Required, Optional),
) -> ReportRecord {
    ReportRecord {
        request_id,
        duration_ms,
        billed_duration_ms,
        memory_size_mb,
        max_memory_used_mb,
        init_duration_ms: init,
        restore_duration_ms: restore,
        billed_restore_duration_ms: billed_restore,
        status,
        error_type,
        xray,
    }
}

/// Records as a text line can carry them: one-word ids and error types, two-decimal durations.
fn text_record() -> impl Strategy<Value = ReportRecord> {
    (
        (
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9_.$-]{1,40}",
            centi_ms(),
            any::<u64>(),
            any::<u32>(),
            any::<u32>(),
        ),
        (
            proptest::option::of(centi_ms()),
            proptest::option::of(centi_ms()),
            proptest::option::of(any::<u64>()),
            proptest::option::of(status()),
            proptest::option::of("[A-Z][A-Za-z]{0,12}\\.[A-Z][A-Za-z]{0,20}"),
            proptest::option::of(xray()),
        ),
    )
        .prop_map(record_of)
}

/// Records as a JSON event can carry them: any text, durations with up to three decimals (as
/// Lambda writes them), whole numbers up to 2^53 (JSON numbers are doubles).
fn json_record() -> impl Strategy<Value = ReportRecord> {
    let ms = || (0u64..1_000_000_000_000).prop_map(|n| n as f64 / 1000.0);
    let whole = || 0u64..=(1u64 << 53);
    (
        (any::<String>(), ms(), whole(), any::<u32>(), any::<u32>()),
        (
            proptest::option::of(ms()),
            proptest::option::of(ms()),
            proptest::option::of(whole()),
            proptest::option::of(status()),
            proptest::option::of(any::<String>()),
            proptest::option::of(xray()),
        ),
    )
        .prop_map(record_of)
}

/// Text made of the parser's own vocabulary, to reach deep into its branches.
fn report_like_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("REPORT RequestId: ".to_owned()),
        Just("INIT_REPORT ".to_owned()),
        Just("INIT_START ".to_owned()),
        Just("START RequestId: ".to_owned()),
        Just("END RequestId: ".to_owned()),
        Just("XRAY TraceId: ".to_owned()),
        Just("Duration: ".to_owned()),
        Just("Billed Duration: ".to_owned()),
        Just("Memory Size: ".to_owned()),
        Just("Max Memory Used: ".to_owned()),
        Just("Init Duration: ".to_owned()),
        Just("Restore Duration: ".to_owned()),
        Just("Status: ".to_owned()),
        Just("Error Type: ".to_owned()),
        Just("Sampled: ".to_owned()),
        Just("Phase: ".to_owned()),
        Just(" ms".to_owned()),
        Just(" MB".to_owned()),
        Just("\t".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just(" ".to_owned()),
        Just(":".to_owned()),
        Just("{\"type\":\"platform.report\",\"record\":{".to_owned()),
        Just("\"metrics\":{\"durationMs\":".to_owned()),
        "[0-9]{0,25}(\\.[0-9]{0,4})?",
        "[a-z0-9.-]{1,12}",
        any::<String>(),
    ];
    proptest::collection::vec(token, 0..40).prop_map(|parts| parts.concat())
}

/// Runs every entry point on `text`; the assertions are that none of them panics and that
/// errors render.
fn exercise(text: &str) {
    if let Err(err) = parse_line(text) {
        assert!(!err.to_string().is_empty());
    }
    let _ = parse_line_event(text);
    let _ = parse_json_event(text);
    for event in events(text) {
        if let Err(err) = event {
            assert!(err.line_number >= 1);
            assert!(!err.to_string().is_empty());
        }
    }
    let _ = records(text).count();
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let _ = parse_log_tail(&encoded);
    let _ = parse_log_tail(text);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parser_never_panics_on_arbitrary_strings(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn parser_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&String::from_utf8_lossy(&bytes));
        // Raw bytes as a log tail, cut anywhere, including inside a UTF-8 character.
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let _ = parse_log_tail(&encoded);
    }

    #[test]
    fn parser_never_panics_on_report_like_text(text in report_like_text()) {
        exercise(&text);
    }

    #[test]
    fn parse_of_format_gives_back_every_text_record(record in text_record()) {
        let line = format(&record);
        prop_assert_eq!(parse_line(&line), Ok(record.clone()));
        // The same record inside a log, behind START/END lines and a CloudWatch prefix.
        let log = format!(
            "{}\napp output\n2026-01-01T00:00:00.000Z {}\n",
            format_start(&record.request_id, "$LATEST"),
            line
        );
        let found: Vec<_> = records(&log).collect();
        prop_assert_eq!(found.len(), 1);
        prop_assert_eq!(found[0].as_ref().ok(), Some(&record));
    }

    #[test]
    fn parse_of_format_json_gives_back_every_record(record in json_record()) {
        let line = format_json_report(&record, "2026-01-01T00:00:00.000Z");
        prop_assert_eq!(parse_line(&line), Ok(record.clone()));
        let done = format_json_runtime_done(&record, "2026-01-01T00:00:00.000Z");
        prop_assert!(parse_json_event(&done).is_ok(), "{}", done);
    }

    #[test]
    fn log_tails_under_the_limit_give_back_every_record(
        batch in proptest::collection::vec(text_record(), 1..8)
    ) {
        let log: String = batch.iter().map(|r| format!("{}\n", format(r))).collect();
        prop_assume!(log.len() < LOG_TAIL_LIMIT_BYTES);
        let encoded = base64::engine::general_purpose::STANDARD.encode(&log);
        prop_assert_eq!(parse_log_tail(&encoded), Ok(batch));
    }
}
