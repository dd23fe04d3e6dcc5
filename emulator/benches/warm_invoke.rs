//! Warm-invoke overhead of the emulator: time from the Invoke request written to the response
//! read, minus the handler time the REPORT line states (Duration: event delivered -> response
//! posted), for a handler that does nothing (`io-bound` with `sleep_ms: 0`, 1,769 MB).
//!
//! ```sh
//! cargo bench -p emulator --bench warm_invoke                  # 2,000 samples
//! cargo bench -p emulator --bench warm_invoke -- --samples 5000
//! # The same round trip against another Invoke endpoint (e.g. `cargo lambda watch`):
//! cargo bench -p emulator --bench warm_invoke -- --compare 127.0.0.1:9000 io-bound
//! ```
//!
//! Prints p50 / p99 / mean in microseconds.

mod support;

use std::time::Instant;

use analyzer::units::MemoryMb;
use emulator::registry::NewFunction;
use support::{Client, release_example, report_duration_ms, summarize};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut samples = 2_000usize;
    let mut compare: Option<(String, String)> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--samples" => {
                samples = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--samples takes a number");
            }
            "--compare" => {
                let host = args.next().expect("--compare takes HOST:PORT FUNCTION");
                let function = args.next().expect("--compare takes HOST:PORT FUNCTION");
                compare = Some((host, function));
            }
            // `cargo bench` passes `--bench`.
            _ => {}
        }
    }
    let (runtime, emulator) = support::start_emulator();
    let binary = release_example("io-bound");
    let dir = test_support::bootstrap_dir(&binary);
    emulator
        .registry()
        .register_folder(
            NewFunction::new("noop", dir.path()).memory(MemoryMb::try_from(1769).expect("valid")),
        )
        .expect("function registers");
    let host = emulator.local_addr().to_string();
    println!(
        "emulator at {host}, isolation {}, handler {}",
        emulator.isolation().as_str(),
        binary.display()
    );

    let path = "/2015-03-31/functions/noop/invocations";
    let tail = [("X-Amz-Log-Type", "Tail")];
    let body = br#"{"sleep_ms": 0}"#;
    let (round_trips, overheads) = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let mut client = Client::connect(&host);
                for _ in 0..100 {
                    let reply = client.post(path, &tail, body);
                    assert_eq!(reply.status, 200);
                }
                let mut round_trips = Vec::with_capacity(samples);
                let mut overheads = Vec::with_capacity(samples);
                for _ in 0..samples {
                    let start = Instant::now();
                    let reply = client.post(path, &tail, body);
                    let elapsed_us = start.elapsed().as_secs_f64() * 1e6;
                    assert_eq!(reply.status, 200, "{}", support::decode_tail(&reply));
                    assert!(reply.header("x-amz-function-error").is_none());
                    let handler_us = report_duration_ms(&reply) * 1000.0;
                    round_trips.push(elapsed_us);
                    overheads.push((elapsed_us - handler_us).max(0.0));
                }
                (round_trips, overheads)
            })
            .join()
            .expect("the client thread does not panic")
    });
    summarize("emulator: round trip (LogType=Tail)", round_trips);
    summarize("emulator: overhead = round trip - Duration", overheads);

    if let Some((other, function)) = compare {
        let path = format!("/2015-03-31/functions/{function}/invocations");
        let mut client = Client::connect(&other);
        for _ in 0..100 {
            let reply = client.post(&path, &[], body);
            assert_eq!(
                reply.status,
                200,
                "{}",
                String::from_utf8_lossy(&reply.body)
            );
        }
        let mut round_trips = Vec::with_capacity(samples);
        for _ in 0..samples {
            let start = Instant::now();
            let reply = client.post(&path, &[], body);
            round_trips.push(start.elapsed().as_secs_f64() * 1e6);
            assert_eq!(reply.status, 200);
        }
        summarize(&format!("{other}: round trip"), round_trips);
    }
    runtime.block_on(emulator.shutdown());
}
