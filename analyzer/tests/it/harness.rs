//! Builders shared by the tests: memory sizes, configurations, REPORT records, and synthetic
//! cold-start runs from a seeded lognormal generator.

use analyzer::coldstart::{ColdStartResult, ColdStartSample, summarize_cold_starts};
use analyzer::environment::{Backend, Isolation};
use analyzer::report_line::ReportRecord;
use analyzer::result::{ConfigKey, FunctionInfo, RunEnvironment};
use analyzer::stats::SplitMix64;
use analyzer::units::{Architecture, MemoryMb};

/// The analyzer's own SplitMix64, with the distributions synthetic data needs.
pub struct Rng(SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(SplitMix64::new(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Lognormal with the given median and log-scale standard deviation.
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }
}

/// A memory size Lambda allows.
pub fn mb(value: u32) -> MemoryMb {
    MemoryMb::try_from(value).unwrap()
}

pub fn key(memory: u32, arch: Architecture) -> ConfigKey {
    ConfigKey {
        memory_mb: mb(memory),
        architecture: arch,
    }
}

/// A REPORT record with its required fields and no optional one.
pub fn report(
    request_id: &str,
    duration_ms: f64,
    billed_duration_ms: u64,
    memory_size_mb: u32,
    max_memory_used_mb: u32,
) -> ReportRecord {
    ReportRecord {
        request_id: request_id.to_owned(),
        duration_ms,
        billed_duration_ms,
        memory_size_mb,
        max_memory_used_mb,
        init_duration_ms: None,
        restore_duration_ms: None,
        billed_restore_duration_ms: None,
        status: None,
        error_type: None,
        xray: None,
    }
}

pub fn samples(init_ms: &[f64]) -> Vec<ColdStartSample> {
    init_ms
        .iter()
        .enumerate()
        .map(|(i, &init)| ColdStartSample {
            request_id: format!("00000000-0000-0000-0000-{i:012}"),
            init_duration_ms: init,
            duration_ms: 3.0 + (i % 3) as f64,
            billed_duration_ms: (init + 5.0).ceil() as u64,
            max_memory_used_mb: 40 + (i % 2) as u32,
        })
        .collect()
}

pub fn environment() -> RunEnvironment {
    RunEnvironment {
        backend: Backend::Emulator,
        region: "us-east-1".to_owned(),
        powertune_version: "0.1.0".to_owned(),
        host_architecture: Some(Architecture::X86_64),
        host_cpus: Some(2),
        isolation: Some(Isolation::CgroupV1),
        started_at: None,
    }
}

/// A cold-start result with one configuration per `(key, init durations)` pair.
pub fn run(configs: &[(ConfigKey, Vec<f64>)]) -> ColdStartResult {
    let configurations = configs
        .iter()
        .map(|(k, init)| summarize_cold_starts(*k, samples(init), 0.95, 1).unwrap())
        .collect();
    ColdStartResult::new(
        FunctionInfo {
            name: "checkout".to_owned(),
            arn: None,
            original_memory_mb: Some(mb(1024)),
            original_architecture: Some(Architecture::X86_64),
        },
        environment(),
        configurations,
        Vec::new(),
    )
}

/// `n` lognormal Init Durations.
pub fn lognormal_inits(rng: &mut Rng, n: usize, median: f64, sigma: f64) -> Vec<f64> {
    (0..n).map(|_| rng.lognormal(median, sigma)).collect()
}

/// Like [`run`] but with placeholder summaries: the gate reads only the raw samples, and the
/// repeated-pairs evaluation builds hundreds of runs.
pub fn run_samples_only(k: ConfigKey, init: &[f64]) -> ColdStartResult {
    let mut config = summarize_cold_starts(k, samples(&[1.0]), 0.95, 1).unwrap();
    config.samples = samples(init);
    let mut result = run(&[]);
    result.configurations.push(config);
    result
}
