//! A function that fails on demand, to check that failures look as they do on Lambda.
//!
//! Payload `{"mode": ...}`:
//! `ok` (default) answers `{"ok": true}`; `crash` exits with status 1; `panic` panics in the
//! handler; `timeout` never answers; `oom` allocates and touches memory until the memory
//! limit kills it; `print` prints `{"bytes": N}` (default 10,000) bytes of log lines;
//! `error` returns a handled error.
//!
//! Environment: `INIT_FAIL=1` reports an init error to the Runtime API and exits;
//! `INIT_WORK_MS=N` spins the CPU for N ms before serving (a slow init).

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::{Value, json};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let mode = event.payload["mode"].as_str().unwrap_or("ok");
    match mode {
        "crash" => {
            println!("crashing on purpose");
            std::process::exit(1);
        }
        "panic" => panic!("panicking on purpose"),
        "timeout" => loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        },
        "oom" => {
            let memory_mb: usize = std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(128);
            let mut blocks: Vec<Vec<u8>> = Vec::new();
            // Touch every page so the memory is really used; stop at 4x the limit in case no
            // limit applies.
            for _ in 0..(memory_mb * 4 / 16) {
                blocks.push(vec![1u8; 16 * 1024 * 1024]);
            }
            Ok(json!({ "allocated_mb": blocks.len() * 16 }))
        }
        "print" => {
            let bytes = event.payload["bytes"].as_u64().unwrap_or(10_000);
            let line = "x".repeat(99);
            let mut printed = 0;
            let mut n = 0;
            while printed < bytes {
                println!("{n:08} {line}");
                printed += 109;
                n += 1;
            }
            Ok(json!({ "printed_bytes": printed }))
        }
        "error" => Err("handled error on purpose".into()),
        _ => Ok(json!({ "ok": true })),
    }
}

/// Posts an init error to the Runtime API with a plain HTTP/1.1 request, as a runtime whose
/// init failed does.
fn report_init_error(message: &str) -> std::io::Result<()> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").unwrap_or_default();
    let body = json!({ "errorMessage": message, "errorType": "Runtime.InitError" }).to_string();
    let mut stream = TcpStream::connect(&api)?;
    write!(
        stream,
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {api}\r\n\
         Lambda-Runtime-Function-Error-Type: Runtime.InitError\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    if std::env::var("INIT_FAIL").is_ok_and(|v| v == "1") {
        eprintln!("init failing on purpose");
        report_init_error("init failed on purpose")?;
        std::process::exit(1);
    }
    if let Some(ms) = std::env::var("INIT_WORK_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        example_functions::busy_for(Duration::from_millis(ms));
    }
    run(service_fn(handler)).await
}
