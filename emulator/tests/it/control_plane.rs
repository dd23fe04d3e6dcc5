//! The Lambda control plane through aws-sdk-lambda and the AWS CLI: the same sequence against
//! the emulator and against moto server, waiters, update conflicts, malformed requests.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::harness::*;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::client::Waiters as _;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::Architecture;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const WAIT: Duration = Duration::from_secs(60);

fn error_code<E: ProvideErrorMetadata>(err: &E) -> String {
    err.code().unwrap_or("<no code>").to_owned()
}

async fn create(
    client: &Client,
    name: &str,
    zip: Vec<u8>,
) -> aws_sdk_lambda::operation::create_function::CreateFunctionOutput {
    create_function(client, name, zip)
        .tags("powertune", "test")
        .send()
        .await
        .expect("CreateFunction succeeds")
}

/// Runs the control-plane sequence a tuning run makes and records what a caller can observe.
async fn observe_sequence(client: &Client, name: &str) -> BTreeMap<String, String> {
    let mut seen = BTreeMap::new();
    let mut note = |key: &str, value: String| {
        seen.insert(key.to_owned(), value);
    };
    let zip = zip_of(&[("bootstrap", b"#!/bin/sh\nexit 0\n", 0o755)]);
    let created = create(client, name, zip).await;
    note(
        "create.FunctionName",
        format!("{:?}", created.function_name()),
    );
    note("create.Runtime", format!("{:?}", created.runtime()));
    note("create.Handler", format!("{:?}", created.handler()));
    note("create.MemorySize", format!("{:?}", created.memory_size()));
    note("create.Timeout", format!("{:?}", created.timeout()));
    note("create.Version", format!("{:?}", created.version()));
    note("create.CodeSha256", format!("{:?}", created.code_sha256()));
    note("create.CodeSize", format!("{:?}", created.code_size()));
    note(
        "create.PackageType",
        format!("{:?}", created.package_type()),
    );
    note(
        "create.Architectures",
        format!("{:?}", created.architectures()),
    );
    let function_arn = created.function_arn().unwrap_or_default().to_owned();

    client
        .wait_until_function_active_v2()
        .function_name(name)
        .wait(WAIT)
        .await
        .expect("function becomes Active");

    let updated = client
        .update_function_configuration()
        .function_name(name)
        .memory_size(256)
        .send()
        .await
        .expect("UpdateFunctionConfiguration succeeds");
    note("update.MemorySize", format!("{:?}", updated.memory_size()));
    client
        .wait_until_function_updated_v2()
        .function_name(name)
        .wait(WAIT)
        .await
        .expect("update completes");
    let config = client
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .expect("GetFunctionConfiguration succeeds");
    note("settled.MemorySize", format!("{:?}", config.memory_size()));
    note("settled.State", format!("{:?}", config.state()));
    note(
        "settled.LastUpdateStatus",
        format!("{:?}", config.last_update_status()),
    );

    let published = client
        .publish_version()
        .function_name(name)
        .send()
        .await
        .expect("PublishVersion succeeds");
    note("publish.Version", format!("{:?}", published.version()));
    note(
        "publish.MemorySize",
        format!("{:?}", published.memory_size()),
    );
    let republished = client
        .publish_version()
        .function_name(name)
        .send()
        .await
        .expect("PublishVersion of an unchanged $LATEST succeeds");
    note("republish.Version", format!("{:?}", republished.version()));

    let alias = client
        .create_alias()
        .function_name(name)
        .name("live")
        .function_version("1")
        .send()
        .await
        .expect("CreateAlias succeeds");
    note("alias.Name", format!("{:?}", alias.name()));
    note(
        "alias.FunctionVersion",
        format!("{:?}", alias.function_version()),
    );
    let got = client
        .get_alias()
        .function_name(name)
        .name("live")
        .send()
        .await
        .expect("GetAlias succeeds");
    note(
        "get_alias.FunctionVersion",
        format!("{:?}", got.function_version()),
    );
    let versions = client
        .list_versions_by_function()
        .function_name(name)
        .send()
        .await
        .expect("ListVersionsByFunction succeeds");
    let versions: Vec<_> = versions
        .versions()
        .iter()
        .map(|v| (v.version().unwrap_or_default().to_owned(), v.memory_size()))
        .collect();
    note("versions", format!("{versions:?}"));
    let duplicate = client
        .create_alias()
        .function_name(name)
        .name("live")
        .function_version("1")
        .send()
        .await
        .expect_err("a second alias of the same name is refused");
    note("duplicate_alias.error", error_code(&duplicate));

    let reserved = client
        .put_function_concurrency()
        .function_name(name)
        .reserved_concurrent_executions(5)
        .send()
        .await
        .expect("PutFunctionConcurrency succeeds");
    note(
        "reserved.put",
        format!("{:?}", reserved.reserved_concurrent_executions()),
    );
    let reserved = client
        .get_function_concurrency()
        .function_name(name)
        .send()
        .await
        .expect("GetFunctionConcurrency succeeds");
    note(
        "reserved.get",
        format!("{:?}", reserved.reserved_concurrent_executions()),
    );
    let function = client
        .get_function()
        .function_name(name)
        .send()
        .await
        .expect("GetFunction succeeds");
    note(
        "get_function.Concurrency",
        format!(
            "{:?}",
            function
                .concurrency()
                .and_then(|c| c.reserved_concurrent_executions())
        ),
    );
    client
        .delete_function_concurrency()
        .function_name(name)
        .send()
        .await
        .expect("DeleteFunctionConcurrency succeeds");
    let reserved = client
        .get_function_concurrency()
        .function_name(name)
        .send()
        .await
        .expect("GetFunctionConcurrency succeeds");
    note(
        "reserved.after_delete",
        format!("{:?}", reserved.reserved_concurrent_executions()),
    );

    let tags = client
        .list_tags()
        .resource(&function_arn)
        .send()
        .await
        .expect("ListTags succeeds");
    note("tags", format!("{:?}", tags.tags()));

    let too_small = client
        .update_function_configuration()
        .function_name(name)
        .memory_size(127)
        .send()
        .await;
    note(
        "memory_127.error",
        too_small.map_or_else(|e| error_code(&e), |_| "accepted".to_owned()),
    );
    let unknown = client
        .get_function()
        .function_name("no-such-function")
        .send()
        .await
        .expect_err("an unknown function is not found");
    note("unknown.error", error_code(&unknown));

    client
        .delete_alias()
        .function_name(name)
        .name("live")
        .send()
        .await
        .expect("DeleteAlias succeeds");
    let aliases = client
        .list_aliases()
        .function_name(name)
        .send()
        .await
        .expect("ListAliases succeeds");
    note(
        "aliases.after_delete",
        format!("{}", aliases.aliases().len()),
    );
    client
        .delete_function()
        .function_name(name)
        .send()
        .await
        .expect("DeleteFunction succeeds");
    let gone = client
        .get_function()
        .function_name(name)
        .send()
        .await
        .expect_err("a deleted function is not found");
    note("deleted.error", error_code(&gone));
    seen
}

/// Observations where moto differs from Lambda (the emulator's value is asserted against
/// Lambda's documented behaviour instead).
const MOTO_DEVIATIONS: &[&str] = &[
    // moto accepts any memory size; Lambda answers ValidationException below 128 MB.
    "memory_127.error",
    // Lambda answers ResourceConflictException (its model's error for CreateAlias); moto
    // answers ConflictException.
    "duplicate_alias.error",
    // Lambda does not publish a new version when nothing changed since the last one; moto does.
    "republish.Version",
    "versions",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_plane_sequence_matches_moto_server() {
    let emulator = start_emulator().await;
    let moto = MotoServer::start().await;
    let ours = observe_sequence(&lambda_client(&emulator.endpoint_url()), "differential").await;
    let theirs = observe_sequence(&lambda_client(&moto.endpoint), "differential").await;
    moto.stop().await;
    emulator.shutdown().await;

    for (key, expected) in [
        ("settled.MemorySize", "Some(256)"),
        ("publish.Version", "Some(\"1\")"),
        ("republish.Version", "Some(\"1\")"),
        ("reserved.get", "Some(5)"),
        ("memory_127.error", "ValidationException"),
        ("duplicate_alias.error", "ResourceConflictException"),
        ("versions", "[(\"$LATEST\", Some(256)), (\"1\", Some(256))]"),
    ] {
        assert_eq!(ours.get(key).map(String::as_str), Some(expected), "{key}");
    }
    let mut differences = Vec::new();
    for (key, value) in ours
        .iter()
        .filter(|(k, _)| !MOTO_DEVIATIONS.contains(&k.as_str()))
    {
        match theirs.get(key) {
            Some(other) if other == value => {}
            other => differences.push(format!("{key}: emulator {value} / moto {other:?}")),
        }
    }
    assert!(
        differences.is_empty(),
        "the emulator and moto server disagree:\n{}",
        differences.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_during_an_update_is_a_conflict_until_it_settles() {
    let emulator = start_emulator_with(|c| c.control.update_delay = Duration::from_secs(30)).await;
    let client = lambda_client(&emulator.endpoint_url());
    create(
        &client,
        "slow",
        zip_of(&[("bootstrap", b"#!/bin/sh\n", 0o755)]),
    )
    .await;
    let err = client
        .update_function_configuration()
        .function_name("slow")
        .memory_size(512)
        .send()
        .await
        .expect_err("a change while the function is Pending is refused");
    assert_eq!(error_code(&err), "ResourceConflictException");
    let config = client
        .get_function_configuration()
        .function_name("slow")
        .send()
        .await
        .unwrap();
    assert_eq!(config.state().map(|s| s.as_str()), Some("Pending"));
    assert_eq!(
        config.last_update_status().map(|s| s.as_str()),
        Some("InProgress")
    );
    let err = client
        .publish_version()
        .function_name("slow")
        .send()
        .await
        .expect_err("publishing while Pending is refused");
    assert_eq!(error_code(&err), "ResourceConflictException");
    let err = client
        .invoke()
        .function_name("slow")
        .send()
        .await
        .expect_err("invoking while Pending is refused");
    assert_eq!(error_code(&err), "ResourceConflictException");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocations_keep_the_old_configuration_until_an_update_completes() {
    let emulator = start_emulator_with(|c| c.control.update_delay = Duration::from_secs(60)).await;
    let (_dir, client) = warm_io_function_updated_to_512_mb(&emulator).await;
    // The update takes a minute here: meanwhile the old configuration's warm environment
    // serves, at the old memory size, as on Lambda.
    for _ in 0..3 {
        let during = invoke_io(&client).await;
        assert!(!during.is_cold_start(), "{during:?}");
        assert_eq!(during.memory_size_mb, 128);
    }
    assert_eq!(emulator.environment_count(), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_an_update_completes_invocations_run_the_new_configuration() {
    let emulator = start_emulator().await;
    let (_dir, client) = warm_io_function_updated_to_512_mb(&emulator).await;
    client
        .wait_until_function_updated_v2()
        .function_name("io")
        .wait(WAIT)
        .await
        .unwrap();
    let after = invoke_io(&client).await;
    assert!(after.is_cold_start(), "{after:?}");
    assert_eq!(after.memory_size_mb, 512);
    // The old configuration's environment was retired when the update completed.
    assert_eq!(emulator.environment_count(), 1);
    emulator.shutdown().await;
}

/// The REPORT record of one invocation of `io`, with the log tail.
async fn invoke_io(client: &Client) -> analyzer::report_line::ReportRecord {
    let out = client
        .invoke()
        .function_name("io")
        .log_type(aws_sdk_lambda::types::LogType::Tail)
        .send()
        .await
        .unwrap();
    let records = analyzer::report_line::parse_log_tail(out.log_result().unwrap()).unwrap();
    records.into_iter().next().unwrap()
}

/// Registers the io-bound example as `io` (128 MB), warms it with one invocation, and starts
/// an update to 512 MB; returns its folder (keep it) and a client.
async fn warm_io_function_updated_to_512_mb(
    emulator: &emulator::EmulatorHandle,
) -> (tempfile::TempDir, Client) {
    let dir = test_support::bootstrap_dir(&test_support::example_bin("io-bound"));
    emulator
        .registry()
        .register_folder(emulator::registry::NewFunction::new("io", dir.path()))
        .unwrap();
    let client = lambda_client(&emulator.endpoint_url());
    let first = invoke_io(&client).await;
    assert!(first.is_cold_start());
    assert_eq!(first.memory_size_mb, 128);
    let updated = client
        .update_function_configuration()
        .function_name("io")
        .memory_size(512)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.memory_size(), Some(512));
    assert_eq!(
        updated.last_update_status().map(|s| s.as_str()),
        Some("InProgress")
    );
    (dir, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_waiter_and_aws_cli_wait_for_a_memory_update() {
    let emulator =
        start_emulator_with(|c| c.control.update_delay = Duration::from_millis(1500)).await;
    let endpoint = emulator.endpoint_url();
    let client = lambda_client(&endpoint);
    create(
        &client,
        "waited",
        zip_of(&[("bootstrap", b"#!/bin/sh\n", 0o755)]),
    )
    .await;
    client
        .wait_until_function_active_v2()
        .function_name("waited")
        .wait(WAIT)
        .await
        .expect("the SDK waiter sees the function become Active");

    let updated = client
        .update_function_configuration()
        .function_name("waited")
        .memory_size(1024)
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.last_update_status().map(|s| s.as_str()),
        Some("InProgress")
    );
    let final_state = client
        .wait_until_function_updated_v2()
        .function_name("waited")
        .wait(WAIT)
        .await
        .expect("the SDK waiter sees the update settle");
    let config = final_state.into_result().expect("waiter ends in success");
    assert_eq!(
        config
            .configuration()
            .and_then(|c| c.last_update_status())
            .map(|s| s.as_str()),
        Some("Successful")
    );

    client
        .update_function_configuration()
        .function_name("waited")
        .memory_size(2048)
        .send()
        .await
        .unwrap();
    let output = aws_cli(
        &[
            "lambda",
            "wait",
            "function-updated",
            "--function-name",
            "waited",
        ],
        &endpoint,
    )
    .await;
    assert!(
        output.status.success(),
        "aws lambda wait function-updated failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let config = client
        .get_function_configuration()
        .function_name("waited")
        .send()
        .await
        .unwrap();
    assert_eq!(
        config.last_update_status().map(|s| s.as_str()),
        Some("Successful")
    );
    assert_eq!(config.memory_size(), Some(2048));
    emulator.shutdown().await;
}

/// Sends one raw HTTP/1.1 request and returns the status code and body.
async fn raw_request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &[u8],
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Bodies beyond any limit are only announced: the server must refuse them on their
    // Content-Length alone, before reading them.
    if body.len() <= 1024 * 1024 {
        stream.write_all(body).await.unwrap();
    }
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("the emulator answers and closes the connection")
        .expect("the answer is readable");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_lambdas_errors_and_the_emulator_keeps_serving() {
    let emulator = start_emulator().await;
    let client = lambda_client(&emulator.endpoint_url());
    let addr = emulator.local_addr();

    let (status, body) = raw_request(addr, "POST", "/2015-03-31/functions", b"{not json").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"Type\":\"User\""), "{body}");

    let err = client
        .get_function_configuration()
        .function_name("missing")
        .send()
        .await
        .expect_err("unknown function");
    assert_eq!(error_code(&err), "ResourceNotFoundException");
    assert_eq!(
        err.message(),
        Some("Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing")
    );

    create(
        &client,
        "valid",
        zip_of(&[("bootstrap", b"#!/bin/sh\n", 0o755)]),
    )
    .await;
    for (memory, bound) in [
        (127, "greater than or equal to 128"),
        (10_241, "less than or equal to 10240"),
    ] {
        let zip = zip_of(&[("bootstrap", b"#!/bin/sh\n", 0o755)]);
        let err = create_function(&client, &format!("mem{memory}"), zip)
            .memory_size(memory)
            .send()
            .await
            .expect_err("memory outside 128..=10240 is refused");
        assert_eq!(error_code(&err), "ValidationException");
        assert!(err.message().unwrap_or_default().contains(bound), "{err:?}");
    }

    let evil = zip_of(&[
        ("bootstrap", b"#!/bin/sh\n", 0o755),
        ("../escaped", b"x", 0o644),
    ]);
    let err = create_function(&client, "zipslip", evil)
        .send()
        .await
        .expect_err("a zip entry outside the function's folder is refused");
    assert_eq!(error_code(&err), "InvalidParameterValueException");
    let err = client
        .get_function()
        .function_name("zipslip")
        .send()
        .await
        .expect_err("the refused function was not created");
    assert_eq!(error_code(&err), "ResourceNotFoundException");

    let no_bootstrap = zip_of(&[("handler.py", b"print(1)\n", 0o644)]);
    let err = create_function(&client, "nobootstrap", no_bootstrap)
        .send()
        .await
        .expect_err("a custom-runtime package without bootstrap is refused");
    assert_eq!(error_code(&err), "InvalidParameterValueException");

    // 80 MB: beyond the 50 MB zipped limit even before base64.
    let huge = vec![b'A'; 80 * 1024 * 1024];
    let (status, body) = raw_request(addr, "POST", "/2015-03-31/functions", &huge).await;
    assert_eq!(status, 413, "{body}");

    // Still serving after all of that.
    let config = client
        .get_function_configuration()
        .function_name("valid")
        .send()
        .await
        .expect("the emulator still answers");
    assert_eq!(config.function_name(), Some("valid"));
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_settings_and_reserved_concurrency_keep_the_unreserved_minimum() {
    let emulator = start_emulator().await;
    let client = lambda_client(&emulator.endpoint_url());
    create(
        &client,
        "greedy",
        zip_of(&[("bootstrap", b"#!/bin/sh\n", 0o755)]),
    )
    .await;
    let err = client
        .put_function_concurrency()
        .function_name("greedy")
        .reserved_concurrent_executions(901)
        .send()
        .await
        .expect_err("leaving fewer than 100 unreserved is refused");
    assert_eq!(error_code(&err), "InvalidParameterValueException");
    client
        .put_function_concurrency()
        .function_name("greedy")
        .reserved_concurrent_executions(900)
        .send()
        .await
        .expect("leaving exactly 100 unreserved is accepted");
    let settings = client.get_account_settings().send().await.unwrap();
    let limit = settings.account_limit().unwrap();
    assert_eq!(limit.concurrent_executions(), 1000);
    assert_eq!(limit.unreserved_concurrent_executions(), Some(100));
    assert_eq!(settings.account_usage().unwrap().function_count(), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_versions_aliases_and_tags_behave_as_on_lambda() {
    use aws_sdk_lambda::types::{Environment, LogFormat, LoggingConfig};
    let emulator =
        start_emulator_with(|c| c.control.update_delay = Duration::from_millis(50)).await;
    let client = lambda_client(&emulator.endpoint_url());
    let created = create(
        &client,
        "knobs",
        zip_of(&[("bootstrap", b"#!/bin/sh\n", 0o755)]),
    )
    .await;
    let settle = || async {
        client
            .wait_until_function_updated_v2()
            .function_name("knobs")
            .wait(WAIT)
            .await
            .expect("the update settles");
    };
    settle().await;
    client
        .update_function_configuration()
        .function_name("knobs")
        .description("tuned")
        .timeout(30)
        .environment(Environment::builder().variables("MODE", "fast").build())
        .logging_config(LoggingConfig::builder().log_format(LogFormat::Json).build())
        .send()
        .await
        .unwrap();
    settle().await;
    let config = client
        .get_function_configuration()
        .function_name("knobs")
        .send()
        .await
        .unwrap();
    assert_eq!(config.description(), Some("tuned"));
    assert_eq!(config.timeout(), Some(30));
    assert_eq!(
        config
            .environment()
            .and_then(|e| e.variables())
            .and_then(|v| v.get("MODE")),
        Some(&"fast".to_owned())
    );
    assert_eq!(
        config.logging_config().and_then(|l| l.log_format()),
        Some(&LogFormat::Json)
    );
    assert_ne!(config.revision_id(), created.revision_id());

    let err = client
        .update_function_configuration()
        .function_name("knobs")
        .timeout(901)
        .send()
        .await
        .expect_err("a timeout over 900 s is refused");
    assert_eq!(error_code(&err), "ValidationException");
    let err = client
        .update_function_configuration()
        .function_name("knobs")
        .revision_id("stale")
        .memory_size(256)
        .send()
        .await
        .expect_err("a stale revision id is refused");
    assert_eq!(error_code(&err), "PreconditionFailedException");

    let new_code = zip_of(&[("bootstrap", b"#!/bin/sh\necho v2\n", 0o755)]);
    let updated = client
        .update_function_code()
        .function_name("knobs")
        .zip_file(Blob::new(new_code))
        .architectures(Architecture::Arm64)
        .send()
        .await
        .unwrap();
    assert_ne!(updated.code_sha256(), created.code_sha256());
    assert_eq!(updated.architectures(), [Architecture::Arm64]);
    settle().await;

    let v1 = publish_live_alias(&client, "knobs").await;
    assert_eq!(v1.version(), Some("1"));
    let by_alias = client
        .get_function()
        .function_name("knobs")
        .qualifier("live")
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_alias.configuration().and_then(|c| c.version()),
        Some("1")
    );
    let err = client
        .delete_function()
        .function_name("knobs")
        .qualifier("1")
        .send()
        .await
        .expect_err("a version an alias points at cannot be deleted");
    assert_eq!(error_code(&err), "ResourceConflictException");
    let err = client
        .create_alias()
        .function_name("knobs")
        .name("later")
        .function_version("7")
        .send()
        .await
        .expect_err("an alias needs an existing version");
    assert_eq!(error_code(&err), "ResourceNotFoundException");
    client
        .update_alias()
        .function_name("knobs")
        .name("live")
        .function_version("$LATEST")
        .send()
        .await
        .unwrap();
    client
        .delete_function()
        .function_name("knobs")
        .qualifier("1")
        .send()
        .await
        .expect("an unreferenced version can be deleted");
    let versions = client
        .list_versions_by_function()
        .function_name("knobs")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 1, "only $LATEST is left");

    let arn = created.function_arn().unwrap();
    client
        .tag_resource()
        .resource(arn)
        .tags("owner", "perf")
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource(arn)
        .tag_keys("powertune")
        .send()
        .await
        .unwrap();
    let tags = client.list_tags().resource(arn).send().await.unwrap();
    let tags: Vec<_> = tags.tags().unwrap().iter().collect();
    assert_eq!(tags, [(&"owner".to_owned(), &"perf".to_owned())]);
    let listed = client.list_functions().send().await.unwrap();
    assert_eq!(listed.functions().len(), 1);

    let function = client
        .get_function()
        .function_name("knobs")
        .send()
        .await
        .unwrap();
    let location = function
        .code()
        .and_then(|c| c.location())
        .unwrap()
        .to_owned();
    let code_dir = std::path::PathBuf::from(location.strip_prefix("file://").unwrap());
    assert!(
        code_dir.join("bootstrap").is_file(),
        "{}",
        code_dir.display()
    );
    emulator.shutdown().await;
    assert!(!code_dir.exists(), "uploaded code is removed on shutdown");
}
