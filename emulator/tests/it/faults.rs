//! Misbehaving runtimes: an environment killed mid-invocation, a runtime that never calls
//! `next`, one that posts its response twice, one that posts garbage or an oversized body, one
//! that exits during init. Each invocation gets Lambda's error shape, the emulator keeps
//! serving, and no process or cgroup of the faulty environment is left behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::harness::*;
use analyzer::report_line::ReportStatus;
use analyzer::units::MemoryMb;
use aws_sdk_lambda::operation::invoke::InvokeOutput;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::LogType;
use emulator::EmulatorHandle;
use emulator::registry::NewFunction;
use tempfile::TempDir;

/// The fault runtime's folder.
fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fault-runtime")
}

/// A folder where every environment of the fault runtime records its pid and cgroups.
struct Traces {
    dir: TempDir,
}

impl Traces {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> String {
        self.dir.path().to_string_lossy().into_owned()
    }

    /// The pids of every environment started so far.
    fn pids(&self) -> Vec<i32> {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
            .collect()
    }

    /// The cgroup folders of every environment started so far (from its `/proc/self/cgroup`).
    fn cgroups(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            for line in text.lines() {
                let mut parts = line.splitn(3, ':');
                let (Some(_), Some(controllers), Some(path)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                if !path.contains(emulator::cgroup::CGROUP_PARENT) {
                    continue;
                }
                let relative = path.trim_start_matches('/');
                if controllers.is_empty() {
                    found.push(Path::new("/sys/fs/cgroup").join(relative));
                }
                for controller in controllers.split(',') {
                    let dir = Path::new("/sys/fs/cgroup").join(controller).join(relative);
                    if dir.exists() {
                        found.push(dir);
                    }
                }
            }
        }
        found
    }
}

/// Registers the fault runtime as `name` with the given variables.
fn register(emulator: &EmulatorHandle, name: &str, traces: &Traces, env: &[(&str, &str)]) {
    let mut function = NewFunction::new(name, fixture_dir())
        .timeout(Duration::from_secs(30))
        // One full vCPU: the interpreter starts quickly enough for the short init timeout.
        .memory(MemoryMb::try_from(1769).unwrap())
        .env("STATE_DIR", traces.path());
    for (key, value) in env {
        function = function.env(*key, *value);
    }
    emulator.registry().register_folder(function).unwrap();
}

async fn invoke(emulator: &EmulatorHandle, name: &str, event: &str) -> InvokeOutput {
    lambda_client(&emulator.endpoint_url())
        .invoke()
        .function_name(name)
        .payload(Blob::new(event.to_owned()))
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap()
}

/// Lambda's shape of an unhandled failure: 200, `X-Amz-Function-Error: Unhandled`, a body with
/// `errorType` and an `errorMessage` naming the request id.
fn assert_unhandled(out: &InvokeOutput, error_type: &str) -> String {
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    let body = payload_json(out);
    assert_eq!(body["errorType"], error_type, "{body}");
    let message = body["errorMessage"].as_str().unwrap().to_owned();
    assert!(message.starts_with("RequestId: "), "{message}");
    message
}

/// A healthy invocation through the same emulator still answers.
async fn assert_still_serving(emulator: &EmulatorHandle, traces: &Traces) {
    if emulator.registry().entry("healthy").is_none() {
        register(emulator, "healthy", traces, &[]);
    }
    let out = invoke(emulator, "healthy", r#"{"n": 7}"#).await;
    assert_eq!(out.function_error(), None);
    assert_eq!(payload_json(&out)["echo"]["n"], 7);
}

/// Shuts the emulator down and checks that none of the recorded environments' processes or
/// cgroups remain.
async fn shutdown_and_assert_nothing_left(emulator: EmulatorHandle, traces: &Traces) {
    let cgroups = traces.cgroups();
    let pids = traces.pids();
    assert!(!pids.is_empty(), "the fault runtime recorded its pid");
    if emulator.isolation().is_isolated() {
        assert!(!cgroups.is_empty(), "environments ran in cgroups");
    }
    emulator.shutdown().await;
    let gone = wait_until(Duration::from_secs(10), || {
        pids.iter().all(|p| !alive(*p)) && cgroups.iter().all(|c| !c.exists())
    });
    let live: Vec<_> = pids.iter().filter(|p| alive(**p)).collect();
    let left: Vec<_> = cgroups.iter().filter(|c| c.exists()).collect();
    assert!(gone, "processes left: {live:?}; cgroups left: {left:?}");
}

/// Whether the function's log group holds a line containing `text`.
fn logged(emulator: &EmulatorHandle, function: &str, text: &str) -> bool {
    emulator
        .logs()
        .group_events(
            &format!("/aws/lambda/{function}"),
            |_| true,
            |e| e.message.contains(text),
        )
        .is_ok_and(|events| !events.is_empty())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_killed_mid_invocation_is_a_runtime_exit_error() {
    let emulator = start().await;
    let traces = Traces::new();
    register(&emulator, "victim", &traces, &[]);
    let call = {
        let client = lambda_client(&emulator.endpoint_url());
        tokio::spawn(async move { invoke_tail(&client, "victim", r#"{"action": "hang"}"#).await })
    };
    assert!(
        wait_until_async(Duration::from_secs(20), || logged(
            &emulator, "victim", "hanging "
        ))
        .await,
        "the runtime received the event"
    );
    let pids = traces.pids();
    assert_eq!(pids.len(), 1);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pids[0]),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let out = call.await.unwrap();
    let message = assert_unhandled(&out, "Runtime.ExitError");
    assert!(
        message.ends_with(" Error: Runtime exited with error: signal: killed"),
        "{message}"
    );
    let report = report_of(out.log_result().unwrap());
    assert_eq!(report.status, Some(ReportStatus::Error));
    assert_eq!(report.error_type.as_deref(), Some("Runtime.ExitError"));
    assert_eq!(
        emulator.environment_count(),
        0,
        "the killed environment is gone"
    );
    assert!(!alive(pids[0]));

    // The next invocation of the same function starts a fresh environment.
    let again = invoke(&emulator, "victim", r#"{"n": 1}"#).await;
    assert_eq!(again.function_error(), None);
    assert!(report_of(again.log_result().unwrap()).is_cold_start());
    assert_still_serving(&emulator, &traces).await;
    shutdown_and_assert_nothing_left(emulator, &traces).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_that_never_calls_next_times_out_in_init() {
    let emulator = emulator::Emulator::default()
        .init_timeout(Duration::from_millis(500))
        .start()
        .await
        .unwrap();
    let traces = Traces::new();
    register(&emulator, "mute", &traces, &[("FAULT_INIT", "never_next")]);
    let out = invoke(&emulator, "mute", "{}").await;
    let message = assert_unhandled(&out, "Sandbox.Timedout");
    assert!(
        message.ends_with(" Error: Task timed out after 0.50 seconds"),
        "{message}"
    );
    let tail = decode_tail(out.log_result().unwrap());
    assert!(tail.contains("\tPhase: init\tStatus: timeout"), "{tail}");
    let report = report_of(out.log_result().unwrap());
    assert_eq!(report.status, Some(ReportStatus::Timeout));
    assert!(report.init_duration_ms.unwrap() >= 500.0);
    let pids = traces.pids();
    assert!(
        wait_until_async(Duration::from_secs(10), || pids.iter().all(|p| !alive(*p))).await,
        "the timed-out environment was killed: {pids:?}"
    );
    assert_eq!(emulator.environment_count(), 0);
    assert_still_serving(&emulator, &traces).await;
    shutdown_and_assert_nothing_left(emulator, &traces).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_response_for_one_request_is_refused_and_the_first_is_returned() {
    let emulator = start().await;
    let traces = Traces::new();
    register(&emulator, "twice", &traces, &[]);
    let out = invoke(&emulator, "twice", r#"{"action": "twice"}"#).await;
    assert_eq!(out.function_error(), None);
    assert_eq!(payload_json(&out), serde_json::json!({"first": true}));
    // The environment is frozen once the first response is in; the second post happens when
    // the next invocation thaws it, and must not be taken as that invocation's answer.
    let again = invoke(&emulator, "twice", r#"{"n": 2}"#).await;
    assert_eq!(again.function_error(), None);
    assert_eq!(payload_json(&again)["echo"]["n"], 2);
    assert!(!report_of(again.log_result().unwrap()).is_cold_start());
    assert!(
        wait_until_async(Duration::from_secs(10), || logged(
            &emulator,
            "twice",
            "second response answered 400"
        ))
        .await,
        "the runtime was told the request id is no longer valid"
    );
    assert_eq!(traces.pids().len(), 1);
    assert_still_serving(&emulator, &traces).await;
    shutdown_and_assert_nothing_left(emulator, &traces).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_json_response_is_passed_through_unchanged() {
    let emulator = start().await;
    let traces = Traces::new();
    register(&emulator, "garbage", &traces, &[]);
    let out = invoke(&emulator, "garbage", r#"{"action": "garbage"}"#).await;
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), None);
    assert_eq!(
        out.payload().unwrap().as_ref(),
        b"\x00\xffnot json {{{".as_slice()
    );
    let report = report_of(out.log_result().unwrap());
    assert_eq!(report.status, None);
    assert_still_serving(&emulator, &traces).await;
    let again = invoke(&emulator, "garbage", r#"{"n": 3}"#).await;
    assert_eq!(payload_json(&again)["echo"]["n"], 3);
    shutdown_and_assert_nothing_left(emulator, &traces).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_response_is_function_response_size_too_large() {
    let emulator = start().await;
    let traces = Traces::new();
    register(&emulator, "huge", &traces, &[]);
    let out = invoke(&emulator, "huge", r#"{"action": "huge"}"#).await;
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    let body = payload_json(&out);
    assert_eq!(body["errorType"], "Function.ResponseSizeTooLarge", "{body}");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with(
            "Response payload size (7340032 bytes) exceeded maximum allowed payload size"
        ),
        "{message}"
    );
    let report = report_of(out.log_result().unwrap());
    assert_eq!(report.status, Some(ReportStatus::Error));
    assert_eq!(
        report.error_type.as_deref(),
        Some("Function.ResponseSizeTooLarge")
    );
    // The environment is frozen as soon as the invocation ends; the runtime learns of the
    // 413 when the next invocation thaws it.
    let again = invoke(&emulator, "huge", r#"{"n": 4}"#).await;
    assert_eq!(payload_json(&again)["echo"]["n"], 4);
    assert!(
        wait_until_async(Duration::from_secs(10), || logged(
            &emulator,
            "huge",
            "huge response answered 413"
        ))
        .await,
        "the runtime got 413 for its oversized response"
    );
    assert_still_serving(&emulator, &traces).await;
    shutdown_and_assert_nothing_left(emulator, &traces).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_exiting_during_init_is_an_init_exit_error() {
    let emulator = start().await;
    let traces = Traces::new();
    register(&emulator, "quitter", &traces, &[("FAULT_INIT", "exit")]);
    let out = invoke(&emulator, "quitter", "{}").await;
    let message = assert_unhandled(&out, "Runtime.ExitError");
    assert!(
        message.ends_with(" Error: Runtime exited with error: exit status 3"),
        "{message}"
    );
    let tail = decode_tail(out.log_result().unwrap());
    assert!(tail.contains("exiting during init"), "{tail}");
    assert!(
        tail.contains("\tPhase: init\tStatus: error\tError Type: Runtime.ExitError"),
        "{tail}"
    );
    let report = report_of(out.log_result().unwrap());
    assert_eq!(report.status, Some(ReportStatus::Error));
    assert!(report.is_cold_start());
    assert_eq!(emulator.environment_count(), 0);
    assert_still_serving(&emulator, &traces).await;
    shutdown_and_assert_nothing_left(emulator, &traces).await;
}
