//! Why an init phase or an invocation failed, in Lambda's words: one [`Failure`] names the error
//! type, the message, the document returned to the caller and the line written to the log,
//! whichever phase it happened in.

use std::time::Duration;

use analyzer::report_line::ReportStatus;
use bytes::Bytes;
use serde_json::json;

use crate::environments::{Environment, ExitInfo};
use crate::platform_log::now_iso;
use crate::runtime_api::{InitError, MAX_RESPONSE_BYTES};

/// A failed init phase or invocation.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    /// The runtime's process ended: it crashed, was killed, or the kernel killed it for
    /// exceeding its memory limit.
    Exited {
        /// How it ended.
        exit: ExitInfo,
        /// Whether it was killed for exceeding its memory limit.
        out_of_memory: bool,
    },
    /// The init phase or the invocation ran past its limit.
    TimedOut {
        /// The limit.
        limit: Duration,
    },
    /// The runtime reported an init error (`init/error`).
    InitError {
        /// The runtime's error document.
        body: Bytes,
        /// Its error type (`Runtime.Unknown` when the runtime named none).
        error_type: String,
    },
    /// The function returned an error (`.../error`).
    Function {
        /// The runtime's error document.
        body: Bytes,
        /// Its error type, when the runtime named one.
        error_type: Option<String>,
    },
    /// The response was larger than the Runtime API accepts.
    ResponseTooLarge {
        /// Its size in bytes.
        size: usize,
    },
}

impl Failure {
    /// The environment's process ended with `exit` (during init or an invocation alike).
    pub(crate) fn exited(env: &Environment, exit: ExitInfo) -> Self {
        Failure::Exited {
            exit,
            out_of_memory: env.oom_killed(),
        }
    }

    /// The runtime reported `err` from its init phase.
    pub(crate) fn init_error(err: InitError) -> Self {
        let error_type = err
            .error_type
            .or_else(|| error_type_of(&err.body))
            .unwrap_or_else(|| "Runtime.Unknown".to_owned());
        Failure::InitError {
            body: err.body,
            error_type,
        }
    }

    /// The function returned the error document `body`.
    pub(crate) fn function(body: Bytes, error_type: Option<String>) -> Self {
        let error_type = error_type.or_else(|| error_type_of(&body));
        Failure::Function { body, error_type }
    }

    /// Lambda's error type (`Runtime.ExitError`, `Sandbox.Timedout`, ...).
    pub(crate) fn error_type(&self) -> Option<&str> {
        match self {
            Failure::Exited {
                out_of_memory: true,
                ..
            } => Some("Runtime.OutOfMemory"),
            Failure::Exited { .. } => Some("Runtime.ExitError"),
            Failure::TimedOut { .. } => Some("Sandbox.Timedout"),
            Failure::InitError { error_type, .. } => Some(error_type),
            Failure::Function { error_type, .. } => error_type.as_deref(),
            Failure::ResponseTooLarge { .. } => Some("Function.ResponseSizeTooLarge"),
        }
    }

    /// The status the REPORT line and `INIT_REPORT` state.
    pub(crate) fn status(&self) -> ReportStatus {
        match self {
            Failure::TimedOut { .. } => ReportStatus::Timeout,
            _ => ReportStatus::Error,
        }
    }

    /// Whether the environment cannot serve again.
    pub(crate) fn ends_environment(&self) -> bool {
        matches!(self, Failure::Exited { .. } | Failure::TimedOut { .. })
    }

    /// The status and error type the REPORT record states. A function error states neither in
    /// the text format (as in the published Lambda logs of such errors), both in JSON.
    pub(crate) fn reported(&self, json_logs: bool) -> (Option<ReportStatus>, Option<String>) {
        if matches!(self, Failure::Function { .. }) && !json_logs {
            return (None, None);
        }
        let status = self.status();
        let error_type = if status == ReportStatus::Error {
            self.error_type().map(str::to_owned)
        } else {
            None
        };
        (Some(status), error_type)
    }

    /// Lambda's message for the failures the platform words itself.
    fn message(&self, request_id: &str) -> Option<String> {
        match self {
            Failure::Exited { exit, .. } => Some(format!(
                "RequestId: {request_id} Error: Runtime exited with error: {}",
                exit.describe()
            )),
            Failure::TimedOut { limit } => Some(format!(
                "RequestId: {request_id} Error: Task timed out after {:.2} seconds",
                limit.as_secs_f64()
            )),
            Failure::ResponseTooLarge { size } => Some(format!(
                "Response payload size ({size} bytes) exceeded maximum allowed payload size \
                 ({MAX_RESPONSE_BYTES} bytes)."
            )),
            Failure::InitError { .. } | Failure::Function { .. } => None,
        }
    }

    /// The document returned to the caller: the runtime's own, or
    /// `{"errorType": ..., "errorMessage": ...}`.
    pub(crate) fn payload(&self, request_id: &str) -> Bytes {
        match self {
            Failure::InitError { body, .. } | Failure::Function { body, .. } => body.clone(),
            _ => {
                let document = json!({
                    "errorType": self.error_type().unwrap_or_default(),
                    "errorMessage": self.message(request_id).unwrap_or_default(),
                });
                Bytes::from(
                    serde_json::to_vec(&document)
                        .expect("a JSON object of strings always serializes"),
                )
            }
        }
    }

    /// The line the platform writes into the log for this failure, if any.
    pub(crate) fn log_line(&self, request_id: &str) -> Option<String> {
        match self {
            Failure::Exited { .. } => Some(format!(
                "{}\n{}",
                self.message(request_id)?,
                self.error_type()?
            )),
            Failure::TimedOut { limit } => Some(format!(
                "{} {request_id} Task timed out after {:.2} seconds",
                now_iso(),
                limit.as_secs_f64()
            )),
            _ => None,
        }
    }
}

/// The `errorType` of a JSON error document.
fn error_type_of(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()?
        .get("errorType")?
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "8f5ad6a4-0b5f-4b0e-9d8f-3d1f1f1f1f1f";

    fn document(failure: &Failure) -> serde_json::Value {
        serde_json::from_slice(&failure.payload(ID)).unwrap()
    }

    #[test]
    fn an_exit_reads_the_same_in_either_phase_and_names_out_of_memory() {
        let exit = ExitInfo {
            code: None,
            signal: Some(9),
        };
        let crash = Failure::Exited {
            exit,
            out_of_memory: false,
        };
        assert_eq!(
            document(&crash),
            json!({
                "errorType": "Runtime.ExitError",
                "errorMessage": format!("RequestId: {ID} Error: Runtime exited with error: signal: killed"),
            })
        );
        assert_eq!(
            crash.log_line(ID).unwrap(),
            format!(
                "RequestId: {ID} Error: Runtime exited with error: signal: killed\nRuntime.ExitError"
            )
        );
        let oom = Failure::Exited {
            exit,
            out_of_memory: true,
        };
        assert_eq!(oom.error_type(), Some("Runtime.OutOfMemory"));
        assert_eq!(
            oom.reported(false),
            (
                Some(ReportStatus::Error),
                Some("Runtime.OutOfMemory".to_owned())
            )
        );
        assert!(crash.ends_environment() && oom.ends_environment());
    }

    #[test]
    fn a_timeout_states_its_limit_and_no_error_type_in_the_report() {
        let timeout = Failure::TimedOut {
            limit: Duration::from_millis(500),
        };
        assert_eq!(
            document(&timeout)["errorMessage"],
            format!("RequestId: {ID} Error: Task timed out after 0.50 seconds")
        );
        assert_eq!(document(&timeout)["errorType"], "Sandbox.Timedout");
        assert!(
            timeout
                .log_line(ID)
                .unwrap()
                .ends_with(&format!(" {ID} Task timed out after 0.50 seconds"))
        );
        assert_eq!(timeout.reported(false), (Some(ReportStatus::Timeout), None));
    }

    #[test]
    fn runtime_errors_keep_the_runtimes_document_and_type() {
        let body = Bytes::from_static(br#"{"errorType":"MyError","errorMessage":"boom"}"#);
        let handled = Failure::function(body.clone(), None);
        assert_eq!(handled.payload(ID), body);
        assert_eq!(handled.error_type(), Some("MyError"));
        assert_eq!(handled.reported(false), (None, None));
        assert_eq!(
            handled.reported(true),
            (Some(ReportStatus::Error), Some("MyError".to_owned()))
        );
        assert!(!handled.ends_environment());
        let init = Failure::init_error(InitError {
            body: Bytes::from_static(b"not json"),
            error_type: None,
        });
        assert_eq!(init.error_type(), Some("Runtime.Unknown"));
        assert_eq!(init.log_line(ID), None);
    }

    #[test]
    fn an_oversized_response_is_a_function_error_of_its_own() {
        let too_large = Failure::ResponseTooLarge { size: 7_000_000 };
        assert_eq!(
            document(&too_large),
            json!({
                "errorType": "Function.ResponseSizeTooLarge",
                "errorMessage": "Response payload size (7000000 bytes) exceeded maximum allowed payload size (6291556 bytes).",
            })
        );
        assert!(!too_large.ends_environment());
    }
}
