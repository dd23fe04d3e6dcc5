//! The tuner's integration tests, in one binary: the steps against the in-process emulator
//! and moto server, cold starts, the state machine run for real, the documented inputs, the
//! restore of the original configuration and the retry policy.

mod coldstart;
mod emulator_end_to_end;
mod harness;
mod moto_control_plane;
mod original;
mod power_tuning_inputs;
mod retry;
mod state_machine;
