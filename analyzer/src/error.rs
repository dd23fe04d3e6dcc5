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
}
