//! One module per subcommand.

pub mod coldstart;
pub mod completions;
pub mod demo;
pub mod gate;
pub mod local;
pub mod logs;
pub mod report;
pub mod tune;
