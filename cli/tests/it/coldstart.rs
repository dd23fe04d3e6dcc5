//! `powertune coldstart` end to end against the embedded emulator, with the `faulty` example
//! doing busy init work, and its result fed to `powertune gate`.

use std::collections::HashSet;
use std::path::PathBuf;

use analyzer::coldstart::ColdStartResult;
use assert_cmd::Command;
use predicates::prelude::*;

use crate::harness::{assert_links_resolve, powertune};

/// Busy init work of the `faulty` example in these tests, in ms.
const INIT_WORK_MS: f64 = 30.0;

/// The `faulty` example binary, built once per test process.
fn faulty() -> PathBuf {
    test_support::example_bin("faulty")
}

fn coldstart(out: &std::path::Path, samples: u32) -> Command {
    let mut cmd = powertune();
    cmd.arg("coldstart")
        .arg("--local")
        .arg(faulty())
        .arg("--env")
        .arg(format!("INIT_WORK_MS={INIT_WORK_MS}"))
        .args(["--memory", "1024", "-n", &samples.to_string()])
        .arg("--out")
        .arg(out);
    cmd
}

#[test]
fn every_sample_is_a_cold_start_and_the_gate_accepts_the_same_build() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let baseline = dir.path().join("baseline.json");
    coldstart(&out, 8)
        .arg("--save-baseline")
        .arg(&baseline)
        .assert()
        .success()
        .stdout(predicate::str::contains("init p50 ms"))
        .stdout(predicate::str::contains("1024"));

    let current = out.join("coldstart.json");
    let result = ColdStartResult::from_json(&std::fs::read_to_string(&current).unwrap()).unwrap();
    assert_eq!(result.function.name, "faulty");
    assert_eq!(result.environment.backend, "emulator");
    assert_eq!(result.configurations.len(), 1);
    let config = &result.configurations[0];
    assert_eq!(config.key.memory_mb.get(), 1024);
    assert_eq!(config.samples.len(), 8);
    let ids: HashSet<&str> = config
        .samples
        .iter()
        .map(|s| s.request_id.as_str())
        .collect();
    assert_eq!(ids.len(), 8, "one invocation per sample");
    for sample in &config.samples {
        // Every sample ran the init work, so each one was a new environment.
        assert!(
            sample.init_duration_ms >= INIT_WORK_MS,
            "init {} ms is shorter than the {INIT_WORK_MS} ms of init work: not a cold start",
            sample.init_duration_ms
        );
    }
    assert!(out.join("coldstart.html").is_file());
    assert!(assert_links_resolve(&out) >= 1);

    // `report` names a cold-start report's files as `coldstart` does, so it leaves a tuning
    // report in the same folder alone (issue 20).
    let shared = dir.path().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(shared.join("report.html"), "a tuning report").unwrap();
    powertune()
        .arg("report")
        .arg(&current)
        .arg("--out")
        .arg(&shared)
        .assert()
        .success()
        .stdout(predicate::str::contains("coldstart.html"));
    assert_eq!(
        std::fs::read_to_string(shared.join("report.html")).unwrap(),
        "a tuning report"
    );
    assert!(shared.join("coldstart-init-duration.png").is_file());
    assert!(assert_links_resolve(&shared) >= 1);

    let saved = ColdStartResult::from_json(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(saved, result);
    powertune()
        .args(["gate", "--baseline"])
        .arg(&baseline)
        .arg("--current")
        .arg(&current)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no").and(predicate::str::contains("regress")));
}

#[test]
fn gate_exits_2_naming_a_missing_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-baseline.json");
    let current = dir.path().join("also-missing.json");
    powertune()
        .args(["gate", "--baseline"])
        .arg(&missing)
        .arg("--current")
        .arg(&current)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("error: reading baseline"))
        .stderr(predicate::str::contains("no-such-baseline.json"));
}

#[test]
fn json_lines_stream_each_sample_then_the_configuration_then_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let assert = coldstart(dir.path(), 3)
        .arg("--json-lines")
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["sample", "sample", "sample", "configuration", "result"]
    );
    for (index, line) in lines[..3].iter().enumerate() {
        assert_eq!(line["data"]["index"], index);
        assert_eq!(line["data"]["memory_mb"], 1024);
        assert!(line["data"]["sample"]["init_duration_ms"].as_f64().unwrap() >= INIT_WORK_MS);
    }
    let result: ColdStartResult =
        ColdStartResult::from_json(&lines[4]["data"].to_string()).unwrap();
    assert_eq!(result.configurations[0].samples.len(), 3);
    assert_eq!(
        lines[3]["data"]["samples"],
        serde_json::to_value(&result.configurations[0].samples).unwrap()
    );
}

#[test]
fn refuses_an_architecture_the_host_cannot_run_locally() {
    let dir = tempfile::tempdir().unwrap();
    let other = if cfg!(target_arch = "aarch64") {
        "x86_64"
    } else {
        "arm64"
    };
    coldstart(dir.path(), 1)
        .args(["--architectures", other])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("--architectures {other}")));
}

#[test]
fn a_handler_error_fails_the_run_unless_its_type_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let refused = coldstart(&dir.path().join("refused"), 2)
        .args(["--payload", r#"{"mode": "error"}"#])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(stderr.contains("--allowed-exceptions"), "{stderr}");
    // The error type, as the message names it: "failed with TYPE: message".
    let error_type = stderr
        .split_once("failed with ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map(|(t, _)| t.to_owned())
        .unwrap_or_else(|| panic!("no error type in {stderr}"));

    let out = dir.path().join("allowed");
    coldstart(&out, 3)
        .args(["--payload", r#"{"mode": "error"}"#])
        .arg("--allowed-exceptions")
        .arg(&error_type)
        .assert()
        .success();
    let result =
        ColdStartResult::from_json(&std::fs::read_to_string(out.join("coldstart.json")).unwrap())
            .unwrap();
    let samples = &result.configurations[0].samples;
    assert_eq!(samples.len(), 3);
    assert!(samples.iter().all(|s| s.init_duration_ms >= INIT_WORK_MS));
    let warning = result
        .warnings
        .iter()
        .find(|w| w.code == "allowed-function-errors")
        .expect("the allowed errors are reported");
    assert!(
        warning.message.contains(&format!("3 x {error_type}")),
        "{}",
        warning.message
    );
}
