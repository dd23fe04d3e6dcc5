//! Helpers shared by the emulator's integration tests: building the example functions,
//! preparing function folders, clients pointed at the emulator, and leftover checks.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use emulator::cgroup::CGROUP_PARENT;
use emulator::{Emulator, EmulatorHandle};
use tempfile::TempDir;

pub use test_support::{example_bin, node_modules, venv, workspace_root};

/// A function folder whose `bootstrap` is a symlink to an example binary.
pub fn rust_function_dir(bin: &str) -> TempDir {
    test_support::bootstrap_dir(&example_bin(bin))
}

fn write_script(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A function folder running `examples/python/handler.py` under awslambdaric.
pub fn python_function_dir() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        workspace_root().join("examples/python/handler.py"),
        dir.path().join("handler.py"),
    )
    .unwrap();
    write_script(
        &dir.path().join("bootstrap"),
        &format!(
            "#!/bin/sh\nexec {} -m awslambdaric \"$_HANDLER\"\n",
            venv().join("bin/python").display()
        ),
    );
    dir
}

/// The entry script of aws-lambda-ric, when installed.
pub fn node_ric_entry() -> Option<PathBuf> {
    let base = node_modules().join("aws-lambda-ric");
    ["index.mjs", "bin/index.mjs", "bin/index.js"]
        .iter()
        .map(|p| base.join(p))
        .find(|p| p.exists())
}

/// A function folder running `examples/node/index.js` under aws-lambda-ric.
pub fn node_function_dir() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        workspace_root().join("examples/node/index.js"),
        dir.path().join("index.js"),
    )
    .unwrap();
    let entry = node_ric_entry().expect("aws-lambda-ric is installed (npm ci)");
    let node = which("node").expect("node is installed");
    write_script(
        &dir.path().join("bootstrap"),
        &format!(
            "#!/bin/sh\nexec {} {} \"$_HANDLER\"\n",
            node.display(),
            entry.display()
        ),
    );
    dir
}

/// Finds a program on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

/// Starts an emulator with default settings.
pub async fn start() -> EmulatorHandle {
    Emulator::default().start().await.unwrap()
}

/// Starts an emulator with the Rust example `bin` registered as `function` (defaults
/// otherwise), and a client for it. Keep the folder alive as long as the function is used.
pub async fn start_with_rust_function(
    bin: &str,
    function: &str,
) -> (EmulatorHandle, TempDir, aws_sdk_lambda::Client) {
    let emulator = start().await;
    let dir = rust_function_dir(bin);
    emulator
        .registry()
        .register_folder(emulator::registry::NewFunction::new(function, dir.path()))
        .unwrap();
    let client = lambda_client(&emulator);
    (emulator, dir, client)
}

/// An aws-sdk-lambda client for the emulator, with static dummy credentials.
pub fn lambda_client(emulator: &EmulatorHandle) -> aws_sdk_lambda::Client {
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
            "tests",
        ))
        .endpoint_url(emulator.endpoint_url())
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

/// Invokes `function` synchronously with `payload` and `LogType=Tail`; panics on an API error
/// (a function error is in the output).
pub async fn invoke_tail(
    client: &aws_sdk_lambda::Client,
    function: &str,
    payload: impl Into<Vec<u8>>,
) -> aws_sdk_lambda::operation::invoke::InvokeOutput {
    client
        .invoke()
        .function_name(function)
        .payload(aws_sdk_lambda::primitives::Blob::new(payload))
        .log_type(aws_sdk_lambda::types::LogType::Tail)
        .send()
        .await
        .unwrap()
}

/// Decodes an `X-Amz-Log-Result` tail.
pub fn decode_tail(tail: &str) -> String {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(tail)
        .unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The REPORT record of a log tail (exactly one expected).
pub fn report_of(tail_base64: &str) -> analyzer::report_line::ReportRecord {
    let records = analyzer::report_line::parse_log_tail(tail_base64).unwrap();
    assert_eq!(records.len(), 1, "{}", decode_tail(tail_base64));
    records.into_iter().next().unwrap()
}

/// Python with boto3 and the AWS CLI, from the venv.
pub fn python() -> PathBuf {
    venv().join("bin/python")
}

/// Runs boto3 against the emulator: invokes `function` with `payload` (JSON text) and prints
/// one JSON document with `StatusCode`, `FunctionError`, `ExecutedVersion`, `Payload` and the
/// decoded `LogResult`.
pub fn boto3_invoke(emulator: &EmulatorHandle, function: &str, payload: &str) -> serde_json::Value {
    let script = r#"
import base64, json, sys
import boto3
client = boto3.client(
    "lambda", endpoint_url=sys.argv[1], region_name="us-east-1",
    aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
)
r = client.invoke(FunctionName=sys.argv[2], Payload=sys.argv[3].encode(), LogType="Tail")
print(json.dumps({
    "StatusCode": r["StatusCode"],
    "FunctionError": r.get("FunctionError"),
    "ExecutedVersion": r.get("ExecutedVersion"),
    "Payload": json.loads(r["Payload"].read() or b"null"),
    "LogResult": base64.b64decode(r.get("LogResult", "")).decode("utf-8", "replace"),
}))
"#;
    let out = Command::new(python())
        .args(["-c", script, &emulator.endpoint_url(), function, payload])
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "boto3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Polls `condition` until it holds or `limit` passes; returns whether it held.
pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Async variant of [`wait_until`].
pub async fn wait_until_async(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Cgroup folders of this test process's emulators.
pub fn own_cgroups() -> Vec<PathBuf> {
    let prefix = format!("{}-", std::process::id());
    let mut found = Vec::new();
    for controller in ["cpu", "memory", "freezer", ""] {
        let parent = Path::new("/sys/fs/cgroup")
            .join(controller)
            .join(CGROUP_PARENT);
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(&prefix) {
                    found.push(entry.path());
                }
            }
        }
    }
    found
}

/// Whether a process is alive (not a zombie).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // The state follows the parenthesized command name.
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|s| s.split_whitespace().next());
            state != Some("Z")
        }
        Err(_) => false,
    }
}
