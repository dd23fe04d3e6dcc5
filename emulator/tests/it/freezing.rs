//! Environments are frozen between invocations and thawed for the next one, and the cgroup v1
//! freezer anchor that keeps freezing cheap lives exactly as long as the environments.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::harness::*;
use emulator::cgroup::Isolation;

/// The cgroup folder of `pid` in one v1 controller, from `/proc/<pid>/cgroup`.
fn v1_cgroup_dir(pid: i32, controller: &str) -> PathBuf {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    let path = text
        .lines()
        .find_map(|line| {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            controllers
                .split(',')
                .any(|c| c == controller)
                .then(|| path.to_owned())
        })
        .unwrap_or_else(|| panic!("{pid} is in no {controller} cgroup:\n{text}"));
    Path::new("/sys/fs/cgroup")
        .join(controller)
        .join(path.trim_start_matches('/'))
}

/// Whether the kernel reports `pid` frozen, as the emulator's isolation freezes it.
fn frozen(isolation: Isolation, pid: i32) -> bool {
    match isolation {
        Isolation::CgroupV1 => {
            let state = v1_cgroup_dir(pid, "freezer").join("freezer.state");
            std::fs::read_to_string(state).unwrap().trim() == "FROZEN"
        }
        Isolation::CgroupV2 => {
            let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
            let path = text.lines().find_map(|l| l.strip_prefix("0::")).unwrap();
            let events = Path::new("/sys/fs/cgroup")
                .join(path.trim_start_matches('/'))
                .join("cgroup.events");
            std::fs::read_to_string(events)
                .unwrap()
                .lines()
                .any(|l| l == "frozen 1")
        }
        Isolation::None => {
            // SIGSTOP: the state letter after the parenthesized command name.
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next())
                == Some('T')
        }
    }
}

/// The freezer anchors of this test process (v1 only).
fn own_anchors() -> Vec<PathBuf> {
    let prefix = format!("{}-anchor-", std::process::id());
    own_cgroups()
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_is_frozen_between_invocations_and_thawed_for_the_next() {
    let (emulator, _dir, client) = start_with_rust_function("io-bound", "io").await;
    let isolation = emulator.isolation();
    let invoke = |n: u32| {
        let client = client.clone();
        async move {
            let out = invoke_tail(&client, "io", format!(r#"{{"sleep_ms": 1, "n": {n}}}"#)).await;
            assert_eq!(out.function_error(), None);
            let body: serde_json::Value =
                serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
            assert_eq!(body["echo"]["n"], n);
            report_of(out.log_result().unwrap())
        }
    };

    assert!(invoke(1).await.is_cold_start());
    let pids = emulator.environment_pids();
    assert_eq!(pids.len(), 1);
    let pid = pids[0];
    for n in 2..5 {
        assert!(
            wait_until_async(Duration::from_secs(10), || frozen(isolation, pid)).await,
            "environment {pid} is frozen ({}) while idle",
            isolation.as_str()
        );
        // Only a thawed runtime can take the event and answer it.
        let report = invoke(n).await;
        assert!(
            !report.is_cold_start(),
            "invocation {n} reused the environment"
        );
    }
    assert_eq!(emulator.environment_pids(), vec![pid]);

    if isolation == Isolation::CgroupV1 {
        let anchors = own_anchors();
        assert_eq!(
            anchors.len(),
            1,
            "one anchor while environments live: {anchors:?}"
        );
        let anchor = &anchors[0];
        assert_eq!(
            std::fs::read_to_string(anchor.join("freezer.state"))
                .unwrap()
                .trim(),
            "FROZEN"
        );
        assert_eq!(
            std::fs::read_to_string(anchor.join("cgroup.procs")).unwrap(),
            "",
            "the anchor holds no process"
        );
    }
    emulator.shutdown().await;
    assert_eq!(own_anchors(), Vec::<PathBuf>::new());
    assert_eq!(own_cgroups(), Vec::<PathBuf>::new());
    assert!(!alive(pid));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anchor_goes_with_the_last_environment_and_returns_with_the_next() {
    let (emulator, _dir, client) = start_with_rust_function("io-bound", "io").await;
    if emulator.isolation() != Isolation::CgroupV1 {
        // The anchor exists for the v1 freezer only; the test above covers freezing itself.
        assert!(own_anchors().is_empty());
        emulator.shutdown().await;
        return;
    }
    for round in 0..2 {
        let out = invoke_tail(&client, "io", r#"{"sleep_ms": 0}"#).await;
        assert_eq!(out.function_error(), None);
        assert_eq!(own_anchors().len(), 1, "round {round}: one anchor");
        emulator.discard_environments("io");
        assert_eq!(emulator.environment_count(), 0);
        assert_eq!(
            own_anchors(),
            Vec::<PathBuf>::new(),
            "round {round}: no environment, no anchor"
        );
    }
    emulator.shutdown().await;
    assert_eq!(own_cgroups(), Vec::<PathBuf>::new());
}
