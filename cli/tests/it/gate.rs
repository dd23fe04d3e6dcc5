//! `powertune gate` as a user runs it: exit codes, every output format, and bad inputs.

use std::path::{Path, PathBuf};

use analyzer::coldstart::{ColdStartResult, ColdStartSample, summarize_cold_starts};
use analyzer::result::{ConfigKey, FunctionInfo, RunEnvironment};
use analyzer::units::{Architecture, MemoryMb};
use predicates::prelude::*;

use crate::harness::powertune;

fn key(memory: u32, architecture: Architecture) -> ConfigKey {
    ConfigKey {
        memory_mb: MemoryMb::try_from(memory).unwrap(),
        architecture,
    }
}

/// 30 Init Durations spread over 100..120 ms, scaled by `factor`.
fn inits(factor: f64) -> Vec<f64> {
    (0..30)
        .map(|i| (100.0 + f64::from((i * 7) % 20)) * factor)
        .collect()
}

fn result(configs: &[(ConfigKey, Vec<f64>)]) -> ColdStartResult {
    let configurations = configs
        .iter()
        .map(|(k, values)| {
            let samples = values
                .iter()
                .enumerate()
                .map(|(i, &init)| ColdStartSample {
                    request_id: format!("req-{i}"),
                    init_duration_ms: init,
                    duration_ms: 4.0,
                    billed_duration_ms: (init + 4.0).ceil() as u64,
                    max_memory_used_mb: 48,
                })
                .collect();
            summarize_cold_starts(*k, samples, 0.95, 3).unwrap()
        })
        .collect();
    ColdStartResult::new(
        FunctionInfo {
            name: "checkout".into(),
            arn: None,
            original_memory_mb: None,
            original_architecture: None,
        },
        RunEnvironment {
            backend: analyzer::environment::Backend::Emulator,
            region: "us-east-1".into(),
            powertune_version: "0.1.0".into(),
            host_architecture: None,
            host_cpus: None,
            isolation: None,
            started_at: None,
        },
        configurations,
        Vec::new(),
    )
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, r: &ColdStartResult) -> PathBuf {
        self.write_text(name, &serde_json::to_string_pretty(r).unwrap())
    }

    fn write_text(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn two_configs(factor_512: f64, factor_1024: f64) -> ColdStartResult {
    result(&[
        (key(512, Architecture::X86_64), inits(factor_512)),
        (key(1024, Architecture::Arm64), inits(factor_1024)),
    ])
}

/// A baseline and a current run in a temporary folder: the current run's 512 MB x86_64
/// configuration takes `factor_512` times the baseline's Init Durations, 1024 MB arm64 the same.
fn runs(factor_512: f64) -> (Files, PathBuf, PathBuf) {
    let f = Files::new();
    let base = f.write("base.json", &two_configs(1.0, 1.0));
    let cur = f.write("cur.json", &two_configs(factor_512, 1.0));
    (f, base, cur)
}

/// What `cmd` prints on stdout when it exits with `code`.
fn stdout_of(cmd: &mut assert_cmd::Command, code: i32) -> Vec<u8> {
    cmd.assert().code(code).get_output().stdout.clone()
}

fn gate(base: &Path, cur: &Path) -> assert_cmd::Command {
    let mut cmd = powertune();
    cmd.arg("gate")
        .arg("--baseline")
        .arg(base)
        .arg("--current")
        .arg(cur);
    cmd
}

#[test]
fn unchanged_run_exits_zero_with_a_readable_verdict() {
    let (_f, base, cur) = runs(1.0);
    gate(&base, &cur)
        .env("NO_COLOR", "1")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("no cold-start regression"))
        .stdout(predicate::str::contains("512 MB x86_64"))
        .stdout(predicate::str::contains("\x1b[").not());
}

#[test]
fn regression_exits_one_and_says_by_how_much() {
    let (_f, base, cur) = runs(1.3);
    gate(&base, &cur)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "cold-start regression: 1 of 2 configurations regressed",
        ))
        .stdout(predicate::str::contains("+30.0%"))
        .stdout(predicate::str::contains("95% CI"));
}

#[test]
fn markdown_format_is_a_table() {
    let (_f, base, cur) = runs(1.3);
    let out = stdout_of(gate(&base, &cur).args(["--format", "markdown"]), 1);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("### "), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with('|')).count(), 4);
}

#[test]
fn github_format_prints_workflow_commands() {
    let (_f, base, cur) = runs(1.3);
    let out = stdout_of(gate(&base, &cur).args(["--format", "github"]), 1);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    // `::error title=<escaped>::<escaped message>`: no raw `:` or `,` inside the property.
    let (props, message) = lines[0]
        .strip_prefix("::error ")
        .unwrap()
        .split_once("::")
        .unwrap();
    assert_eq!(
        props,
        "title=Cold-start regression%3A checkout 512 MB x86_64"
    );
    assert!(message.starts_with("regression: init duration median"));
    assert!(lines[1].starts_with("::notice title=Cold-start unchanged%3A"));
}

#[test]
fn junit_format_parses_and_fails_the_regressed_case() {
    let (f, base, cur) = runs(1.3);
    let report = f.dir.path().join("gate.xml");
    gate(&base, &cur)
        .args(["--format", "junit", "--output"])
        .arg(&report)
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("1 of 2 configurations regressed"));
    let xml = std::fs::read_to_string(&report).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    let failed: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .map(|c| c.attribute("name").unwrap())
        .collect();
    assert_eq!(failed, ["512 MB x86_64 init duration median"]);
}

#[test]
fn json_format_and_the_global_json_flag_print_the_verdict() {
    let (_f, base, cur) = runs(1.3);
    for args in [&["--format", "json"][..], &["--json"][..]] {
        let out = stdout_of(gate(&base, &cur).args(args), 1);
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["outcome"], "regression");
        assert_eq!(value["configurations"][0]["outcome"], "regression");
        assert_eq!(value["configurations"][1]["outcome"], "unchanged");
        assert_eq!(value["options"]["metric"], "init_duration");
    }
}

#[test]
fn options_change_the_decision() {
    let (_f, base, cur) = runs(1.3);
    // A 30% change under a 50% threshold is not a regression.
    gate(&base, &cur)
        .args(["--threshold", "50%"])
        .assert()
        .code(0);
    // The point-estimate rule is selectable and recorded in the verdict.
    let out = stdout_of(
        gate(&base, &cur).args(["--decide-on", "estimate", "--format", "json"]),
        1,
    );
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(value["options"]["decision"], "point_estimate");
    // Memory did not change.
    gate(&base, &cur)
        .args(["--metric", "memory", "--statistic", "p90"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("MB"));
}

#[test]
fn missing_file_is_an_error_naming_it() {
    let f = Files::new();
    let cur = f.write("cur.json", &two_configs(1.0, 1.0));
    let missing = f.dir.path().join("nope.json");
    gate(&missing, &cur)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::starts_with("error: reading baseline"))
        .stderr(predicate::str::contains("nope.json"));
}

#[test]
fn other_schema_version_is_an_error() {
    let f = Files::new();
    let mut value = serde_json::to_value(two_configs(1.0, 1.0)).unwrap();
    value["schema_version"] = 7.into();
    let base = f.write_text("base.json", &value.to_string());
    let cur = f.write("cur.json", &two_configs(1.0, 1.0));
    gate(&base, &cur)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "result schema version 7 is not supported",
        ));
}

#[test]
fn different_configurations_are_an_error() {
    let f = Files::new();
    let base = f.write("base.json", &two_configs(1.0, 1.0));
    let cur = f.write(
        "cur.json",
        &result(&[(key(512, Architecture::X86_64), inits(1.0))]),
    );
    gate(&base, &cur)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("measure different configurations"))
        .stderr(predicate::str::contains(
            "only in baseline: [1024 MB arm64]",
        ));
}

#[test]
fn zero_samples_are_an_error() {
    let f = Files::new();
    let base = f.write("base.json", &two_configs(1.0, 1.0));
    let mut current = two_configs(1.0, 1.0);
    current.configurations[1].samples.clear();
    let cur = f.write("cur.json", &current);
    gate(&base, &cur)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "current has no init duration samples for 1024 MB arm64",
        ));
}

#[test]
fn too_few_samples_is_an_error_stating_the_minimum() {
    let f = Files::new();
    let small = result(&[(key(512, Architecture::X86_64), vec![100.0, 110.0, 105.0])]);
    let base = f.write("base.json", &small);
    let cur = f.write("cur.json", &small);
    gate(&base, &cur)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs at least 4 per run"));
}

#[test]
fn invalid_threshold_is_a_usage_error() {
    let f = Files::new();
    let base = f.write("base.json", &two_configs(1.0, 1.0));
    gate(&base, &base)
        .args(["--threshold", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`lots` is not a percentage"));
}

#[test]
fn help_documents_the_exit_codes() {
    powertune()
        .args(["gate", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "1  at least one configuration regressed",
        ));
}
