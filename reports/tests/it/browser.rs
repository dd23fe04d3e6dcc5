//! The HTML report in a real browser: headless Chromium driven by playwright-core loads it from
//! a file and must make no request besides the file itself, log no error, fire no dialog for a
//! hostile function name, and sort the table when a header is clicked.

use std::path::{Path, PathBuf};
use std::process::Command;

use analyzer::units::Architecture;
use serde_json::Value;

use crate::fixtures;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The npm packages with playwright-core: `POWERTUNE_TEST_NODE_MODULES` when set, as for the
/// other crates' tests, else `node_modules` at the workspace root.
fn node_modules() -> PathBuf {
    std::env::var_os("POWERTUNE_TEST_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("node_modules"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected an array, got {value}"))
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

fn numbers(value: &Value) -> Vec<f64> {
    strings(value)
        .iter()
        .map(|s| {
            s.parse::<f64>()
                .unwrap_or_else(|_| panic!("not a number: {s}"))
        })
        .collect()
}

#[test]
fn report_in_headless_chromium_loads_nothing_escapes_the_name_and_sorts_the_table() {
    let chromium = Path::new("/usr/bin/chromium");
    assert!(
        chromium.exists(),
        "chromium is missing: install the packages in tests/debian-packages.txt (scripts/test.sh does)"
    );
    let node_modules = node_modules();
    assert!(
        node_modules.join("playwright-core").exists(),
        "playwright-core is missing: run `npm ci` at the workspace root (scripts/test.sh does)"
    );

    let hostile = "<script>alert(1)</script>";
    let result =
        fixtures::tuning_result_named(hostile, &Architecture::ALL, &[256, 512, 1024, 2048], 20);
    let report = reports::render(&result).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let html_path = dir.path().join("report.html");
    let screenshot = dir.path().join("screenshot.png");
    let profile = dir.path().join("profile");
    std::fs::create_dir(&profile).unwrap();
    std::fs::write(&html_path, &report.html).unwrap();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check-report.js");
    let output = Command::new("node")
        .arg(&script)
        .arg(&node_modules)
        .arg(&html_path)
        .arg(&screenshot)
        .arg(&profile)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "browser check failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_slice(&output.stdout).unwrap();

    assert_eq!(strings(&seen["consoleErrors"]), Vec::<String>::new());
    assert_eq!(strings(&seen["dialogs"]), Vec::<String>::new());
    let url = seen["url"].as_str().unwrap();
    assert_eq!(
        strings(&seen["requests"]),
        vec![url.to_owned()],
        "only the file itself loads"
    );

    let heading = seen["heading"].as_str().unwrap();
    assert!(
        heading.contains(hostile),
        "the name shows as text: {heading}"
    );
    assert!(seen["verdict"].as_str().unwrap().contains(hostile));
    assert_eq!(seen["svgCount"].as_u64(), Some(report.pngs.len() as u64));

    // Before sorting: the result's order (x86_64 then arm64, each by memory).
    assert_eq!(
        numbers(&seen["rowsBefore"]),
        vec![256.0, 512.0, 1024.0, 2048.0, 256.0, 512.0, 1024.0, 2048.0]
    );
    let ascending = numbers(&seen["trimmedAscending"]);
    assert_eq!(ascending.len(), 8);
    assert!(ascending.windows(2).all(|w| w[0] <= w[1]), "{ascending:?}");
    assert_eq!(seen["ariaSortAfterOneClick"].as_str(), Some("ascending"));
    let descending = numbers(&seen["trimmedDescending"]);
    assert!(
        descending.windows(2).all(|w| w[0] >= w[1]),
        "{descending:?}"
    );
    assert_ne!(ascending, descending);
    let arch = strings(&seen["architectureAscending"]);
    assert!(arch.windows(2).all(|w| w[0] <= w[1]), "{arch:?}");

    let shot = image::open(&screenshot).unwrap();
    assert!(
        shot.width() > 0 && shot.height() > 1000,
        "a full-page screenshot"
    );
}
