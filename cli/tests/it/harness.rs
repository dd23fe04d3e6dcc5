//! What the tests share: the `powertune` command, with or without a hermetic AWS
//! environment, reading a child's stderr up to a line, and checking a written document against
//! the pinned schema.

use std::collections::BTreeSet;
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

/// Every `(path, JSON type)` of a document: object keys joined with `.`, array items as `[]`,
/// types `integer`, `float`, `string`, `bool`, `null`, `object`, `array`.
fn json_paths(value: &serde_json::Value, path: &str, out: &mut BTreeSet<(String, String)>) {
    use serde_json::Value;
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(items) => {
            for item in items {
                json_paths(item, &format!("{path}[]"), out);
            }
            "array"
        }
        Value::Object(map) => {
            for (k, v) in map {
                json_paths(v, &format!("{path}.{k}"), out);
            }
            "object"
        }
    };
    out.insert((path.to_owned(), kind.to_owned()));
}

/// Asserts that a JSON document a command wrote has the pinned shape of its kind: every key
/// it holds is in the analyzer's schema snapshot (`analyzer/tests/it/snapshots/<snapshot>`,
/// which lists every key with every optional part present) with the same JSON type.
pub fn assert_within_schema(document: &serde_json::Value, snapshot: &str) {
    let path = test_support::workspace_root()
        .join("analyzer/tests/it/snapshots")
        .join(snapshot);
    let text = std::fs::read_to_string(&path).expect("the schema snapshot");
    // An insta snapshot: a `---` header, then the shape as JSON whose leaves name a type
    // (`integer`, `string`...) or, for vocabulary, `= value`.
    let body = text
        .splitn(3, "---\n")
        .nth(2)
        .expect("an insta snapshot body");
    let shape: serde_json::Value = serde_json::from_str(body).expect("the shape is JSON");
    fn schema_paths(value: &serde_json::Value, path: &str, out: &mut BTreeSet<(String, String)>) {
        use serde_json::Value;
        let kind = match value {
            Value::String(s) if s.starts_with("= ") => "string".to_owned(),
            Value::String(s) => s.clone(),
            Value::Array(items) => {
                for item in items {
                    schema_paths(item, &format!("{path}[]"), out);
                }
                "array".to_owned()
            }
            Value::Object(map) => {
                for (k, v) in map {
                    schema_paths(v, &format!("{path}.{k}"), out);
                }
                "object".to_owned()
            }
            other => panic!("unexpected {other} in the schema snapshot"),
        };
        out.insert((path.to_owned(), kind));
    }
    let mut allowed = BTreeSet::new();
    schema_paths(&shape, "", &mut allowed);
    let mut found = BTreeSet::new();
    json_paths(document, "", &mut found);
    // The payload is the user's own JSON: its inside is no part of the schema.
    let outside: Vec<_> = found
        .difference(&allowed)
        .filter(|(p, _)| !p.starts_with(".input.payload."))
        .collect();
    assert!(
        outside.is_empty(),
        "keys or types outside the schema pinned in {}: {outside:?}",
        path.display()
    );
}

/// Every HTML file under `dir` (recursively), sorted.
pub fn html_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Asserts that every link and image reference (`href`, `src`) of every HTML file under
/// `dir` resolves: a relative path names a file beside the page, a `#fragment` an element id
/// of the target page, and nothing points at the network. Returns how many references were
/// followed.
pub fn assert_links_resolve(dir: &Path) -> usize {
    let pages = html_files(dir);
    assert!(!pages.is_empty(), "no HTML file under {}", dir.display());
    let mut followed = 0;
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        for attribute in ["href=\"", "src=\""] {
            for (at, _) in html.match_indices(attribute) {
                let value = &html[at + attribute.len()..];
                let value = &value[..value.find('"').expect("a closed attribute")];
                if value.starts_with("data:") {
                    continue;
                }
                assert!(
                    !value.contains("://") && !value.starts_with("//"),
                    "{} refers to the network: {value}",
                    page.display()
                );
                let (file, fragment) = value.split_once('#').unwrap_or((value, ""));
                let target = if file.is_empty() {
                    page.clone()
                } else {
                    page.parent().unwrap().join(file)
                };
                assert!(
                    target.is_file(),
                    "{} refers to {value}, which is not there",
                    page.display()
                );
                if !fragment.is_empty() {
                    let text = std::fs::read_to_string(&target).unwrap();
                    assert!(
                        text.contains(&format!("id=\"{fragment}\"")),
                        "{} refers to {value}: no element with id {fragment}",
                        page.display()
                    );
                }
                followed += 1;
            }
        }
    }
    followed
}

/// Writes `coldstart.json` into `dir`: a cold-start result with no configuration, which
/// `report` renders in an instant. Returns its path.
pub fn empty_coldstart_result(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("coldstart.json");
    std::fs::write(
        &path,
        r#"{"schema_version": 1, "kind": "coldstart", "function": {"name": "f"},
            "environment": {"backend": "emulator", "region": "us-east-1",
                            "powertune_version": "0.1.0"},
            "configurations": []}"#,
    )
    .unwrap();
    path
}
