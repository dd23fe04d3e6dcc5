//! Helpers shared by the control-plane and Logs API tests: an emulator with a short update
//! delay, aws-sdk clients pointed at an endpoint, `.zip` packages, moto server as a child
//! process, and polling with a deadline.

#![allow(dead_code)]

use std::future::Future;
use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use emulator::{Emulator, EmulatorHandle};
use tokio::io::{AsyncBufReadExt as _, BufReader};

/// Dummy credentials: the emulator and moto accept any signature.
pub const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
/// Dummy secret.
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// Region every test uses.
pub const REGION: &str = "us-east-1";
/// A role ARN in the default account.
pub const ROLE: &str = "arn:aws:iam::123456789012:role/powertune-test";

pub use test_support::venv_bin;

/// An emulator whose updates settle after 200 ms.
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

/// An aws-sdk-lambda client for `endpoint`, with retries off so every throttle is seen.
pub fn lambda_client(endpoint: &str) -> aws_sdk_lambda::Client {
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "tests",
        ))
        .endpoint_url(endpoint)
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

/// An aws-sdk-cloudwatchlogs client for `endpoint`.
pub fn logs_client(endpoint: &str) -> aws_sdk_cloudwatchlogs::Client {
    use aws_sdk_cloudwatchlogs::config as c;
    let config = c::Builder::new()
        .behavior_version(c::BehaviorVersion::latest())
        .region(c::Region::new(REGION))
        .credentials_provider(c::Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "tests",
        ))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(config)
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

/// Polls `check` until it returns `Some`, failing the test after `limit`.
pub async fn poll<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
        let output = tokio::process::Command::new(venv_bin("aws"))
            .args(["iam", "create-role", "--role-name", "powertune-test"])
            .args(["--assume-role-policy-document", trust])
            .args(["--endpoint-url", &self.endpoint, "--region", REGION])
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .kill_on_drop(true)
            .output()
            .await
            .expect("the AWS CLI runs");
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
