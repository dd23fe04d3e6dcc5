//! The CloudWatch Logs API subset that log readers use, over AWS's JSON 1.1 protocol.
//!
//! Requests are `POST /` with `X-Amz-Target: Logs_20140328.<Operation>` and an
//! `application/x-amz-json-1.1` body; they share the Lambda API's port, told apart by that
//! header, so one `AWS_ENDPOINT_URL` serves both aws-sdk-lambda and aws-sdk-cloudwatchlogs.
//!
//! Operations: `DescribeLogGroups`, `DescribeLogStreams`, `GetLogEvents`, `FilterLogEvents`
//! (filter patterns of plain terms, quoted phrases, `?term` alternatives and `-term`
//! exclusions; time range; `logStreamNames` or `logStreamNamePrefix`; `limit` and
//! `nextToken` pagination), and for writers `CreateLogGroup`, `CreateLogStream`,
//! `PutLogEvents`, `DeleteLogGroup`. Errors carry AWS's `__type` (`ResourceNotFoundException`,
//! `InvalidParameterException`, `ResourceAlreadyExistsException`, `SerializationException`,
//! `UnknownOperationException`) with HTTP 400.
//!
//! The handler is independent of the HTTP server: [`LogsApi::handle`] takes the operation
//! name and the body and returns a status and a JSON body.

mod pattern;
mod requests;
mod tokens;

use serde_json::{Value, json};

use crate::log_store::{InputLogEvent, LogStore, LogStoreError, StoredLogEvent};
use pattern::FilterPattern;
use requests::{
    DescribeLogGroupsRequest, DescribeLogStreamsRequest, FilterLogEventsRequest,
    GetLogEventsRequest, GroupRequest, PutLogEventsRequest, StreamRequest, check_limit, group_name,
    missing, parse, resolve_group,
};
use tokens::{
    Cursor, decode_filter_token, decode_name_token, decode_offset_token, encode_filter_token,
    encode_name_token, encode_offset_token, page_last_name, take_head, take_tail,
};

/// The `X-Amz-Target` prefix of every CloudWatch Logs operation.
pub(crate) const TARGET_PREFIX: &str = "Logs_20140328.";

/// The content type of JSON 1.1 requests and responses.
pub(crate) const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Largest page of events a response carries, as on CloudWatch Logs (1 MB of messages).
const MAX_RESPONSE_BYTES: usize = 1_048_576;

/// Default and largest `limit` of `GetLogEvents` and `FilterLogEvents`.
const MAX_EVENTS_LIMIT: usize = 10_000;

/// Default and largest `limit` of `DescribeLogGroups` and `DescribeLogStreams`.
const MAX_DESCRIBE_LIMIT: usize = 50;

/// A JSON 1.1 response: HTTP status and body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JsonResponse {
    /// HTTP status code (200, or 400 for every client error).
    pub(crate) status: u16,
    /// The JSON body.
    pub(crate) body: Value,
}

/// An AWS-shaped error of the Logs API.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LogsError {
    type_name: &'static str,
    message: String,
}

impl LogsError {
    fn invalid(message: impl Into<String>) -> Self {
        Self {
            type_name: "InvalidParameterException",
            message: message.into(),
        }
    }

    fn into_response(self) -> JsonResponse {
        JsonResponse {
            status: 400,
            body: json!({ "__type": self.type_name, "message": self.message }),
        }
    }
}

impl From<LogStoreError> for LogsError {
    fn from(err: LogStoreError) -> Self {
        let (type_name, message) = match err {
            LogStoreError::GroupNotFound(_) => (
                "ResourceNotFoundException",
                "The specified log group does not exist.",
            ),
            LogStoreError::StreamNotFound { .. } => (
                "ResourceNotFoundException",
                "The specified log stream does not exist.",
            ),
            LogStoreError::GroupExists(_) => (
                "ResourceAlreadyExistsException",
                "The specified log group already exists",
            ),
            LogStoreError::StreamExists(_) => (
                "ResourceAlreadyExistsException",
                "The specified log stream already exists",
            ),
        };
        Self {
            type_name,
            message: message.to_owned(),
        }
    }
}

type ApiResult = Result<Value, LogsError>;

/// The Logs API over a [`LogStore`]. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct LogsApi {
    store: LogStore,
    region: String,
    account_id: String,
}

impl LogsApi {
    /// An API over `store`; `region` and `account_id` appear in the ARNs it returns.
    pub(crate) fn new(
        store: LogStore,
        region: impl Into<String>,
        account_id: impl Into<String>,
    ) -> Self {
        Self {
            store,
            region: region.into(),
            account_id: account_id.into(),
        }
    }

    /// Whether an `X-Amz-Target` header value names a Logs operation.
    pub(crate) fn is_logs_target(target: &str) -> bool {
        target.starts_with(TARGET_PREFIX)
    }

    /// Handles one request: `target` is the `X-Amz-Target` header value, `body` the raw body.
    /// Never fails: errors become AWS-shaped 400 responses.
    pub(crate) fn handle(&self, target: &str, body: &[u8]) -> JsonResponse {
        let operation = target.strip_prefix(TARGET_PREFIX).unwrap_or(target);
        let result = match operation {
            "DescribeLogGroups" => parse(body).and_then(|r| self.describe_log_groups(r)),
            "DescribeLogStreams" => parse(body).and_then(|r| self.describe_log_streams(r)),
            "GetLogEvents" => parse(body).and_then(|r| self.get_log_events(r)),
            "FilterLogEvents" => parse(body).and_then(|r| self.filter_log_events(r)),
            "CreateLogGroup" => parse(body).and_then(|r| self.create_log_group(r)),
            "CreateLogStream" => parse(body).and_then(|r| self.create_log_stream(r)),
            "PutLogEvents" => parse(body).and_then(|r| self.put_log_events(r)),
            "DeleteLogGroup" => parse(body).and_then(|r| self.delete_log_group(r)),
            _ => Err(LogsError {
                type_name: "UnknownOperationException",
                message: format!("operation {operation} is not supported by the emulator"),
            }),
        };
        match result {
            Ok(body) => JsonResponse { status: 200, body },
            Err(err) => {
                tracing::debug!(operation, error_type = err.type_name, message = %err.message, "logs api error");
                err.into_response()
            }
        }
    }

    fn group_arn(&self, group: &str) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:{group}",
            self.region, self.account_id
        )
    }

    fn describe_log_groups(&self, req: DescribeLogGroupsRequest) -> ApiResult {
        if req.log_group_name_prefix.is_some() && req.log_group_name_pattern.is_some() {
            return Err(LogsError::invalid(
                "logGroupNamePrefix and logGroupNamePattern are mutually exclusive",
            ));
        }
        let limit = check_limit(req.limit, MAX_DESCRIBE_LIMIT)?;
        let after = req
            .next_token
            .as_deref()
            .map(decode_name_token)
            .transpose()?;
        let pattern = req.log_group_name_pattern.map(|p| p.to_lowercase());
        let mut groups = self
            .store
            .groups()
            .into_iter()
            .filter(|g| {
                req.log_group_name_prefix
                    .as_deref()
                    .is_none_or(|p| g.name.starts_with(p))
            })
            .filter(|g| {
                pattern
                    .as_deref()
                    .is_none_or(|p| g.name.to_lowercase().contains(p))
            })
            .filter(|g| {
                req.log_group_identifiers
                    .as_ref()
                    .is_none_or(|ids| ids.iter().any(|id| group_name(id) == g.name))
            })
            .filter(|g| after.as_deref().is_none_or(|a| g.name.as_str() > a))
            .peekable();
        let mut page = Vec::new();
        while page.len() < limit {
            let Some(g) = groups.next() else { break };
            let arn = self.group_arn(&g.name);
            page.push(json!({
                "logGroupName": g.name,
                "creationTime": g.creation_time_ms,
                "metricFilterCount": 0,
                "arn": format!("{arn}:*"),
                "logGroupArn": arn,
                "storedBytes": g.stored_bytes,
                "logGroupClass": "STANDARD",
            }));
        }
        let mut out = json!({ "logGroups": page });
        if groups.peek().is_some()
            && let Some(last) = page_last_name(&out["logGroups"], "logGroupName")
        {
            out["nextToken"] = Value::String(encode_name_token(&last));
        }
        Ok(out)
    }

    fn describe_log_streams(&self, req: DescribeLogStreamsRequest) -> ApiResult {
        let group = resolve_group(req.log_group_name, req.log_group_identifier)?;
        let by_last_event = match req.order_by.as_deref() {
            None | Some("LogStreamName") => false,
            Some("LastEventTime") => true,
            Some(other) => {
                return Err(LogsError::invalid(format!(
                    "orderBy {other} is not valid: expected LogStreamName or LastEventTime"
                )));
            }
        };
        if by_last_event && req.log_stream_name_prefix.is_some() {
            return Err(LogsError::invalid(
                "Cannot order by LastEventTime with a logStreamNamePrefix.",
            ));
        }
        let limit = check_limit(req.limit, MAX_DESCRIBE_LIMIT)?;
        let offset = req
            .next_token
            .as_deref()
            .map(decode_offset_token)
            .transpose()?
            .unwrap_or(0);
        let mut streams: Vec<_> = self
            .store
            .streams(&group)?
            .into_iter()
            .filter(|s| {
                req.log_stream_name_prefix
                    .as_deref()
                    .is_none_or(|p| s.name.starts_with(p))
            })
            .collect();
        if by_last_event {
            streams.sort_by(|a, b| {
                a.last_event_timestamp_ms
                    .cmp(&b.last_event_timestamp_ms)
                    .then_with(|| a.name.cmp(&b.name))
            });
        }
        if req.descending.unwrap_or(false) {
            streams.reverse();
        }
        let total = streams.len();
        let page: Vec<Value> = streams
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|s| {
                let mut v = json!({
                    "logStreamName": s.name,
                    "creationTime": s.creation_time_ms,
                    "arn": format!("{}:log-stream:{}", self.group_arn(&group), s.name),
                    "storedBytes": s.stored_bytes,
                });
                if let Some(t) = s.first_event_timestamp_ms {
                    v["firstEventTimestamp"] = json!(t);
                }
                if let Some(t) = s.last_event_timestamp_ms {
                    v["lastEventTimestamp"] = json!(t);
                }
                if let Some(t) = s.last_ingestion_time_ms {
                    v["lastIngestionTime"] = json!(t);
                    v["uploadSequenceToken"] = json!(t.to_string());
                }
                v
            })
            .collect();
        let mut out = json!({ "logStreams": page });
        if offset + limit < total {
            out["nextToken"] = Value::String(encode_offset_token(offset + limit));
        }
        Ok(out)
    }

    fn get_log_events(&self, req: GetLogEventsRequest) -> ApiResult {
        let group = resolve_group(req.log_group_name, req.log_group_identifier)?;
        let stream = req
            .log_stream_name
            .ok_or_else(|| missing("logStreamName"))?;
        let limit = check_limit(req.limit, MAX_EVENTS_LIMIT)?;
        let cursor = req.next_token.as_deref().map(Cursor::decode).transpose()?;
        let start = req.start_time.unwrap_or(i64::MIN);
        let end = req.end_time.unwrap_or(i64::MAX);
        // GetLogEvents includes startTime and excludes endTime.
        let events: Vec<StoredLogEvent> = self
            .store
            .stream_events(&group, &stream)?
            .into_iter()
            .filter(|e| e.timestamp_ms >= start && e.timestamp_ms < end)
            .collect();
        let from_head = match cursor {
            Some(Cursor::Forward(_)) => true,
            Some(Cursor::Backward(_)) => false,
            None => req.start_from_head.unwrap_or(false),
        };
        let candidates: Vec<&StoredLogEvent> = events
            .iter()
            .filter(|e| match cursor {
                Some(Cursor::Forward(seq)) => e.seq >= seq,
                Some(Cursor::Backward(seq)) => e.seq < seq,
                None => true,
            })
            .collect();
        let page: &[&StoredLogEvent] = if from_head {
            take_head(&candidates, limit)
        } else {
            take_tail(&candidates, limit)
        };
        let resting = match cursor {
            Some(Cursor::Forward(seq) | Cursor::Backward(seq)) => seq,
            None => events.last().map_or(0, |e| e.seq + 1),
        };
        let forward = page.last().map_or(resting, |e| e.seq + 1);
        let backward = page.first().map_or(resting, |e| e.seq);
        Ok(json!({
            "events": page
                .iter()
                .map(|e| json!({
                    "timestamp": e.timestamp_ms,
                    "message": e.message,
                    "ingestionTime": e.ingestion_time_ms,
                }))
                .collect::<Vec<_>>(),
            "nextForwardToken": Cursor::Forward(forward).encode(),
            "nextBackwardToken": Cursor::Backward(backward).encode(),
        }))
    }

    fn filter_log_events(&self, req: FilterLogEventsRequest) -> ApiResult {
        let group = resolve_group(req.log_group_name, req.log_group_identifier)?;
        if req.log_stream_names.is_some() && req.log_stream_name_prefix.is_some() {
            return Err(LogsError::invalid(
                "logStreamNames and logStreamNamePrefix are mutually exclusive",
            ));
        }
        if let Some(names) = &req.log_stream_names
            && !(1..=100).contains(&names.len())
        {
            return Err(LogsError::invalid(
                "logStreamNames must name between 1 and 100 log streams",
            ));
        }
        let limit = check_limit(req.limit, MAX_EVENTS_LIMIT)?;
        let after = req
            .next_token
            .as_deref()
            .map(decode_filter_token)
            .transpose()?;
        let pattern = FilterPattern::parse(req.filter_pattern.as_deref().unwrap_or(""))?;
        // FilterLogEvents includes both ends of the time range.
        let start = req.start_time.unwrap_or(i64::MIN);
        let end = req.end_time.unwrap_or(i64::MAX);
        let stream_wanted = |name: &str| {
            req.log_stream_names
                .as_ref()
                .is_none_or(|names| names.iter().any(|n| n == name))
                && req
                    .log_stream_name_prefix
                    .as_deref()
                    .is_none_or(|p| name.starts_with(p))
        };
        let mut searched: Vec<String> = Vec::new();
        let mut events = self.store.group_events(
            &group,
            |name| {
                let wanted = stream_wanted(name);
                if wanted {
                    searched.push(name.to_owned());
                }
                wanted
            },
            |e| {
                e.timestamp_ms >= start
                    && e.timestamp_ms <= end
                    && after.is_none_or(|key| (e.timestamp_ms, e.seq) > key)
                    && pattern.matches(&e.message)
            },
        )?;
        events.sort_by_key(|(_, e)| (e.timestamp_ms, e.seq));
        let mut bytes = 0;
        let mut taken = 0;
        for (_, e) in &events {
            if taken == limit || (taken > 0 && bytes + e.message.len() > MAX_RESPONSE_BYTES) {
                break;
            }
            bytes += e.message.len();
            taken += 1;
        }
        let mut out = json!({
            "events": events[..taken]
                .iter()
                .map(|(stream, e)| json!({
                    "logStreamName": stream,
                    "timestamp": e.timestamp_ms,
                    "message": e.message,
                    "ingestionTime": e.ingestion_time_ms,
                    "eventId": format!("{:020}", e.seq),
                }))
                .collect::<Vec<_>>(),
            "searchedLogStreams": searched
                .iter()
                .map(|name| json!({ "logStreamName": name, "searchedCompletely": true }))
                .collect::<Vec<_>>(),
        });
        if taken < events.len()
            && let Some((_, last)) = taken.checked_sub(1).map(|i| &events[i])
        {
            out["nextToken"] = Value::String(encode_filter_token(last.timestamp_ms, last.seq));
        }
        Ok(out)
    }

    fn create_log_group(&self, req: GroupRequest) -> ApiResult {
        let group = req.log_group_name.ok_or_else(|| missing("logGroupName"))?;
        self.store.create_group(&group)?;
        Ok(json!({}))
    }

    fn delete_log_group(&self, req: GroupRequest) -> ApiResult {
        let group = req.log_group_name.ok_or_else(|| missing("logGroupName"))?;
        self.store.delete_group(&group)?;
        Ok(json!({}))
    }

    fn create_log_stream(&self, req: StreamRequest) -> ApiResult {
        let group = req.log_group_name.ok_or_else(|| missing("logGroupName"))?;
        let stream = req
            .log_stream_name
            .ok_or_else(|| missing("logStreamName"))?;
        self.store.create_stream(&group, &stream)?;
        Ok(json!({}))
    }

    fn put_log_events(&self, req: PutLogEventsRequest) -> ApiResult {
        let group = req.log_group_name.ok_or_else(|| missing("logGroupName"))?;
        let stream = req
            .log_stream_name
            .ok_or_else(|| missing("logStreamName"))?;
        let events = req.log_events.ok_or_else(|| missing("logEvents"))?;
        if events.is_empty() || events.len() > 10_000 {
            return Err(LogsError::invalid(
                "logEvents must hold between 1 and 10000 events",
            ));
        }
        // Writers must create the group and the stream first, as on CloudWatch Logs.
        self.store.stream_events(&group, &stream)?;
        self.store.append(
            &group,
            &stream,
            events.into_iter().map(|e| InputLogEvent {
                timestamp_ms: e.timestamp,
                message: e.message,
            }),
        );
        Ok(json!({ "nextSequenceToken": crate::log_store::now_ms().to_string() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_with(events: &[(&str, i64, &str)]) -> LogsApi {
        let store = LogStore::default();
        for (stream, ts, message) in events {
            store.append(
                "/aws/lambda/f",
                stream,
                [InputLogEvent {
                    timestamp_ms: *ts,
                    message: (*message).to_owned(),
                }],
            );
        }
        LogsApi::new(store, "us-east-1", "123456789012")
    }

    fn call(api: &LogsApi, op: &str, body: Value) -> JsonResponse {
        api.handle(&format!("{TARGET_PREFIX}{op}"), body.to_string().as_bytes())
    }

    fn messages(resp: &JsonResponse) -> Vec<String> {
        resp.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn filter_log_events_pages_through_every_match_in_time_order() {
        let events: Vec<(String, i64, String)> = (0..25)
            .map(|i| (format!("s{}", i % 3), 1000 + i, format!("REPORT {i}")))
            .chain((0..5).map(|i| ("s0".to_owned(), 2000 + i, format!("START {i}"))))
            .collect();
        let borrowed: Vec<(&str, i64, &str)> = events
            .iter()
            .map(|(s, t, m)| (s.as_str(), *t, m.as_str()))
            .collect();
        let api = api_with(&borrowed);
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut body =
                json!({"logGroupName": "/aws/lambda/f", "filterPattern": "REPORT", "limit": 10});
            if let Some(t) = &token {
                body["nextToken"] = json!(t);
            }
            let resp = call(&api, "FilterLogEvents", body);
            assert_eq!(resp.status, 200, "{}", resp.body);
            seen.extend(messages(&resp));
            pages += 1;
            match resp.body.get("nextToken").and_then(Value::as_str) {
                Some(t) => token = Some(t.to_owned()),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        let expected: Vec<String> = (0..25).map(|i| format!("REPORT {i}")).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn filter_log_events_honours_streams_and_time_range() {
        let api = api_with(&[
            ("a", 1, "x1"),
            ("b", 2, "x2"),
            ("a", 3, "x3"),
            ("a", 4, "x4"),
        ]);
        let resp = call(
            &api,
            "FilterLogEvents",
            json!({"logGroupName": "/aws/lambda/f", "logStreamNames": ["a"], "startTime": 2, "endTime": 3}),
        );
        assert_eq!(messages(&resp), ["x3"]);
        assert_eq!(resp.body["events"][0]["logStreamName"], "a");
        let resp = call(
            &api,
            "FilterLogEvents",
            json!({"logGroupName": "/aws/lambda/f", "logStreamNames": ["a"], "logStreamNamePrefix": "a"}),
        );
        assert_eq!(resp.body["__type"], "InvalidParameterException");
    }

    #[test]
    fn get_log_events_reads_tail_by_default_and_pages_forward_from_head() {
        let api = api_with(&[("s", 1, "a"), ("s", 2, "b"), ("s", 3, "c")]);
        let resp = call(
            &api,
            "GetLogEvents",
            json!({"logGroupName": "/aws/lambda/f", "logStreamName": "s", "limit": 2}),
        );
        assert_eq!(messages(&resp), ["b", "c"]);
        let resp = call(
            &api,
            "GetLogEvents",
            json!({"logGroupName": "/aws/lambda/f", "logStreamName": "s", "limit": 2, "startFromHead": true}),
        );
        assert_eq!(messages(&resp), ["a", "b"]);
        let token = resp.body["nextForwardToken"].as_str().unwrap().to_owned();
        let resp = call(
            &api,
            "GetLogEvents",
            json!({"logGroupName": "/aws/lambda/f", "logStreamName": "s", "nextToken": token}),
        );
        assert_eq!(messages(&resp), ["c"]);
        let token = resp.body["nextForwardToken"].as_str().unwrap().to_owned();
        let resp = call(
            &api,
            "GetLogEvents",
            json!({"logGroupName": "/aws/lambda/f", "logStreamName": "s", "nextToken": token}),
        );
        assert!(messages(&resp).is_empty());
        assert_eq!(
            resp.body["nextForwardToken"].as_str().unwrap(),
            token,
            "at the end the forward token repeats, which is how readers know to stop"
        );
    }

    #[test]
    fn describe_operations_list_groups_and_streams_with_pagination() {
        let api = api_with(&[("s1", 5, "a"), ("s2", 9, "b"), ("s3", 1, "c")]);
        api.store
            .append("/aws/lambda/g", "x", [InputLogEvent::now("m")]);
        let resp = call(
            &api,
            "DescribeLogGroups",
            json!({"logGroupNamePrefix": "/aws/lambda/", "limit": 1}),
        );
        assert_eq!(resp.body["logGroups"][0]["logGroupName"], "/aws/lambda/f");
        assert_eq!(
            resp.body["logGroups"][0]["logGroupArn"],
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f"
        );
        let token = resp.body["nextToken"].clone();
        let resp = call(
            &api,
            "DescribeLogGroups",
            json!({"logGroupNamePrefix": "/aws/lambda/", "nextToken": token}),
        );
        assert_eq!(resp.body["logGroups"][0]["logGroupName"], "/aws/lambda/g");
        assert!(resp.body.get("nextToken").is_none());

        let resp = call(
            &api,
            "DescribeLogStreams",
            json!({"logGroupName": "/aws/lambda/f", "orderBy": "LastEventTime", "descending": true, "limit": 2}),
        );
        let names: Vec<_> = resp.body["logStreams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["logStreamName"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["s2", "s1"]);
        let token = resp.body["nextToken"].clone();
        let resp = call(
            &api,
            "DescribeLogStreams",
            json!({"logGroupName": "/aws/lambda/f", "orderBy": "LastEventTime", "descending": true, "nextToken": token}),
        );
        assert_eq!(resp.body["logStreams"][0]["logStreamName"], "s3");
    }

    #[test]
    fn errors_are_aws_shaped() {
        let api = api_with(&[]);
        let resp = call(
            &api,
            "DescribeLogStreams",
            json!({"logGroupName": "/aws/lambda/none"}),
        );
        assert_eq!(resp.status, 400);
        assert_eq!(resp.body["__type"], "ResourceNotFoundException");
        let resp = api.handle("Logs_20140328.GetLogEvents", b"{not json");
        assert_eq!(resp.body["__type"], "SerializationException");
        let resp = call(
            &api,
            "FilterLogEvents",
            json!({"logGroupName": "g", "limit": 0}),
        );
        assert_eq!(resp.body["__type"], "InvalidParameterException");
        let resp = call(
            &api,
            "FilterLogEvents",
            json!({"logGroupName": "g", "nextToken": "garbage"}),
        );
        assert_eq!(resp.body["__type"], "InvalidParameterException");
        let resp = call(&api, "Frobnicate", json!({}));
        assert_eq!(resp.body["__type"], "UnknownOperationException");
        let resp = call(&api, "CreateLogGroup", json!({"logGroupName": "g"}));
        assert_eq!(resp.status, 200);
        let resp = call(&api, "CreateLogGroup", json!({"logGroupName": "g"}));
        assert_eq!(resp.body["__type"], "ResourceAlreadyExistsException");
        let resp = call(
            &api,
            "PutLogEvents",
            json!({"logGroupName": "g", "logStreamName": "s", "logEvents": [{"timestamp": 1, "message": "m"}]}),
        );
        assert_eq!(resp.body["__type"], "ResourceNotFoundException");
    }

    #[test]
    fn group_identifier_accepts_names_and_arns() {
        assert_eq!(group_name("/aws/lambda/f"), "/aws/lambda/f");
        assert_eq!(
            group_name("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*"),
            "/aws/lambda/f"
        );
        assert_eq!(
            group_name("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f"),
            "/aws/lambda/f"
        );
    }
}
