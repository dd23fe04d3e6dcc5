//! The payloads as they travel through the Step Functions state machine.
//!
//! Step Functions caps the state of an execution at 256 KB. The Executor's output carries
//! every raw sample, so through the state machine its samples travel in a compact columnar
//! form ([`SampleColumns`]): one array per always-present field, and sparse index -> value maps
//! for the fields most samples lack (Init Duration, status, error, payload index, output). The
//! Analyzer accepts either form and expands the columns back into [`Sample`]s. A sample then
//! costs about 55 bytes of JSON (a 36-character request id plus four short numbers) instead
//! of about 125, so 10 configurations x 200 samples take about 114 KB (bound and figures:
//! `state-machine/README.md`).

use std::collections::BTreeMap;

use analyzer::report_line::ReportStatus;
use analyzer::result::Sample;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::steps::{
    AnalyzeInput, ExecuteOutput, OriginalConfiguration, RunInput, TunedConfiguration,
};

/// Step Functions' limit on the size of an execution's state, in bytes.
pub const STATE_LIMIT_BYTES: usize = 256 * 1024;

/// Error types worth a retry by the state machine: transient conditions of the Lambda service.
/// Every one of them appears in a `Retry` block of `state-machine/powertune.asl.json`.
pub const RETRYABLE_ERROR_TYPES: &[&str] = &["PowerTune.Throttled", "PowerTune.LambdaError"];

/// The definition's Lambda placeholders (`${InitializerArn}`, ...) and the handler
/// (`_HANDLER`) of the `tuner` function each one names, as `infra/template.yaml` deploys them.
pub const STEP_FUNCTIONS: [(&str, &str); 5] = [
    ("InitializerArn", "initialize"),
    ("ExecutorArn", "execute"),
    ("CleanerArn", "clean"),
    ("AnalyzerArn", "analyze"),
    ("OptimizerArn", "optimize"),
];

/// Samples in columns: entry `i` of every column belongs to sample `i`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SampleColumns {
    /// Request ids.
    pub request_id: Vec<String>,
    /// Handler durations in ms.
    pub duration_ms: Vec<f64>,
    /// Billed durations in ms.
    pub billed_duration_ms: Vec<u64>,
    /// Peak memory in MB.
    pub max_memory_used_mb: Vec<u32>,
    /// Init Duration in ms of the cold samples, by sample index.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub init_duration_ms: BTreeMap<usize, f64>,
    /// REPORT status, by sample index, where stated.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub status: BTreeMap<usize, ReportStatus>,
    /// Error type of the failed samples, by sample index.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub error: BTreeMap<usize, String>,
    /// Weighted payload index, by sample index.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub payload_index: BTreeMap<usize, usize>,
    /// Function output (`includeOutputResults`), by sample index.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub output: BTreeMap<usize, Value>,
}

impl SampleColumns {
    /// Puts `samples` into columns.
    pub fn from_samples(samples: Vec<Sample>) -> Self {
        let mut columns = SampleColumns {
            request_id: Vec::with_capacity(samples.len()),
            duration_ms: Vec::with_capacity(samples.len()),
            billed_duration_ms: Vec::with_capacity(samples.len()),
            max_memory_used_mb: Vec::with_capacity(samples.len()),
            ..SampleColumns::default()
        };
        for (i, s) in samples.into_iter().enumerate() {
            columns.request_id.push(s.request_id);
            columns.duration_ms.push(s.duration_ms);
            columns.billed_duration_ms.push(s.billed_duration_ms);
            columns.max_memory_used_mb.push(s.max_memory_used_mb);
            if let Some(v) = s.init_duration_ms {
                columns.init_duration_ms.insert(i, v);
            }
            if let Some(v) = s.status {
                columns.status.insert(i, v);
            }
            if let Some(v) = s.error {
                columns.error.insert(i, v);
            }
            if let Some(v) = s.payload_index {
                columns.payload_index.insert(i, v);
            }
            if let Some(v) = s.output {
                columns.output.insert(i, v);
            }
        }
        columns
    }

    /// Expands the columns back into samples.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the columns differ in length.
    pub fn into_samples(mut self) -> Result<Vec<Sample>> {
        let n = self.request_id.len();
        if self.duration_ms.len() != n
            || self.billed_duration_ms.len() != n
            || self.max_memory_used_mb.len() != n
        {
            return Err(Error::invalid(
                "executions[].samples",
                format!(
                    "has columns of different lengths ({n} request ids, {} durations, {} billed \
                     durations, {} memory figures)",
                    self.duration_ms.len(),
                    self.billed_duration_ms.len(),
                    self.max_memory_used_mb.len()
                ),
            ));
        }
        let rows = self
            .request_id
            .into_iter()
            .zip(self.duration_ms)
            .zip(self.billed_duration_ms)
            .zip(self.max_memory_used_mb)
            .enumerate();
        Ok(rows
            .map(
                |(i, (((request_id, duration_ms), billed_duration_ms), max_memory_used_mb))| {
                    Sample {
                        request_id,
                        duration_ms,
                        billed_duration_ms,
                        init_duration_ms: self.init_duration_ms.remove(&i),
                        max_memory_used_mb,
                        status: self.status.remove(&i),
                        error: self.error.remove(&i),
                        payload_index: self.payload_index.remove(&i),
                        output: self.output.remove(&i),
                    }
                },
            )
            .collect())
    }
}

/// Samples in either form: a list of rows ([`ExecuteOutput`]'s own) or columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SamplesForm {
    /// One object per sample.
    Rows(Vec<Sample>),
    /// [`SampleColumns`].
    Columns(SampleColumns),
}

// Chosen by the JSON type (array or object) rather than `untagged`: an untagged enum cannot
// read the integer keys of the sparse columns back.
impl<'de> Deserialize<'de> for SamplesForm {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = Value::deserialize(deserializer)?;
        if value.is_array() {
            serde_json::from_value(value)
                .map(SamplesForm::Rows)
                .map_err(D::Error::custom)
        } else {
            serde_json::from_value(value)
                .map(SamplesForm::Columns)
                .map_err(D::Error::custom)
        }
    }
}

/// [`ExecuteOutput`] as the Executor state returns it: the samples in columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateExecuteOutput {
    /// The configuration measured.
    pub configuration: TunedConfiguration,
    /// Every sample, in the order the invocations were started.
    pub samples: SamplesForm,
    /// Invocations of the tuned function.
    pub invocations: u32,
    /// Whether adaptive sampling stopped before `num`.
    pub stopped_early: bool,
    /// Relative width of the mean duration's confidence interval when sampling stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_ci_width: Option<f64>,
}

impl From<ExecuteOutput> for StateExecuteOutput {
    fn from(out: ExecuteOutput) -> Self {
        Self {
            configuration: out.configuration,
            samples: SamplesForm::Columns(SampleColumns::from_samples(out.samples)),
            invocations: out.invocations,
            stopped_early: out.stopped_early,
            relative_ci_width: out.relative_ci_width,
        }
    }
}

impl TryFrom<StateExecuteOutput> for ExecuteOutput {
    type Error = Error;

    fn try_from(out: StateExecuteOutput) -> Result<Self> {
        let samples = match out.samples {
            SamplesForm::Rows(rows) => rows,
            SamplesForm::Columns(columns) => columns.into_samples()?,
        };
        Ok(Self {
            configuration: out.configuration,
            samples,
            invocations: out.invocations,
            stopped_early: out.stopped_early,
            relative_ci_width: out.relative_ci_width,
        })
    }
}

/// The Analyzer state's input: `{"input", "original", "executions"}` with the executions in
/// either sample form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateAnalyzeInput {
    /// The execution input.
    pub input: RunInput,
    /// The tuned function as it was.
    pub original: OriginalConfiguration,
    /// One entry per configuration.
    pub executions: Vec<StateExecuteOutput>,
    /// Where the run was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<analyzer::result::RunEnvironment>,
}

/// The analyze step's input from a state machine event (samples in rows or columns).
///
/// # Errors
///
/// [`Error::Json`] when the event does not have the shape, [`Error::InvalidInput`] when
/// sample columns differ in length.
pub fn analyze_input(event: Value) -> Result<AnalyzeInput> {
    let state: StateAnalyzeInput = serde_json::from_value(event)?;
    Ok(AnalyzeInput {
        input: state.input,
        original: state.original,
        executions: state
            .executions
            .into_iter()
            .map(ExecuteOutput::try_from)
            .collect::<Result<_>>()?,
        environment: state.environment,
    })
}

/// The Executor state's output for `out`: samples in columns.
///
/// # Errors
///
/// [`Error::Json`] when serialization fails (never for finite figures).
pub fn execute_output(out: ExecuteOutput) -> Result<Value> {
    Ok(serde_json::to_value(StateExecuteOutput::from(out))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(i: usize) -> Sample {
        Sample {
            request_id: format!("req-{i}"),
            duration_ms: 10.0 + i as f64,
            billed_duration_ms: 11 + i as u64,
            init_duration_ms: (i == 0).then_some(120.5),
            max_memory_used_mb: 30,
            status: None,
            error: (i == 2).then(|| "Boom".to_owned()),
            payload_index: Some(i % 2),
            output: (i == 1).then(|| serde_json::json!({"ok": true})),
        }
    }

    #[test]
    fn columns_round_trip_every_field_of_every_sample() {
        let samples: Vec<Sample> = (0..4).map(sample).collect();
        let columns = SampleColumns::from_samples(samples.clone());
        let json = serde_json::to_value(&columns).unwrap();
        let back: SampleColumns = serde_json::from_value(json).unwrap();
        assert_eq!(back.into_samples().unwrap(), samples);
    }

    #[test]
    fn executions_are_read_with_samples_in_rows_or_in_columns() {
        let rows: Vec<Sample> = (0..3).map(sample).collect();
        let as_rows = serde_json::to_value(&rows).unwrap();
        let as_columns = serde_json::to_value(SampleColumns::from_samples(rows.clone())).unwrap();
        for samples in [as_rows, as_columns] {
            let form: SamplesForm = serde_json::from_value(samples).unwrap();
            let back = match form {
                SamplesForm::Rows(r) => r,
                SamplesForm::Columns(c) => c.into_samples().unwrap(),
            };
            assert_eq!(back, rows);
        }
    }

    #[test]
    fn columns_of_different_lengths_are_rejected() {
        let mut columns = SampleColumns::from_samples((0..3).map(sample).collect());
        columns.duration_ms.pop();
        let err = columns.into_samples().unwrap_err().to_string();
        assert!(err.contains("different lengths"), "{err}");
    }
}
