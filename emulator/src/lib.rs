//! The embedded Lambda emulator.
//!
//! `emulator` owns everything that makes a function run locally as it runs on Lambda:
//! execution environments (the function's `bootstrap` as a process in its own cgroup, with a
//! CPU share proportional to its memory size), the Runtime API those processes talk to, the
//! Lambda HTTP API (Invoke and the control plane) and the CloudWatch Logs API that aws-sdk
//! clients talk to, and the log streams with Lambda's START, END and REPORT lines.
//!
//! It binds loopback only unless told otherwise, and it must leave nothing behind: every
//! process and cgroup it creates is removed by [`EmulatorHandle::shutdown`], by dropping the
//! handle, or (for a process that died without either) by the next emulator's start.
//!
//! Layers, each using only those below it: `http` (requests, responses, the accept loop) <-
//! `api` (`control`, `invoke`, `logs`: route tables) <- the domain: `invocation` (init,
//! delivery, finish, one `Failure`), `provisioning`, `control_plane` (updates, uploaded code,
//! admission), `platform_log`, `environments`, `runtime_api`, [`registry`], [`cgroup`],
//! [`log_store`], [`clock`]. This file only declares modules and re-exports the public surface.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use emulator::{Emulator, registry::NewFunction};
//! let emulator = Emulator::default().start().await?;
//! emulator
//!     .registry()
//!     .register_folder(NewFunction::new("hello", "/path/to/folder/with/bootstrap"))?;
//! // Point aws-sdk-lambda at emulator.endpoint_url() and invoke "hello".
//! println!("{}", emulator.endpoint_url());
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod api;
pub mod cgroup;
pub mod clock;
mod code_package;
mod config;
mod control_plane;
mod environments;
mod error;
mod handle;
mod http;
mod invocation;
pub mod log_store;
mod platform_log;
mod provisioning;
pub mod registry;
mod runtime_api;
pub mod serve;
mod state;

pub use cgroup::{CgroupMode, Isolation};
pub use config::Emulator;
pub use control_plane::ControlSettings;
pub use error::{ApiError, Error, Fault, Result};
pub use handle::{EmulatorHandle, exposure_warning};
