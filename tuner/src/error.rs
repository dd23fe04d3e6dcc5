//! The tuner's one error type and its mapping to Lambda's `Diagnostic`.

use analyzer::units::MemoryMb;

/// Result with the tuner's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every `errorType` string a step can fail with. The state machine's `Retry`/`Catch` blocks
/// match exactly these.
pub const ERROR_TYPES: &[&str] = &[
    "PowerTune.InvalidInput",
    "PowerTune.Throttled",
    "PowerTune.FunctionError",
    "PowerTune.LambdaError",
    "PowerTune.Timeout",
    "PowerTune.UpdateFailed",
    "PowerTune.Interrupted",
    "PowerTune.Analysis",
];

/// Everything that can go wrong in a tuning step. Messages name the function, the field or the
/// configuration concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not acceptable; the message names the field and the accepted range.
    #[error("invalid input: {field} {problem}")]
    InvalidInput {
        /// The input field (aws-lambda-power-tuning's name).
        field: String,
        /// What is wrong and what is accepted.
        problem: String,
    },
    /// Lambda kept throttling the invocations after every retry.
    #[error("{function} at {memory_mb} was throttled {attempts} times in a row")]
    Throttled {
        /// Function name or ARN.
        function: String,
        /// Memory size of the configuration.
        memory_mb: MemoryMb,
        /// Attempts made.
        attempts: u32,
    },
    /// The function itself failed (`X-Amz-Function-Error`), as aws-lambda-power-tuning fails.
    #[error(
        "invocation of {function} ({qualifier}) failed with {error_type}: {message}; \
         fix the function or its payload, or allow the error type (allowedExceptions in the \
         input, --allowed-exceptions on the command line)"
    )]
    FunctionError {
        /// Function name or ARN.
        function: String,
        /// Alias or version invoked.
        qualifier: String,
        /// `errorType` from the error payload, or the `X-Amz-Function-Error` header.
        error_type: String,
        /// `errorMessage` from the error payload.
        message: String,
    },
    /// A Lambda API call failed.
    #[error("lambda {operation} on {function} failed: {message}")]
    Lambda {
        /// API operation, e.g. `UpdateFunctionConfiguration`.
        operation: &'static str,
        /// Function name or ARN.
        function: String,
        /// The service's message, with its source chain.
        message: String,
    },
    /// A Lambda answer lacked a field the run needs to put the function back afterwards; the
    /// run stopped before changing anything.
    #[error(
        "lambda {operation} on {function} returned no {field}: nothing was changed, because \
         the original {field} could not be put back afterwards"
    )]
    Incomplete {
        /// API operation, e.g. `GetFunctionConfiguration`.
        operation: &'static str,
        /// Function name or ARN.
        function: String,
        /// The missing field, as Lambda names it (`MemorySize`).
        field: &'static str,
    },
    /// A configuration update or a new function did not settle in time.
    #[error("{function} did not finish updating within {waited_ms} ms (last status {status})")]
    Timeout {
        /// Function name.
        function: String,
        /// Time waited in ms.
        waited_ms: u64,
        /// Last `LastUpdateStatus`/`State` seen.
        status: String,
    },
    /// Lambda reported the configuration update as failed.
    #[error("updating {function} failed: {reason}")]
    UpdateFailed {
        /// Function name.
        function: String,
        /// `LastUpdateStatusReason`.
        reason: String,
    },
    /// An invocation's log tail held no REPORT record.
    #[error("invocation {request_id} of {function} returned no REPORT record in its log tail")]
    MissingReport {
        /// Function name.
        function: String,
        /// The invocation's request id, when known.
        request_id: String,
    },
    /// The run was interrupted (Ctrl-C); everything it created was cleaned up.
    #[error("interrupted; the run's aliases, versions and temporary copies were removed")]
    Interrupted,
    /// The analyzer could not compute the result.
    #[error("analysis failed: {0}")]
    Analysis(String),
    /// Reading a local code file failed.
    #[error("reading code file {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A step's JSON input or output did not have the expected shape.
    #[error("step payload is not valid: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// The closed `errorType` string of this error (one of [`ERROR_TYPES`]).
    pub fn error_type(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } | Error::Json(_) | Error::Io { .. } => {
                "PowerTune.InvalidInput"
            }
            Error::Throttled { .. } => "PowerTune.Throttled",
            Error::FunctionError { .. } | Error::MissingReport { .. } => "PowerTune.FunctionError",
            Error::Lambda { .. } | Error::Incomplete { .. } => "PowerTune.LambdaError",
            Error::Timeout { .. } => "PowerTune.Timeout",
            Error::UpdateFailed { .. } => "PowerTune.UpdateFailed",
            Error::Interrupted => "PowerTune.Interrupted",
            Error::Analysis(_) => "PowerTune.Analysis",
        }
    }

    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// Wraps an SDK error of `operation` on `function`, keeping the whole source chain.
    pub fn lambda<E>(operation: &'static str, function: &str, err: E) -> Self
    where
        E: std::error::Error + 'static,
    {
        let mut message = err.to_string();
        let mut source = err.source();
        while let Some(inner) = source {
            message.push_str(": ");
            message.push_str(&inner.to_string());
            source = inner.source();
        }
        Error::Lambda {
            operation,
            function: function.to_owned(),
            message,
        }
    }
}

impl From<Error> for lambda_runtime::Diagnostic {
    fn from(err: Error) -> Self {
        lambda_runtime::Diagnostic {
            error_type: err.error_type().to_owned(),
            error_message: err.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_a_listed_error_type() {
        let memory_mb = MemoryMb::try_from(128).unwrap();
        let errors = vec![
            Error::invalid("num", "must be at least 5"),
            Error::Throttled {
                function: "f".into(),
                memory_mb,
                attempts: 3,
            },
            Error::FunctionError {
                function: "f".into(),
                qualifier: "a".into(),
                error_type: "Boom".into(),
                message: "m".into(),
            },
            Error::Lambda {
                operation: "Invoke",
                function: "f".into(),
                message: "m".into(),
            },
            Error::Incomplete {
                operation: "GetFunctionConfiguration",
                function: "f".into(),
                field: "MemorySize",
            },
            Error::Timeout {
                function: "f".into(),
                waited_ms: 1,
                status: "InProgress".into(),
            },
            Error::UpdateFailed {
                function: "f".into(),
                reason: "r".into(),
            },
            Error::Interrupted,
            Error::Analysis("x".into()),
        ];
        for err in errors {
            assert!(ERROR_TYPES.contains(&err.error_type()), "{err:?}");
            let diagnostic = lambda_runtime::Diagnostic::from(err);
            assert!(diagnostic.error_type.starts_with("PowerTune."));
            assert!(!diagnostic.error_message.is_empty());
        }
    }

    #[test]
    fn invalid_input_message_names_the_field() {
        let err = Error::invalid("num", "is 3: must be at least 5");
        assert_eq!(
            err.to_string(),
            "invalid input: num is 3: must be at least 5"
        );
    }
}
