//! powertune's tuning steps and their orchestration.
//!
//! `tuner` owns the five steps of a tuning run ([`steps`]: initialize, execute, clean,
//! analyze, optimize), each a plain async function over aws-sdk-lambda taking and returning
//! serde types; the local orchestrator that runs them in order and always cleans up
//! ([`local`]); and the Lambda entry point that serves every step from one binary
//! ([`handler`]). Tuning and cold-start runs ([`coldstart`]) read and restore the function's
//! original configuration in one place ([`steps::original`]) and invoke under one retry policy
//! ([`retry`]). It never knows whether the Lambda endpoint is AWS or the emulator: it only gets
//! a configured [`aws_sdk_lambda::Client`]. It prints nothing; it logs with `tracing`.
//!
//! ```
//! use tuner::steps::{RunInput, initialize::validate};
//! let input: RunInput = serde_json::from_str(
//!     r#"{"lambdaARN": "my-function", "num": 10, "powerValues": [128, 1024]}"#,
//! ).unwrap();
//! let plan = validate(&input).unwrap();
//! assert_eq!(plan.memory_sizes.len(), 2);
//! ```
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs)]

pub mod coldstart;
pub mod error;
pub mod handler;
pub mod local;
pub mod payload;
pub mod retry;
pub mod sfn;
pub mod steps;

pub use error::{ERROR_TYPES, Error, Result};
