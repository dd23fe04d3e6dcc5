//! HTTP plumbing every API shares, and nothing else: the request and response types the routes
//! see, reading a request under a body limit, the AWS-shaped error response, query parsing, and
//! the accept loop that serves connections.
//!
//! This module is the bottom of the HTTP side: it knows no route, no function and no emulator
//! state. The Lambda and CloudWatch Logs APIs ([`crate::api`]) and each environment's Runtime
//! API ([`crate::runtime_api`]) are built on it.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::error::ApiError;

/// Largest request body read (larger bodies are refused before they are buffered). Above
/// Invoke's 6 MB limit so that the limit is reported as Lambda reports it, and large enough
/// for CreateFunction's 50 MB `.zip` once base64-encoded in JSON (Lambda's own request limit
/// for it is 69,905,067 bytes).
pub(crate) const MAX_BODY_BYTES: usize = 70 * 1024 * 1024;

/// A request as the routes see it: decoded path, query pairs, headers and the whole body.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    /// HTTP method.
    pub(crate) method: Method,
    /// Path with percent-escapes decoded.
    pub(crate) path: String,
    /// Query parameters, decoded, in order.
    pub(crate) query: Vec<(String, String)>,
    /// Headers.
    pub(crate) headers: HeaderMap,
    /// The body.
    pub(crate) body: Bytes,
}

impl ApiRequest {
    /// The first value of a query parameter.
    pub(crate) fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header's value as text (`None` when absent or not visible ASCII).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The path split on `/`, without empty segments.
    pub(crate) fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
}

/// A response of any route.
pub(crate) type ApiResponse = Response<Full<Bytes>>;

/// A response with a body and content type.
pub(crate) fn response(status: u16, content_type: &str, body: impl Into<Bytes>) -> ApiResponse {
    let mut res = Response::new(Full::new(body.into()));
    *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        res.headers_mut().insert(CONTENT_TYPE, value);
    }
    res
}

/// A JSON response.
pub(crate) fn json_response(status: u16, value: &serde_json::Value) -> ApiResponse {
    let body = serde_json::to_vec(value).expect("a serde_json::Value always serializes");
    response(status, "application/json", body)
}

/// Sets a header on a response; a value that is not a valid header value is left out.
pub(crate) fn put_header(res: &mut ApiResponse, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        res.headers_mut().insert(name, v);
    }
}

/// The AWS-shaped response for an [`ApiError`]: status, `x-amzn-ErrorType` and JSON body.
pub(crate) fn error_response(err: &ApiError) -> ApiResponse {
    let mut res = response(err.status, "application/json", err.body());
    put_header(&mut res, "x-amzn-ErrorType", &err.error_type);
    put_header(
        &mut res,
        "x-amzn-RequestId",
        &uuid::Uuid::new_v4().to_string(),
    );
    res
}

/// Parses a JSON request body; a blank body reads as `{}`, as AWS's JSON APIs take it.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::from_slice(b"{}")
    } else {
        serde_json::from_slice(body)
    }
}

/// Decodes `%XX` escapes (malformed ones are left as they are; bytes that are not UTF-8 become
/// U+FFFD).
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Query pairs of a URI, decoded as a form (`+` is a space), in order.
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

fn too_large() -> ApiError {
    ApiError::request_too_large(format!(
        "Request must be smaller than {MAX_BODY_BYTES} bytes"
    ))
}

/// Reads a hyper request into an [`ApiRequest`].
///
/// # Errors
/// `RequestTooLargeException` when the body exceeds [`MAX_BODY_BYTES`], `ServiceException`
/// when the body cannot be read.
pub(crate) async fn read_request(req: Request<Incoming>) -> Result<ApiRequest, ApiError> {
    let (parts, body) = req.into_parts();
    // Refuse an announced oversized body at once instead of reading it first.
    let announced = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let body = Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                too_large()
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

/// Serves HTTP/1.1 on `listener`, answering every request with `handler`, until the returned
/// task is aborted; aborting it also ends every open connection.
pub(crate) fn serve<H, F>(listener: TcpListener, handler: H) -> JoinHandle<()>
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        connections.spawn(serve_connection(stream, peer, handler.clone()));
                    }
                    Err(err) => tracing::warn!(error = %err, "accept failed"),
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    })
}

async fn serve_connection<H, F>(stream: TcpStream, peer: SocketAddr, handler: H)
where
    H: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |req| {
        let answer = handler(req);
        async move { Ok::<_, Infallible>(answer.await) }
    });
    if let Err(err) = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!(%peer, error = %err, "connection ended with an error");
    }
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
