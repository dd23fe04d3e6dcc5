//! Request bodies of the control-plane API and their validation, worded as Lambda words its
//! `ValidationException`s and `InvalidParameterValueException`s.

use std::collections::BTreeMap;
use std::time::Duration;

use analyzer::units::{Architecture, MemoryMb};
use base64::Engine as _;
use serde::Deserialize;

use crate::error::ApiError;
use crate::registry::LogFormat;

/// Runtimes whose functions bring their own `bootstrap` (the only kind the emulator runs from
/// a `.zip`).
const CUSTOM_RUNTIMES: [&str; 3] = ["provided.al2023", "provided.al2", "provided"];

/// The request body, or Lambda's `InvalidRequestContentException`.
pub(super) fn parse_body<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    crate::http::json_body(body).map_err(|err| {
        ApiError::invalid_request_content(format!("Could not parse request body into json: {err}"))
    })
}

pub(super) fn validation(message: String) -> ApiError {
    ApiError::new(400, "ValidationException", message)
}

pub(super) fn check_memory(value: i64) -> Result<MemoryMb, ApiError> {
    if value < i64::from(MemoryMb::MIN) {
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at 'memorySize' failed to satisfy \
             constraint: Member must have value greater than or equal to {}",
            MemoryMb::MIN
        )));
    }
    if value > i64::from(MemoryMb::MAX) {
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at 'memorySize' failed to satisfy \
             constraint: Member must have value less than or equal to {}",
            MemoryMb::MAX
        )));
    }
    let value = u32::try_from(value).expect("checked against Lambda's range just above");
    MemoryMb::try_from(value).map_err(|e| ApiError::invalid_parameter(e.to_string()))
}

pub(super) fn check_timeout(value: i64) -> Result<Duration, ApiError> {
    if !(1..=900).contains(&value) {
        let bound = if value < 1 {
            "greater than or equal to 1"
        } else {
            "less than or equal to 900"
        };
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at 'timeout' failed to satisfy \
             constraint: Member must have value {bound}"
        )));
    }
    Ok(Duration::from_secs(value.unsigned_abs()))
}

pub(super) fn check_architectures(values: &[String]) -> Result<Architecture, ApiError> {
    match values {
        [one] => match one.as_str() {
            "x86_64" => Ok(Architecture::X86_64),
            "arm64" => Ok(Architecture::Arm64),
            other => Err(validation(format!(
                "1 validation error detected: Value '[{other}]' at 'architectures' failed to \
                 satisfy constraint: Member must satisfy constraint: [Member must satisfy enum \
                 value set: [x86_64, arm64]]"
            ))),
        },
        _ => Err(validation(format!(
            "1 validation error detected: Value '{values:?}' at 'architectures' failed to \
             satisfy constraint: Member must have length less than or equal to 1 and greater \
             than or equal to 1"
        ))),
    }
}

pub(super) fn check_runtime(runtime: &str) -> Result<(), ApiError> {
    if CUSTOM_RUNTIMES.contains(&runtime) {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "The runtime parameter of {runtime} is not supported by the emulator: package a \
             `bootstrap` executable and use one of {}",
            CUSTOM_RUNTIMES.join(", ")
        )))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct EnvironmentBody {
    pub(super) variables: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct LoggingConfigBody {
    pub(super) log_format: Option<String>,
    pub(super) log_group: Option<String>,
}

impl LoggingConfigBody {
    /// The log format asked for, if any.
    pub(super) fn format(&self) -> Result<Option<LogFormat>, ApiError> {
        self.log_format.as_deref().map(str::parse).transpose()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CodeBody {
    pub(super) zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    pub(super) s3_bucket: Option<String>,
    pub(super) image_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CreateFunctionBody {
    pub(super) function_name: Option<String>,
    pub(super) runtime: Option<String>,
    pub(super) role: Option<String>,
    pub(super) handler: Option<String>,
    pub(super) code: Option<CodeBody>,
    pub(super) description: Option<String>,
    pub(super) timeout: Option<i64>,
    pub(super) memory_size: Option<i64>,
    pub(super) publish: Option<bool>,
    pub(super) environment: Option<EnvironmentBody>,
    pub(super) architectures: Option<Vec<String>>,
    pub(super) tags: Option<BTreeMap<String, String>>,
    pub(super) logging_config: Option<LoggingConfigBody>,
    pub(super) package_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UpdateConfigurationBody {
    pub(super) role: Option<String>,
    pub(super) handler: Option<String>,
    pub(super) description: Option<String>,
    pub(super) timeout: Option<i64>,
    pub(super) memory_size: Option<i64>,
    pub(super) environment: Option<EnvironmentBody>,
    pub(super) runtime: Option<String>,
    pub(super) revision_id: Option<String>,
    pub(super) logging_config: Option<LoggingConfigBody>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UpdateCodeBody {
    pub(super) zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    pub(super) s3_bucket: Option<String>,
    pub(super) image_uri: Option<String>,
    pub(super) publish: Option<bool>,
    pub(super) revision_id: Option<String>,
    pub(super) architectures: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PublishVersionBody {
    pub(super) code_sha256: Option<String>,
    pub(super) description: Option<String>,
    pub(super) revision_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RoutingConfigBody {
    pub(super) additional_version_weights: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct AliasBody {
    pub(super) name: Option<String>,
    pub(super) function_version: Option<String>,
    pub(super) description: Option<String>,
    pub(super) routing_config: Option<RoutingConfigBody>,
    pub(super) revision_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ConcurrencyBody {
    pub(super) reserved_concurrent_executions: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ProvisionedBody {
    pub(super) provisioned_concurrent_executions: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TagsBody {
    pub(super) tags: Option<BTreeMap<String, String>>,
}

pub(super) fn missing(field: &str) -> ApiError {
    validation(format!(
        "1 validation error detected: Value null at '{field}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

/// The base64 `ZipFile` of a code upload: the emulator takes no code from S3 or a container
/// image.
pub(super) fn zip_file(
    zip_file: Option<String>,
    s3_bucket: Option<&str>,
    image_uri: Option<&str>,
) -> Result<String, ApiError> {
    if s3_bucket.is_some() || image_uri.is_some() {
        return Err(ApiError::invalid_parameter(
            "Code from S3 or a container image is not supported by the emulator: send ZipFile",
        ));
    }
    zip_file
        .ok_or_else(|| ApiError::invalid_parameter("Please provide a source for function code."))
}

pub(super) fn decode_zip(zip_base64: &str) -> Result<Vec<u8>, ApiError> {
    base64::engine::general_purpose::STANDARD
        .decode(zip_base64.trim())
        .map_err(|e| ApiError::invalid_parameter(format!("ZipFile is not valid base64: {e}")))
}

pub(super) fn check_alias_name(alias: &str) -> Result<(), ApiError> {
    let ok = !alias.is_empty()
        && alias.len() <= 128
        && !alias.bytes().all(|b| b.is_ascii_digit())
        && alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(validation(format!(
            "1 validation error detected: Value '{alias}' at 'name' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: \
             (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
        )))
    }
}

pub(super) fn routing_of(body: Option<RoutingConfigBody>) -> Option<BTreeMap<String, f64>> {
    body.map(|r| r.additional_version_weights.unwrap_or_default())
}
