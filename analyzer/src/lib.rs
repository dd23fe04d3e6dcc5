//! The pure core of powertune.
//!
//! `analyzer` turns Lambda REPORT records into numbers and numbers into decisions: it parses
//! and formats REPORT lines ([`report_line`]), computes statistics ([`stats`]), prices
//! invocations ([`pricing`]), applies the tuning strategies ([`strategy`]), builds a run's
//! results from raw samples ([`analysis`]) and defines the serde types every other crate
//! exchanges ([`result`], and [`coldstart`] for cold-start runs). It also decides whether a
//! cold-start run regressed against a baseline ([`gate`]), compares any run with a previous
//! one for its report ([`comparison`]) and sizes reserved and provisioned concurrency
//! ([`concurrency`]).
//!
//! The vocabulary those documents share is typed once, in leaf modules: memory sizes,
//! architectures and configurations ([`units`]), warning codes with one constructor per
//! warning ([`warning`]), and the back end and isolation a run was measured on
//! ([`environment`]).
//!
//! It must not do I/O, use async, read the environment or the clock: everything it needs is
//! passed in, and anything random takes a seed.
//!
//! ```
//! use analyzer::units::{Architecture, MemoryMb};
//! let memory = MemoryMb::try_from(1024).unwrap();
//! assert_eq!(memory.gb(), 1.0);
//! assert_eq!(Architecture::Arm64.as_str(), "arm64");
//! ```
#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod analysis;
pub mod coldstart;
pub mod comparison;
pub mod concurrency;
pub mod environment;
pub mod error;
pub mod gate;
pub mod log_analysis;
pub mod pricing;
pub mod report_line;
pub mod result;
pub mod stats;
pub mod strategy;
pub mod units;
pub mod warning;

pub use error::{Error, Result};
/// What a function's logs say about it (see [`log_analysis`]).
pub use log_analysis as logs;
