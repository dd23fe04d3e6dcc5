//! `powertune local serve`: run the embedded Lambda emulator as a local service that any AWS
//! SDK, the AWS CLI or boto3 can talk to.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::output::{Output, Style};

const AFTER_HELP: &str = "\
The emulator serves the Lambda API (control plane and Invoke) and the CloudWatch Logs API on
one port. Point a client at it with the variables it prints, for example:

  powertune local serve --port 9001
  AWS_ENDPOINT_URL=http://127.0.0.1:9001 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \\
    AWS_REGION=us-east-1 aws lambda list-functions

It stops on Ctrl-C (or SIGTERM) and removes every process and cgroup it made.";

/// Run the embedded Lambda emulator locally.
#[derive(Debug, Args)]
pub struct LocalArgs {
    #[command(subcommand)]
    pub command: LocalCommand,
}

/// `powertune local` subcommands.
#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Serve the Lambda and CloudWatch Logs APIs until Ctrl-C.
    Serve(ServeArgs),
}

/// Serve the Lambda and CloudWatch Logs APIs until Ctrl-C.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 9001)]
    pub port: u16,
    /// Address to listen on; anything but loopback exposes unauthenticated code execution.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), value_name = "ADDR")]
    pub bind: IpAddr,
    /// How long a configuration update stays InProgress, in ms.
    #[arg(long, default_value_t = 100, value_name = "MS")]
    pub update_delay_ms: u64,
    /// Also write every log stream to a file under this folder.
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
}

impl LocalArgs {
    /// Runs the chosen subcommand.
    ///
    /// # Errors
    ///
    /// When the emulator cannot start.
    pub fn run(self, out: &Output) -> anyhow::Result<ExitCode> {
        match self.command {
            LocalCommand::Serve(args) => args.run(out),
        }
    }
}

impl ServeArgs {
    /// Starts the emulator, prints its endpoint and the client variables, serves until a
    /// signal.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound or the runtime cannot start.
    pub fn run(self, out: &Output) -> anyhow::Result<ExitCode> {
        let addr = SocketAddr::new(self.bind, self.port);
        if !self.bind.is_loopback() {
            out.note_in(
                &format!(
                    "warning: listening on {addr}: anyone who can reach it can run code on this \
                     machine"
                ),
                Style::Yellow,
            );
        }
        let mut config = emulator::Emulator {
            bind: addr,
            ..emulator::Emulator::default()
        };
        config.control.update_delay = Duration::from_millis(self.update_delay_ms);
        config.log_store.log_dir = self.log_dir;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let mut printed = Ok(());
        runtime
            .block_on(emulator::serve::serve_until_signal(config, |handle| {
                printed = announce(out, handle);
            }))
            .with_context(|| format!("serving the emulator on {addr} (--bind, --port)"))?;
        printed?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Prints the endpoint and the variables a client needs: one JSON document with `--json`,
/// `export` lines otherwise.
fn announce(out: &Output, handle: &emulator::EmulatorHandle) -> std::io::Result<()> {
    let vars = emulator::serve::client_environment(handle);
    if out.json() {
        let environment: serde_json::Map<String, serde_json::Value> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        let doc = json!({
            "endpoint_url": handle.endpoint_url(),
            "isolation": handle.isolation().as_str(),
            "environment": environment,
        });
        out.print(&doc.to_string())?;
    } else {
        let mut text = String::new();
        for (k, v) in &vars {
            text.push_str(&format!("export {k}={v}\n"));
        }
        out.print(&text)?;
        out.note(&format!(
            "{} on {} (isolation: {}); Ctrl-C stops it",
            out.paint_err("emulator listening", Style::Green),
            handle.endpoint_url(),
            handle.isolation().as_str()
        ));
    }
    Ok(())
}
