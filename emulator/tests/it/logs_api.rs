//! The CloudWatch Logs API through aws-sdk-cloudwatchlogs, on the same endpoint as Lambda's.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::harness::*;
use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;
use aws_sdk_cloudwatchlogs::types::{InputLogEvent, OrderBy};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::LogType;
use base64::Engine as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_log_events_finds_every_report_line_of_1000_invocations_across_pages() {
    const INVOCATIONS: usize = 1000;
    const PARALLEL: usize = 4;
    let emulator = start_emulator().await;
    let endpoint = emulator.endpoint_url();
    let lambda = lambda_client(&endpoint);
    let logs = logs_client(&endpoint);
    create_sleepy(&lambda, "logged").await;

    let mut reports = BTreeSet::new();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..PARALLEL {
        let lambda = lambda.clone();
        workers.spawn(async move {
            let mut lines = Vec::new();
            for _ in (worker..INVOCATIONS).step_by(PARALLEL) {
                let out = lambda
                    .invoke()
                    .function_name("logged")
                    .log_type(LogType::Tail)
                    .payload(Blob::new("{}"))
                    .send()
                    .await
                    .expect("invocation succeeds");
                let tail = base64::engine::general_purpose::STANDARD
                    .decode(out.log_result().unwrap_or_default())
                    .unwrap();
                let tail = String::from_utf8(tail).unwrap();
                let report = tail
                    .lines()
                    .find(|l| l.starts_with("REPORT "))
                    .expect("every invocation has a REPORT line")
                    .trim_end()
                    .to_owned();
                lines.push(report);
            }
            lines
        });
    }
    while let Some(lines) = workers.join_next().await {
        reports.extend(lines.unwrap());
    }
    assert_eq!(reports.len(), INVOCATIONS, "every REPORT line is distinct");

    let (found, pages) = poll(
        "every REPORT line in the log group",
        Duration::from_secs(60),
        || async {
            let mut pages = logs
                .filter_log_events()
                .log_group_name("/aws/lambda/logged")
                .filter_pattern("REPORT")
                .limit(150)
                .into_paginator()
                .send();
            let mut found = BTreeSet::new();
            let mut count = 0;
            while let Some(page) = pages.next().await {
                let page = page.expect("FilterLogEvents succeeds");
                count += 1;
                for event in page.events() {
                    let message = event.message().unwrap_or_default();
                    assert!(message.starts_with("REPORT "), "{message}");
                    found.insert(message.trim_end().to_owned());
                }
            }
            (found.len() >= INVOCATIONS).then_some((found, count))
        },
    )
    .await;
    assert!(pages >= INVOCATIONS.div_ceil(150), "{pages} pages");
    let missing: Vec<_> = reports.difference(&found).take(3).collect();
    let extra: Vec<_> = found.difference(&reports).take(3).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from the log group: {missing:?}; not from these invocations: {extra:?}"
    );

    // `?term` alternatives and exclusions through the SDK.
    let mut pages = logs
        .filter_log_events()
        .log_group_name("/aws/lambda/logged")
        .filter_pattern(r#"?"START RequestId" ?"END RequestId" -REPORT"#)
        .into_paginator()
        .send();
    let mut starts_or_ends = 0;
    while let Some(page) = pages.next().await {
        for event in page.unwrap().events() {
            let message = event.message().unwrap_or_default();
            assert!(
                message.starts_with("START ") || message.starts_with("END "),
                "{message}"
            );
            starts_or_ends += 1;
        }
    }
    assert_eq!(starts_or_ends, 2 * INVOCATIONS);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_api_describes_reads_and_refuses_like_cloudwatch() {
    let emulator = start_emulator().await;
    let logs = logs_client(&emulator.endpoint_url());
    logs.create_log_group()
        .log_group_name("/app")
        .send()
        .await
        .unwrap();
    for stream in ["b", "a"] {
        logs.create_log_stream()
            .log_group_name("/app")
            .log_stream_name(stream)
            .send()
            .await
            .unwrap();
    }
    let events: Vec<_> = (0..5)
        .map(|i| {
            InputLogEvent::builder()
                .timestamp(1_000 + i)
                .message(format!("line {i}"))
                .build()
                .unwrap()
        })
        .collect();
    logs.put_log_events()
        .log_group_name("/app")
        .log_stream_name("a")
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();

    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix("/a")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.log_groups().len(), 1);
    assert_eq!(groups.log_groups()[0].log_group_name(), Some("/app"));
    let streams = logs
        .describe_log_streams()
        .log_group_name("/app")
        .order_by(OrderBy::LogStreamName)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = streams
        .log_streams()
        .iter()
        .filter_map(|s| s.log_stream_name())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(streams.log_streams()[0].last_event_timestamp(), Some(1_004));

    let head = logs
        .get_log_events()
        .log_group_name("/app")
        .log_stream_name("a")
        .start_from_head(true)
        .limit(3)
        .send()
        .await
        .unwrap();
    let messages: Vec<_> = head.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(messages, ["line 0", "line 1", "line 2"]);
    let rest = logs
        .get_log_events()
        .log_group_name("/app")
        .log_stream_name("a")
        .next_token(head.next_forward_token().unwrap())
        .send()
        .await
        .unwrap();
    let messages: Vec<_> = rest.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(messages, ["line 3", "line 4"]);

    let window = logs
        .filter_log_events()
        .log_group_name("/app")
        .start_time(1_001)
        .end_time(1_002)
        .send()
        .await
        .unwrap();
    assert_eq!(window.events().len(), 2);

    let err = logs
        .get_log_events()
        .log_group_name("/missing")
        .log_stream_name("a")
        .send()
        .await
        .expect_err("an unknown group is not found");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let err = logs
        .filter_log_events()
        .log_group_name("/app")
        .limit(20_000)
        .send()
        .await
        .expect_err("a limit over 10000 is refused");
    assert_eq!(err.code(), Some("InvalidParameterException"));
    let err = logs
        .create_log_group()
        .log_group_name("/app")
        .send()
        .await
        .expect_err("a group cannot be created twice");
    assert_eq!(err.code(), Some("ResourceAlreadyExistsException"));
    emulator.shutdown().await;
}
