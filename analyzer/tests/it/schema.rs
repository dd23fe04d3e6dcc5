//! The shape of the JSON documents users read: `result.json` (a tuning result), a cold-start
//! result, the gate's `--format json` verdict and `powertune logs --json`.
//!
//! Each document is built with every optional part present, serialized, and reduced to its
//! shape: every key and its nesting, the JSON type of every value (integers apart from other
//! numbers, so a memory size stays a bare whole number), and the exact spelling of the values
//! that are vocabulary (backend, isolation, warning codes, strategies, architectures,
//! outcomes...). The shapes are insta snapshots: a change to any of them is a change to the
//! schema, to be reviewed as one.

use std::collections::BTreeMap;

use analyzer::analysis::{analyze_configuration, power_tuning_output, recommend};
use analyzer::coldstart::{ColdStartResult, ColdStartSample, summarize_cold_starts};
use analyzer::concurrency::{
    ConcurrencyInput, DownstreamLimit, DurationProfile, HOURS_PER_MONTH, Traffic,
    concurrency_figures,
};
use analyzer::environment::Isolation;
use analyzer::gate::{GateOptions, GateStatistic, compare, render_json};
use analyzer::log_analysis::{LogAnalysisOptions, TimedRecord, analyze};
use analyzer::pricing::PriceTable;
use analyzer::report_line::{ReportRecord, ReportStatus};
use analyzer::result::{
    ConfigKey, FunctionInfo, RunEnvironment, SCHEMA_VERSION, Sample, TuningInput, TuningResult,
    Warning,
};
use analyzer::units::{Architecture, MemoryMb};
use serde_json::json;

use crate::harness::{self, key};

/// Keys whose string values are vocabulary: their spelling is part of the schema.
const VOCABULARY: [&str; 15] = [
    "architecture",
    "backend",
    "code",
    "decision",
    "host_architecture",
    "isolation",
    "kind",
    "metric",
    "original_architecture",
    "outcome",
    "statistic",
    "status",
    "strategy",
    "unit",
    "architectures",
];

/// A JSON value that keeps its keys in document order (`serde_json::Value` sorts them).
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool,
    Integer,
    Float,
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Json, E> {
                Ok(Json::Bool)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Json, E> {
                Ok(Json::Integer)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Json, E> {
                Ok(Json::Integer)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Json, E> {
                Ok(Json::Float)
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::String(s.to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Json::Object(entries))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Json::Null => serializer.serialize_str("null"),
            Json::Bool => serializer.serialize_str("bool"),
            Json::Integer => serializer.serialize_str("integer"),
            Json::Float => serializer.serialize_str("float"),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// The shape of a JSON document, keys in document order: arrays keep the distinct shapes of
/// their elements in order of appearance, strings under a [`VOCABULARY`] key their value
/// (`= value`), and every other scalar its JSON type.
fn shape(text: &str) -> Json {
    fn reduce(value: Json, key: Option<&str>) -> Json {
        match value {
            Json::String(s) if key.is_some_and(|k| VOCABULARY.contains(&k)) => {
                Json::String(format!("= {s}"))
            }
            Json::String(_) => Json::String("string".to_owned()),
            Json::Array(items) => {
                let mut shapes: Vec<Json> = Vec::new();
                for item in items {
                    let s = reduce(item, key);
                    if !shapes.contains(&s) {
                        shapes.push(s);
                    }
                }
                Json::Array(shapes)
            }
            Json::Object(entries) => Json::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        let v = reduce(v, Some(&k));
                        (k, v)
                    })
                    .collect(),
            ),
            scalar => scalar,
        }
    }
    reduce(serde_json::from_str(text).unwrap(), None)
}

fn shape_of<T: serde::Serialize>(document: &T) -> Json {
    shape(&serde_json::to_string(document).unwrap())
}

/// The harness's emulator run, on cgroup v2 and with a start time.
fn environment() -> RunEnvironment {
    RunEnvironment {
        isolation: Some(Isolation::CgroupV2),
        started_at: Some("2026-01-01T00:00:00Z".to_owned()),
        ..harness::environment()
    }
}

/// The input with every optional field aws-lambda-power-tuning and powertune accept.
fn full_input() -> TuningInput {
    serde_json::from_value(json!({
        "lambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:checkout",
        "powerValues": [512, 1024],
        "num": 10,
        "payload": {"order": 1},
        "payloadS3": "s3://bucket/key.json",
        "parallelInvocation": true,
        "strategy": "balanced",
        "balancedWeight": 0.3,
        "autoOptimize": true,
        "autoOptimizeAlias": "live",
        "dryRun": false,
        "preProcessorARN": "arn:aws:lambda:us-east-1:123456789012:function:pre",
        "postProcessorARN": "arn:aws:lambda:us-east-1:123456789012:function:post",
        "discardTopBottom": 0.1,
        "sleepBetweenRunsMs": 5,
        "disablePayloadLogs": true,
        "includeOutputResults": true,
        "onlyColdStarts": false,
        "architectures": ["x86_64", "arm64"],
        "codeByArchitecture": {"arm64": {
            "zipFile": "build/arm64.zip", "s3Bucket": "bucket", "s3Key": "arm64.zip",
            "handler": "bootstrap", "runtime": "provided.al2023"
        }},
        "precision": {"relativeWidth": 0.05, "confidence": 0.9, "minSamples": 5},
        "region": "us-east-1"
    }))
    .unwrap()
}

/// Ten samples: a cold start first, a timeout and an errored one with output last.
fn samples(memory_mb: u32) -> Vec<Sample> {
    let scale = 1024.0 / f64::from(memory_mb);
    (0..10)
        .map(|i| {
            let duration_ms = (20.0 + f64::from(i)) * scale;
            Sample {
                request_id: format!("r{memory_mb}-{i}"),
                duration_ms,
                billed_duration_ms: duration_ms.ceil() as u64,
                init_duration_ms: (i == 0).then_some(150.0),
                max_memory_used_mb: 60,
                status: match i {
                    8 => Some(ReportStatus::Timeout),
                    _ => Some(ReportStatus::Success),
                },
                error: (i == 9).then(|| "Unhandled".to_owned()),
                payload_index: Some(0),
                output: Some(json!({"ok": i != 9})),
            }
        })
        .collect()
}

fn tuning_result() -> TuningResult {
    let input = full_input();
    let prices = PriceTable::builtin();
    let configurations: Vec<_> = [
        key(512, Architecture::X86_64),
        key(1024, Architecture::X86_64),
        key(512, Architecture::Arm64),
        key(1024, Architecture::Arm64),
    ]
    .into_iter()
    .map(|k| {
        analyze_configuration(
            k,
            samples(k.memory_mb.get()),
            &input,
            prices,
            "us-east-1",
            7,
        )
        .unwrap()
    })
    .collect();
    let recommendations = recommend(&configurations, &input);
    let power_tuning = power_tuning_output(
        &configurations,
        Architecture::X86_64,
        &input,
        prices,
        "us-east-1",
    )
    .unwrap();
    let best = &configurations[1];
    let concurrency = concurrency_figures(
        &ConcurrencyInput {
            key: best.key,
            region: "us-east-1".to_owned(),
            traffic: Traffic::Rates {
                average_rps: 10.0,
                peak_rps: 50.0,
            },
            duration: DurationProfile::from_summary(&best.duration),
            cold_start_rate: 0.1,
            init_duration_ms: 150.0,
            downstream_limit: Some(DownstreamLimit::MaxRps { rps: 100.0 }),
            cold_start_share_to_remove: 0.9,
            hours_per_month: HOURS_PER_MONTH,
        },
        prices,
    )
    .unwrap();
    TuningResult {
        schema_version: SCHEMA_VERSION,
        function: FunctionInfo {
            name: "checkout".to_owned(),
            arn: Some("arn:aws:lambda:us-east-1:123456789012:function:checkout".to_owned()),
            original_memory_mb: Some(MemoryMb::try_from(1024).unwrap()),
            original_architecture: Some(Architecture::X86_64),
        },
        input,
        configurations,
        recommendations,
        power_tuning,
        warnings: vec![
            Warning::function_errors(
                2,
                10,
                MemoryMb::try_from(512).unwrap(),
                Architecture::X86_64,
            ),
            Warning::cpu_not_throttled(),
        ],
        environment: environment(),
        concurrency: Some(concurrency),
    }
}

fn cold_starts(k: ConfigKey, shift_ms: f64) -> Vec<ColdStartSample> {
    (0..12)
        .map(|i| ColdStartSample {
            request_id: format!("c{i}"),
            init_duration_ms: 100.0 + shift_ms + f64::from(i * 7 % 11),
            duration_ms: 3.0 + f64::from(i % 3),
            billed_duration_ms: 110 + u64::from(i),
            max_memory_used_mb: 40 + i % 2,
        })
        .map(|mut s| {
            s.request_id = format!("{}-{}", k.memory_mb.get(), s.request_id);
            s
        })
        .collect()
}

fn coldstart_result(shift_ms: f64) -> ColdStartResult {
    let keys = [
        key(512, Architecture::X86_64),
        key(1024, Architecture::Arm64),
    ];
    ColdStartResult::new(
        FunctionInfo {
            name: "checkout".to_owned(),
            arn: Some("arn:aws:lambda:us-east-1:123456789012:function:checkout".to_owned()),
            original_memory_mb: Some(MemoryMb::try_from(512).unwrap()),
            original_architecture: Some(Architecture::X86_64),
        },
        environment(),
        keys.iter()
            .map(|&k| summarize_cold_starts(k, cold_starts(k, shift_ms), 0.95, 3).unwrap())
            .collect(),
        vec![
            Warning::allowed_function_errors(&BTreeMap::from([("Unhandled".to_owned(), 1)])),
            Warning::report_from_logs(1),
        ],
    )
}

fn record(id: usize, memory_size_mb: u32, init_duration_ms: Option<f64>) -> ReportRecord {
    let (duration_ms, billed_ms) = (10.0 + id as f64, 11 + id as u64);
    ReportRecord {
        init_duration_ms,
        ..harness::report(
            &format!("r{id}"),
            duration_ms,
            billed_ms,
            memory_size_mb,
            64,
        )
    }
}

/// The same records without their timestamps.
fn untimed(records: Vec<TimedRecord>) -> Vec<TimedRecord> {
    records
        .into_iter()
        .map(|r| TimedRecord {
            timestamp_ms: None,
            ..r
        })
        .collect()
}

#[test]
fn tuning_result_shape() {
    let result = tuning_result();
    insta::assert_json_snapshot!("tuning_result", shape_of(&result));
    // A reader gets back a document of the same shape.
    let text = serde_json::to_string(&result).unwrap();
    let read: TuningResult = serde_json::from_str(&text).unwrap();
    assert_eq!(shape_of(&read), shape_of(&result));
}

#[test]
fn coldstart_result_shape() {
    let result = coldstart_result(0.0);
    insta::assert_json_snapshot!("coldstart_result", shape_of(&result));
    let text = serde_json::to_string(&result).unwrap();
    let read = ColdStartResult::from_json(&text).unwrap();
    assert_eq!(shape_of(&read), shape_of(&result));
}

#[test]
fn gate_verdict_json_shape() {
    // Twelve samples per run: few for a p99, so the verdict carries its warning.
    let options = GateOptions {
        statistic: GateStatistic::P99,
        ..GateOptions::default()
    };
    let verdict = compare(&coldstart_result(0.0), &coldstart_result(40.0), &options).unwrap();
    insta::assert_json_snapshot!("gate_verdict", shape(&render_json(&verdict)));
}

#[test]
fn log_analysis_shape() {
    // Two memory sizes and one record without a timestamp: both warnings.
    let mut records: Vec<TimedRecord> = (0..6)
        .map(|i| TimedRecord {
            timestamp_ms: Some(1_800_000_000_000 + 20_000 * i as i64),
            record: record(i, if i == 0 { 256 } else { 512 }, (i < 2).then_some(90.0)),
        })
        .collect();
    records.push(TimedRecord {
        timestamp_ms: None,
        record: record(6, 512, None),
    });
    let options = LogAnalysisOptions {
        downstream_rps: Some(100.0),
        ..LogAnalysisOptions::default()
    };
    let analysis = analyze(&records, &options).unwrap();
    insta::assert_json_snapshot!("log_analysis", shape_of(&analysis));

    // Without any timestamp: the third warning, and no traffic or concurrency.
    let analysis = analyze(&untimed(records), &options).unwrap();
    let codes: BTreeMap<String, String> = analysis
        .warnings
        .iter()
        .map(|w| {
            let v = serde_json::to_value(w).unwrap();
            (
                v["code"].as_str().unwrap().to_owned(),
                v["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        codes.keys().map(String::as_str).collect::<Vec<_>>(),
        ["no-timestamps", "several-memory-sizes"]
    );
    assert!(analysis.traffic.is_none() && analysis.concurrency.is_none());
}

#[test]
fn warnings_the_analyzer_writes() {
    // Every warning the analyzer itself writes, code and message, as a reader sees them.
    let mut warnings = tuning_result().concurrency.unwrap().warnings;
    let verdict = compare(
        &coldstart_result(0.0),
        &coldstart_result(40.0),
        &GateOptions {
            statistic: GateStatistic::P99,
            ..GateOptions::default()
        },
    )
    .unwrap();
    warnings.extend(verdict.warnings);
    let records: Vec<TimedRecord> = (0..3)
        .map(|i| TimedRecord {
            timestamp_ms: (i > 0).then_some(1_800_000_000_000 + 1_000 * i as i64),
            record: record(i, if i == 0 { 256 } else { 512 }, None),
        })
        .collect();
    let options = LogAnalysisOptions::default();
    warnings.extend(analyze(&records, &options).unwrap().warnings);
    warnings.extend(analyze(&untimed(records), &options).unwrap().warnings);
    insta::assert_json_snapshot!("analyzer_warnings", shape_messages(&warnings));
}

/// The warnings as written, messages included.
fn shape_messages(warnings: &[Warning]) -> Json {
    serde_json::from_str(&serde_json::to_string(warnings).unwrap()).unwrap()
}
