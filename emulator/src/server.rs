//! The emulator's HTTP server: one listener serving the Lambda API (control plane and Invoke)
//! and the CloudWatch Logs API, and the request/response types every route shares.
//!
//! Routing order: [`crate::control_api::route`] first (it answers the control-plane paths and
//! returns `None` for everything else), then CloudWatch Logs (told apart by its
//! `X-Amz-Target` header), then the Invoke API.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::error::ApiError;
use crate::logs_api::LogsApi;
use crate::state::State;

/// Largest request body read (larger bodies are refused before they are buffered). Above
/// Invoke's 6 MB limit so that the limit is reported as Lambda reports it, and large enough
/// for CreateFunction's 50 MB `.zip` once base64-encoded in JSON (Lambda's own request limit
/// for it is 69,905,067 bytes).
pub const MAX_BODY_BYTES: usize = 70 * 1024 * 1024;

/// A request as the routes see it: decoded path, query pairs, headers and the whole body.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// HTTP method.
    pub method: Method,
    /// Path with percent-escapes decoded.
    pub path: String,
    /// Query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// Headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl ApiRequest {
    /// The first value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header's value as text (`None` when absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The path split on `/`, without empty segments.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
}

/// A response of any route.
pub type ApiResponse = Response<Full<Bytes>>;

/// A response with a body and content type.
pub fn response(status: u16, content_type: &str, body: impl Into<Bytes>) -> ApiResponse {
    let mut res = Response::new(Full::new(body.into()));
    *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        res.headers_mut().insert(CONTENT_TYPE, value);
    }
    res
}

/// A JSON response.
pub fn json_response(status: u16, value: &serde_json::Value) -> ApiResponse {
    let body = serde_json::to_vec(value).expect("a serde_json::Value always serializes");
    response(status, "application/json", body)
}

/// The AWS-shaped response for an [`ApiError`]: status, `x-amzn-ErrorType` and JSON body.
pub fn error_response(err: &ApiError) -> ApiResponse {
    let mut res = response(err.status, "application/json", err.body());
    if let Ok(value) = HeaderValue::from_str(&err.error_type) {
        res.headers_mut().insert("x-amzn-ErrorType", value);
    }
    let request_id = uuid::Uuid::new_v4().to_string();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert("x-amzn-RequestId", value);
    }
    res
}

/// Decodes `%XX` escapes (and leaves malformed ones as they are).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

/// Reads a hyper request into an [`ApiRequest`].
///
/// # Errors
/// `RequestTooLargeException` when the body exceeds [`MAX_BODY_BYTES`], `ServiceException`
/// when the body cannot be read.
pub async fn read_request(req: Request<Incoming>) -> Result<ApiRequest, ApiError> {
    let (parts, body) = req.into_parts();
    // Refuse an announced oversized body at once instead of reading it first.
    let announced = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(ApiError::request_too_large(format!(
            "Request must be smaller than {MAX_BODY_BYTES} bytes"
        )));
    }
    let body = Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                ApiError::request_too_large(format!(
                    "Request must be smaller than {MAX_BODY_BYTES} bytes"
                ))
            } else {
                ApiError::service(format!("cannot read the request body: {e}"))
            }
        })?
        .to_bytes();
    Ok(ApiRequest {
        method: parts.method,
        path: percent_decode(parts.uri.path()),
        query: parse_query(parts.uri.query()),
        headers: parts.headers,
        body,
    })
}

async fn route(state: Arc<State>, req: Request<Incoming>) -> ApiResponse {
    let req = match read_request(req).await {
        Ok(req) => req,
        Err(err) => return error_response(&err),
    };
    if let Some(res) = crate::control_api::route(&state, &req).await {
        return res;
    }
    if let Some(target) = req.header("x-amz-target")
        && LogsApi::is_logs_target(target)
    {
        let answer = state.logs_api.handle(target, &req.body);
        let body = serde_json::to_vec(&answer.body).expect("a serde_json::Value always serializes");
        return response(answer.status, crate::logs_api::CONTENT_TYPE, body);
    }
    if let Some(res) = crate::invoke_api::route(&state, &req).await {
        return res;
    }
    error_response(&ApiError::new(
        404,
        "UnknownOperationException",
        format!("no operation at {} {}", req.method, req.path),
    ))
}

/// Serves the API on `listener` until the returned task is aborted; aborting it also ends every
/// open connection.
pub fn spawn_api_server(listener: TcpListener, state: Arc<State>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(pair) => pair,
                        Err(err) => {
                            tracing::warn!(error = %err, "accept failed");
                            continue;
                        }
                    };
                    serve_connection(&mut connections, stream, peer, Arc::clone(&state));
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    })
}

fn serve_connection(
    connections: &mut JoinSet<()>,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    state: Arc<State>,
) {
    let _ = stream.set_nodelay(true);
    connections.spawn(async move {
        let service = service_fn(move |req| {
            let state = Arc::clone(&state);
            async move { Ok::<_, Infallible>(route(state, req).await) }
        });
        if let Err(err) = http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service)
            .await
        {
            tracing::debug!(%peer, error = %err, "API connection ended with an error");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_handles_arns_and_malformed_escapes() {
        assert_eq!(
            percent_decode("arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af"),
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(
            parse_query(Some("Qualifier=%24LATEST&x")),
            vec![
                ("Qualifier".into(), "$LATEST".into()),
                ("x".into(), String::new())
            ]
        );
    }
}
