//! The analyzer's one error type.

/// Result with the analyzer's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the analyzer. Messages name the offending value and what
/// is accepted.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A memory size outside Lambda's range.
    #[error("memory size {value} MB is out of range: Lambda accepts 128 to 10240 MB")]
    InvalidMemory {
        /// The rejected value.
        value: i64,
    },
    /// Text that is not a memory size at all.
    #[error("`{text}` is not a memory size: expected a whole number of MB from 128 to 10240")]
    InvalidMemoryText {
        /// The rejected text.
        text: String,
    },
    /// An architecture name Lambda does not know.
    #[error("`{text}` is not an architecture: expected `x86_64` or `arm64`")]
    InvalidArchitecture {
        /// The rejected text.
        text: String,
    },
    /// A result document written with another schema version than this build reads.
    #[error(
        "result schema version {found} is not supported: this build reads version {supported}; \
         re-measure with this version of powertune or use the version that wrote it"
    )]
    UnsupportedSchemaVersion {
        /// The version found in the document.
        found: u64,
        /// The version this build reads.
        supported: u32,
    },
    /// A result document of another kind than the one expected (e.g. a tuning result given
    /// where a cold-start result is needed).
    #[error("expected a `{expected}` result but the document's `kind` is `{found}`")]
    WrongResultKind {
        /// The kind this reader accepts.
        expected: String,
        /// The kind found (`<missing>` when absent).
        found: String,
    },
    /// A result document that is not valid JSON or does not match the schema.
    #[error("invalid {kind} result: {message}")]
    InvalidResult {
        /// The kind of result being read.
        kind: String,
        /// What the JSON parser reported, with line and column.
        message: String,
    },
    /// Baseline and current runs do not measure the same configurations.
    #[error(
        "baseline and current runs measure different configurations: only in baseline: \
         [{only_in_baseline}]; only in current: [{only_in_current}]; measure the same memory \
         sizes and architectures in both runs"
    )]
    MismatchedConfigurations {
        /// Configurations only the baseline has, comma separated.
        only_in_baseline: String,
        /// Configurations only the current run has, comma separated.
        only_in_current: String,
    },
    /// A configuration without a single sample of the metric.
    #[error("{side} has no {metric} samples for {configuration}")]
    NoSamples {
        /// `baseline` or `current` (or the function, outside the gate).
        side: String,
        /// The configuration, e.g. `1024 MB x86_64`.
        configuration: String,
        /// The metric, e.g. `init duration`.
        metric: String,
    },
    /// Too few samples for the test to ever reach the requested confidence.
    #[error(
        "{side} has {count} samples for {configuration} but a Mann-Whitney test needs at least \
         {needed} per run to reach {confidence} confidence; take more cold-start samples"
    )]
    TooFewSamples {
        /// `baseline` or `current`.
        side: String,
        /// The configuration, e.g. `1024 MB x86_64`.
        configuration: String,
        /// Samples present.
        count: usize,
        /// Samples needed per run.
        needed: usize,
        /// The requested confidence, e.g. `0.95`.
        confidence: f64,
    },
    /// An option or input value outside its accepted range.
    #[error("invalid {name} `{value}`: expected {expected}")]
    InvalidOption {
        /// The option or field name.
        name: String,
        /// The rejected value as given.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// A region the price table holds no Lambda prices for.
    #[error("no Lambda prices for region `{region}`: known regions are {known}")]
    UnknownRegion {
        /// The requested region.
        region: String,
        /// The regions the table knows, comma separated.
        known: String,
    },
    /// A price the table leaves out because it could not be verified for that region.
    #[error("no verified {item} price for region `{region}`: it is known for {known}")]
    PriceNotVerified {
        /// What was asked for, e.g. `provisioned concurrency`.
        item: String,
        /// The requested region.
        region: String,
        /// The regions that price is known for, comma separated.
        known: String,
    },
    /// A price table that does not parse or is inconsistent.
    #[error("invalid price table: {reason}")]
    InvalidPriceTable {
        /// What is wrong with it.
        reason: String,
    },
    /// A configuration none of whose invocations succeeded, so it has no duration statistics.
    #[error(
        "no successful invocation at {memory_mb} MB on {architecture}: all {errors} samples failed"
    )]
    NoSuccessfulSamples {
        /// Memory size in MB.
        memory_mb: u32,
        /// Architecture.
        architecture: String,
        /// Number of failed samples.
        errors: u32,
    },
    /// An analysis asked for over an empty set of configurations.
    #[error("no configuration with samples on {architecture} to analyze")]
    NoConfigurations {
        /// Architecture asked for.
        architecture: String,
    },
}
