//! The Lambda entry point: one binary serves every step, chosen by the function's handler
//! name (`_HANDLER`).

use std::str::FromStr;

use aws_sdk_lambda::Client;
use serde_json::Value;
use tracing::instrument;

use crate::error::{Error, Result};
use crate::steps::{self, OptimizeInput, RunInput};
use analyzer::result::TuningResult;

/// The step a Lambda function serves, from its `Handler` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// [`steps::initialize()`].
    Initialize,
    /// [`steps::execute()`].
    Execute,
    /// [`steps::clean()`].
    Clean,
    /// [`steps::analyze()`].
    Analyze,
    /// [`steps::optimize()`].
    Optimize,
}

impl FromStr for Step {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        // Accept `bootstrap.initialize`-style handlers as well as the bare name.
        let name = s.rsplit('.').next().unwrap_or(s).trim();
        match name {
            "initialize" | "initializer" => Ok(Step::Initialize),
            "execute" | "executor" => Ok(Step::Execute),
            "clean" | "cleaner" => Ok(Step::Clean),
            "analyze" | "analyzer" => Ok(Step::Analyze),
            "optimize" | "optimizer" => Ok(Step::Optimize),
            _ => Err(Error::invalid(
                "_HANDLER",
                format!(
                    "is \"{s}\": set the function's handler to initialize, execute, clean, analyze or optimize"
                ),
            )),
        }
    }
}

/// Runs `step` on a JSON event and returns its JSON output.
///
/// # Errors
///
/// [`Error::Json`] when the event does not have the step's input shape; any error of the step.
#[instrument(skip(client, event))]
pub async fn handle(client: &Client, step: Step, event: Value) -> Result<Value> {
    let output = match step {
        Step::Initialize => {
            serde_json::to_value(steps::initialize(client, &initialize_input(event)?).await?)?
        }
        Step::Execute => {
            // Samples travel in columns through the state machine (see `crate::sfn`).
            crate::sfn::execute_output(
                steps::execute(client, &serde_json::from_value(event)?).await?,
            )?
        }
        Step::Clean => {
            serde_json::to_value(steps::clean(client, &serde_json::from_value(event)?).await?)?
        }
        Step::Analyze => {
            serde_json::to_value(steps::analyze(&crate::sfn::analyze_input(event)?).await?)?
        }
        Step::Optimize => {
            serde_json::to_value(steps::optimize(client, &optimize_input(event)?).await?)?
        }
    };
    Ok(output)
}

/// The initialize step's input: the execution input itself, or the state machine's
/// `{"input": <execution input>, "runId": <execution name>}`.
///
/// # Errors
///
/// [`Error::Json`] when neither shape matches.
pub fn initialize_input(event: Value) -> Result<RunInput> {
    let wrapped =
        event.get("lambdaARN").is_none() && event.get("input").is_some_and(Value::is_object);
    if !wrapped {
        return Ok(serde_json::from_value(event)?);
    }
    let run_id = event
        .get("runId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut input: RunInput =
        serde_json::from_value(event.get("input").cloned().unwrap_or_default())?;
    if run_id.is_some() {
        input.run_id = run_id;
    }
    Ok(input)
}

/// The optimize step's input: an [`OptimizeInput`], or the state machine's
/// `{"input": <execution input>, "result": <TuningResult>}` (the memory size is the result's
/// `power_tuning.power`, the alias the input's `autoOptimizeAlias`).
///
/// # Errors
///
/// [`Error::Json`] when neither shape matches, [`Error::Analysis`] when the result's memory
/// size is out of range.
pub fn optimize_input(event: Value) -> Result<OptimizeInput> {
    #[derive(serde::Deserialize)]
    struct FromResult {
        input: RunInput,
        result: TuningResult,
    }
    if event.get("result").is_none() {
        return Ok(serde_json::from_value(event)?);
    }
    let FromResult { input, result } = serde_json::from_value(event)?;
    Ok(OptimizeInput {
        lambda_arn: input.tuning.lambda_arn,
        memory_mb: result.power_tuning.power,
        alias: input.tuning.auto_optimize_alias,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_names_select_steps() {
        assert_eq!("initialize".parse::<Step>().unwrap(), Step::Initialize);
        assert_eq!("bootstrap.execute".parse::<Step>().unwrap(), Step::Execute);
        let err = "nope".parse::<Step>().unwrap_err().to_string();
        assert!(err.contains("_HANDLER"), "{err}");
    }

    #[test]
    fn initialize_accepts_the_state_machines_wrapped_input() {
        let input = initialize_input(serde_json::json!({
            "input": {"lambdaARN": "f", "num": 5}, "runId": "exec-1"
        }))
        .unwrap();
        assert_eq!(input.tuning.lambda_arn, "f");
        assert_eq!(input.run_id.as_deref(), Some("exec-1"));
        let direct = initialize_input(serde_json::json!({"lambdaARN": "g", "num": 5})).unwrap();
        assert_eq!(direct.tuning.lambda_arn, "g");
    }
}
