//! The request bodies of the Logs API operations, and the checks every operation shares
//! (`limit`, the log group by name or ARN, fields that must be present).

use serde::Deserialize;

use super::LogsError;

/// The request body, or AWS's `SerializationException`.
pub(super) fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, LogsError> {
    crate::http::json_body(body).map_err(|err| LogsError {
        type_name: "SerializationException",
        message: format!("could not parse the request body: {err}"),
    })
}

pub(super) fn missing(field: &str) -> LogsError {
    LogsError::invalid(format!(
        "1 validation error detected: Value null at '{field}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

pub(super) fn check_limit(limit: Option<i64>, max: usize) -> Result<usize, LogsError> {
    match limit {
        None => Ok(max),
        Some(n) => usize::try_from(n)
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                LogsError::invalid(format!(
                    "1 validation error detected: Value '{n}' at 'limit' failed to satisfy \
                     constraint: Member must have value between 1 and {max}"
                ))
            }),
    }
}

/// The group a request names, by `logGroupName` or `logGroupIdentifier` (name or ARN).
pub(super) fn resolve_group(
    name: Option<String>,
    identifier: Option<String>,
) -> Result<String, LogsError> {
    match (name, identifier) {
        (Some(_), Some(_)) => Err(LogsError::invalid(
            "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
        )),
        (Some(name), None) => Ok(name),
        (None, Some(id)) => Ok(group_name(&id).to_owned()),
        (None, None) => Err(LogsError::invalid(
            "Should provide either name or ARN of the LogGroup.",
        )),
    }
}

/// The group name in a log group identifier: the name itself, or the part of an ARN after
/// `:log-group:` without a trailing `:*`.
pub(super) fn group_name(identifier: &str) -> &str {
    match identifier.split_once(":log-group:") {
        Some((prefix, rest)) if prefix.starts_with("arn:") => {
            rest.strip_suffix(":*").unwrap_or(rest)
        }
        _ => identifier,
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DescribeLogGroupsRequest {
    pub(super) log_group_name_prefix: Option<String>,
    pub(super) log_group_name_pattern: Option<String>,
    pub(super) log_group_identifiers: Option<Vec<String>>,
    pub(super) next_token: Option<String>,
    pub(super) limit: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DescribeLogStreamsRequest {
    pub(super) log_group_name: Option<String>,
    pub(super) log_group_identifier: Option<String>,
    pub(super) log_stream_name_prefix: Option<String>,
    pub(super) order_by: Option<String>,
    pub(super) descending: Option<bool>,
    pub(super) next_token: Option<String>,
    pub(super) limit: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GetLogEventsRequest {
    pub(super) log_group_name: Option<String>,
    pub(super) log_group_identifier: Option<String>,
    pub(super) log_stream_name: Option<String>,
    pub(super) start_time: Option<i64>,
    pub(super) end_time: Option<i64>,
    pub(super) next_token: Option<String>,
    pub(super) limit: Option<i64>,
    pub(super) start_from_head: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FilterLogEventsRequest {
    pub(super) log_group_name: Option<String>,
    pub(super) log_group_identifier: Option<String>,
    pub(super) log_stream_names: Option<Vec<String>>,
    pub(super) log_stream_name_prefix: Option<String>,
    pub(super) start_time: Option<i64>,
    pub(super) end_time: Option<i64>,
    pub(super) filter_pattern: Option<String>,
    pub(super) next_token: Option<String>,
    pub(super) limit: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GroupRequest {
    pub(super) log_group_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StreamRequest {
    pub(super) log_group_name: Option<String>,
    pub(super) log_stream_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PutLogEventsRequest {
    pub(super) log_group_name: Option<String>,
    pub(super) log_stream_name: Option<String>,
    pub(super) log_events: Option<Vec<PutLogEvent>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct PutLogEvent {
    pub(super) timestamp: i64,
    pub(super) message: String,
}
