//! The `powertune` binary end to end: exit codes, stderr wording, JSON output, colour, and
//! runs against the embedded emulator with the example functions.

use std::io::BufReader;
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use predicates::prelude::*;
use test_support::example_bin;

use crate::harness::{
    assert_links_resolve, assert_within_schema, empty_coldstart_result, powertune, read_until,
    tune_example,
};

#[test]
fn help_documents_the_exit_codes() {
    powertune()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes").and(predicate::str::contains("2  error")));
}

#[test]
fn tune_without_local_or_function_is_a_usage_error() {
    powertune()
        .arg("tune")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--local"));
}

#[test]
fn tune_rejects_num_below_five_naming_the_flag_and_range() {
    let bin = example_bin("io-bound");
    powertune()
        .args(["tune", "--local"])
        .arg(&bin)
        .args(["--num", "3"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::starts_with("error: --num 3")
                .and(predicate::str::contains("at least 5")),
        );
}

#[test]
fn tune_rejects_memory_out_of_range_naming_the_flag_and_range() {
    let bin = example_bin("io-bound");
    powertune()
        .args(["tune", "--local"])
        .arg(&bin)
        .args(["--memory", "128,64"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--memory 64").and(predicate::str::contains("128 to 10240")),
        );
}

#[test]
fn tune_with_a_missing_local_path_names_the_flag() {
    powertune()
        .args(["tune", "--local", "/nonexistent/bootstrap"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--local /nonexistent/bootstrap"));
}

#[test]
fn tune_local_json_prints_one_parseable_result_and_writes_the_files() {
    let out = tempfile::tempdir().unwrap();
    let assert = tune_example("io-bound", out.path())
        .args(["--json", "--num", "5", "--memory", "128,512"])
        .args(["--payload", r#"{"sleep_ms": 5}"#])
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let result: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(result["schema_version"], 1);
    assert_eq!(result["configurations"].as_array().unwrap().len(), 2);
    assert_eq!(result["power_tuning"]["power"], 128);
    assert!(!stdout.contains('\x1b'));
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("result.json")).unwrap()).unwrap();
    assert_eq!(written, result);
    assert!(out.path().join("report.html").is_file());
}

#[test]
fn no_color_gives_no_escape_codes_while_color_always_does() {
    let out = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], no_color: bool| {
        let mut cmd = tune_example("io-bound", out.path());
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let assert = cmd
            .args(["--num", "5", "--memory", "128"])
            .args(extra)
            .args(["--payload", r#"{"sleep_ms": 1}"#])
            .assert()
            .success();
        let output = assert.get_output();
        (
            String::from_utf8(output.stdout.clone()).unwrap(),
            String::from_utf8(output.stderr.clone()).unwrap(),
        )
    };
    let (stdout, stderr) = run(&[], true);
    assert!(
        stdout.contains("128 MB") && stdout.contains("Recommendations"),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\x1b') && !stderr.contains('\x1b'),
        "{stdout}{stderr}"
    );
    let (stdout, _) = run(&["--color", "always"], false);
    assert!(stdout.contains('\x1b'), "{stdout}");
}

#[test]
fn verbose_logs_carry_no_escape_codes_with_color_never_json_or_no_color() {
    let out = tempfile::tempdir().unwrap();
    for (flags, no_color) in [
        (&["--color", "never"][..], false),
        (&["--json"][..], false),
        (&[][..], true),
    ] {
        let mut cmd = tune_example("io-bound", out.path());
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let assert = cmd
            .arg("-v")
            .args(flags)
            .args(["--num", "5", "--memory", "128"])
            .args(["--payload", r#"{"sleep_ms": 1}"#])
            .assert()
            .success();
        let output = assert.get_output();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("DEBUG"),
            "{flags:?}: no debug logs: {stderr}"
        );
        assert!(!stderr.contains("\x1b["), "{flags:?}: {stderr}");
        assert!(!output.stdout.contains(&0x1b), "{flags:?}");
    }
}

#[test]
fn a_failing_function_exits_2_naming_its_error_unless_the_error_is_allowed() {
    let out = tempfile::tempdir().unwrap();
    let tune = || {
        let mut cmd = tune_example("faulty", out.path());
        // Weighted payloads: 3 of the 5 invocations fail, 2 succeed.
        let payloads = r#"[{"payload": {"mode": "error"}, "weight": 3},
                           {"payload": {"mode": "ok"}, "weight": 2}]"#;
        cmd.args(["--num", "5", "--memory", "128", "--payload", payloads]);
        cmd
    };
    let failed = tune().assert().code(2).stderr(
        predicate::str::contains("error: tuning faulty")
            .and(predicate::str::contains("failed with"))
            .and(predicate::str::contains("--allowed-exceptions")),
    );
    assert!(!out.path().join("result.json").exists());
    let stderr = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
    let error_type = stderr
        .split_once("failed with ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map(|(t, _)| t.to_owned())
        .unwrap_or_else(|| panic!("no error type in {stderr}"));

    tune()
        .arg("--allowed-exceptions")
        .arg(&error_type)
        .assert()
        .success();
    let result: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("result.json")).unwrap()).unwrap();
    let configurations = result["configurations"].as_array().unwrap();
    assert_eq!(configurations.len(), 1);
    let samples = configurations[0]["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 5);
    let failed = samples.iter().filter(|s| !s["error"].is_null()).count();
    assert_eq!(failed, 3, "{samples:?}");
}

#[test]
fn sigint_midway_cleans_up_and_exits_2() {
    let out = tempfile::tempdir().unwrap();
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_powertune"))
        .args(["tune", "--num", "40", "--memory", "128,256,512"])
        .args(["--payload", r#"{"sleep_ms": 20}"#, "--local"])
        .arg(example_bin("io-bound"))
        .arg("--out")
        .arg(out.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    // The first configuration finished: the run is midway.
    read_until(&mut stderr, "measured", Duration::from_secs(120));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "{rest}");
    assert!(
        rest.contains("removing the run's aliases and versions"),
        "{rest}"
    );
    assert!(rest.contains("interrupted"), "{rest}");
    assert!(!Path::new(&out.path().join("result.json")).exists());
}

#[test]
fn demo_tunes_both_examples_and_summarizes() {
    let out = tempfile::tempdir().unwrap();
    powertune()
        .args([
            "demo",
            "--num",
            "5",
            "--memory",
            "128,1769",
            "--iterations",
            "300000",
        ])
        .args(["--sleep-ms", "5", "--out"])
        .arg(out.path())
        .assert()
        .success()
        .stdout(
            predicate::str::contains("In short")
                .and(predicate::str::contains("io-bound: cheapest at 128 MB")),
        );
    assert!(out.path().join("io-bound/report.html").is_file());
    // Every link and chart each report names is a file the demo wrote.
    assert!(assert_links_resolve(out.path()) >= 8);
    // The demo's result.json keeps the schema the analyzer pins (issue 14: the layering
    // changed no serialized name or type).
    for example in ["cpu-bound", "io-bound"] {
        let written: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out.path().join(example).join("result.json")).unwrap(),
        )
        .unwrap();
        assert_within_schema(&written, "it__schema__tuning_result.snap");
    }
}

#[test]
fn issue_20_report_compares_with_a_baseline_of_the_same_kind() {
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("before");
    tune_example("io-bound", &before)
        .args(["--num", "6", "--memory", "128,256"])
        .args(["--payload", r#"{"sleep_ms": 2}"#])
        .assert()
        .success();
    let baseline = before.join("result.json");
    // The same run made clearly slower: the verdict must not depend on how loaded the machine
    // is (the statistics themselves are tested in analyzer::comparison).
    let mut slower: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
    for config in slower["configurations"].as_array_mut().unwrap() {
        for sample in config["samples"].as_array_mut().unwrap() {
            let ms = sample["duration_ms"].as_f64().unwrap();
            sample["duration_ms"] = serde_json::json!(ms * 3.0 + 50.0);
        }
    }
    let current = dir.path().join("after.json");
    std::fs::write(&current, serde_json::to_vec(&slower).unwrap()).unwrap();
    let out = dir.path().join("report");
    let assert = powertune()
        .arg("report")
        .arg(&current)
        .arg("--baseline")
        .arg(&baseline)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("2 regression(s)"));
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("change.png"), "{stdout}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"comparison\""));
    assert_eq!(
        html.matches("<tr class=\"regression\"").count(),
        2,
        "{html}"
    );
    assert!(assert_links_resolve(&out) >= 5);

    // A baseline of another kind is refused, naming both kinds.
    let coldstart = empty_coldstart_result(dir.path());
    powertune()
        .arg("report")
        .arg(&current)
        .arg("--baseline")
        .arg(&coldstart)
        .arg("--out")
        .arg(dir.path().join("refused"))
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--baseline").and(predicate::str::contains(
                "the baseline is a `coldstart` result and the result a `tuning` one",
            )),
        );
}
