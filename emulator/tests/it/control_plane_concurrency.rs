//! Reserved and provisioned concurrency as on Lambda, observed through aws-sdk-lambda with a
//! real runtime process (`tests/fixtures/sleepy-runtime`).

use std::time::Duration;

use crate::harness::*;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{LogFormat, LogType, LoggingConfig};
use base64::Engine as _;
use emulator::EmulatorHandle;

const LIMIT: Duration = Duration::from_secs(60);

/// What one invocation returned: its REPORT line and the runtime's initialization type, or
/// the error code.
#[derive(Debug)]
enum Outcome {
    Ran {
        report: String,
        initialization_type: String,
    },
    Failed {
        code: String,
        reason: String,
    },
}

async fn invoke(client: Client, name: String, qualifier: Option<String>, sleep_ms: u64) -> Outcome {
    let result = client
        .invoke()
        .function_name(name)
        .set_qualifier(qualifier)
        .log_type(LogType::Tail)
        .payload(Blob::new(format!("{{\"sleep_ms\": {sleep_ms}}}")))
        .send()
        .await;
    match result {
        Ok(out) => {
            let log = base64::engine::general_purpose::STANDARD
                .decode(out.log_result().unwrap_or_default())
                .expect("the log tail is base64");
            let log = String::from_utf8_lossy(&log).into_owned();
            let report = log
                .lines()
                .find(|l| l.starts_with("REPORT "))
                .unwrap_or_else(|| panic!("no REPORT line in {log}"))
                .to_owned();
            let payload: serde_json::Value =
                serde_json::from_slice(out.payload().map(|p| p.as_ref()).unwrap_or(b"{}"))
                    .expect("the runtime answers JSON");
            Outcome::Ran {
                report,
                initialization_type: payload["initialization_type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            }
        }
        Err(err) => {
            let reason = err
                .raw_response()
                .and_then(|r| std::str::from_utf8(r.body().bytes()?).ok())
                .and_then(|body| serde_json::from_str::<serde_json::Value>(body).ok())
                .and_then(|v| v["Reason"].as_str().map(str::to_owned))
                .unwrap_or_default();
            Outcome::Failed {
                code: err.code().unwrap_or_default().to_owned(),
                reason,
            }
        }
    }
}

async fn wait_for_live_environments(emulator: &EmulatorHandle, count: usize) {
    poll("environments to start", LIMIT, || async {
        (emulator.environment_count() >= count).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_concurrency_throttles_exactly_the_excess_of_a_burst() {
    const RESERVED: usize = 2;
    const BURST: usize = 6;
    let emulator = start_emulator().await;
    let client = lambda_client(&emulator.endpoint_url());
    create_sleepy(&client, "reserved").await;
    reserve_concurrency(&client, "reserved", RESERVED as i32).await;

    // RESERVED long invocations take every slot; once both run, the rest of the burst arrives.
    let in_flight: Vec<_> = (0..RESERVED)
        .map(|_| tokio::spawn(invoke(client.clone(), "reserved".into(), None, 4000)))
        .collect();
    wait_for_live_environments(&emulator, RESERVED).await;
    let excess: Vec<_> = (RESERVED..BURST)
        .map(|_| tokio::spawn(invoke(client.clone(), "reserved".into(), None, 0)))
        .collect();

    let mut throttled = 0;
    for task in excess {
        match task.await.unwrap() {
            Outcome::Failed { code, reason } => {
                assert_eq!(code, "TooManyRequestsException");
                assert_eq!(reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
                throttled += 1;
            }
            other => panic!("an invocation beyond the reserved concurrency ran: {other:?}"),
        }
    }
    let mut completed = 0;
    for task in in_flight {
        match task.await.unwrap() {
            Outcome::Ran { .. } => completed += 1,
            other => panic!("an admitted invocation failed: {other:?}"),
        }
    }
    assert_eq!(throttled, BURST - RESERVED);
    assert_eq!(completed, RESERVED);

    // With the slots free again, the function runs.
    assert!(matches!(
        invoke(client.clone(), "reserved".into(), None, 0).await,
        Outcome::Ran { .. }
    ));
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_concurrency_of_zero_throttles_everything() {
    let emulator = start_emulator().await;
    let client = lambda_client(&emulator.endpoint_url());
    create_sleepy(&client, "off").await;
    reserve_concurrency(&client, "off", 0).await;
    match invoke(client.clone(), "off".into(), None, 0).await {
        Outcome::Failed { code, reason } => {
            assert_eq!(code, "TooManyRequestsException");
            assert_eq!(reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
        }
        other => panic!("a function with reserved concurrency 0 ran: {other:?}"),
    }
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioned_environments_serve_the_first_invocations_without_init_duration() {
    const PROVISIONED: usize = 2;
    let emulator = start_emulator().await;
    let client = lambda_client(&emulator.endpoint_url());
    create_sleepy(&client, "provisioned").await;
    publish_live_alias(&client, "provisioned").await;
    let err = client
        .put_provisioned_concurrency_config()
        .function_name("provisioned")
        .qualifier("$LATEST")
        .provisioned_concurrent_executions(1)
        .send()
        .await
        .expect_err("$LATEST cannot have provisioned concurrency");
    assert_eq!(err.code(), Some("InvalidParameterValueException"));

    let put = client
        .put_provisioned_concurrency_config()
        .function_name("provisioned")
        .qualifier("live")
        .provisioned_concurrent_executions(PROVISIONED as i32)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().map(|s| s.as_str()), Some("IN_PROGRESS"));
    wait_provisioned_ready(&client, "provisioned", "live", LIMIT).await;

    // Every provisioned environment is taken by a long invocation; one more spills over to
    // an on-demand environment, which is a cold start.
    let provisioned: Vec<_> = (0..PROVISIONED)
        .map(|_| {
            tokio::spawn(invoke(
                client.clone(),
                "provisioned".into(),
                Some("live".into()),
                2000,
            ))
        })
        .collect();
    poll(
        "the provisioned environments to be taken",
        LIMIT,
        || async { (emulator.idle_environments("provisioned") == 0).then_some(()) },
    )
    .await;
    let spill = invoke(client.clone(), "provisioned".into(), Some("live".into()), 0).await;

    for task in provisioned {
        match task.await.unwrap() {
            Outcome::Ran {
                report,
                initialization_type,
            } => {
                assert!(!report.contains("Init Duration"), "{report}");
                assert_eq!(initialization_type, "provisioned-concurrency");
            }
            other => panic!("a provisioned invocation failed: {other:?}"),
        }
    }
    match spill {
        Outcome::Ran {
            report,
            initialization_type,
        } => {
            assert!(report.contains("Init Duration"), "{report}");
            assert_eq!(initialization_type, "on-demand");
        }
        other => panic!("the spill-over invocation failed: {other:?}"),
    }

    client
        .delete_provisioned_concurrency_config()
        .function_name("provisioned")
        .qualifier("live")
        .send()
        .await
        .unwrap();
    let err = client
        .get_provisioned_concurrency_config()
        .function_name("provisioned")
        .qualifier("live")
        .send()
        .await
        .expect_err("the config is gone");
    assert_eq!(
        err.code(),
        Some("ProvisionedConcurrencyConfigNotFoundException")
    );
    // Provisioned environments are never reaped for idleness; deleting the config retires them.
    poll(
        "the provisioned environments to be retired",
        LIMIT,
        || async { (emulator.idle_environments("provisioned") == 0).then_some(()) },
    )
    .await;
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioned_init_of_a_json_logging_function_writes_a_json_init_start() {
    let emulator = start_emulator().await;
    let client = lambda_client(&emulator.endpoint_url());
    create_sleepy_with(&client, "json-provisioned", |request| {
        request.logging_config(LoggingConfig::builder().log_format(LogFormat::Json).build())
    })
    .await;
    publish_live_alias(&client, "json-provisioned").await;
    client
        .put_provisioned_concurrency_config()
        .function_name("json-provisioned")
        .qualifier("live")
        .provisioned_concurrent_executions(1)
        .send()
        .await
        .unwrap();
    wait_provisioned_ready(&client, "json-provisioned", "live", LIMIT).await;
    let init_starts = emulator
        .logs()
        .group_events(
            "/aws/lambda/json-provisioned",
            |_| true,
            |e| e.message.contains("INIT_START") || e.message.contains("platform.initStart"),
        )
        .unwrap();
    assert_eq!(init_starts.len(), 1, "{init_starts:?}");
    let event: serde_json::Value = serde_json::from_str(&init_starts[0].1.message)
        .expect("the init start of a JSON-logging function is a JSON event");
    assert_eq!(event["type"], "platform.initStart");
    assert_eq!(
        event["record"]["initializationType"],
        "provisioned-concurrency"
    );
    assert_eq!(event["record"]["functionVersion"], "1");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreserved_functions_share_the_account_limit() {
    const ACCOUNT_LIMIT: usize = 2;
    let emulator =
        start_emulator_with(|c| c.control.account_concurrency = ACCOUNT_LIMIT as u32).await;
    let client = lambda_client(&emulator.endpoint_url());
    create_sleepy(&client, "shared").await;
    let in_flight: Vec<_> = (0..ACCOUNT_LIMIT)
        .map(|_| tokio::spawn(invoke(client.clone(), "shared".into(), None, 3000)))
        .collect();
    wait_for_live_environments(&emulator, ACCOUNT_LIMIT).await;
    match invoke(client.clone(), "shared".into(), None, 0).await {
        Outcome::Failed { code, reason } => {
            assert_eq!(code, "TooManyRequestsException");
            assert_eq!(reason, "ConcurrentInvocationLimitExceeded");
        }
        other => panic!("an invocation beyond the account limit ran: {other:?}"),
    }
    for task in in_flight {
        assert!(matches!(task.await.unwrap(), Outcome::Ran { .. }));
    }
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simultaneous_burst_gets_exactly_the_account_limit_and_no_more() {
    const ACCOUNT_LIMIT: u32 = 3;
    const BURST: usize = 40;
    let emulator = start_emulator_with(|c| c.control.account_concurrency = ACCOUNT_LIMIT).await;
    let client = lambda_client(&emulator.endpoint_url());
    create_sleepy(&client, "burst").await;
    // All at once; the admitted ones sleep until shutdown, so every other one must be refused
    // however the requests interleave, and the check and the taking of a slot must be one step.
    let calls: Vec<_> = (0..BURST)
        .map(|_| tokio::spawn(invoke(client.clone(), "burst".into(), None, 25_000)))
        .collect();
    let busy = || emulator.busy_invocations("burst").unwrap_or(0);
    // Every request has been answered or holds a slot once the two add up to the burst.
    let admitted = poll("every request to be answered or admitted", LIMIT, || {
        let finished = calls.iter().filter(|c| c.is_finished()).count();
        let busy = busy();
        async move { (finished + busy as usize == BURST).then_some(busy) }
    })
    .await;
    assert_eq!(admitted, ACCOUNT_LIMIT, "invocations admitted at once");
    let mut pending = Vec::new();
    for call in calls {
        if !call.is_finished() {
            pending.push(call);
            continue;
        }
        match call.await.unwrap() {
            Outcome::Failed { code, reason } => {
                assert_eq!(code, "TooManyRequestsException");
                assert_eq!(reason, "ConcurrentInvocationLimitExceeded");
            }
            other => panic!("an invocation ended before shutdown: {other:?}"),
        }
    }
    assert_eq!(pending.len(), ACCOUNT_LIMIT as usize);
    emulator.shutdown().await;
    for call in pending {
        call.abort();
    }
}
