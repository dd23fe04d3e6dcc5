//! Hostile input: function names carrying shell or HTML metacharacters are refused by
//! CreateFunction with Lambda's validation error, oversized request headers are refused without
//! harm, and the API listens on loopback unless told otherwise.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::harness::{create_function, lambda_client, sleepy_runtime_zip, start_emulator};
use aws_sdk_lambda::error::ProvideErrorMetadata as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_with_shell_or_html_metacharacters_are_a_validation_error() {
    let emulator = start_emulator().await;
    let client = lambda_client(&emulator.endpoint_url());
    let zip = sleepy_runtime_zip();
    for name in [
        "f;rm -rf ~",
        "f$(id)",
        "f`id`",
        "f|cat",
        "f&&true",
        "a b",
        "<script>alert(1)</script>",
        "f\"onload=\"x",
        "f'x",
        "../etc/passwd",
        "f\nREPORT",
    ] {
        let err = create_function(&client, name, zip.clone())
            .send()
            .await
            .expect_err(name);
        let service = err.into_service_error();
        assert_eq!(
            service.code(),
            Some("ValidationException"),
            "{name:?}: {service:?}"
        );
        assert!(
            service
                .message()
                .is_some_and(|m| m.contains("functionName")),
            "{name:?}: {service:?}"
        );
    }
    assert!(
        emulator.registry().names().is_empty(),
        "no function was created"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_are_refused_and_the_api_keeps_serving() {
    let emulator = start_emulator().await;
    let mut stream = tokio::net::TcpStream::connect(emulator.local_addr())
        .await
        .unwrap();
    let request = format!(
        "GET /2015-03-31/functions/ HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n",
        "a".repeat(1024 * 1024)
    );
    // The server may stop reading and close before the whole request is written.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty()
            || answer.starts_with("HTTP/1.1 431")
            || answer.starts_with("HTTP/1.1 400"),
        "an oversized header is not served: {answer}"
    );
    let listed = lambda_client(&emulator.endpoint_url())
        .list_functions()
        .send()
        .await
        .unwrap();
    assert!(listed.functions().is_empty());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_binds_loopback_unless_told_otherwise() {
    assert!(emulator::Emulator::default().bind.ip().is_loopback());
    let emulator = start_emulator().await;
    assert!(emulator.local_addr().ip().is_loopback());
    assert!(emulator.endpoint_url().starts_with("http://127.0.0.1:"));
    assert_eq!(emulator::exposure_warning(emulator.local_addr()), None);
    emulator.shutdown().await;
}

#[test]
fn a_non_loopback_bind_is_announced_as_reachable_from_other_hosts() {
    let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 9001);
    let warning = emulator::exposure_warning(addr).expect("a warning");
    assert!(warning.contains("0.0.0.0:9001"), "{warning}");
    assert!(warning.contains("not only on loopback"), "{warning}");
}
