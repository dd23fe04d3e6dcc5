//! The analyzer's integration tests, one binary with a module per concern (a binary per file
//! would link the analyzer once per file). Shared builders live in [`harness`]; real log lines
//! in `tests/fixtures/`.

mod coldstart;
mod concurrency;
mod gate;
mod harness;
mod power_tuning_compat;
mod pricing;
mod report_line_fixtures;
mod report_line_props;
mod schema;
mod stats;
mod strategy;
