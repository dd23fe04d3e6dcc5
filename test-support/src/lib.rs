//! Paths and builds shared by the workspace's integration tests, benches and examples: the
//! workspace root, the example function binaries (built with `cargo build -p
//! example-functions --bins` when missing or stale), the Python venv and the npm packages that
//! the test command installs; and the test peers' plumbing: one Lambda client builder
//! ([`lambda_client`]), moto server ([`moto::Moto`]), and, with the `emulator` feature, the
//! tuner's step functions deployed into the embedded emulator (the `step_functions` module).
//!
//! This crate is a dev-dependency only. It runs processes and reads the filesystem and the
//! environment, and it panics with a message naming the fix instead of returning errors, as a
//! test helper should.
//!
//! ```no_run
//! let bootstrap = test_support::example_bin("cpu-bound");
//! assert!(bootstrap.ends_with("cpu-bound"));
//! ```
#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};

pub mod moto;
#[cfg(feature = "emulator")]
pub mod step_functions;

/// The binaries of the `example-functions` package (`examples/rust/src/bin`).
pub const EXAMPLE_BINS: [&str; 3] = ["cpu-bound", "io-bound", "faulty"];

/// The workspace root.
///
/// # Panics
///
/// Never: this crate lives one folder below the root.
#[must_use]
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("test-support lives in the workspace")
        .to_owned()
}

/// The Python venv with moto, boto3, awslambdaric and the AWS CLI: `POWERTUNE_TEST_VENV` when
/// set, else `.venv` at the workspace root.
#[must_use]
pub fn venv() -> PathBuf {
    std::env::var_os("POWERTUNE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv"))
}

/// A program from the Python test venv (`.venv/bin/<name>`).
///
/// # Panics
///
/// When the program is missing, with a message saying how to install it.
#[must_use]
pub fn venv_bin(name: &str) -> PathBuf {
    let path = venv().join("bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/test.sh once to install the Python test tools",
        path.display()
    );
    path
}

/// The npm packages folder with aws-lambda-ric: `POWERTUNE_TEST_NODE_MODULES` when set, else
/// `node_modules` at the workspace root.
#[must_use]
pub fn node_modules() -> PathBuf {
    std::env::var_os("POWERTUNE_TEST_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("node_modules"))
}

/// A Lambda client for a test peer at `endpoint` (the emulator, moto server): region
/// `us-east-1`, placeholder credentials, the SDK's default retries.
#[must_use]
pub fn lambda_client(endpoint: &str) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::from_conf(lambda_config(endpoint).build())
}

/// The configuration [`lambda_client`] builds its client from, for a test that changes one
/// setting (e.g. turns retries off to see every throttle as the server answered it).
#[must_use]
pub fn lambda_config(endpoint: &str) -> aws_sdk_lambda::config::Builder {
    aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
}

/// The path of the example binary `name` (debug profile).
///
/// A workspace test run usually has them built already (the package has an integration
/// test), next to the running test binary; when one is missing there or older than the
/// examples' sources, the package is built once per process with `cargo build -p
/// example-functions --bins` and the paths cargo reports are used.
///
/// # Panics
///
/// When cargo fails (with its stderr) or reports no binary called `name`.
pub fn example_bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<Vec<PathBuf>> = OnceLock::new();
    let executables = BUILT
        .get_or_init(|| fresh_beside_current_exe().unwrap_or_else(|| build_example_bins(false)));
    executables
        .iter()
        .find(|p| p.file_name().is_some_and(|f| f == name))
        .unwrap_or_else(|| panic!("no example binary {name} in {executables:?}"))
        .clone()
}

/// A function's code folder for the emulator: a temporary folder holding `bootstrap`, a
/// symbolic link to `executable`. Removed when dropped.
///
/// # Panics
///
/// When the folder or the link cannot be made.
#[must_use]
pub fn bootstrap_dir(executable: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::os::unix::fs::symlink(executable, dir.path().join("bootstrap"))
        .expect("a symbolic link in a new temporary folder");
    dir
}

/// Builds the example functions with `cargo build -p example-functions --bins` (with
/// `--release` when `release`) and returns the executables cargo reports. Runs cargo on every
/// call; tests want [`example_bin`].
///
/// # Panics
///
/// When cargo cannot be run or the build fails, with cargo's stderr.
#[must_use]
pub fn build_example_bins(release: bool) -> Vec<PathBuf> {
    cargo_build(&["-p", "example-functions", "--bins"], release)
}

/// The `tuner` Lambda binary (debug profile): the one beside the running test binary when it
/// is newer than the tuner's and the analyzer's sources, else built with `cargo build -p
/// tuner --bin tuner` once per process.
///
/// # Panics
///
/// When the build fails, with cargo's stderr.
#[must_use]
pub fn tuner_bin() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            // A workspace test build has it (tuner's own tests need it); building it alone
            // would unify features differently and recompile much of the dependency tree.
            if let Some(mut fresh) = fresh_in_profile_dir(&["tuner"], &["tuner", "analyzer"]) {
                return fresh.remove(0);
            }
            cargo_build(&["-p", "tuner", "--bin", "tuner"], false)
                .into_iter()
                .find(|p| p.file_name().is_some_and(|f| f == "tuner"))
                .expect("cargo reports the tuner executable")
        })
        .clone()
}

/// Runs `cargo build ARGS --message-format=json` in the workspace and returns the
/// executables cargo reports.
fn cargo_build(args: &[&str], release: bool) -> Vec<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root())
        .arg("build")
        .args(args)
        .arg("--message-format=json");
    if release {
        cmd.arg("--release");
    }
    let out = cmd.output().expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo build {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|m| m["executable"].as_str().map(PathBuf::from))
        .collect()
}

/// The example binaries in the running binary's profile folder, when all of them are there
/// and newer than the examples' sources.
fn fresh_beside_current_exe() -> Option<Vec<PathBuf>> {
    fresh_in_profile_dir(&EXAMPLE_BINS, &["examples/rust"])
}

/// `bins` in the running binary's profile folder (`target/debug` for
/// `target/debug/deps/<test>` or `target/debug/examples/<example>`), when all of them are
/// there and newer than every source of `packages` (folders below the workspace root).
fn fresh_in_profile_dir(bins: &[&str], packages: &[&str]) -> Option<Vec<PathBuf>> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?;
    let sources = packages
        .iter()
        .map(|p| newest_source_mtime(&workspace_root().join(p)))
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let bins: Vec<PathBuf> = bins.iter().map(|bin| dir.join(bin)).collect();
    bins.iter()
        .all(|bin| {
            std::fs::metadata(bin)
                .and_then(|m| m.modified())
                .is_ok_and(|built| built >= sources)
        })
        .then_some(bins)
}

/// The newest modification time of a package's `Cargo.toml` and `src/` files.
fn newest_source_mtime(package: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    if let Ok(modified) = std::fs::metadata(package.join("Cargo.toml")).and_then(|m| m.modified()) {
        newest = modified;
    }
    let mut stack = vec![package.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(modified) = entry.metadata().and_then(|m| m.modified()) {
                newest = newest.max(modified);
            }
        }
    }
    newest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_root_holds_the_workspace_manifest() {
        assert!(workspace_root().join("Cargo.toml").is_file());
        assert!(workspace_root().join("examples/rust").is_dir());
    }
}
