//! Errors: [`ApiError`], the AWS-shaped error an HTTP API returns, and [`Error`], the
//! crate's own error for everything that is not an API answer (start-up, processes, cgroups).

use std::path::PathBuf;

use serde_json::json;

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors of the emulator itself (not answers to an API call).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API listener could not be bound.
    #[error("cannot bind the emulator listener on {addr}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A cgroup file or directory could not be created, written or read.
    #[error("cgroup operation failed on {path}")]
    Cgroup {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The function's `bootstrap` could not be started.
    #[error("cannot start {path} for function {function}")]
    Spawn {
        /// The function.
        function: String,
        /// The executable.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Some other I/O failure, with what was being done.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An API call was refused (used where an API error surfaces through a library call).
    #[error(transparent)]
    Api(#[from] Box<ApiError>),
}

/// Why a store operation failed (the Logs API maps each to AWS's error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogStoreError {
    /// The log group does not exist.
    #[error("log group {0} does not exist")]
    GroupNotFound(String),
    /// The log stream does not exist in that group.
    #[error("log stream {stream} does not exist in log group {group}")]
    StreamNotFound {
        /// The group searched.
        group: String,
        /// The missing stream.
        stream: String,
    },
    /// The group already exists.
    #[error("log group {0} already exists")]
    GroupExists(String),
    /// The stream already exists.
    #[error("log stream {0} already exists")]
    StreamExists(String),
}

impl From<ApiError> for Error {
    fn from(value: ApiError) -> Self {
        Error::Api(Box::new(value))
    }
}

/// An error as the Lambda HTTP API returns it: a status code, the `x-amzn-ErrorType` header and
/// a JSON body `{"Type": "User", "message": "..."}` (plus `Reason` for throttles).
///
/// aws-sdk-lambda and botocore map the error type to their typed errors (for example
/// `ResourceNotFoundException` to `InvokeError::ResourceNotFoundException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error_type}: {message}")]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// The exception name (`x-amzn-ErrorType`, without the `:http://...` suffix).
    pub error_type: String,
    /// The human-readable message.
    pub message: String,
    /// `Reason` field of throttling errors (`ReservedFunctionConcurrentInvocationLimitExceeded`).
    pub reason: Option<String>,
    /// `Type` field: `User` for the caller's mistakes, `Service` for the service's own.
    pub fault: Fault,
}

/// Whose fault an [`ApiError`] is, as the `Type` field of the body states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The caller's (4xx).
    User,
    /// The service's (5xx).
    Service,
}

impl ApiError {
    /// A generic constructor.
    pub fn new(status: u16, error_type: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type: error_type.to_owned(),
            message: message.into(),
            reason: None,
            fault: if status >= 500 {
                Fault::Service
            } else {
                Fault::User
            },
        }
    }

    /// 404 `ResourceNotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "ResourceNotFoundException", message)
    }

    /// 404 `ResourceNotFoundException` for a function ARN, worded as Lambda words it.
    pub fn function_not_found(arn: &str) -> Self {
        Self::not_found(format!("Function not found: {arn}"))
    }

    /// 400 `InvalidParameterValueException`.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameterValueException", message)
    }

    /// 400 `InvalidRequestContentException` (for example an Invoke payload that is not JSON).
    pub fn invalid_request_content(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidRequestContentException", message)
    }

    /// 409 `ResourceConflictException`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "ResourceConflictException", message)
    }

    /// 413 `RequestTooLargeException`.
    pub fn request_too_large(message: impl Into<String>) -> Self {
        Self::new(413, "RequestTooLargeException", message)
    }

    /// 429 `TooManyRequestsException` with its `Reason`.
    pub fn too_many_requests(reason: &str, message: impl Into<String>) -> Self {
        let mut err = Self::new(429, "TooManyRequestsException", message);
        err.reason = Some(reason.to_owned());
        err
    }

    /// 500 `ServiceException`.
    pub fn service(message: impl Into<String>) -> Self {
        Self::new(500, "ServiceException", message)
    }

    /// 502 `InvalidRuntimeException`-style failure for a function that cannot run on this
    /// host (another CPU architecture, a missing `bootstrap`).
    pub fn invalid_runtime(message: impl Into<String>) -> Self {
        Self::new(502, "InvalidRuntimeException", message)
    }

    /// The JSON body Lambda sends with this error.
    pub fn body(&self) -> Vec<u8> {
        let fault = match self.fault {
            Fault::User => "User",
            Fault::Service => "Service",
        };
        let value = match &self.reason {
            Some(reason) => json!({"Reason": reason, "Type": fault, "message": self.message}),
            None => json!({"Type": fault, "message": self.message}),
        };
        serde_json::to_vec(&value).expect("a JSON object of strings always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_body_carries_reason_type_and_message() {
        let err = ApiError::too_many_requests(
            "ReservedFunctionConcurrentInvocationLimitExceeded",
            "Rate Exceeded.",
        );
        let body: serde_json::Value = serde_json::from_slice(&err.body()).unwrap();
        assert_eq!(err.status, 429);
        assert_eq!(
            body["Reason"],
            "ReservedFunctionConcurrentInvocationLimitExceeded"
        );
        assert_eq!(body["Type"], "User");
        assert_eq!(body["message"], "Rate Exceeded.");
    }

    #[test]
    fn server_errors_are_service_faults() {
        let body: serde_json::Value =
            serde_json::from_slice(&ApiError::service("boom").body()).unwrap();
        assert_eq!(body["Type"], "Service");
    }
}
