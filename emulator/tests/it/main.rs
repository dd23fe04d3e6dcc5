//! The emulator's integration tests, as one test binary (one build and link instead of one per
//! file): a module per concern, and [`harness`] for what they share. Fixtures are in
//! `tests/fixtures/`.

mod harness;

mod cleanup;
mod concurrency_prediction;
mod control_plane;
mod control_plane_concurrency;
mod faults;
mod freezing;
mod hostile_input;
mod load;
mod logs_api;
mod other_runtimes;
mod rust_runtime;
