//! Pagination: the `nextToken`s of each operation (built from the store's event sequence
//! numbers, so a token stays valid while events are appended or dropped) and page slicing.

use serde_json::Value;

use super::LogsError;

pub(super) fn take_head<T>(items: &[T], limit: usize) -> &[T] {
    &items[..items.len().min(limit)]
}

pub(super) fn take_tail<T>(items: &[T], limit: usize) -> &[T] {
    &items[items.len().saturating_sub(limit)..]
}

pub(super) fn page_last_name(page: &Value, field: &str) -> Option<String> {
    page.as_array()?
        .last()?
        .get(field)?
        .as_str()
        .map(str::to_owned)
}

pub(super) fn invalid_token() -> LogsError {
    LogsError::invalid("The specified nextToken is invalid.")
}

/// A `GetLogEvents` position: `f/<seq>` reads events from `seq` on, `b/<seq>` before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cursor {
    Forward(u64),
    Backward(u64),
}

impl Cursor {
    pub(super) fn encode(self) -> String {
        match self {
            Cursor::Forward(seq) => format!("f/{seq:020}"),
            Cursor::Backward(seq) => format!("b/{seq:020}"),
        }
    }

    pub(super) fn decode(token: &str) -> Result<Self, LogsError> {
        let (direction, seq) = token.split_once('/').ok_or_else(invalid_token)?;
        let seq: u64 = seq.parse().map_err(|_| invalid_token())?;
        match direction {
            "f" => Ok(Cursor::Forward(seq)),
            "b" => Ok(Cursor::Backward(seq)),
            _ => Err(invalid_token()),
        }
    }
}

pub(super) fn encode_filter_token(timestamp_ms: i64, seq: u64) -> String {
    format!("pt1/{timestamp_ms}/{seq}")
}

pub(super) fn decode_filter_token(token: &str) -> Result<(i64, u64), LogsError> {
    let mut parts = token.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("pt1"), Some(ts), Some(seq), None) => Ok((
            ts.parse().map_err(|_| invalid_token())?,
            seq.parse().map_err(|_| invalid_token())?,
        )),
        _ => Err(invalid_token()),
    }
}

pub(super) fn encode_offset_token(offset: usize) -> String {
    format!("pt1/{offset}")
}

pub(super) fn decode_offset_token(token: &str) -> Result<usize, LogsError> {
    token
        .strip_prefix("pt1/")
        .and_then(|n| n.parse().ok())
        .ok_or_else(invalid_token)
}

pub(super) fn encode_name_token(name: &str) -> String {
    format!("pt1:{name}")
}

pub(super) fn decode_name_token(token: &str) -> Result<String, LogsError> {
    token
        .strip_prefix("pt1:")
        .map(str::to_owned)
        .ok_or_else(invalid_token)
}
