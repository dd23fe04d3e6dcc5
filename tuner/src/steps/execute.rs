//! The second step: invoke one configuration's alias `num` times (serially or with bounded
//! parallelism), keep every raw sample, and stop early once the mean is precise enough.

use std::sync::Arc;
use std::time::Duration;

use analyzer::result::{Sample, SamplingPrecision};
use analyzer::units::MemoryMb;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::types::LogType;
use aws_smithy_types::Blob;
use tokio::task::JoinSet;
use tracing::{debug, info, instrument, warn};

use super::{ExecuteInput, ExecuteOutput, initialize};
use crate::error::{Error, Result};
use crate::payload::{self, Event};

/// Runs the step with no progress reporting. See [`execute_with_progress`].
///
/// # Errors
///
/// As [`execute_with_progress`].
pub async fn execute(client: &Client, input: &ExecuteInput) -> Result<ExecuteOutput> {
    execute_with_progress(client, input, &|_: &Sample| {}).await
}

/// Runs the step, calling `on_sample` after each sample is taken.
///
/// # Errors
///
/// [`Error::FunctionError`] as soon as an invocation fails with an error type not listed in
/// `allowedExceptions` (aws-lambda-power-tuning fails the same way), [`Error::Throttled`] when
/// Lambda still throttles after [`crate::retry::INVOKE_ATTEMPTS`] calls,
/// [`Error::MissingReport`] when a log tail
/// holds no REPORT record, [`Error::Lambda`] for any other failed call.
#[instrument(skip_all, fields(memory_mb = input.configuration.memory_mb.get(), arch = %input.configuration.architecture))]
pub async fn execute_with_progress(
    client: &Client,
    input: &ExecuteInput,
    on_sample: &(dyn Fn(&Sample) + Send + Sync),
) -> Result<ExecuteOutput> {
    let plan = initialize::validate(&input.input)?;
    let tuning = &input.input.tuning;
    let events = match &tuning.payload {
        Some(p) => payload::generate(plan.num, p)?,
        None => vec![
            Event {
                body: None,
                payload_index: None,
            };
            plan.num as usize
        ],
    };
    if input.configuration.aliases.is_empty() {
        return Err(Error::invalid(
            "configuration.aliases",
            "is empty: run initialize first",
        ));
    }
    let ctx = Arc::new(Invoker {
        client: client.clone(),
        function: input.configuration.function_name.clone(),
        aliases: input.configuration.aliases.clone(),
        memory_mb: input.configuration.memory_mb,
        events,
        pre_processor: tuning.pre_processor_arn.clone(),
        post_processor: tuning.post_processor_arn.clone(),
        allowed_exceptions: input.input.allowed_exceptions.clone(),
        include_output: tuning.include_output_results,
    });
    let mut sampler = Sampler::new(tuning.precision.clone());
    let num = plan.num as usize;
    let mut samples: Vec<(usize, Sample)> = Vec::with_capacity(num);
    let mut stopped_early = false;

    if tuning.parallel_invocation {
        let limit = input
            .input
            .max_parallel_invocations
            .map_or(num, |m| m as usize)
            .max(1);
        let mut set: JoinSet<(usize, Result<Sample>)> = JoinSet::new();
        let mut next = 0usize;
        while next < num && set.len() < limit {
            spawn_invocation(&mut set, &ctx, next);
            next += 1;
        }
        while let Some(joined) = set.join_next().await {
            let (index, sample) = joined.map_err(|e| Error::Lambda {
                operation: "Invoke",
                function: ctx.function.clone(),
                message: format!("invocation task failed: {e}"),
            })?;
            let sample = sample?;
            on_sample(&sample);
            sampler.push(&sample);
            samples.push((index, sample));
            if !stopped_early && sampler.precise_enough() {
                stopped_early = next < num;
                next = num;
            }
            if next < num {
                spawn_invocation(&mut set, &ctx, next);
                next += 1;
            }
        }
        samples.sort_by_key(|(i, _)| *i);
    } else {
        for index in 0..num {
            let sample = ctx.invoke(index).await?;
            on_sample(&sample);
            sampler.push(&sample);
            samples.push((index, sample));
            if sampler.precise_enough() {
                stopped_early = index + 1 < num;
                break;
            }
            if tuning.sleep_between_runs_ms > 0 && index + 1 < num {
                tokio::time::sleep(Duration::from_millis(tuning.sleep_between_runs_ms)).await;
            }
        }
    }
    let invocations = u32::try_from(samples.len()).unwrap_or(u32::MAX);
    info!(invocations, stopped_early, "configuration measured");
    Ok(ExecuteOutput {
        configuration: input.configuration.clone(),
        samples: samples.into_iter().map(|(_, s)| s).collect(),
        invocations,
        stopped_early,
        relative_ci_width: sampler.relative_width(),
    })
}

fn spawn_invocation(set: &mut JoinSet<(usize, Result<Sample>)>, ctx: &Arc<Invoker>, index: usize) {
    let ctx = Arc::clone(ctx);
    set.spawn(async move { (index, ctx.invoke(index).await) });
}

/// Everything one invocation needs, shared by the tasks of a configuration.
#[derive(Debug)]
struct Invoker {
    client: Client,
    function: String,
    aliases: Vec<String>,
    memory_mb: MemoryMb,
    events: Vec<Event>,
    pre_processor: Option<String>,
    post_processor: Option<String>,
    allowed_exceptions: Vec<String>,
    include_output: bool,
}

/// What one call to Invoke returned.
struct Invocation {
    function_error: Option<String>,
    log_result: Option<String>,
    payload: Vec<u8>,
}

impl Invoker {
    async fn invoke(&self, index: usize) -> Result<Sample> {
        let alias = &self.aliases[index % self.aliases.len()];
        let event = &self.events[index % self.events.len()];
        let mut body = event.body.clone();
        if let Some(pre) = &self.pre_processor {
            let out = self.call(pre, None, body.clone(), false).await?;
            self.fail_on_error(pre, "$LATEST", &out)?;
            let empty = out.payload.is_empty() || out.payload.as_slice() == b"null";
            if !empty {
                body = Some(out.payload);
            }
        }
        let out = self.call(&self.function, Some(alias), body, true).await?;
        let error = match &out.function_error {
            Some(_) => Some(self.fail_on_error(&self.function, alias, &out)?),
            None => None,
        };
        if let Some(post) = &self.post_processor {
            let processed = self
                .call(post, None, Some(out.payload.clone()), false)
                .await?;
            self.fail_on_error(post, "$LATEST", &processed)?;
        }
        let report = out
            .log_result
            .as_deref()
            .and_then(|tail| analyzer::report_line::parse_log_tail(tail).ok())
            .and_then(|mut records| records.pop())
            .ok_or_else(|| Error::MissingReport {
                function: self.function.clone(),
                request_id: String::new(),
            })?;
        debug!(duration_ms = report.duration_ms, alias = %alias, "sample");
        Ok(Sample {
            request_id: report.request_id,
            duration_ms: report.duration_ms,
            billed_duration_ms: report.billed_duration_ms,
            init_duration_ms: report.init_duration_ms,
            max_memory_used_mb: report.max_memory_used_mb,
            status: report.status,
            error: error.flatten().or(report.error_type),
            payload_index: event.payload_index,
            output: if self.include_output {
                serde_json::from_slice(&out.payload).ok()
            } else {
                None
            },
        })
    }

    /// Fails with [`Error::FunctionError`] unless the error type is allowed; returns the error
    /// type of an allowed failure.
    fn fail_on_error(
        &self,
        function: &str,
        qualifier: &str,
        out: &Invocation,
    ) -> Result<Option<String>> {
        let Some(header) = &out.function_error else {
            return Ok(None);
        };
        let parsed: serde_json::Value = serde_json::from_slice(&out.payload).unwrap_or_default();
        let error_type = parsed
            .get("errorType")
            .and_then(|v| v.as_str())
            .unwrap_or(header)
            .to_owned();
        let message = parsed
            .get("errorMessage")
            .and_then(|v| v.as_str())
            .unwrap_or("no message")
            .to_owned();
        if self.allowed_exceptions.contains(&error_type) {
            warn!(%error_type, "function error allowed by allowedExceptions");
            return Ok(Some(error_type));
        }
        Err(Error::FunctionError {
            function: function.to_owned(),
            qualifier: qualifier.to_owned(),
            error_type,
            message,
        })
    }

    /// One Invoke, under the tuner's retry policy ([`crate::retry`]).
    async fn call(
        &self,
        function: &str,
        qualifier: Option<&str>,
        body: Option<Vec<u8>>,
        tail: bool,
    ) -> Result<Invocation> {
        let mut request = self
            .client
            .invoke()
            .function_name(function)
            .set_qualifier(qualifier.map(str::to_owned))
            .set_payload(body.map(Blob::new));
        if tail {
            request = request.log_type(LogType::Tail);
        }
        let out = crate::retry::invoke(request, function, self.memory_mb).await?;
        Ok(Invocation {
            function_error: out.function_error().map(str::to_owned),
            log_result: out.log_result().map(str::to_owned),
            payload: out
                .payload()
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default(),
        })
    }
}

/// Adaptive sampling: tracks successful durations and says when the t-based confidence
/// interval of their mean is narrower than the target.
#[derive(Debug, Clone)]
pub struct Sampler {
    precision: Option<SamplingPrecision>,
    durations_ms: Vec<f64>,
}

impl Sampler {
    /// A sampler for the given target (`None`: never stops early).
    pub fn new(precision: Option<SamplingPrecision>) -> Self {
        Self {
            precision,
            durations_ms: Vec::new(),
        }
    }

    /// Records a sample (failed invocations do not count).
    pub fn push(&mut self, sample: &Sample) {
        if sample.error.is_none() && sample.duration_ms.is_finite() {
            self.durations_ms.push(sample.duration_ms);
        }
    }

    /// Full width of the mean's confidence interval relative to the mean, once two samples
    /// exist and a precision was asked for.
    pub fn relative_width(&self) -> Option<f64> {
        let precision = self.precision.as_ref()?;
        let ci = analyzer::stats::mean_ci_t(&self.durations_ms, precision.confidence)?;
        let mean = analyzer::stats::mean(&self.durations_ms)?;
        (mean > 0.0).then(|| (ci.upper - ci.lower) / mean)
    }

    /// Whether sampling may stop: at least `minSamples` and a CI narrower than the target.
    pub fn precise_enough(&self) -> bool {
        let Some(precision) = &self.precision else {
            return false;
        };
        if self.durations_ms.len() < precision.min_samples as usize {
            return false;
        }
        self.relative_width()
            .is_some_and(|w| w <= precision.relative_width)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(duration_ms: f64) -> Sample {
        Sample {
            request_id: "r".into(),
            duration_ms,
            billed_duration_ms: duration_ms.ceil() as u64,
            init_duration_ms: None,
            max_memory_used_mb: 10,
            status: None,
            error: None,
            payload_index: None,
            output: None,
        }
    }

    #[test]
    fn sampler_stops_on_steady_durations_after_min_samples() {
        let mut s = Sampler::new(Some(SamplingPrecision {
            relative_width: 0.05,
            confidence: 0.95,
            min_samples: 5,
        }));
        for _ in 0..4 {
            s.push(&sample(100.0));
            assert!(!s.precise_enough());
        }
        s.push(&sample(100.5));
        assert!(s.precise_enough());
    }

    #[test]
    fn sampler_keeps_going_on_noisy_durations() {
        let mut s = Sampler::new(Some(SamplingPrecision {
            relative_width: 0.05,
            confidence: 0.95,
            min_samples: 5,
        }));
        for d in [10.0, 200.0, 50.0, 400.0, 5.0, 90.0] {
            s.push(&sample(d));
        }
        assert!(!s.precise_enough());
        assert!(s.relative_width().unwrap() > 0.05);
    }

    #[test]
    fn sampler_without_precision_never_stops() {
        let mut s = Sampler::new(None);
        for _ in 0..50 {
            s.push(&sample(1.0));
        }
        assert!(!s.precise_enough());
    }
}
