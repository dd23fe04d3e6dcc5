//! `powertune tune --local` interrupted with SIGINT midway leaves nothing behind: no process,
//! no cgroup, no temporary folder.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_support::example_bin;

use crate::harness::read_until;

/// Pids of the live (non-zombie) children of `parent`.
fn children_of(parent: u32) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let mut fields = stat.rsplit(')').next().unwrap_or("").split_whitespace();
        let state = fields.next();
        let ppid = fields.next().and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(parent) && state != Some("Z") {
            found.push(pid);
        }
    }
    found
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .and_then(|s| s.split_whitespace().next())
            != Some("Z")
    })
}

/// Cgroup folders made by the emulator of process `pid` (`powertune/<pid>-<n>`).
fn cgroups_of(pid: u32) -> Vec<PathBuf> {
    let prefix = format!("{pid}-");
    let mut found = Vec::new();
    for controller in ["cpu", "memory", "freezer", ""] {
        let parent = Path::new("/sys/fs/cgroup")
            .join(controller)
            .join("powertune");
        for entry in std::fs::read_dir(&parent).into_iter().flatten().flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                found.push(entry.path());
            }
        }
    }
    found
}

#[test]
fn sigint_during_a_local_tuning_leaves_no_process_cgroup_or_temp_folder() {
    let out = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_powertune"))
        .args(["tune", "--num", "30", "--memory", "128,256,512,1024"])
        .args(["--payload", r#"{"iterations": 200000}"#, "--local"])
        .arg(example_bin("cpu-bound"))
        .arg("--out")
        .arg(out.path())
        .env("TMPDIR", tmp.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut environments = Vec::new();
    let mut cgroups = Vec::new();
    // Midway: the first configuration is measured and the run goes on.
    read_until(&mut stderr, "measured", Duration::from_secs(300));
    // Wait for a live environment of the next configuration, and note what it runs in.
    while environments.is_empty() {
        environments = children_of(pid);
        cgroups = cgroups_of(pid);
        assert!(Instant::now() < deadline, "no environment started");
        std::thread::sleep(Duration::from_millis(5));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "{rest}");
    assert!(rest.contains("interrupted"), "{rest}");

    let gone_deadline = Instant::now() + Duration::from_secs(10);
    while environments.iter().any(|p| alive(*p)) && Instant::now() < gone_deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let live: Vec<_> = environments.iter().filter(|p| alive(**p)).collect();
    assert!(live.is_empty(), "environments left running: {live:?}");
    assert_eq!(cgroups_of(pid), Vec::<PathBuf>::new(), "cgroups left");
    assert!(cgroups.iter().all(|c| !c.exists()));
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(leftovers, Vec::<PathBuf>::new(), "temporary folders left");
    assert!(!out.path().join("result.json").exists());
}
