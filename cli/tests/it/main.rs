//! The `powertune` binary end to end, in one test binary: exit codes, stderr wording, JSON
//! output, colour, runs against the embedded emulator with the example functions, cold starts
//! and the gate, logs analysis, `local serve`, Step Functions runs, and what an interrupted run
//! leaves behind.

mod cli;
mod coldstart;
mod faults;
mod gate;
mod harness;
mod install;
mod local_serve;
mod logs;
mod shell;
mod tune_via_sfn;
