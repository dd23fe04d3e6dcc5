//! The Invoke API: `POST /2015-03-31/functions/{name}/invocations`.
//!
//! Headers as on Lambda: `X-Amz-Invocation-Type` (`RequestResponse`, `Event`: 202 and the
//! invocation runs in the background, `DryRun`: 204), `X-Amz-Log-Type: Tail` (base64 of the
//! last 4 KB of the invocation's log in `X-Amz-Log-Result`), `X-Amz-Client-Context`,
//! `Qualifier`; the answer carries `X-Amz-Executed-Version` and, for a failed invocation,
//! `X-Amz-Function-Error: Unhandled`. The invocation itself is [`crate::invocation`]'s.

use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use hyper::Method;

use crate::error::ApiError;
use crate::http::{ApiRequest, ApiResponse, error_response, put_header, response};
use crate::invocation::{InvokeInput, check_architecture, invoke};
use crate::state::State;

/// Largest synchronous Invoke payload (6 MB).
const MAX_SYNC_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;
/// Largest asynchronous (`Event`) Invoke payload (256 KB).
const MAX_ASYNC_PAYLOAD_BYTES: usize = 256 * 1024;

/// How the caller wants the function invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InvocationType {
    /// Synchronous.
    RequestResponse,
    /// Asynchronous: queued, 202.
    Event,
    /// Only check that the function can be invoked: 204.
    DryRun,
}

fn parse_invocation_type(req: &ApiRequest) -> Result<InvocationType, ApiError> {
    match req
        .header("x-amz-invocation-type")
        .unwrap_or("RequestResponse")
    {
        "RequestResponse" => Ok(InvocationType::RequestResponse),
        "Event" => Ok(InvocationType::Event),
        "DryRun" => Ok(InvocationType::DryRun),
        other => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy \
             constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
        ))),
    }
}

/// Answers `POST /2015-03-31/functions/{name}/invocations`, or returns `None` for any other
/// request.
pub(crate) async fn route(state: &Arc<State>, req: &ApiRequest) -> Option<ApiResponse> {
    let segments = req.segments();
    let name = match segments.as_slice() {
        ["2015-03-31", "functions", name, "invocations"] if req.method == Method::POST => {
            (*name).to_owned()
        }
        _ => return None,
    };
    Some(match handle_invoke(state, req, &name).await {
        Ok(res) => res,
        Err(err) => error_response(&err),
    })
}

/// The event and client context of an Invoke request, checked as Lambda checks them.
fn invoke_input(req: &ApiRequest) -> Result<InvokeInput, ApiError> {
    if !req.body.is_empty() && serde_json::from_slice::<serde::de::IgnoredAny>(&req.body).is_err() {
        return Err(ApiError::invalid_request_content(
            "Could not parse request body into json: Could not parse payload into json",
        ));
    }
    let client_context = match req.header("x-amz-client-context") {
        Some(encoded) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|_| {
                    ApiError::invalid_request_content("Client context must be base64-encoded JSON")
                })?;
            Some(String::from_utf8_lossy(&decoded).into_owned())
        }
        None => None,
    };
    let payload = if req.body.is_empty() {
        Bytes::from_static(b"{}")
    } else {
        req.body.clone()
    };
    Ok(InvokeInput {
        payload,
        client_context,
    })
}

async fn handle_invoke(
    state: &Arc<State>,
    req: &ApiRequest,
    name: &str,
) -> Result<ApiResponse, ApiError> {
    let invocation_type = parse_invocation_type(req)?;
    let limit = match invocation_type {
        InvocationType::Event => MAX_ASYNC_PAYLOAD_BYTES,
        _ => MAX_SYNC_PAYLOAD_BYTES,
    };
    if req.body.len() > limit {
        return Err(ApiError::request_too_large(format!(
            "Request must be smaller than {limit} bytes for the InvokeFunction operation"
        )));
    }
    let resolved = state.registry.resolve(name, req.query_param("Qualifier"))?;
    let input = invoke_input(req)?;
    match invocation_type {
        InvocationType::DryRun => {
            check_architecture(&resolved)?;
            let mut res = response(204, "application/json", Bytes::new());
            put_header(
                &mut res,
                "X-Amz-Executed-Version",
                &resolved.executed_version,
            );
            Ok(res)
        }
        InvocationType::Event => {
            check_architecture(&resolved)?;
            let state = Arc::clone(state);
            let executed_version = resolved.executed_version.clone();
            tokio::spawn(async move {
                if let Err(err) = invoke(&state, &resolved, input).await {
                    tracing::warn!(function = %resolved.config.name, error = %err, "asynchronous invocation failed");
                }
            });
            let mut res = response(202, "application/json", Bytes::new());
            put_header(&mut res, "X-Amz-Executed-Version", &executed_version);
            Ok(res)
        }
        InvocationType::RequestResponse => {
            let outcome = invoke(state, &resolved, input).await?;
            let mut res = response(200, "application/json", outcome.payload.clone());
            put_header(
                &mut res,
                "X-Amz-Executed-Version",
                &outcome.executed_version,
            );
            if let Some(error) = &outcome.function_error {
                put_header(&mut res, "X-Amz-Function-Error", error);
            }
            if req
                .header("x-amz-log-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("Tail"))
            {
                put_header(&mut res, "X-Amz-Log-Result", &outcome.log_tail_base64());
            }
            Ok(res)
        }
    }
}
