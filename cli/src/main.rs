//! `powertune`: power-tune AWS Lambda functions, locally against the embedded emulator or on
//! AWS.
// The tuning futures nest deeply (SDK calls inside select/JoinSet inside the runtime).
#![recursion_limit = "256"]

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

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
Environment:
  POWERTUNE_OUT    default of --out (tune, coldstart, demo, report)
  POWERTUNE_COLOR  default of --color
  NO_COLOR         no colour when --color is auto; RUST_LOG overrides -v
  AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL and the rest of the AWS SDK's settings apply
  where --region, --profile, --endpoint-url are not given.
  A flag outranks its variable, which outranks the default.

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
    #[arg(
        long,
        env = "POWERTUNE_COLOR",
        value_enum,
        default_value_t = ColorChoice::Auto,
        global = true
    )]
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(cmd::completions::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command with --out.
    Man(cmd::completions::ManArgs),
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
    if let Err(message) = check_color_env(std::env::var("POWERTUNE_COLOR").ok().as_deref()) {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    let cli = parse_args();
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
        Command::Completions(args) => args.run(&out, Cli::command()),
        Command::Man(args) => args.run(&out, Cli::command()),
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

/// The command line, with the `POWERTUNE_*` variables as the defaults of their flags; a
/// variable that is set but empty counts as unset (clap would take it as an empty value).
fn parse_args() -> Cli {
    use clap::FromArgMatches as _;
    let command = without_empty_env(Cli::command());
    Cli::from_arg_matches(&command.get_matches()).unwrap_or_else(|err| err.exit())
}

/// `command` and its subcommands, with no variable that is set but empty behind any flag.
fn without_empty_env(mut command: clap::Command) -> clap::Command {
    let empty: Vec<clap::Id> = command
        .get_arguments()
        .filter(|arg| {
            arg.get_env()
                .and_then(std::env::var_os)
                .is_some_and(|value| value.is_empty())
        })
        .map(|arg| arg.get_id().clone())
        .collect();
    for id in empty {
        command = command.mut_arg(id, |arg| arg.env(None));
    }
    let subcommands: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in subcommands {
        command = command.mut_subcommand(name, without_empty_env);
    }
    command
}

/// clap reports a bad `POWERTUNE_COLOR` as a bad `--color`, which the user did not pass: name
/// the variable instead.
fn check_color_env(value: Option<&str>) -> Result<(), String> {
    use clap::ValueEnum as _;
    match value {
        Some(v) if !v.is_empty() && ColorChoice::from_str(v, false).is_err() => Err(format!(
            "POWERTUNE_COLOR={v}: expected auto, always or never (it sets the default of --color)"
        )),
        _ => Ok(()),
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

    #[test]
    fn a_bad_powertune_color_names_the_variable_and_the_accepted_values() {
        assert!(check_color_env(None).is_ok());
        assert!(check_color_env(Some("")).is_ok());
        assert!(check_color_env(Some("never")).is_ok());
        let err = check_color_env(Some("sometimes")).unwrap_err();
        assert!(
            err.contains("POWERTUNE_COLOR=sometimes") && err.contains("auto, always or never"),
            "{err}"
        );
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
