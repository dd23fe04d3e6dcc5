//! Nothing is left behind: no process and no cgroup after shutdown, after the handle is
//! dropped, after a panic in a task holding the emulator, and none from emulators that ended
//! earlier in the suite.

use std::path::Path;
use std::time::Duration;

use crate::harness::*;
use aws_sdk_lambda::types::LogType;

async fn emulator_with_warm_environments(
    count: usize,
) -> (emulator::EmulatorHandle, Vec<i32>, tempfile::TempDir) {
    let emulator = start().await;
    let dir = register_rust_function(&emulator, "io-bound", "fn", |f| f);
    let client = lambda_client(&emulator.endpoint_url());
    let calls: Vec<_> = (0..count)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .invoke()
                    .function_name("fn")
                    .payload(aws_sdk_lambda::primitives::Blob::new(
                        r#"{"sleep_ms": 200}"#,
                    ))
                    .log_type(LogType::Tail)
                    .send()
                    .await
                    .unwrap()
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap();
    }
    let pids = emulator.environment_pids();
    assert_eq!(pids.len(), count);
    assert!(pids.iter().all(|p| alive(*p)));
    if emulator.isolation().is_isolated() {
        assert!(!own_cgroups().is_empty(), "environments run in cgroups");
    }
    (emulator, pids, dir)
}

fn assert_nothing_left(pids: &[i32]) {
    let gone = wait_until(Duration::from_secs(5), || pids.iter().all(|p| !alive(*p)));
    assert!(gone, "processes left: {pids:?}");
    assert_eq!(own_cgroups(), Vec::<std::path::PathBuf>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_kills_every_process_and_removes_every_cgroup() {
    let (emulator, pids, _dir) = emulator_with_warm_environments(2).await;
    emulator.shutdown().await;
    assert_nothing_left(&pids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_handle_cleans_up() {
    let (emulator, pids, _dir) = emulator_with_warm_environments(1).await;
    drop(emulator);
    assert_nothing_left(&pids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_task_holding_the_emulator_cleans_up() {
    let (emulator, pids, _dir) = emulator_with_warm_environments(1).await;
    let task = tokio::spawn(async move {
        let _owned = emulator;
        panic!("a handler task panicked");
    });
    assert!(task.await.unwrap_err().is_panic());
    assert_nothing_left(&pids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_environment_is_killed_at_shutdown() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "faulty", "stuck", |f| {
        f.timeout(Duration::from_secs(60))
    });
    let client = lambda_client(&emulator.endpoint_url());
    let call = tokio::spawn(async move {
        client
            .invoke()
            .function_name("stuck")
            .payload(aws_sdk_lambda::primitives::Blob::new(
                r#"{"mode": "timeout"}"#,
            ))
            .send()
            .await
    });
    assert!(
        wait_until_async(Duration::from_secs(10), || emulator.environment_count()
            == 1)
        .await
    );
    let pids = emulator.environment_pids();
    emulator.shutdown().await;
    assert_nothing_left(&pids);
    call.abort();
}

/// Cgroups whose emulator process has ended must not exist: every test above (and every other
/// emulator of the suite) removed its own, whatever order the tests run in.
#[test]
fn no_cgroup_of_an_ended_emulator_is_left_behind() {
    let mut leftovers = Vec::new();
    for controller in ["cpu", "memory", "freezer", ""] {
        let parent = Path::new("/sys/fs/cgroup")
            .join(controller)
            .join(emulator::cgroup::CGROUP_PARENT);
        for entry in std::fs::read_dir(&parent).into_iter().flatten().flatten() {
            if !entry.path().is_dir() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let owner = name.split('-').next().and_then(|p| p.parse::<i32>().ok());
            if owner.is_none_or(|pid| !alive(pid)) {
                leftovers.push(entry.path());
            }
        }
    }
    assert_eq!(leftovers, Vec::<std::path::PathBuf>::new());
}
