//! `powertune`: power-tune AWS Lambda functions, locally against the embedded emulator or on
//! AWS.
// The tuning futures nest deeply (SDK calls inside select/JoinSet inside the runtime).
#![recursion_limit = "256"]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod aws;
mod bootstrap;
mod cmd;
mod environment;
mod local_function;
mod output;
mod plan;
mod progress;
mod render;
mod table;
mod tuning;

use output::{ColorChoice, ColorEnv, Output};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the command ran and the answer is negative
  2  error (bad usage, a failed run, an interrupted run)

Example:
  powertune demo
  powertune tune --local target/release/cpu-bound --memory 128,512,1024 --payload '{\"iterations\": 200000}'";

/// Power-tune AWS Lambda functions: find the memory size and architecture at which a function
/// is cheapest, fastest, or best balanced.
#[derive(Debug, Parser)]
#[command(name = "powertune", version, after_help = EXIT_CODES)]
struct Cli {
    /// More logging on stderr (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Print nothing on stderr but errors.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    /// Print the result as one JSON document on stdout (implies --color never).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Tune one function: locally (--local) or on AWS (--function).
    Tune(cmd::tune::TuneArgs),
    /// Tune the bundled CPU-bound and I/O-bound examples locally and show the recommendations.
    Demo(cmd::demo::DemoArgs),
    /// Measure cold starts: N forced cold starts per memory size, locally (--local) or on AWS.
    Coldstart(cmd::coldstart::ColdStartArgs),
    /// Compare a cold-start run with a baseline; exit 1 on a significant regression.
    Gate(cmd::gate::GateArgs),
    /// Render the HTML report and PNG charts of a saved result.
    Report(cmd::report::ReportArgs),
    /// Run the embedded Lambda emulator locally (`local serve`).
    Local(cmd::local::LocalArgs),
    /// Analyze a function's REPORT lines from CloudWatch Logs or a log export.
    Logs(cmd::logs::LogsArgs),
}

fn main() -> ExitCode {
    // Started by the emulator as the demo's example function: serve it, parse no flags.
    match bootstrap::BootstrapEnv::from_process().requested() {
        Some(Ok(example)) => return bootstrap::serve(example),
        Some(Err(message)) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
        None => {}
    }
    let cli = Cli::parse();
    let env = ColorEnv {
        no_color: std::env::var("NO_COLOR").ok(),
        term: std::env::var("TERM").ok(),
    };
    let out = Output::new(cli.color, cli.json, cli.quiet, &env);
    init_tracing(&out, cli.verbose, std::env::var("RUST_LOG").ok());
    let result = match cli.command {
        Command::Tune(args) => args.run(&out),
        Command::Demo(args) => args.run(&out),
        Command::Coldstart(args) => args.run(&out),
        Command::Gate(args) => args.run(&out),
        Command::Report(args) => args.run(&out),
        Command::Local(args) => args.run(&out),
        Command::Logs(args) => args.run(&out),
    };
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Logs on stderr, with escape codes only when stderr gets colour (`--color`, `--json`,
/// `NO_COLOR`, a terminal: decided once in [`Output`]).
fn init_tracing(out: &Output, verbose: u8, rust_log: Option<String>) {
    let default = match (out.quiet(), verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = rust_log
        .and_then(|v| tracing_subscriber::EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    let writer = out.clone();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(out.stderr_color())
        .with_writer(move || writer.stderr())
        .without_time()
        .with_target(false)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
