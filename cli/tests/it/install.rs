//! `cargo install` gives a `powertune` that needs nothing else: the demo runs from the
//! installed binary alone, in an empty folder, with neither cargo nor the workspace on PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::assert_links_resolve;

/// The cargo target folder this test binary was built in (`<target>/debug/deps/it-*`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .nth(3)
        .expect("the test binary lives in <target>/<profile>/deps")
        .to_path_buf()
}

/// `cargo install --path cli --root ROOT`, in the dev profile. Its build folder is the
/// workspace's, so it reuses what the test build compiled (only crates built with other
/// features are compiled again), while the finished binary goes to a target folder of its own
/// (`<target>/install-check`), so the install never replaces the `powertune` the other tests
/// are running.
fn cargo_install(root: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let workspace = test_support::workspace_root();
    let output = Command::new(cargo)
        .current_dir(&workspace)
        .args([
            "install",
            "--locked",
            "--offline",
            "--debug",
            "--quiet",
            "--path",
        ])
        .arg(workspace.join("cli"))
        .arg("--root")
        .arg(root)
        .arg("--target-dir")
        .arg(target_dir().join("install-check"))
        .env("CARGO_BUILD_BUILD_DIR", target_dir())
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo install failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_installed_binary_alone_runs_the_demo_in_an_empty_folder() {
    let root = tempfile::tempdir().unwrap();
    cargo_install(root.path());
    let bin = root.path().join("bin");
    let installed: Vec<_> = std::fs::read_dir(&bin)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        installed,
        ["powertune"],
        "cargo install put {installed:?} in bin/"
    );

    let empty = tempfile::tempdir().unwrap();
    let temp = tempfile::tempdir().unwrap();
    // PATH holds the installed binary only: no cargo, no workspace, no example binaries.
    assert!(!bin.join("cargo").exists());
    let output = Command::new(bin.join("powertune"))
        .current_dir(empty.path())
        .env_clear()
        .env("PATH", &bin)
        .env("HOME", empty.path())
        .env("TMPDIR", temp.path())
        .args(["demo", "--num", "5", "--memory", "128,1024"])
        .args(["--iterations", "300000", "--sleep-ms", "5", "--out", "X"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("In short"), "{stdout}");

    let out = empty.path().join("X");
    for example in ["cpu-bound", "io-bound"] {
        let dir = out.join(example);
        for file in [
            "result.json",
            "report.html",
            "cost-duration.png",
            "pareto.png",
        ] {
            assert!(
                dir.join(file).is_file(),
                "{} missing: {stderr}",
                dir.join(file).display()
            );
        }
    }
    assert!(assert_links_resolve(&out) > 0);
    // The function folders the demo linked the binary into are gone.
    let left: Vec<_> = std::fs::read_dir(temp.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind in TMPDIR: {left:?}");
}
