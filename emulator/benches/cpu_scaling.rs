//! CPU scaling: the `cpu-bound` example at 128, 512, 1,769 and 3,538 MB, on one and two
//! threads. Prints a Markdown table of the median REPORT Duration per memory size.
//!
//! ```sh
//! cargo bench -p emulator --bench cpu_scaling                      # 5 runs, 100M iterations
//! cargo bench -p emulator --bench cpu_scaling -- --runs 7 --iterations 200000000
//! ```

mod support;

use analyzer::units::MemoryMb;
use emulator::registry::NewFunction;
use support::{Client, quantile, release_example, report_duration_ms};

const MEMORY_SIZES_MB: [u32; 4] = [128, 512, 1769, 3538];

fn main() {
    let mut args = std::env::args().skip(1);
    let mut runs = 5usize;
    let mut iterations = 100_000_000u64;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--iterations" => {
                iterations = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--iterations N");
            }
            _ => {}
        }
    }
    let (runtime, emulator) = support::start_emulator();
    let binary = release_example("cpu-bound");
    let dir = test_support::bootstrap_dir(&binary);
    let host_cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    for memory in MEMORY_SIZES_MB {
        emulator
            .registry()
            .register_folder(
                NewFunction::new(format!("cpu-{memory}"), dir.path())
                    .memory(MemoryMb::try_from(memory).expect("valid"))
                    .timeout(std::time::Duration::from_secs(900)),
            )
            .expect("function registers");
    }
    let host = emulator.local_addr().to_string();
    let mut medians: Vec<(u32, [f64; 2])> = Vec::new();
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let mut client = Client::connect(&host);
                for memory in MEMORY_SIZES_MB {
                    let path = format!("/2015-03-31/functions/cpu-{memory}/invocations");
                    let mut row = [0.0; 2];
                    for (i, threads) in [1, 2].into_iter().enumerate() {
                        let body =
                            format!(r#"{{"iterations": {iterations}, "threads": {threads}}}"#);
                        // The first run is the cold start; it is not measured.
                        client.post(&path, &[("X-Amz-Log-Type", "Tail")], body.as_bytes());
                        let mut durations: Vec<f64> = (0..runs)
                            .map(|_| {
                                let reply = client.post(
                                    &path,
                                    &[("X-Amz-Log-Type", "Tail")],
                                    body.as_bytes(),
                                );
                                assert_eq!(reply.status, 200);
                                report_duration_ms(&reply)
                            })
                            .collect();
                        durations.sort_by(f64::total_cmp);
                        row[i] = quantile(&durations, 0.5);
                    }
                    medians.push((memory, row));
                }
            })
            .join()
            .expect("the client thread does not panic")
    });
    println!(
        "isolation {}, host CPUs {host_cpus}, {iterations} iterations, median of {runs} warm runs\n",
        emulator.isolation().as_str()
    );
    println!(
        "| memory (MB) | CPU quota | 1 thread: Duration (ms) | speed-up vs 128 MB | 2 threads: Duration (ms) | speed-up vs 128 MB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    let base = medians[0].1;
    for (memory, [one, two]) in &medians {
        let quota = emulator::cgroup::cpu_quota_us(*memory, host_cpus as u32) as f64 / 100_000.0;
        println!(
            "| {memory} | {quota:.3} CPU | {one:.1} | {:.2}x | {two:.1} | {:.2}x |",
            base[0] / one,
            base[1] / two
        );
    }
    runtime.block_on(emulator.shutdown());
}
