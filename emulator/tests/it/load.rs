//! The emulator under load: 1,000 invocations with 64 in flight through aws-sdk-lambda. No
//! invocation is lost or answered twice, every one has its REPORT line in the log store, the
//! emulator's memory stays bounded, and reserved concurrency throttles exactly the excess.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use crate::harness::*;
use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{LogType, ThrottleReason};
use emulator::EmulatorHandle;
use tokio::sync::Semaphore;

const INVOCATIONS: usize = 1_000;
const IN_FLIGHT: usize = 64;

/// The resident set of this process (the emulator runs in it), in KiB.
fn vm_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// One answered invocation: the sequence number sent, and what came back.
#[derive(Debug)]
struct Answer {
    seq: usize,
    echoed_seq: Option<u64>,
    payload_request_id: Option<String>,
    report_request_id: String,
}

/// Runs `count` invocations of `function`, at most `in_flight` at a time, each sending its
/// sequence number; returns every result in order of the sequence number.
async fn run_burst(
    client: &aws_sdk_lambda::Client,
    function: &str,
    count: usize,
    in_flight: usize,
) -> Vec<Result<Answer, InvokeError>> {
    let permits = Arc::new(Semaphore::new(in_flight));
    let mut tasks = Vec::with_capacity(count);
    for seq in 0..count {
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        let client = client.clone();
        let function = function.to_owned();
        tasks.push(tokio::spawn(async move {
            let result = client
                .invoke()
                .function_name(function)
                .payload(Blob::new(format!(r#"{{"seq": {seq}}}"#)))
                .log_type(LogType::Tail)
                .send()
                .await;
            drop(permit);
            match result {
                Ok(out) => {
                    assert_eq!(out.function_error(), None, "invocation {seq}");
                    let body: serde_json::Value =
                        serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
                    Ok(Answer {
                        seq,
                        echoed_seq: body["echo"]["seq"].as_u64(),
                        payload_request_id: body["request_id"].as_str().map(str::to_owned),
                        report_request_id: report_of(out.log_result().unwrap()).request_id,
                    })
                }
                Err(err) => Err(err.into_service_error()),
            }
        }));
    }
    let mut results = Vec::with_capacity(count);
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

/// REPORT lines of a function's log group, counted by request id.
fn report_counts(emulator: &EmulatorHandle, function: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for line in report_lines(emulator, function) {
        let id = line["REPORT RequestId: ".len()..]
            .split('\t')
            .next()
            .unwrap()
            .trim()
            .to_owned();
        *counts.entry(id).or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_invocations_64_in_flight_are_each_answered_and_reported_once() {
    let emulator = start().await;
    let _dir = register_io_bound(&emulator, "load", Duration::from_secs(900));
    let client = lambda_client(&emulator.endpoint_url());

    // Warm-up: the pool grows to its working size before memory is measured.
    let warm = run_burst(&client, "load", IN_FLIGHT, IN_FLIGHT).await;
    assert!(warm.iter().all(Result::is_ok));
    let rss_before_kib = vm_rss_kib();

    let results = run_burst(&client, "load", INVOCATIONS, IN_FLIGHT).await;
    let rss_after_kib = vm_rss_kib();

    let mut answered = HashSet::new();
    for result in &results {
        let answer = result
            .as_ref()
            .expect("no invocation fails or is throttled");
        assert_eq!(answer.echoed_seq, Some(answer.seq as u64), "{answer:?}");
        assert_eq!(
            answer.payload_request_id.as_deref(),
            Some(answer.report_request_id.as_str()),
            "the response belongs to its own invocation: {answer:?}"
        );
        assert!(
            answered.insert(answer.report_request_id.clone()),
            "request id answered twice: {answer:?}"
        );
    }
    assert_eq!(answered.len(), INVOCATIONS);

    let reports = report_counts(&emulator, "load");
    assert_eq!(
        reports.len(),
        INVOCATIONS + IN_FLIGHT,
        "one REPORT per invocation"
    );
    assert!(reports.values().all(|n| *n == 1), "no REPORT line twice");
    assert!(answered.iter().all(|id| reports.contains_key(id)));
    assert!(emulator.environment_count() <= IN_FLIGHT);

    // Generous: the log store holds ~4 short lines per invocation; a leak of the request
    // bodies, environments or connections per invocation would exceed it.
    let growth_kib = rss_after_kib.saturating_sub(rss_before_kib);
    assert!(
        growth_kib < 128 * 1024,
        "emulator memory grew by {growth_kib} KiB over {INVOCATIONS} invocations"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_concurrency_throttles_every_invocation_beyond_it_under_load() {
    const RESERVED: usize = 4;
    let emulator = start().await;
    let _dir = register_io_bound(&emulator, "reserved", Duration::from_secs(900));
    // No retries (as every test client): every throttle is counted once, as the server
    // answered it.
    let client = lambda_client(&emulator.endpoint_url());
    reserve_concurrency(&client, "reserved", RESERVED as i32).await;

    // Hold every reserved slot with an invocation that outlasts the test.
    let holders: Vec<_> = (0..RESERVED)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .invoke()
                    .function_name("reserved")
                    .payload(Blob::new(r#"{"sleep_ms": 600000}"#))
                    .send()
                    .await
            })
        })
        .collect();
    assert!(
        wait_until_async(Duration::from_secs(60), || {
            emulator.busy_invocations("reserved") == Some(RESERVED as u32)
        })
        .await,
        "every reserved slot is busy"
    );

    let results = run_burst(&client, "reserved", INVOCATIONS, IN_FLIGHT).await;
    let mut throttled = 0;
    for result in results {
        match result {
            Err(InvokeError::TooManyRequestsException(e)) => {
                assert_eq!(
                    e.reason(),
                    Some(&ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded)
                );
                throttled += 1;
            }
            other => panic!("expected a throttle, got {other:?}"),
        }
    }
    assert_eq!(throttled, INVOCATIONS);
    assert_eq!(emulator.environment_count(), RESERVED);
    assert_eq!(report_counts(&emulator, "reserved").len(), 0);

    emulator.shutdown().await;
    for holder in holders {
        holder.abort();
    }
}
