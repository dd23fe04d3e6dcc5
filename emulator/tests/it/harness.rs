//! What the integration tests share: emulators to test against, function folders and `.zip`
//! packages, aws-sdk clients, the AWS CLI and moto server as peers, invoking and reading log
//! tails, waiting with a deadline, and checks that nothing was left behind.

use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_lambda::operation::invoke::InvokeOutput;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, FunctionCode, Runtime};
use emulator::cgroup::CGROUP_PARENT;
use emulator::registry::NewFunction;
use emulator::{Emulator, EmulatorHandle};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt as _, BufReader};

pub use test_support::{example_bin, node_modules, venv, venv_bin, workspace_root};

/// Dummy credentials: the emulator and moto accept any signature.
pub const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
/// Dummy secret.
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// Region every test uses.
pub const REGION: &str = "us-east-1";
/// A role ARN in the default account.
pub const ROLE: &str = "arn:aws:iam::123456789012:role/powertune-test";

// ---------------------------------------------------------------------------------------------
// Emulators.

/// Starts an emulator with default settings.
pub async fn start() -> EmulatorHandle {
    Emulator::default().start().await.unwrap()
}

/// An emulator whose control-plane updates settle after 200 ms.
pub async fn start_emulator() -> EmulatorHandle {
    start_emulator_with(|_| {}).await
}

/// An emulator with a short update delay and whatever `tweak` changes.
pub async fn start_emulator_with(tweak: impl FnOnce(&mut Emulator)) -> EmulatorHandle {
    let mut config = Emulator::default();
    config.control.update_delay = Duration::from_millis(200);
    tweak(&mut config);
    config.start().await.expect("emulator starts")
}

/// Registers the Rust example `bin` as `function`, with the settings `configure` makes. Keep
/// the returned folder alive as long as the function is used.
pub fn register_rust_function(
    emulator: &EmulatorHandle,
    bin: &str,
    function: &str,
    configure: impl FnOnce(NewFunction) -> NewFunction,
) -> TempDir {
    let dir = rust_function_dir(bin);
    emulator
        .registry()
        .register_folder(configure(NewFunction::new(function, dir.path())))
        .unwrap();
    dir
}

/// Registers the `io-bound` example as `function`: 512 MB, `timeout`.
pub fn register_io_bound(emulator: &EmulatorHandle, function: &str, timeout: Duration) -> TempDir {
    register_rust_function(emulator, "io-bound", function, |f| {
        f.memory(analyzer::units::MemoryMb::try_from(512).unwrap())
            .timeout(timeout)
    })
}

/// Starts an emulator with the Rust example `bin` registered as `function` (defaults
/// otherwise), and a client for it. Keep the folder alive as long as the function is used.
pub async fn start_with_rust_function(
    bin: &str,
    function: &str,
) -> (EmulatorHandle, TempDir, aws_sdk_lambda::Client) {
    let emulator = start().await;
    let dir = register_rust_function(&emulator, bin, function, |f| f);
    let client = lambda_client(&emulator.endpoint_url());
    (emulator, dir, client)
}

// ---------------------------------------------------------------------------------------------
// Function folders and packages.

/// A function folder whose `bootstrap` is a symlink to an example binary.
pub fn rust_function_dir(bin: &str) -> TempDir {
    test_support::bootstrap_dir(&example_bin(bin))
}

/// A function folder holding `source` (under the workspace root) and a `bootstrap` script
/// that runs `command` on the handler.
fn script_function_dir(source: &str, command: &str) -> TempDir {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let source = workspace_root().join(source);
    std::fs::copy(&source, dir.path().join(source.file_name().unwrap())).unwrap();
    let bootstrap = dir.path().join("bootstrap");
    std::fs::write(
        &bootstrap,
        format!("#!/bin/sh\nexec {command} \"$_HANDLER\"\n"),
    )
    .unwrap();
    std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// A function folder running `examples/python/handler.py` under awslambdaric.
pub fn python_function_dir() -> TempDir {
    let python = venv().join("bin/python");
    script_function_dir(
        "examples/python/handler.py",
        &format!("{} -m awslambdaric", python.display()),
    )
}

/// The entry script of aws-lambda-ric, when installed.
fn node_ric_entry() -> Option<PathBuf> {
    let base = node_modules().join("aws-lambda-ric");
    ["index.mjs", "bin/index.mjs", "bin/index.js"]
        .iter()
        .map(|p| base.join(p))
        .find(|p| p.exists())
}

/// A function folder running `examples/node/index.js` under aws-lambda-ric.
pub fn node_function_dir() -> TempDir {
    let entry = node_ric_entry().expect("aws-lambda-ric is installed (npm ci)");
    let node = which("node").expect("node is installed");
    script_function_dir(
        "examples/node/index.js",
        &format!("{} {}", node.display(), entry.display()),
    )
}

/// Finds a program on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

/// A `.zip` of `(name, contents, unix mode)` entries.
pub fn zip_of(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut buf);
    for (name, data, mode) in entries {
        let options = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
        writer.start_file(*name, options).expect("zip entry starts");
        writer.write_all(data).expect("zip entry is written");
    }
    writer.finish().expect("zip is finished");
    buf.into_inner()
}

/// A `.zip` holding the stdlib-Python runtime of `tests/fixtures/sleepy-runtime` as an
/// executable `bootstrap`.
pub fn sleepy_runtime_zip() -> Vec<u8> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sleepy-runtime/bootstrap");
    let bootstrap = std::fs::read(&path).expect("fixture runtime is readable");
    zip_of(&[("bootstrap", &bootstrap, 0o755)])
}

// ---------------------------------------------------------------------------------------------
// Clients and peers.

fn credentials() -> Credentials {
    Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "tests")
}

/// An aws-sdk-lambda client for `endpoint`, with retries off: every request sent is one
/// invocation, and every throttle or error is seen as the server answered it.
pub fn lambda_client(endpoint: &str) -> aws_sdk_lambda::Client {
    let config = test_support::lambda_config(endpoint)
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

/// An aws-sdk-cloudwatchlogs client for `endpoint`.
pub fn logs_client(endpoint: &str) -> aws_sdk_cloudwatchlogs::Client {
    let config = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(config)
}

/// A CreateFunction request for a `provided.al2023` x86_64 function with `zip` as its code
/// and [`ROLE`]; the caller adds what else it needs and sends it.
pub fn create_function(
    client: &aws_sdk_lambda::Client,
    name: &str,
    zip: Vec<u8>,
) -> aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder {
    client
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .architectures(Architecture::X8664)
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
}

/// Creates `name` from the `sleepy-runtime` fixture (30 s timeout, and whatever `configure`
/// adds) and waits until it is `Active`.
pub async fn create_sleepy_with(
    client: &aws_sdk_lambda::Client,
    name: &str,
    configure: impl FnOnce(
        aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder,
    )
        -> aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder,
) {
    configure(create_function(client, name, sleepy_runtime_zip()).timeout(30))
        .send()
        .await
        .expect("CreateFunction succeeds");
    poll(
        "the function to become Active",
        Duration::from_secs(60),
        || async {
            let config = client
                .get_function_configuration()
                .function_name(name)
                .send()
                .await
                .ok()?;
            (config.state().map(|s| s.as_str()) == Some("Active")).then_some(())
        },
    )
    .await;
}

/// [`create_sleepy_with`] with nothing added.
pub async fn create_sleepy(client: &aws_sdk_lambda::Client, name: &str) {
    create_sleepy_with(client, name, |request| request).await;
}

/// Reserves `count` concurrent executions for `function`.
pub async fn reserve_concurrency(client: &aws_sdk_lambda::Client, function: &str, count: i32) {
    client
        .put_function_concurrency()
        .function_name(function)
        .reserved_concurrent_executions(count)
        .send()
        .await
        .unwrap();
}

/// Publishes `$LATEST` of `function` (as version 1 on a new function) and points the alias
/// `live` at version 1; returns what PublishVersion answered.
pub async fn publish_live_alias(
    client: &aws_sdk_lambda::Client,
    function: &str,
) -> aws_sdk_lambda::operation::publish_version::PublishVersionOutput {
    let published = client
        .publish_version()
        .function_name(function)
        .send()
        .await
        .unwrap();
    client
        .create_alias()
        .function_name(function)
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap();
    published
}

/// Waits until the provisioned-concurrency config of `function:qualifier` is `READY`, failing
/// the test after `limit`.
pub async fn wait_provisioned_ready(
    client: &aws_sdk_lambda::Client,
    function: &str,
    qualifier: &str,
    limit: Duration,
) {
    poll("provisioned concurrency to be READY", limit, || async {
        let got = client
            .get_provisioned_concurrency_config()
            .function_name(function)
            .qualifier(qualifier)
            .send()
            .await
            .ok()?;
        (got.status().map(|s| s.as_str()) == Some("READY")).then_some(())
    })
    .await;
}

/// Runs the AWS CLI from the venv with `args` against `endpoint`, with dummy credentials and
/// no configuration files.
pub async fn aws_cli(args: &[&str], endpoint: &str) -> std::process::Output {
    tokio::process::Command::new(venv_bin("aws"))
        .args(args)
        .args(["--endpoint-url", endpoint, "--region", REGION])
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .kill_on_drop(true)
        .output()
        .await
        .expect("the AWS CLI runs")
}

/// moto server running as a child process on a free loopback port; killed on drop.
pub struct MotoServer {
    child: tokio::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl MotoServer {
    /// Starts `moto_server` from the venv on port 0 and reads the port it printed.
    pub async fn start() -> Self {
        let mut child = tokio::process::Command::new(venv_bin("moto_server"))
            .args(["-H", "127.0.0.1", "-p", "0"])
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("moto_server starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let endpoint = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines
                .next_line()
                .await
                .expect("moto_server's stderr is readable")
            {
                if let Some(url) = line.split("Running on ").nth(1) {
                    return url.trim().to_owned();
                }
            }
            panic!("moto_server exited before it listened");
        })
        .await
        .expect("moto_server listens within a minute");
        // Keep draining stderr so moto never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let moto = Self { child, endpoint };
        moto.create_role().await;
        moto
    }

    /// Creates [`ROLE`] in moto's IAM: moto's CreateFunction insists that the role exists.
    async fn create_role(&self) {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let output = aws_cli(
            &[
                "iam",
                "create-role",
                "--role-name",
                "powertune-test",
                "--assume-role-policy-document",
                trust,
            ],
            &self.endpoint,
        )
        .await;
        assert!(
            output.status.success(),
            "creating the role in moto failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Stops the server and waits for it to exit.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Invoking and reading what came back.

/// Invokes `function` synchronously with `payload` and `LogType=Tail`; panics on an API error
/// (a function error is in the output).
pub async fn invoke_tail(
    client: &aws_sdk_lambda::Client,
    function: &str,
    payload: impl Into<Vec<u8>>,
) -> InvokeOutput {
    client
        .invoke()
        .function_name(function)
        .payload(Blob::new(payload))
        .log_type(aws_sdk_lambda::types::LogType::Tail)
        .send()
        .await
        .unwrap()
}

/// The invocation's payload as JSON.
pub fn payload_json(out: &InvokeOutput) -> serde_json::Value {
    serde_json::from_slice(out.payload().expect("a payload").as_ref()).unwrap()
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

/// The REPORT lines in the log group of `function`, from the emulator's log store.
pub fn report_lines(emulator: &EmulatorHandle, function: &str) -> Vec<String> {
    emulator
        .logs()
        .group_events(
            &format!("/aws/lambda/{function}"),
            |_| true,
            |e| e.message.starts_with("REPORT RequestId: "),
        )
        .unwrap()
        .into_iter()
        .map(|(_, event)| event.message)
        .collect()
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
    let out = Command::new(venv().join("bin/python"))
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

// ---------------------------------------------------------------------------------------------
// Waiting with a deadline.

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

/// Polls `check` every `every` until it returns `Some` or `limit` passes.
async fn try_poll<T, F, Fut>(limit: Duration, every: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(every).await;
    }
}

/// Async variant of [`wait_until`].
pub async fn wait_until_async(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    try_poll(limit, Duration::from_millis(5), || {
        std::future::ready(condition().then_some(()))
    })
    .await
    .is_some()
}

/// Polls `check` until it returns `Some`, failing the test after `limit`.
pub async fn poll<T, F, Fut>(what: &str, limit: Duration, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    try_poll(limit, Duration::from_millis(20), check)
        .await
        .unwrap_or_else(|| panic!("timed out waiting for {what}"))
}

// ---------------------------------------------------------------------------------------------
// Leftovers.

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
