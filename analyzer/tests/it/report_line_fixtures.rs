//! Real Lambda log lines (see `fixtures/report-lines/README.md`) parsed to their exact values,
//! and the formatters checked byte for byte against them.

use std::borrow::Cow;

use analyzer::report_line::{
    InitPhase, InitReport, InitStart, InitializationType, LogEvent, ParseError, ReportRecord,
    ReportStatus, RuntimeDone, XRayTrace, events, format, format_end, format_init_report,
    format_init_start, format_json_init_report, format_json_init_start, format_json_report,
    format_json_start, format_start, parse_line, parse_line_event, parse_log_tail, records,
};
use base64::Engine as _;

use crate::harness::report as rec;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/report-lines/",
            $name
        ))
    };
}

/// The START line's event of `id` on `$LATEST`.
fn start_latest(id: &str) -> LogEvent<'_> {
    LogEvent::Start {
        request_id: id.into(),
        version: Some("$LATEST".into()),
    }
}

/// Builder-style additions for the expected records.
trait With {
    fn init(self, ms: f64) -> Self;
    fn restore(self, ms: f64, billed_ms: u64) -> Self;
    fn status(self, status: ReportStatus) -> Self;
    fn error(self, error_type: &str) -> Self;
    fn xray(self, trace_id: &str, segment_id: Option<&str>, sampled: bool) -> Self;
}

impl With for ReportRecord {
    fn init(mut self, ms: f64) -> Self {
        self.init_duration_ms = Some(ms);
        self
    }
    fn restore(mut self, ms: f64, billed_ms: u64) -> Self {
        self.restore_duration_ms = Some(ms);
        self.billed_restore_duration_ms = Some(billed_ms);
        self
    }
    fn status(mut self, status: ReportStatus) -> Self {
        self.status = Some(status);
        self
    }
    fn error(mut self, error_type: &str) -> Self {
        self.error_type = Some(error_type.to_owned());
        self
    }
    fn xray(mut self, trace_id: &str, segment_id: Option<&str>, sampled: bool) -> Self {
        self.xray = Some(XRayTrace {
            trace_id: trace_id.to_owned(),
            segment_id: segment_id.map(str::to_owned),
            sampled,
        });
        self
    }
}

fn all_records(text: &str) -> Vec<ReportRecord> {
    records(text)
        .collect::<Result<Vec<_>, _>>()
        .expect("every record of a fixture parses")
}

#[test]
fn every_fixture_record_parses_to_its_exact_values() {
    use ReportStatus::{Error, Success, Timeout};
    let table: Vec<(&str, &str, Vec<ReportRecord>)> = vec![
        (
            "text-2014-100ms-billing.txt",
            fixture!("text-2014-100ms-billing.txt"),
            vec![rec(
                "a0537bcb-712d-11e4-8c97-af075a3c0929",
                718.65,
                800,
                128,
                14,
            )],
        ),
        (
            "text-2025-init-billed.txt",
            fixture!("text-2025-init-billed.txt"),
            vec![
                rec(
                    "bf5f58db-ef7d-4cb2-b3c6-266eba1bbedb",
                    395.99,
                    662,
                    512,
                    301,
                )
                .init(265.72),
            ],
        ),
        (
            "text-snapstart.txt",
            fixture!("text-snapstart.txt"),
            vec![
                rec(
                    "8c360c87-d4b7-4423-b5f3-af02be3c1763",
                    2338.66,
                    2521,
                    3009,
                    173,
                )
                .restore(398.97, 182),
            ],
        ),
        (
            "text-2024-status-timeout.txt",
            fixture!("text-2024-status-timeout.txt"),
            vec![
                rec("bdace18c-8f63-48f0-b44a-c909b6b134a0", 2.85, 3, 1024, 64).init(3152.18),
                rec(
                    "13222b1e-f16b-4550-89df-869ab0a9806d",
                    3000.0,
                    3000,
                    1024,
                    64,
                )
                .status(Timeout),
            ],
        ),
        (
            "text-2026-xray-timeout-oom.log",
            fixture!("text-2026-xray-timeout-oom.log"),
            vec![
                rec("8d5958b5-559f-43f3-b278-b71dd7dd0e01", 2.46, 417, 1024, 95)
                    .init(413.61)
                    .xray(
                        "1-6ac7c67a-1c0aa43118a5d54708c0da61",
                        Some("2d54219895e821dd"),
                        true,
                    ),
                rec(
                    "6556e9bb-dd89-49e6-9dc4-d8344fdc37cb",
                    92394.25,
                    92395,
                    1024,
                    539,
                )
                .xray(
                    "1-6ac7c67c-4fb697db28b006524e491c37",
                    Some("4a861782660d0257"),
                    true,
                ),
                rec(
                    "276ff3b9-1609-4ee7-a288-db3752630767",
                    10935.70,
                    10936,
                    1024,
                    1024,
                )
                .status(Error)
                .error("Runtime.OutOfMemory")
                .xray(
                    "1-6ac7d556-032906e375c910cf42cb849e",
                    Some("90cbc97f4ee64a7f"),
                    true,
                ),
                rec("4591e223-9f68-457f-b518-f6a03fab0046", 3.86, 4, 1024, 532).xray(
                    "1-6ac7d63e-397ed61b1542f1a3653bcd46",
                    Some("b7d5257b6249ab8a"),
                    true,
                ),
                rec(
                    "054d8776-b852-42f6-a1a6-752552daea41",
                    600000.0,
                    600000,
                    1024,
                    1024,
                )
                .status(Timeout)
                .xray(
                    "1-6ac7d63f-0104e99861c65c8039f183da",
                    Some("7c4eb6a6d56f2a27"),
                    true,
                ),
                rec(
                    "c4c2a78d-5976-4177-91ae-64e7418b9769",
                    600000.0,
                    600517,
                    1024,
                    1024,
                )
                .init(516.31)
                .status(Timeout)
                .xray(
                    "1-6ac7d74a-019546e11f8bb3cd382c293c",
                    Some("f8f17b1699891cfe"),
                    true,
                ),
                // Its X-Ray line is cut before `Sampled`: the measurements stay, the trace goes.
                rec(
                    "3b9e07c5-5fa2-47ad-af06-e44d2b64ec8f",
                    344356.22,
                    344756,
                    1024,
                    1024,
                )
                .init(399.33)
                .status(Error)
                .error("Runtime.OutOfMemory"),
            ],
        ),
        (
            "text-init-report-invalid-entrypoint.log",
            fixture!("text-init-report-invalid-entrypoint.log"),
            vec![rec(
                "55fac1c7-b7a1-4af5-96f4-c3e79d8a2b20",
                10.05,
                11,
                128,
                3,
            )],
        ),
        (
            "json-2022-telemetry-with-tracing.jsonl",
            fixture!("json-2022-telemetry-with-tracing.jsonl"),
            vec![
                rec(
                    "459921b5-681c-4a96-beb0-81e0aa586026",
                    2599.4,
                    2600,
                    128,
                    94,
                )
                .init(549.04)
                .status(Success)
                .xray(
                    "1-6352a70e-1e2c502e358361800241fd45",
                    Some("35465b3a9e2f7c6a"),
                    true,
                ),
            ],
        ),
        (
            "json-2026-cold-and-warm.jsonl",
            fixture!("json-2026-cold-and-warm.jsonl"),
            vec![
                rec(
                    "79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36",
                    1233.96,
                    1698,
                    256,
                    123,
                )
                .init(463.512)
                .status(Success),
                rec(
                    "f0c9f58b-8ebe-4e84-a656-95eb6eee865a",
                    1072.145,
                    1073,
                    256,
                    125,
                )
                .status(Success),
            ],
        ),
        (
            "json-2024-log-result-decoded.jsonl",
            fixture!("json-2024-log-result-decoded.jsonl"),
            vec![
                rec("4b142fc3-17b8-4cdb-a46b-a8dbe7918715", 11.642, 12, 128, 67)
                    .init(174.055)
                    .status(Success),
            ],
        ),
        (
            "json-2024-init-report-timeout.jsonl",
            fixture!("json-2024-init-report-timeout.jsonl"),
            vec![],
        ),
    ];
    for (name, text, expected) in table {
        assert_eq!(all_records(text), expected, "{name}");
    }
}

#[test]
fn parses_the_2025_cold_start_line_field_by_field() {
    let r = parse_line(fixture!("text-2025-init-billed.txt")).unwrap();
    assert_eq!(r.duration_ms, 395.99);
    assert_eq!(r.billed_duration_ms, 662);
    assert_eq!(r.memory_size_mb, 512);
    assert_eq!(r.max_memory_used_mb, 301);
    assert_eq!(r.init_duration_ms, Some(265.72));
    assert!(r.is_cold_start());
}

/// The text REPORT lines of the fixtures written back exactly as Lambda wrote them: trailing
/// tab without a status, none after `Status`/`Error Type`, X-Ray on its own line.
#[test]
fn formats_every_tab_separated_fixture_record_byte_for_byte() {
    let mut checked = 0;
    let logs = [
        fixture!("text-2025-init-billed.txt"),
        fixture!("text-snapstart.txt"),
        fixture!("text-2026-xray-timeout-oom.log"),
        fixture!("text-init-report-invalid-entrypoint.log"),
    ];
    for log in logs {
        let lines: Vec<&str> = log.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(at) = line.find("REPORT RequestId:") else {
                continue;
            };
            let mut original = line[at..].to_owned();
            if let Some(next) = lines.get(i + 1).filter(|l| l.starts_with("XRAY")) {
                if !next.contains("Sampled:") {
                    continue; // the truncated X-Ray line cannot be written back
                }
                original = format!("{original}\n{next}");
            }
            let record = parse_line(&original).unwrap();
            assert_eq!(format(&record), original);
            checked += 1;
        }
    }
    assert_eq!(checked, 9);
}

#[test]
fn formats_the_json_report_events_of_the_2026_export_byte_for_byte() {
    for line in fixture!("json-2026-cold-and-warm.jsonl")
        .lines()
        .filter(|l| l.contains("platform.report"))
    {
        let record = parse_line(line).unwrap();
        let time = &line[9..33];
        assert_eq!(format_json_report(&record, time), line);
    }
}

#[test]
fn formats_the_json_init_and_start_events_of_the_2024_log_result_byte_for_byte() {
    let lines: Vec<&str> = fixture!("json-2024-log-result-decoded.jsonl")
        .lines()
        .collect();
    let init = InitStart {
        initialization_type: Some(InitializationType::OnDemand),
        function_name: Some("ColdStartPerfStack-Function76856677-qnwBXhjb6klt".into()),
        function_version: Some("$LATEST".into()),
        runtime_version: Some("nodejs:18.v28".into()),
        runtime_version_arn: Some(
            "arn:aws:lambda:eu-west-3::runtime:\
             b475b23763329123d9e6f79f51886d0e1054f727f5b90ec945fcb2a3ec09afdd"
                .into(),
        ),
    };
    assert_eq!(
        format_json_init_start(&init, "2024-05-20T16:29:44.833Z"),
        lines[0]
    );
    let report = InitReport {
        initialization_type: Some(InitializationType::OnDemand),
        phase: InitPhase::Init,
        init_duration_ms: 173.778,
        status: ReportStatus::Success,
        error_type: None,
    };
    assert_eq!(
        format_json_init_report(&report, "2024-05-20T16:29:45.007Z"),
        lines[2]
    );
    assert_eq!(
        format_json_start(
            "4b142fc3-17b8-4cdb-a46b-a8dbe7918715",
            "$LATEST",
            "2024-05-20T16:29:45.008Z"
        ),
        lines[3]
    );
}

#[test]
fn events_of_the_decoded_log_result_cover_every_platform_event() {
    let events: Vec<LogEvent<'_>> = events(fixture!("json-2024-log-result-decoded.jsonl"))
        .collect::<Result<_, _>>()
        .unwrap();
    let id = "4b142fc3-17b8-4cdb-a46b-a8dbe7918715";
    assert_eq!(events.len(), 5, "{events:#?}");
    assert!(matches!(
        &events[0],
        LogEvent::InitStart(InitStart {
            initialization_type: Some(InitializationType::OnDemand),
            runtime_version: Some(v),
            ..
        }) if v == "nodejs:18.v28"
    ));
    assert_eq!(
        events[1],
        LogEvent::InitReport(InitReport {
            initialization_type: Some(InitializationType::OnDemand),
            phase: InitPhase::Init,
            init_duration_ms: 173.778,
            status: ReportStatus::Success,
            error_type: None,
        })
    );
    assert_eq!(events[2], start_latest(id));
    assert_eq!(
        events[3],
        LogEvent::RuntimeDone(RuntimeDone {
            request_id: id.into(),
            status: ReportStatus::Success,
            error_type: None,
            duration_ms: Some(11.185),
            produced_bytes: Some(40),
            xray: None,
        })
    );
    assert!(matches!(&events[4], LogEvent::Report(r) if r.request_id == id));
}

#[test]
fn reads_text_init_report_lines_of_a_failed_and_a_suppressed_init() {
    let events: Vec<LogEvent<'_>> = events(fixture!("text-init-report-invalid-entrypoint.log"))
        .collect::<Result<_, _>>()
        .unwrap();
    let failed = |phase, ms| {
        LogEvent::InitReport(InitReport {
            initialization_type: None,
            phase,
            init_duration_ms: ms,
            status: ReportStatus::Error,
            error_type: Some(Cow::Borrowed("Runtime.InvalidEntrypoint")),
        })
    };
    let id = "55fac1c7-b7a1-4af5-96f4-c3e79d8a2b20";
    assert_eq!(events.len(), 5, "{events:#?}");
    assert_eq!(events[0], failed(InitPhase::Init, 0.79));
    assert_eq!(events[1], failed(InitPhase::Invoke, 0.61));
    assert_eq!(events[2], start_latest(id));
    assert_eq!(
        events[3],
        LogEvent::End {
            request_id: id.into()
        }
    );
    // Written back byte for byte.
    for (line, event) in fixture!("text-init-report-invalid-entrypoint.log")
        .lines()
        .zip(&events)
        .take(2)
    {
        let LogEvent::InitReport(report) = event else {
            panic!("{event:?}")
        };
        assert_eq!(format_init_report(report), line);
    }
}

#[test]
fn reads_the_init_start_line_and_the_json_init_timeout() {
    let first = fixture!("text-2026-xray-timeout-oom.log")
        .lines()
        .next()
        .unwrap();
    let Some(LogEvent::InitStart(init)) = parse_line_event(first).unwrap() else {
        panic!("not an INIT_START: {first}")
    };
    assert_eq!(
        init.runtime_version.as_deref(),
        Some("python:3.12.mainlinev2.v43")
    );
    assert!(
        init.runtime_version_arn
            .as_deref()
            .is_some_and(|arn| arn.starts_with("arn:aws:lambda:us-east-1::runtime:36aeb19f"))
    );
    assert_eq!(format_init_start(&init), &first[9..]);

    let line = fixture!("json-2024-init-report-timeout.jsonl").trim();
    assert_eq!(
        parse_line_event(line).unwrap(),
        Some(LogEvent::InitReport(InitReport {
            initialization_type: Some(InitializationType::OnDemand),
            phase: InitPhase::Init,
            init_duration_ms: 10000.487,
            status: ReportStatus::Timeout,
            error_type: None,
        }))
    );
}

#[test]
fn log_tail_skips_a_first_line_cut_at_the_4_kb_boundary() {
    let tail = fixture!("tail-4kb-cut-first-line.b64");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(tail.trim())
        .unwrap();
    let text = String::from_utf8(decoded).unwrap();
    // The cut first line still reads as a record on its own: skipping it is what matters.
    let first = text.lines().next().unwrap();
    assert!(matches!(
        parse_line_event(first),
        Ok(Some(LogEvent::Report(_)))
    ));

    let ids: Vec<String> = parse_log_tail(tail)
        .unwrap()
        .into_iter()
        .map(|r| r.request_id)
        .collect();
    assert_eq!(
        ids,
        [
            "276ff3b9-1609-4ee7-a288-db3752630767",
            "4591e223-9f68-457f-b518-f6a03fab0046",
            "054d8776-b852-42f6-a1a6-752552daea41",
            "c4c2a78d-5976-4177-91ae-64e7418b9769",
            "3b9e07c5-5fa2-47ad-af06-e44d2b64ec8f",
        ]
    );
}

#[test]
fn log_tail_shorter_than_4_kb_keeps_its_first_line() {
    let log = format!(
        "{}\n{}\n{}\n",
        format_start("r1", "$LATEST"),
        format_end("r1"),
        fixture!("text-2025-init-billed.txt").trim_end_matches('\n')
    );
    // A REPORT line that is the tail's first line is kept too.
    let report_first = fixture!("text-2025-init-billed.txt");
    for text in [log.as_str(), report_first] {
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        let records = parse_log_tail(&encoded).unwrap();
        assert_eq!(records.len(), 1, "{text}");
        assert_eq!(records[0].billed_duration_ms, 662);
    }
}

#[test]
fn log_tail_rejects_text_that_is_not_base64() {
    let err = parse_log_tail("not base64!").unwrap_err();
    assert!(matches!(err, ParseError::InvalidBase64 { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("invalid base64 in the log tail")
    );
}

#[test]
fn parses_crlf_and_space_separated_lines() {
    let tabbed = fixture!("text-2025-init-billed.txt").trim_end();
    let expected = parse_line(tabbed).unwrap();
    assert_eq!(parse_line(&format!("{tabbed}\r\n")).unwrap(), expected);
    assert_eq!(parse_line(&tabbed.replace('\t', " ")).unwrap(), expected);
    assert_eq!(parse_line(&tabbed.replace('\t', "  ")).unwrap(), expected);
    let crlf_log = format!("START RequestId: x Version: 1\r\n{tabbed}\r\nEND RequestId: x\r\n");
    assert_eq!(all_records(&crlf_log), vec![expected]);
}

#[test]
fn skips_fields_it_does_not_know() {
    let line = "REPORT RequestId: r1\tDuration: 1.00 ms\tBilled Duration: 1 ms\t\
                Memory Size: 128 MB\tMax Memory Used: 10 MB\tFuture Field: some value 12 KB\t\
                Init Duration: 2.00 ms\t";
    let r = parse_line(line).unwrap();
    assert_eq!(r.init_duration_ms, Some(2.0));
    let spaced = "REPORT RequestId: r1 Duration: 1.00 ms Billed Duration: 1 ms \
                  Memory Size: 128 MB Max Memory Used: 10 MB Future Field: 12 KB \
                  Init Duration: 2.00 ms";
    assert_eq!(parse_line(spaced).unwrap(), r);
}

#[test]
fn reads_records_behind_cloudwatch_timestamp_prefixes_and_skips_application_lines() {
    let line = fixture!("text-2025-init-billed.txt").trim_end();
    let json = fixture!("json-2022-telemetry-with-tracing.jsonl").trim_end();
    let log = format!(
        "2025-10-01T10:00:00.000Z {line}\n\
         2025-10-01T10:00:00.000000+00:00 2025/10/01/[$LATEST]abcdef {line}\n\
         2025-10-01T10:00:00.000Z\tbf5f58db\tINFO\t{line}\n\
         [INFO]\t2025-10-01T10:00:00.000Z\tREPORT RequestId: fake\n\
         {{\"level\":\"INFO\",\"message\":\"not a platform event\"}}\n\
         2022-10-21T14:05:05.766Z {json}\n"
    );
    let found = all_records(&log);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!(found[0], found[1]);
    assert_eq!(found[2].request_id, "459921b5-681c-4a96-beb0-81e0aa586026");
}

#[test]
fn a_malformed_record_in_a_log_is_an_error_with_its_line_number_and_the_rest_is_read() {
    let good = fixture!("text-2025-init-billed.txt").trim_end();
    let log = format!(
        "app line\nREPORT RequestId: r1\tDuration: 12,5 ms\t\n{good}\n\
         {{\"type\":\"platform.report\",\"record\":{{\"requestId\":\"r2\",\"metrics\":{{}}}}}}\n"
    );
    let results: Vec<_> = records(&log).collect();
    assert_eq!(results.len(), 3);
    let err = results[0].as_ref().unwrap_err();
    assert_eq!(err.line_number, 2);
    assert_eq!(
        err.to_string(),
        "line 2: invalid Duration value `12,5`: expected a decimal number such as 395.99"
    );
    assert_eq!(results[1].as_ref().unwrap().billed_duration_ms, 662);
    let err = results[2].as_ref().unwrap_err();
    assert_eq!(err.line_number, 4);
    assert!(
        matches!(
            err.error,
            ParseError::MissingField {
                field: "durationMs",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn rejects_lines_that_are_not_report_records() {
    for line in [
        "",
        "START RequestId: r1 Version: $LATEST",
        "REPORTS RequestId: r1",
        "REPORT Duration: 1.00 ms",
        "{\"type\":\"platform.start\",\"record\":{\"requestId\":\"r1\"}}",
    ] {
        assert!(
            matches!(parse_line(line), Err(ParseError::NotAReport { .. })),
            "{line}: {:?}",
            parse_line(line)
        );
    }
    assert!(matches!(
        parse_line("{not json"),
        Err(ParseError::InvalidJson { .. })
    ));
}
