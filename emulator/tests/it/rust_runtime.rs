//! The Rust `lambda_runtime` example functions, run as real processes in the emulator and
//! invoked through aws-sdk-lambda, boto3 and the AWS CLI.

use std::time::Duration;

use crate::harness::*;
use analyzer::report_line::ReportStatus;
use analyzer::units::MemoryMb;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};
use emulator::registry::LogFormat;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_function_runs_cold_then_warm_through_aws_sdk() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "io-bound", "io", |f| f);
    let client = lambda_client(&emulator.endpoint_url());

    let mut reports = Vec::new();
    for i in 0..3 {
        let out = invoke_tail(&client, "io", format!(r#"{{"sleep_ms": 5, "n": {i}}}"#)).await;
        assert_eq!(out.status_code(), 200);
        assert_eq!(out.function_error(), None);
        assert_eq!(out.executed_version(), Some("$LATEST"));
        let body = payload_json(&out);
        assert_eq!(body["echo"]["n"], i);
        let report = report_of(out.log_result().unwrap());
        assert_eq!(report.request_id, body["request_id"].as_str().unwrap());
        assert_eq!(report.memory_size_mb, 128);
        assert!(report.duration_ms >= 5.0, "{report:?}");
        assert!(report.max_memory_used_mb > 0, "{report:?}");
        reports.push(report);
    }
    assert!(
        reports[0].is_cold_start(),
        "first invocation is a cold start"
    );
    assert!(!reports[1].is_cold_start() && !reports[2].is_cold_start());
    // Billed duration includes Init Duration on the cold start.
    let cold = &reports[0];
    assert_eq!(
        cold.billed_duration_ms,
        (cold.duration_ms + cold.init_duration_ms.unwrap()).ceil() as u64
    );
    assert_eq!(
        emulator.environment_count(),
        1,
        "the warm environment was reused"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_stream_holds_lambda_text_lines_and_function_output() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "faulty", "printer", |f| f);
    let client = lambda_client(&emulator.endpoint_url());
    client
        .invoke()
        .function_name("printer")
        .payload(Blob::new(r#"{"mode": "print", "bytes": 300}"#))
        .send()
        .await
        .unwrap();
    let streams = emulator.logs().streams("/aws/lambda/printer").unwrap();
    assert_eq!(streams.len(), 1);
    let name = &streams[0].name;
    // YYYY/MM/DD/[$LATEST]<32 hex>
    let (date, rest) = name.split_at(10);
    assert_eq!(date.matches('/').count(), 2, "{name}");
    let hex = rest.strip_prefix("/[$LATEST]").expect(name);
    assert_eq!(hex.len(), 32);
    assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));

    let events = emulator
        .logs()
        .stream_events("/aws/lambda/printer", name)
        .unwrap();
    let lines: Vec<&str> = events.iter().map(|e| e.message.as_str()).collect();
    assert!(
        lines[0].starts_with("INIT_START Runtime Version: "),
        "{lines:?}"
    );
    let start = lines
        .iter()
        .position(|l| l.starts_with("START RequestId: "))
        .unwrap();
    let end = lines
        .iter()
        .position(|l| l.starts_with("END RequestId: "))
        .unwrap();
    let report = lines
        .iter()
        .position(|l| l.starts_with("REPORT RequestId: "))
        .unwrap();
    assert!(start < end && end + 1 == report, "{lines:?}");
    let printed = lines[start + 1..end]
        .iter()
        .filter(|l| l.ends_with(&"x".repeat(99)))
        .count();
    assert_eq!(
        printed, 3,
        "the function's lines sit between START and END: {lines:?}"
    );
    assert!(lines[start].ends_with(" Version: $LATEST"));
    let record = analyzer::report_line::parse_line(lines[report]).unwrap();
    assert!(record.is_cold_start());
    assert_eq!(record.status, None);
    // Byte for byte Lambda's text form: tab separated, two decimals, trailing tab.
    assert_eq!(analyzer::report_line::format(&record), lines[report]);
    assert!(lines[report].ends_with(" ms\t"), "{:?}", lines[report]);
    assert_eq!(lines[end], format!("END RequestId: {}", record.request_id));
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_log_format_writes_platform_events() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "io-bound", "jsonlogs", |f| {
        f.log_format(LogFormat::Json)
    });
    let out = invoke_tail(&lambda_client(&emulator.endpoint_url()), "jsonlogs", "").await;
    let tail = decode_tail(out.log_result().unwrap());
    let types: Vec<String> = tail
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["type"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        types,
        ["platform.initStart", "platform.start", "platform.report"],
        "{tail}"
    );
    let report = report_of(out.log_result().unwrap());
    assert_eq!(report.status, Some(ReportStatus::Success));
    assert!(report.is_cold_start());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_is_a_runtime_exit_error_and_the_next_invocation_is_cold() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "faulty", "crasher", |f| f);
    let client = lambda_client(&emulator.endpoint_url());
    let out = invoke_tail(&client, "crasher", r#"{"mode": "crash"}"#).await;
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    let body = payload_json(&out);
    assert_eq!(body["errorType"], "Runtime.ExitError");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(message.starts_with("RequestId: "), "{message}");
    assert!(
        message.ends_with(" Error: Runtime exited with error: exit status 1"),
        "{message}"
    );
    let tail = decode_tail(out.log_result().unwrap());
    assert!(tail.contains("crashing on purpose"), "{tail}");
    assert!(tail.contains("\nRuntime.ExitError\n"), "{tail}");
    let report = report_of(out.log_result().unwrap());
    assert_eq!(report.status, Some(ReportStatus::Error));
    assert_eq!(report.error_type.as_deref(), Some("Runtime.ExitError"));
    assert_eq!(
        emulator.environment_count(),
        0,
        "the crashed environment is gone"
    );

    let again = client
        .invoke()
        .function_name("crasher")
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    assert_eq!(again.function_error(), None);
    assert!(report_of(again.log_result().unwrap()).is_cold_start());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panic_and_returned_error_are_function_errors_on_a_warm_environment() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "faulty", "errs", |f| f);
    let client = lambda_client(&emulator.endpoint_url());
    for mode in ["error", "panic"] {
        let out = invoke_tail(&client, "errs", format!(r#"{{"mode": "{mode}"}}"#)).await;
        assert_eq!(out.function_error(), Some("Unhandled"), "{mode}");
        let body = payload_json(&out);
        assert!(
            body["errorMessage"]
                .as_str()
                .unwrap()
                .contains("on purpose"),
            "{body}"
        );
        assert!(body["errorType"].is_string(), "{body}");
        report_of(out.log_result().unwrap());
    }
    assert_eq!(
        emulator.environment_count(),
        1,
        "a handled error keeps the environment"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_kills_the_environment_and_reports_status_timeout() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "faulty", "sleeper", |f| {
        f.timeout(Duration::from_secs(1))
    });
    let out = invoke_tail(
        &lambda_client(&emulator.endpoint_url()),
        "sleeper",
        r#"{"mode": "timeout"}"#,
    )
    .await;
    assert_eq!(out.function_error(), Some("Unhandled"));
    let body = payload_json(&out);
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Error: Task timed out after 1.00 seconds"),
        "{body}"
    );
    let tail = decode_tail(out.log_result().unwrap());
    assert!(
        tail.contains(" Task timed out after 1.00 seconds\n"),
        "{tail}"
    );
    let report = report_of(out.log_result().unwrap());
    assert_eq!(report.status, Some(ReportStatus::Timeout));
    assert!(report.duration_ms >= 1000.0, "{report:?}");
    assert_eq!(emulator.environment_count(), 0);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exceeding_memory_is_runtime_out_of_memory() {
    let emulator = start().await;
    if !emulator.isolation().is_isolated() {
        // Without cgroups nothing enforces the memory size; the test would exhaust the host.
        return;
    }
    let _dir = register_rust_function(&emulator, "faulty", "hog", |f| {
        f.timeout(Duration::from_secs(20))
    });
    let out = invoke_tail(
        &lambda_client(&emulator.endpoint_url()),
        "hog",
        r#"{"mode": "oom"}"#,
    )
    .await;
    assert_eq!(out.function_error(), Some("Unhandled"));
    let body = payload_json(&out);
    assert_eq!(body["errorType"], "Runtime.OutOfMemory", "{body}");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Runtime exited with error: signal: killed"),
        "{body}"
    );
    let report = report_of(out.log_result().unwrap());
    assert_eq!(report.error_type.as_deref(), Some("Runtime.OutOfMemory"));
    assert!(report.max_memory_used_mb >= 127, "{report:?}");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_error_is_returned_with_an_init_report_line() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "faulty", "badinit", |f| f.env("INIT_FAIL", "1"));
    let out = invoke_tail(&lambda_client(&emulator.endpoint_url()), "badinit", "").await;
    assert_eq!(out.function_error(), Some("Unhandled"));
    let body = payload_json(&out);
    assert_eq!(body["errorType"], "Runtime.InitError");
    assert_eq!(body["errorMessage"], "init failed on purpose");
    let tail = decode_tail(out.log_result().unwrap());
    assert!(tail.contains("init failing on purpose"), "{tail}");
    assert!(
        tail.contains("\tPhase: init\tStatus: error\tError Type: Runtime.InitError"),
        "{tail}"
    );
    let report = report_of(out.log_result().unwrap());
    assert_eq!(report.status, Some(ReportStatus::Error));
    assert!(report.is_cold_start());
    assert_eq!(emulator.environment_count(), 0);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_timeout_is_reported_as_a_timeout() {
    let emulator = emulator::Emulator::default()
        .init_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let _dir = register_rust_function(&emulator, "faulty", "slowinit", |f| {
        f.env("INIT_WORK_MS", "5000")
    });
    let out = invoke_tail(&lambda_client(&emulator.endpoint_url()), "slowinit", "").await;
    assert_eq!(out.function_error(), Some("Unhandled"));
    let body = payload_json(&out);
    assert_eq!(body["errorType"], "Sandbox.Timedout", "{body}");
    let report = report_of(out.log_result().unwrap());
    assert_eq!(report.status, Some(ReportStatus::Timeout));
    assert!(report.init_duration_ms.unwrap() >= 300.0);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_tail_is_the_last_4_kb_of_the_invocation_log() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "faulty", "loud", |f| f);
    let out = invoke_tail(
        &lambda_client(&emulator.endpoint_url()),
        "loud",
        r#"{"mode": "print", "bytes": 20000}"#,
    )
    .await;
    let tail = decode_tail(out.log_result().unwrap());
    assert_eq!(tail.len(), 4096);
    assert!(!tail.contains("START RequestId"), "the start was cut off");
    assert!(
        tail.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("REPORT RequestId: ")
    );
    report_of(out.log_result().unwrap());
    // The log stream keeps every line.
    let group_lines: usize = emulator
        .logs()
        .group_events("/aws/lambda/loud", |_| true, |e| e.message.ends_with("xxx"))
        .unwrap()
        .len();
    assert_eq!(group_lines, 184);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_map_to_typed_sdk_errors() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "io-bound", "known", |f| f);
    let client = lambda_client(&emulator.endpoint_url());

    let err = client
        .invoke()
        .function_name("unknown")
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");

    let big = vec![b' '; 6 * 1024 * 1024 + 1];
    let err = client
        .invoke()
        .function_name("known")
        .payload(Blob::new(big))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_request_too_large_exception(), "{err:?}");

    let err = client
        .invoke()
        .function_name("known")
        .payload(Blob::new("not json"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_request_content_exception(), "{err:?}");

    emulator
        .registry()
        .with_entry_mut("known", |e| e.reserved_concurrency = Some(0))
        .unwrap();
    let err = client
        .invoke()
        .function_name("known")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    match err {
        aws_sdk_lambda::operation::invoke::InvokeError::TooManyRequestsException(e) => {
            assert_eq!(
                e.reason().map(|r| r.as_str()),
                Some("ReservedFunctionConcurrentInvocationLimitExceeded")
            );
        }
        other => panic!("expected a throttle, got {other:?}"),
    }
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_and_event_invocations_answer_like_lambda() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "io-bound", "async", |f| f);
    let client = lambda_client(&emulator.endpoint_url());
    let dry = client
        .invoke()
        .function_name("async")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status_code(), 204);
    assert_eq!(emulator.environment_count(), 0, "a dry run starts nothing");

    let event = client
        .invoke()
        .function_name("async")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(r#"{"sleep_ms": 1}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(event.status_code(), 202);
    let logs = emulator.logs().clone();
    let reported = wait_until_async(Duration::from_secs(10), || {
        logs.group_events(
            "/aws/lambda/async",
            |_| true,
            |e| e.message.starts_with("REPORT RequestId: "),
        )
        .is_ok_and(|events| events.len() == 1)
    })
    .await;
    assert!(reported, "the event invocation ran in the background");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_of_another_architecture_is_refused_clearly() {
    let emulator = start().await;
    let other = match emulator::registry::host_architecture() {
        analyzer::units::Architecture::X86_64 => analyzer::units::Architecture::Arm64,
        analyzer::units::Architecture::Arm64 => analyzer::units::Architecture::X86_64,
    };
    let _dir = register_rust_function(&emulator, "io-bound", "foreign", |f| f.architecture(other));
    let err = lambda_client(&emulator.endpoint_url())
        .invoke()
        .function_name("foreign")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_runtime_exception(), "{err:?}");
    let message = format!("{:?}", err);
    assert!(message.contains(other.as_str()), "{message}");
    assert_eq!(emulator.environment_count(), 0);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_change_never_reuses_old_environments() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "io-bound", "changing", |f| f);
    let client = lambda_client(&emulator.endpoint_url());
    let invoke = || async {
        let out = client
            .invoke()
            .function_name("changing")
            .log_type(LogType::Tail)
            .send()
            .await
            .unwrap();
        report_of(out.log_result().unwrap())
    };
    assert!(invoke().await.is_cold_start());
    assert!(!invoke().await.is_cold_start());
    let generation = emulator.registry().next_generation();
    emulator
        .registry()
        .with_entry_mut("changing", |e| {
            let mut config = (*e.latest).clone();
            config.memory_mb = MemoryMb::try_from(256).unwrap();
            e.set_latest(config, generation);
        })
        .unwrap();
    emulator.discard_environments("changing");
    let after = invoke().await;
    assert!(after.is_cold_start());
    assert_eq!(after.memory_size_mb, 256);
    assert_eq!(
        emulator.environment_count(),
        1,
        "the old environment was destroyed"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_environments_are_reaped() {
    let emulator = emulator::Emulator::default()
        .idle_timeout(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let _dir = register_rust_function(&emulator, "io-bound", "idle", |f| f);
    lambda_client(&emulator.endpoint_url())
        .invoke()
        .function_name("idle")
        .send()
        .await
        .unwrap();
    assert_eq!(emulator.environment_count(), 1);
    let reaped = wait_until_async(Duration::from_secs(10), || {
        emulator.environment_count() == 0
    })
    .await;
    assert!(reaped);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invocations_get_separate_environments() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "io-bound", "parallel", |f| f);
    let client = lambda_client(&emulator.endpoint_url());
    let calls = (0..3).map(|_| {
        let client = client.clone();
        async move {
            client
                .invoke()
                .function_name("parallel")
                .payload(Blob::new(r#"{"sleep_ms": 300}"#))
                .send()
                .await
                .unwrap()
        }
    });
    let outs = futures_join_all(calls).await;
    assert!(outs.iter().all(|o| o.function_error().is_none()));
    assert_eq!(emulator.environment_count(), 3);
    emulator.shutdown().await;
}

async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_function_runs_through_boto3_and_the_aws_cli() {
    let emulator = start().await;
    let _dir = register_rust_function(&emulator, "io-bound", "viapython", |f| f);
    let handle = tokio::runtime::Handle::current();
    let first = tokio::task::block_in_place(|| {
        let _guard = handle.enter();
        boto3_invoke(&emulator, "viapython", r#"{"sleep_ms": 1}"#)
    });
    assert_eq!(first["StatusCode"], 200);
    assert_eq!(first["ExecutedVersion"], "$LATEST");
    assert!(first["FunctionError"].is_null());
    let log = first["LogResult"].as_str().unwrap();
    let cold = analyzer::report_line::records(log).next().unwrap().unwrap();
    assert!(cold.is_cold_start());

    // The AWS CLI (version 1, from the venv: `--payload` is the raw JSON text), warm now.
    let out_dir = tempfile::tempdir().unwrap();
    let out_file = out_dir.path().join("out.json");
    let cli = tokio::task::block_in_place(|| {
        std::process::Command::new(venv().join("bin/aws"))
            .args([
                "lambda",
                "invoke",
                "--function-name",
                "viapython",
                "--payload",
                r#"{"sleep_ms": 2}"#,
                "--log-type",
                "Tail",
                "--endpoint-url",
                &emulator.endpoint_url(),
                "--region",
                "us-east-1",
            ])
            .arg(&out_file)
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output()
            .unwrap()
    });
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(meta["StatusCode"], 200);
    let warm = report_of(meta["LogResult"].as_str().unwrap());
    assert!(!warm.is_cold_start());
    let body: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(body["slept_ms"], 2);
    emulator.shutdown().await;
}
