//! `powertune demo`: tune the bundled CPU-bound and I/O-bound examples in the embedded
//! emulator and show what each strategy recommends.

use std::path::PathBuf;
use std::process::ExitCode;

use analyzer::result::{PowerValues, SamplingPrecision, Strategy};
use analyzer::units::MemoryMb;
use anyhow::{Context, bail};
use clap::Args;
use serde_json::json;
use tuner::local::Outcome;
use tuner::steps::RunInput;
use tuner::steps::initialize::MIN_NUM;

use crate::bootstrap::Example;
use crate::local_function::{LocalFunction, linked_executable};
use crate::output::{Output, Style};
use crate::plan::{self, typed};
use crate::{render, tuning};

const AFTER_HELP: &str = "\
The example functions are served by the powertune executable itself (the handlers of
examples/rust, on the lambda_runtime client): the demo needs no cargo, sources or network.

Example:
  cargo run -p powertune -- demo";

/// Tune the bundled CPU-bound and I/O-bound examples locally and show the recommendations.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DemoArgs {
    /// Memory sizes in MB, comma separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "128,256,512,1024,1769,3008",
        value_name = "MB,...",
        value_parser = typed::<MemoryMb>("--memory 128,1769")
    )]
    pub memory: Vec<MemoryMb>,
    /// Invocations per configuration, at least 5.
    #[arg(long, default_value_t = 10)]
    pub num: u32,
    /// Hashing rounds of each CPU-bound invocation.
    #[arg(long, default_value_t = 6_000_000)]
    pub iterations: u64,
    /// Sleep of each I/O-bound invocation, in ms.
    #[arg(long, default_value_t = 50)]
    pub sleep_ms: u64,
    /// Adaptive sampling: stop once the 95% CI of the mean duration is narrower than this fraction of the mean.
    #[arg(long, value_name = "FRACTION")]
    pub precision: Option<f64>,
    /// Folder for the results and reports (one subfolder per example).
    #[arg(
        long,
        env = "POWERTUNE_OUT",
        default_value = "powertune-out",
        value_name = "DIR"
    )]
    pub out: PathBuf,
}

/// The example functions, served by this very executable (see [`crate::bootstrap`]).
fn example_functions() -> anyhow::Result<Vec<(Example, LocalFunction)>> {
    let exe = std::env::current_exe().context("locating the powertune executable")?;
    Example::ALL
        .into_iter()
        .map(|example| {
            let function = linked_executable(&exe, example.name(), example.name())?;
            Ok((example, function))
        })
        .collect()
}

impl DemoArgs {
    /// The execution input of one example: `payload` at every `--memory` size, cost first.
    fn input(
        &self,
        function: &LocalFunction,
        payload: serde_json::Value,
    ) -> anyhow::Result<RunInput> {
        let mut input = plan::execution_input(None, &function.name)?;
        let tuning = &mut input.tuning;
        tuning.num = self.num;
        tuning.power_values = Some(PowerValues::List(
            self.memory.iter().map(|m| m.get()).collect(),
        ));
        tuning.payload = Some(payload);
        tuning.strategy = Strategy::Cost;
        tuning.precision = self.precision.map(|width| SamplingPrecision {
            relative_width: width,
            confidence: 0.95,
            min_samples: 5,
        });
        tuner::steps::initialize::validate(&input)?;
        Ok(input)
    }

    /// Runs the command.
    pub fn run(self, out: &Output) -> anyhow::Result<ExitCode> {
        if self.num < MIN_NUM {
            bail!("--num {}: must be at least {MIN_NUM}", self.num);
        }
        let mut runs = Vec::new();
        for (example, function) in example_functions()? {
            let payload = match example {
                Example::CpuBound => json!({"iterations": self.iterations}),
                Example::IoBound => json!({"sleep_ms": self.sleep_ms}),
            };
            let input = self.input(&function, payload)?;
            runs.push((function, input));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let outcomes = runtime.block_on(tuning::tune_local(out, runs, 1))?;
        if out.json() {
            let all: serde_json::Map<String, serde_json::Value> = outcomes
                .iter()
                .map(|(name, o)| Ok((name.clone(), serde_json::to_value(&o.result)?)))
                .collect::<anyhow::Result<_>>()?;
            out.print(&serde_json::to_string_pretty(&all)?)?;
        }
        for (name, outcome) in &outcomes {
            if !out.json() {
                out.print(&render::table(
                    out,
                    name,
                    &outcome.result,
                    &outcome.invocations,
                ))?;
            }
            let dir = self.out.join(name);
            render::write_files(&dir, &outcome.result)?;
            out.note(&format!("wrote {}", dir.join("result.json").display()));
        }
        if !out.json() {
            out.print(&summary(out, &outcomes))?;
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// "In short": where each example is cheapest and fastest.
fn summary(out: &Output, outcomes: &[(String, Outcome)]) -> String {
    let pick = |name: &str, strategy: Strategy| {
        outcomes
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, o)| {
                o.result
                    .recommendations
                    .overall
                    .iter()
                    .find(|r| r.strategy == strategy)
                    .map(|r| {
                        let measure = match strategy {
                            Strategy::Cost => "cheaper",
                            Strategy::Speed => "faster",
                            Strategy::Balanced => "better balanced",
                        };
                        match r.indistinguishable_from.len() {
                            0 => r.key.memory_mb.to_string(),
                            n => format!(
                                "{} (not significantly {measure} than {n} other size(s))",
                                r.key.memory_mb
                            ),
                        }
                    })
            })
            .unwrap_or_default()
    };
    format!(
        "{}\n  cpu-bound: cheapest at {}, fastest at {}: more memory buys CPU.\n  io-bound: cheapest at {}, fastest at {}: waiting does not get faster with memory.",
        out.paint("In short:", Style::Bold),
        pick("cpu-bound", Strategy::Cost),
        pick("cpu-bound", Strategy::Speed),
        pick("io-bound", Strategy::Cost),
        pick("io-bound", Strategy::Speed),
    )
}
