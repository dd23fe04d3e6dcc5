//! The cold-start result schema: summaries, JSON round trip and the checks on reading.

use analyzer::Error;
use analyzer::coldstart::{
    COLDSTART_KIND, ColdStartResult, ColdStartSample, summarize_cold_starts,
};
use analyzer::report_line::ReportRecord;
use analyzer::result::SCHEMA_VERSION;
use analyzer::units::Architecture;

use crate::harness::{Rng, key, lognormal_inits, run, samples};

#[test]
fn summaries_cover_init_duration_duration_and_memory_with_intervals() {
    let mut rng = Rng::new(3);
    let inits = lognormal_inits(&mut rng, 50, 200.0, 0.2);
    let config =
        summarize_cold_starts(key(1024, Architecture::Arm64), samples(&inits), 0.95, 9).unwrap();
    let init = &config.init_duration;
    assert_eq!(init.summary.count, 50);
    assert!(init.summary.min <= init.summary.median && init.summary.median <= init.summary.max);
    for (ci, point) in [
        (init.summary.median_ci, init.summary.median),
        (init.p90_ci, init.summary.p90),
        (init.p99_ci, init.summary.p99),
    ] {
        assert!(ci.contains(point), "{ci:?} must contain {point}");
        assert_eq!(ci.confidence, 0.95);
    }
    assert!(init.p90_ci.width() > 0.0);
    assert_eq!(config.max_memory_used.summary.min, 40.0);
    assert_eq!(config.max_memory_used.summary.max, 41.0);
    assert_eq!(config.duration.summary.max, 5.0);
    assert_eq!(config.samples.len(), 50);
}

#[test]
fn summaries_do_not_depend_on_sample_order() {
    let mut rng = Rng::new(4);
    let inits = lognormal_inits(&mut rng, 25, 150.0, 0.3);
    let mut reversed = samples(&inits);
    reversed.reverse();
    let k = key(512, Architecture::X86_64);
    let a = summarize_cold_starts(k, samples(&inits), 0.95, 5).unwrap();
    let b = summarize_cold_starts(k, reversed, 0.95, 5).unwrap();
    assert_eq!(a.init_duration, b.init_duration);
}

#[test]
fn zero_samples_are_an_error() {
    let err =
        summarize_cold_starts(key(512, Architecture::X86_64), Vec::new(), 0.95, 1).unwrap_err();
    assert!(matches!(err, Error::NoSamples { .. }), "{err}");
    assert!(err.to_string().contains("512 MB x86_64"), "{err}");
}

#[test]
fn non_finite_durations_are_rejected() {
    let mut s = samples(&[100.0, 110.0]);
    s[1].init_duration_ms = f64::NAN;
    let err = summarize_cold_starts(key(512, Architecture::X86_64), s, 0.95, 1).unwrap_err();
    assert!(matches!(err, Error::InvalidOption { .. }), "{err}");
}

#[test]
fn result_round_trips_through_json() {
    let r = run(&[
        (key(512, Architecture::X86_64), vec![100.0, 120.0, 110.0]),
        (key(256, Architecture::X86_64), vec![130.0, 140.0, 150.0]),
    ]);
    assert_eq!(r.kind, COLDSTART_KIND);
    assert_eq!(r.schema_version, SCHEMA_VERSION);
    // Sorted by architecture then memory.
    assert_eq!(r.configurations[0].key.memory_mb.get(), 256);
    let json = serde_json::to_string_pretty(&r).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["kind"], "coldstart");
    assert_eq!(value["configurations"][0]["memory_mb"], 256);
    assert_eq!(value["configurations"][0]["architecture"], "x86_64");
    assert!(value["configurations"][0]["init_duration"]["p99_ci"]["upper"].is_number());
    assert_eq!(ColdStartResult::from_json(&json).unwrap(), r);
}

#[test]
fn reading_another_schema_version_names_both_versions() {
    let r = run(&[(key(512, Architecture::X86_64), vec![100.0, 120.0])]);
    let mut value = serde_json::to_value(&r).unwrap();
    value["schema_version"] = 2.into();
    // Fields a future version might have dropped must not mask the version error.
    value.as_object_mut().unwrap().remove("configurations");
    let err = ColdStartResult::from_json(&value.to_string()).unwrap_err();
    assert_eq!(
        err,
        Error::UnsupportedSchemaVersion {
            found: 2,
            supported: SCHEMA_VERSION
        }
    );
    let msg = err.to_string();
    assert!(
        msg.contains("version 2") && msg.contains("version 1"),
        "{msg}"
    );
}

#[test]
fn reading_a_tuning_result_says_it_is_the_wrong_kind() {
    let err = ColdStartResult::from_json(r#"{"schema_version": 1, "kind": "tuning"}"#).unwrap_err();
    assert!(matches!(err, Error::WrongResultKind { .. }));
    assert!(err.to_string().contains("`tuning`"), "{err}");
    let err = ColdStartResult::from_json(r#"{"schema_version": 1}"#).unwrap_err();
    assert!(err.to_string().contains("<missing>"), "{err}");
}

#[test]
fn reading_invalid_json_reports_where() {
    let err = ColdStartResult::from_json("{\"kind\": \"coldstart\",").unwrap_err();
    assert!(matches!(err, Error::InvalidResult { .. }));
    assert!(err.to_string().contains("line 1"), "{err}");
    let err =
        ColdStartResult::from_json(r#"{"kind": "coldstart", "schema_version": 1}"#).unwrap_err();
    assert!(err.to_string().contains("missing field"), "{err}");
}

#[test]
fn only_reports_with_an_init_duration_are_cold_start_samples() {
    // Built through serde so that fields added to ReportRecord later keep their defaults.
    let mut record: ReportRecord = serde_json::from_str(
        r#"{"request_id": "r1", "duration_ms": 2.5, "billed_duration_ms": 128,
            "memory_size_mb": 512, "max_memory_used_mb": 35}"#,
    )
    .unwrap();
    assert!(ColdStartSample::from_record(&record).is_none());
    record.init_duration_ms = Some(125.3);
    let sample = ColdStartSample::from_record(&record).unwrap();
    assert_eq!(sample.init_duration_ms, 125.3);
    assert_eq!(sample.billed_duration_ms, 128);
    assert_eq!(sample.max_memory_used_mb, 35);
}
