//! How powertune fits a shell: completions that bash loads, a manual page that `man` renders,
//! and the `POWERTUNE_*` variables behind the common flags (flag > variable > default).

use std::process::Command as StdCommand;

use predicates::prelude::*;

use crate::harness::{empty_coldstart_result, powertune, tune_example};

#[test]
fn issue_20_bash_loads_the_completions() {
    let script = powertune()
        .args(["completions", "bash"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("powertune.bash");
    std::fs::write(&file, script).unwrap();
    // As a user would: source the script, then ask bash what completes powertune.
    let output = StdCommand::new("bash")
        .arg("-c")
        .arg("source \"$1\" && complete -p powertune")
        .arg("bash")
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("-F _powertune powertune"), "{stdout}");
}

#[test]
fn issue_20_bash_completes_subcommands_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("powertune.bash");
    std::fs::write(
        &file,
        powertune()
            .args(["completions", "bash"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    // What bash does on Tab: COMP_WORDS/COMP_CWORD set, the function called, COMPREPLY read.
    let complete = |words: &[&str]| {
        let script = format!(
            "source \"$1\"; COMP_WORDS=({}); COMP_CWORD={}; _powertune powertune \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            words.len() - 1
        );
        let output = StdCommand::new("bash")
            .arg("-c")
            .arg(script)
            .arg("bash")
            .arg(&file)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let commands = complete(&["powertune", ""]);
    for expected in [
        "tune",
        "demo",
        "coldstart",
        "gate",
        "report",
        "completions",
        "man",
    ] {
        assert!(
            commands.lines().any(|l| l == expected),
            "no {expected} in {commands}"
        );
    }
    let flags = complete(&["powertune", "report", "--"]);
    assert!(flags.lines().any(|l| l == "--baseline"), "{flags}");
}

#[test]
fn issue_20_man_renders_with_man_l() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("powertune.1");
    std::fs::write(
        &page,
        powertune()
            .arg("man")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    let output = StdCommand::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("man (Debian package man-db) is installed");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.contains("NAME") && text.contains("powertune"),
        "{text}"
    );
    assert!(
        text.contains("SUBCOMMANDS") && text.contains("coldstart"),
        "{text}"
    );
    // man formats without complaint: no roff warnings on stderr.
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // --out writes a page per command.
    let pages = dir.path().join("man1");
    powertune()
        .args(["man", "--out"])
        .arg(&pages)
        .assert()
        .success();
    for name in ["powertune.1", "powertune-tune.1", "powertune-report.1"] {
        assert!(pages.join(name).is_file(), "{name}");
    }
}

#[test]
fn issue_20_powertune_out_is_the_default_of_out_which_the_flag_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let result = empty_coldstart_result(dir.path());
    let from_env = dir.path().join("from-env");
    powertune()
        .env("POWERTUNE_OUT", &from_env)
        .arg("report")
        .arg(&result)
        .assert()
        .success();
    assert!(from_env.join("coldstart.html").is_file());

    let from_flag = dir.path().join("from-flag");
    std::fs::remove_dir_all(&from_env).unwrap();
    powertune()
        .env("POWERTUNE_OUT", &from_env)
        .arg("report")
        .arg(&result)
        .arg("--out")
        .arg(&from_flag)
        .assert()
        .success();
    assert!(from_flag.join("coldstart.html").is_file());
    assert!(!from_env.exists());

    // Set but empty counts as unset: the default folder, in the working directory.
    let cwd = dir.path().join("cwd");
    std::fs::create_dir(&cwd).unwrap();
    powertune()
        .current_dir(&cwd)
        .env("POWERTUNE_OUT", "")
        .arg("report")
        .arg(&result)
        .assert()
        .success();
    assert!(cwd.join("powertune-out/coldstart.html").is_file());
}

#[test]
fn issue_20_powertune_color_is_the_default_of_color_which_the_flag_overrides() {
    let out = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let output = tune_example("io-bound", out.path())
            .env("POWERTUNE_COLOR", "always")
            .args(["--num", "5", "--memory", "128"])
            .args(["--payload", r#"{"sleep_ms": 1}"#])
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success());
        output.stdout
    };
    assert!(run(&[]).contains(&0x1b));
    assert!(!run(&["--color", "never"]).contains(&0x1b));

    powertune()
        .env("POWERTUNE_COLOR", "sometimes")
        .args(["report", "x.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "POWERTUNE_COLOR=sometimes: expected auto, always or never",
        ));
}

/// Runs `powertune ARGS > STDOUT_FILE` with stderr on a terminal (util-linux `script` gives
/// the command a pseudo-terminal and records what it shows); returns (stdout, terminal).
fn with_stderr_on_a_terminal(args: &str) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let stdout = dir.path().join("stdout");
    let terminal = dir.path().join("terminal");
    let command = format!(
        "'{}' {args} > '{}'",
        env!("CARGO_BIN_EXE_powertune"),
        stdout.display()
    );
    let status = StdCommand::new("script")
        .args(["--quiet", "--return", "--command"])
        .arg(&command)
        .arg(&terminal)
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("POWERTUNE_COLOR")
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("script (Debian package bsdutils) is installed");
    assert!(status.success(), "{command}");
    (
        std::fs::read(stdout).unwrap(),
        std::fs::read(terminal).unwrap(),
    )
}

/// Whether `bytes` hold an SGR escape sequence (colour or bold: `ESC [ ... m`). Cursor
/// movements that redraw progress bars are not colour.
fn has_colour(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.split('\x1b').skip(1).any(|rest| {
        rest.strip_prefix('[').is_some_and(|params| {
            let end = params
                .find(|c: char| !(c.is_ascii_digit() || c == ';'))
                .unwrap_or(params.len());
            params[end..].starts_with('m')
        })
    })
}

#[test]
fn issue_20_colour_is_decided_for_each_stream_on_a_terminal() {
    let out = tempfile::tempdir().unwrap();
    let tune = format!(
        "tune --local '{}' --num 5 --memory 128 --payload '{{\"sleep_ms\": 1}}' --out '{}'",
        test_support::example_bin("io-bound").display(),
        out.path().display()
    );
    // auto: the terminal (stderr: logs, progress) is coloured, the file (stdout) is not.
    let (stdout, terminal) = with_stderr_on_a_terminal(&format!("-v {tune}"));
    assert!(String::from_utf8_lossy(&stdout).contains("Recommendations"));
    assert!(
        !stdout.contains(&0x1b),
        "escape codes in the redirected stdout"
    );
    assert!(has_colour(&terminal), "no colour on the terminal");
    assert!(String::from_utf8_lossy(&terminal).contains("DEBUG"));

    // never: logs, progress and notes on the terminal carry no colour.
    let (stdout, terminal) = with_stderr_on_a_terminal(&format!("-v --color never {tune}"));
    assert!(!stdout.contains(&0x1b));
    assert!(String::from_utf8_lossy(&terminal).contains("DEBUG"));
    assert!(
        !has_colour(&terminal),
        "{}",
        String::from_utf8_lossy(&terminal)
    );
}
