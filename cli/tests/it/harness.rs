//! What the tests share: the `powertune` command, with or without a hermetic AWS
//! environment, and reading a child's stderr up to a line.

use std::io::BufRead;
use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// `powertune`, with no `RUST_LOG` or `NO_COLOR` from the caller's environment.
pub fn powertune() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_powertune"));
    cmd.env_remove("RUST_LOG").env_remove("NO_COLOR");
    cmd
}

/// [`powertune`] with placeholder credentials and no AWS profile, endpoint, region or
/// instance metadata from the caller's environment: every AWS setting comes from the flags.
pub fn powertune_aws() -> Command {
    let mut cmd = powertune();
    cmd.env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    cmd
}

/// `powertune tune --local <example>` (an example function binary) writing into `out`;
/// global flags may follow.
pub fn tune_example(example: &str, out: &Path) -> Command {
    let mut cmd = powertune();
    cmd.args(["tune", "--local"])
        .arg(test_support::example_bin(example))
        .arg("--out")
        .arg(out);
    cmd
}

/// Reads `stderr` line by line until one contains `needle`, for at most `limit`.
///
/// # Panics
///
/// When the stream ends first or the time is up.
pub fn read_until(stderr: &mut impl BufRead, needle: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    let mut line = String::new();
    while !line.contains(needle) {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "powertune ended before printing {needle:?}"
        );
        assert!(Instant::now() < deadline, "no {needle:?} within {limit:?}");
    }
}
