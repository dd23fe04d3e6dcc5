//! Issue 9 acceptance: the concurrency analysis predicts what the emulator does under an
//! open-loop load at a fixed request rate.
//!
//! The io-bound example sleeps 200 ms per request; requests are sent every 25 ms (40 req/s)
//! by a tokio interval, never waiting for answers, 320 in all (8 s). A short warm-up measures
//! the handler durations (REPORT lines), and `analyzer::concurrency` turns them into the
//! predictions checked here: the concurrency Little's law needs, and the provisioned
//! concurrency that removes 90 % of the cold starts at that rate. Only counts are asserted.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::harness::*;
use analyzer::concurrency::{
    ConcurrencyFigures, ConcurrencyInput, ConcurrencyPrices, DurationProfile, Traffic,
    concurrency_figures_with_prices,
};
use analyzer::result::ConfigKey;
use analyzer::units::{Architecture, MemoryMb};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::LogType;
use emulator::EmulatorHandle;

/// Requests per second of the open-loop load.
const RATE: f64 = 40.0;
/// Time between two sends (1 / RATE).
const PERIOD: Duration = Duration::from_millis(25);
/// Requests of one load run (8 s at RATE).
const REQUESTS: usize = 320;
/// What each request asks the io-bound handler to sleep.
const SLEEP_MS: u64 = 200;
/// Busy counts are sampled from this long after the first send (the ramp-up) until the last
/// send.
const RAMP_UP: Duration = Duration::from_secs(1);
/// Probability that the peak of a correct emulator exceeds the upper bound.
const ALPHA: f64 = 1e-4;
/// Share of cold starts provisioned concurrency should remove.
const SHARE_TO_REMOVE: f64 = 0.9;
const LIMIT: Duration = Duration::from_secs(30);

/// One invocation sleeping [`SLEEP_MS`]; returns its request id and handler duration (ms).
async fn invoke(
    client: aws_sdk_lambda::Client,
    function: String,
    qualifier: Option<String>,
) -> (String, f64) {
    let out = client
        .invoke()
        .function_name(function)
        .set_qualifier(qualifier)
        .payload(Blob::new(format!(r#"{{"sleep_ms": {SLEEP_MS}}}"#)))
        .log_type(LogType::Tail)
        .send()
        .await
        .expect("the invocation succeeds");
    assert_eq!(out.function_error(), None);
    let report = report_of(out.log_result().unwrap());
    (report.request_id, report.duration_ms)
}

/// Two rounds of 8 concurrent invocations of `$LATEST`; returns their handler durations.
async fn warm_up(client: &aws_sdk_lambda::Client, function: &str) -> Vec<f64> {
    let mut durations = Vec::new();
    for _ in 0..2 {
        let tasks: Vec<_> = (0..8)
            .map(|_| tokio::spawn(invoke(client.clone(), function.to_owned(), None)))
            .collect();
        for task in tasks {
            durations.push(task.await.unwrap().1);
        }
    }
    durations
}

/// The analysis of the load: RATE constant, the warm-up's durations.
fn analyse(durations: &[f64]) -> ConcurrencyFigures {
    let summary = analyzer::stats::summarize(durations, 0.0, 0.95, 9).unwrap();
    let input = ConcurrencyInput {
        key: ConfigKey {
            memory_mb: MemoryMb::try_from(512).unwrap(),
            architecture: Architecture::X86_64,
        },
        region: "us-east-1".to_owned(),
        traffic: Traffic::Rates {
            average_rps: RATE,
            peak_rps: RATE,
        },
        duration: DurationProfile::from_summary(&summary),
        cold_start_rate: 1.0,
        init_duration_ms: 0.0,
        downstream_limit: None,
        cold_start_share_to_remove: SHARE_TO_REMOVE,
        hours_per_month: analyzer::concurrency::HOURS_PER_MONTH,
    };
    // us-east-1 x86_64 prices; the figures checked here do not depend on them.
    let prices = ConcurrencyPrices {
        on_demand_usd_per_gb_second: 0.0000166667,
        provisioned_usd_per_gb_second: 0.0000041667,
        provisioned_duration_usd_per_gb_second: 0.0000097222,
        request_usd: 0.0000002,
    };
    concurrency_figures_with_prices(&input, &prices).unwrap()
}

/// Upper bound on the peak number in service over `window_s` seconds, for Poisson arrivals at
/// `rate` into an M/G/inf queue whose mean number in service is `mean` (= rate x mean
/// duration).
///
/// Method (upcrossing bound): in steady state the number in service is Poisson(`mean`) at any
/// time, and by PASTA an arrival sees that same distribution. The peak exceeds `k` only if
/// the count already exceeds `k` at the start, or some arrival in the window finds exactly
/// `k` in service; so `P(peak > k) <= P(X > k) + rate x window x P(X = k)` (union and Markov
/// bounds). The bound is the smallest `k` making that at most [`ALPHA`]. Deterministic
/// arrivals, as sent here, keep the count closer to the mean than Poisson ones, so the bound
/// is conservative for them; the slack absorbs scheduling jitter and the few ms of overhead
/// around the handler.
fn peak_upper_bound(mean: f64, rate: f64, window_s: f64) -> u32 {
    let mut pmf = (-mean).exp();
    let mut cdf = pmf;
    let mut k = 0u32;
    loop {
        if (1.0 - cdf) + rate * window_s * pmf <= ALPHA {
            return k;
        }
        k += 1;
        pmf *= mean / f64::from(k);
        cdf += pmf;
    }
}

/// What one open-loop run saw.
struct Run {
    /// Request ids of every invocation of the run.
    request_ids: HashSet<String>,
    /// Peak busy count of the function during the steady part.
    peak_busy: u32,
    /// Peak number of live environments during the whole run.
    peak_environments: usize,
}

/// Sends [`REQUESTS`] invocations, one every [`PERIOD`], without waiting for answers, while
/// sampling the function's busy count and the number of environments.
async fn open_loop(
    emulator: &EmulatorHandle,
    client: &aws_sdk_lambda::Client,
    function: &str,
    qualifier: Option<&str>,
) -> Run {
    let steady = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    let peak_environments = AtomicUsize::new(0);
    // Polled alongside the sender below (not spawned: it borrows the emulator).
    let sampler = async {
        let mut peak_busy = 0;
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        // Bounded: 60 s of samples at most.
        for _ in 0..60_000 {
            tick.tick().await;
            if done.load(Ordering::Acquire) {
                break;
            }
            peak_environments.fetch_max(emulator.environment_count(), Ordering::AcqRel);
            if steady.load(Ordering::Acquire) {
                let busy = emulator.busy_invocations(function).unwrap_or(0);
                peak_busy = peak_busy.max(busy);
            }
        }
        peak_busy
    };

    let sender = async {
        let ramp_up_sends = (RAMP_UP.as_millis() / PERIOD.as_millis()) as usize;
        let mut tick = tokio::time::interval(PERIOD);
        // A late tick is not made up by a burst: a stalled sender (a busy host) must not bunch
        // arrivals, which the model takes as evenly spread.
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut tasks = Vec::with_capacity(REQUESTS);
        for i in 0..REQUESTS {
            tick.tick().await;
            if i == ramp_up_sends {
                steady.store(true, Ordering::Release);
            }
            tasks.push(tokio::spawn(invoke(
                client.clone(),
                function.to_owned(),
                qualifier.map(str::to_owned),
            )));
        }
        steady.store(false, Ordering::Release);
        let mut request_ids = HashSet::new();
        for task in tasks {
            assert!(request_ids.insert(task.await.unwrap().0));
        }
        done.store(true, Ordering::Release);
        request_ids
    };
    let (request_ids, peak_busy) = tokio::join!(sender, sampler);
    Run {
        request_ids,
        peak_busy,
        peak_environments: peak_environments.load(Ordering::Acquire),
    }
}

/// Request ids of the run whose REPORT line has an Init Duration (cold starts), from the log
/// store; asserts every request of the run has exactly one REPORT line.
fn cold_starts(emulator: &EmulatorHandle, function: &str, run: &Run) -> usize {
    let mut reported = HashSet::new();
    let mut cold = 0;
    for line in report_lines(emulator, function) {
        let record = analyzer::report_line::parse_line(line.trim_end()).unwrap();
        if run.request_ids.contains(&record.request_id) {
            assert!(reported.insert(record.request_id.clone()), "REPORT twice");
            cold += usize::from(record.init_duration_ms.is_some());
        }
    }
    assert_eq!(reported.len(), REQUESTS, "one REPORT line per request");
    cold
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue_9_peak_busy_environments_lie_within_littles_law_and_its_poisson_bound() {
    let emulator = start().await;
    let _dir = register_io_bound(&emulator, "littles-law", Duration::from_secs(30));
    let client = lambda_client(&emulator.endpoint_url());

    let figures = analyse(&warm_up(&client, "littles-law").await);
    // Little's law at the (constant) rate on the mean duration.
    let needed = &figures.needed[0];
    assert_eq!(needed.name, "concurrency at average rate, mean duration");
    let window_s = REQUESTS as f64 / RATE - RAMP_UP.as_secs_f64();
    let upper = peak_upper_bound(needed.value, RATE, window_s);
    // The count in service stays at or above floor(rate x duration) in steady state with
    // arrivals every 1/rate s; the peak over the window cannot be lower.
    let lower = needed.value.floor() as u32;
    let warm_environments = emulator.environment_count();

    let run = open_loop(&emulator, &client, "littles-law", None).await;
    eprintln!(
        "{}; predicted peak in [{lower}, {upper}]; observed peak busy {}, peak environments {} \
         ({warm_environments} after the warm-up), environments now {}",
        needed.formula,
        run.peak_busy,
        run.peak_environments,
        emulator.environment_count()
    );
    assert!(
        (lower..=upper).contains(&run.peak_busy),
        "peak busy {} outside [{lower}, {upper}] ({})",
        run.peak_busy,
        needed.formula
    );
    // No leak: environments only grow when every live one is busy, so they never exceed
    // what the peak needed, and each one is still live (none lost, none left over).
    assert!(run.peak_environments <= upper as usize);
    assert!(emulator.environment_count() <= run.peak_environments);
    assert_eq!(emulator.busy_invocations("littles-law"), Some(0));
    assert_eq!(
        emulator.idle_environments("littles-law"),
        emulator.environment_count()
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue_9_provisioned_concurrency_from_the_analysis_leaves_only_the_spill_over_cold() {
    let emulator = start().await;
    let _dir = register_io_bound(&emulator, "provisioned", Duration::from_secs(30));
    let client = lambda_client(&emulator.endpoint_url());

    // The warm-up runs on $LATEST, whose environments never serve version 1.
    let figures = analyse(&warm_up(&client, "provisioned").await);
    let needed = &figures.needed[0];
    let provisioned = &figures.provisioned.provisioned_concurrency;
    let p = provisioned.value as u32;
    assert!(p >= 1, "{}", provisioned.formula);

    publish_live_alias(&client, "provisioned").await;
    client
        .put_provisioned_concurrency_config()
        .function_name("provisioned")
        .qualifier("live")
        .provisioned_concurrent_executions(p as i32)
        .send()
        .await
        .unwrap();
    wait_provisioned_ready(&client, "provisioned", "live", LIMIT).await;
    let before = emulator.environment_count();

    let run = open_loop(&emulator, &client, "provisioned", Some("live")).await;
    let cold = cold_starts(&emulator, "provisioned", &run);
    let created = emulator.environment_count() - before;
    let window_s = REQUESTS as f64 / RATE;
    let upper = peak_upper_bound(needed.value, RATE, window_s);
    let spill_over = upper.saturating_sub(p) as usize;
    eprintln!(
        "{}; {}; cold starts {cold} (predicted at most {spill_over} = {upper} - {p}), \
         environments created {created}, peak busy {}",
        needed.formula, provisioned.formula, run.peak_busy
    );
    // The rule: the first P concurrent requests run on the P provisioned environments, so a
    // request is a cold start only when more than P are in service at once; each cold start
    // adds one environment that then stays warm. The cold starts are therefore exactly the
    // environments created during the run, and at most the peak's excess over P, which the
    // Poisson bound (as in the Little's law test, over the whole run) caps at `upper - P`. The
    // analysis sizes P to cover the mean concurrency (P >= share x rate x mean duration), so
    // only fluctuations above the mean spill over.
    assert!(f64::from(p) >= SHARE_TO_REMOVE * needed.value);
    assert_eq!(cold, created, "each cold start is one new environment");
    assert!(
        cold <= spill_over,
        "{cold} cold starts, predicted at most {spill_over}"
    );
    // The analysis' own claim: at least SHARE_TO_REMOVE of the invocations run on provisioned
    // environments, so at most the rest run on demand, and only those can be cold.
    assert!(
        figures.provisioned.cold_starts_removed_share.value >= SHARE_TO_REMOVE,
        "{}",
        figures.provisioned.cold_starts_removed_share.formula
    );
    assert!(cold as f64 <= (1.0 - SHARE_TO_REMOVE) * REQUESTS as f64);
    emulator.shutdown().await;
}
