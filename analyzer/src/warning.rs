//! Conditions that did not stop a run but that a reader must know: the one list of warning
//! codes, and one constructor per warning so that each message is written once.
//!
//! A code is part of the result schema (`cli/README.md` calls codes stable): it serializes in
//! kebab case (`cpu-not-throttled`), and a new condition gets a new [`WarningCode`] variant.
//!
//! ```
//! use analyzer::warning::{Warning, WarningCode};
//! let warning = Warning::no_timestamps();
//! assert_eq!(warning.code, WarningCode::NoTimestamps);
//! assert_eq!(serde_json::to_value(warning.code).unwrap(), "no-timestamps");
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::units::{Architecture, MemoryMb};

/// What a [`Warning`] is about: a stable, machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningCode {
    /// The emulator could not limit CPU by memory size (no writable cgroups).
    CpuNotThrottled,
    /// Some invocations of a configuration failed with an allowed error type.
    FunctionErrors,
    /// Cold starts ended in allowed function errors.
    AllowedFunctionErrors,
    /// REPORT records cut from the log tail were read from CloudWatch Logs.
    ReportFromLogs,
    /// Provisioned-concurrency figures assume a constant load at the average rate.
    ConstantLoadAssumed,
    /// A percentile was estimated from too few samples to be stable.
    FewSamplesForPercentile,
    /// A log holds records at more than one memory size.
    SeveralMemorySizes,
    /// No log record carries a timestamp.
    NoTimestamps,
    /// Some log records carry no timestamp.
    SomeTimestampsMissing,
}

impl WarningCode {
    /// Every code.
    pub const ALL: [WarningCode; 9] = [
        WarningCode::CpuNotThrottled,
        WarningCode::FunctionErrors,
        WarningCode::AllowedFunctionErrors,
        WarningCode::ReportFromLogs,
        WarningCode::ConstantLoadAssumed,
        WarningCode::FewSamplesForPercentile,
        WarningCode::SeveralMemorySizes,
        WarningCode::NoTimestamps,
        WarningCode::SomeTimestampsMissing,
    ];

    /// The code as results spell it, e.g. `cpu-not-throttled`.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::CpuNotThrottled => "cpu-not-throttled",
            WarningCode::FunctionErrors => "function-errors",
            WarningCode::AllowedFunctionErrors => "allowed-function-errors",
            WarningCode::ReportFromLogs => "report-from-logs",
            WarningCode::ConstantLoadAssumed => "constant-load-assumed",
            WarningCode::FewSamplesForPercentile => "few-samples-for-percentile",
            WarningCode::SeveralMemorySizes => "several-memory-sizes",
            WarningCode::NoTimestamps => "no-timestamps",
            WarningCode::SomeTimestampsMissing => "some-timestamps-missing",
        }
    }
}

impl fmt::Display for WarningCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for WarningCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A condition that did not stop the run but that a reader must know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable machine-readable code, e.g. `cpu-not-throttled`.
    pub code: WarningCode,
    /// One sentence for a person.
    pub message: String,
}

impl Warning {
    fn new(code: WarningCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// A tuning run on an emulator without writable cgroups: durations do not fall with memory.
    pub fn cpu_not_throttled() -> Self {
        Self::new(
            WarningCode::CpuNotThrottled,
            "the emulator could not limit CPU by memory size on this host (no writable cgroups), \
             so durations do not fall with memory as on Lambda",
        )
    }

    /// A cold-start run on an emulator without writable cgroups: init durations are not
    /// limited to each memory size's CPU share.
    pub fn init_not_throttled() -> Self {
        Self::new(
            WarningCode::CpuNotThrottled,
            "no writable cgroups: init durations are not limited to each memory size's CPU share",
        )
    }

    /// `errors` of `invocations` at `memory_mb` on `architecture` failed with an allowed error
    /// type and are left out of the durations.
    pub fn function_errors(
        errors: u32,
        invocations: usize,
        memory_mb: MemoryMb,
        architecture: Architecture,
    ) -> Self {
        Self::new(
            WarningCode::FunctionErrors,
            format!(
                "{errors} of {invocations} invocations at {memory_mb} on {architecture} failed \
                 with an allowed error type and are left out of the durations"
            ),
        )
    }

    /// Cold starts that ended in allowed function errors, counted by error type.
    pub fn allowed_function_errors(counts: &BTreeMap<String, u32>) -> Self {
        let counts: Vec<String> = counts
            .iter()
            .map(|(error_type, count)| format!("{count} x {error_type}"))
            .collect();
        Self::new(
            WarningCode::AllowedFunctionErrors,
            format!(
                "invocations ended in allowed function errors ({}); their Init Durations are \
                 counted, their Durations are those of a failed handler",
                counts.join(", ")
            ),
        )
    }

    /// `records` REPORT records were cut from the log tail and read from CloudWatch Logs.
    pub fn report_from_logs(records: u32) -> Self {
        Self::new(
            WarningCode::ReportFromLogs,
            format!(
                "{records} REPORT record(s) were cut from the log tail and read from CloudWatch Logs"
            ),
        )
    }

    /// Provisioned-concurrency figures from an average and a peak rate only.
    pub fn constant_load_assumed() -> Self {
        Self::new(
            WarningCode::ConstantLoadAssumed,
            "only average and peak rates were given: provisioned-concurrency figures take the \
             load as constant at the average rate; give a traffic time series for figures that \
             follow the daily curve",
        )
    }

    /// The `statistic` of `configuration` (e.g. `1024 MB x86_64`) estimated from `samples`
    /// samples, fewer than the `stable` a stable estimate needs.
    pub fn few_samples_for_percentile(
        configuration: &str,
        statistic: impl fmt::Display,
        samples: usize,
        stable: usize,
    ) -> Self {
        Self::new(
            WarningCode::FewSamplesForPercentile,
            format!(
                "{configuration}: the {statistic} of {samples} samples is close to the largest \
                 sample; take at least {stable} per run for a stable estimate"
            ),
        )
    }

    /// A log with `others` records at other memory sizes than the current `size`, and
    /// `at_size` records at it.
    pub fn several_memory_sizes(others: usize, size: MemoryMb, at_size: usize) -> Self {
        let mb = size.get();
        Self::new(
            WarningCode::SeveralMemorySizes,
            format!(
                "the log holds {others} records at other memory sizes than the current {mb} MB: \
                 memory headroom and cost are computed on the {at_size} records at {mb} MB"
            ),
        )
    }

    /// A log whose records carry no timestamp.
    pub fn no_timestamps() -> Self {
        Self::new(
            WarningCode::NoTimestamps,
            "the records carry no timestamps: no traffic profile and no concurrency figures; \
             export the log with its timestamps",
        )
    }

    /// A log where only some records carry a timestamp.
    pub fn some_timestamps_missing() -> Self {
        Self::new(
            WarningCode::SomeTimestampsMissing,
            "some records carry no timestamp: the traffic profile counts only those that do",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_kebab_case_names() {
        for code in WarningCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
            assert_eq!(serde_json::from_value::<WarningCode>(json).unwrap(), code);
        }
    }

    #[test]
    fn unknown_codes_are_rejected() {
        assert!(serde_json::from_str::<WarningCode>("\"cpu_not_throttled\"").is_err());
    }
}
