//! The Lambda Runtime API (`/2018-06-01/runtime/...`) that a function's runtime client talks
//! to: `invocation/next`, `invocation/{id}/response`, `invocation/{id}/error` and
//! `init/error`.
//!
//! Every execution environment gets its own listener (its `AWS_LAMBDA_RUNTIME_API`), so a
//! `next` call identifies the environment without any client cooperation. It is served by
//! [`crate::http`]'s accept loop; the invocation path ([`crate::invocation`]) dispatches events
//! and takes replies through [`RuntimeChannel`].

use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};

/// Largest response a function may return: Lambda's synchronous limit, 6 MB plus 100 bytes
/// (its 413 says `Exceeded maximum allowed payload size (6291556 bytes).`).
pub(crate) const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024 + 100;
// The 413 body below spells the limit out.
const _: () = assert!(MAX_RESPONSE_BYTES == 6_291_556);

/// An event handed to the runtime by `next`.
#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub(crate) request_id: String,
    /// The event.
    pub(crate) payload: Bytes,
    /// `Lambda-Runtime-Deadline-Ms`: epoch milliseconds.
    pub(crate) deadline_ms: i64,
    /// `Lambda-Runtime-Invoked-Function-Arn`.
    pub(crate) invoked_function_arn: String,
    /// `Lambda-Runtime-Trace-Id`.
    pub(crate) trace_id: String,
    /// `Lambda-Runtime-Client-Context`, when the caller gave one (decoded JSON text).
    pub(crate) client_context: Option<String>,
    /// `Lambda-Runtime-Cognito-Identity`, when given.
    pub(crate) cognito_identity: Option<String>,
}

/// What the runtime reported for an invocation.
#[derive(Debug, Clone)]
pub(crate) enum RuntimeReply {
    /// `POST .../response`.
    Response(Bytes),
    /// `POST .../error` with the body and the `Lambda-Runtime-Function-Error-Type` header.
    Error {
        /// The error document.
        body: Bytes,
        /// The error type header, when sent.
        error_type: Option<String>,
    },
    /// The response exceeded [`MAX_RESPONSE_BYTES`].
    TooLarge {
        /// Its size in bytes.
        size: usize,
    },
}

/// A reply and when it arrived.
#[derive(Debug, Clone)]
pub(crate) struct TimedReply {
    /// The reply.
    pub(crate) reply: RuntimeReply,
    /// When it was posted.
    pub(crate) at: Instant,
}

/// An `init/error` report.
#[derive(Debug, Clone)]
pub(crate) struct InitError {
    /// The error document.
    pub(crate) body: Bytes,
    /// The `Lambda-Runtime-Function-Error-Type` header, when sent.
    pub(crate) error_type: Option<String>,
}

#[derive(Debug)]
struct Current {
    request_id: String,
    reply: Option<oneshot::Sender<TimedReply>>,
    delivered_at: Option<Instant>,
}

/// The state one environment's Runtime API shares with the invoker.
#[derive(Debug)]
pub(crate) struct RuntimeChannel {
    next_tx: mpsc::Sender<Invocation>,
    next_rx: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    first_next: watch::Sender<Option<Instant>>,
    init_error: watch::Sender<Option<InitError>>,
    current: Mutex<Option<Current>>,
}

impl Default for RuntimeChannel {
    fn default() -> Self {
        Self::new()
    }
}

impl RuntimeChannel {
    /// A channel with nothing pending.
    pub(crate) fn new() -> Self {
        let (next_tx, next_rx) = mpsc::channel(1);
        Self {
            next_tx,
            next_rx: tokio::sync::Mutex::new(next_rx),
            first_next: watch::channel(None).0,
            init_error: watch::channel(None).0,
            current: Mutex::new(None),
        }
    }

    fn lock_current(&self) -> std::sync::MutexGuard<'_, Option<Current>> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Watches the time of the first `next` call (the end of init).
    pub(crate) fn first_next(&self) -> watch::Receiver<Option<Instant>> {
        self.first_next.subscribe()
    }

    /// Watches `init/error` reports.
    pub(crate) fn init_error(&self) -> watch::Receiver<Option<InitError>> {
        self.init_error.subscribe()
    }

    /// Queues an invocation for the runtime's `next` call; the returned receiver yields the
    /// runtime's reply.
    ///
    /// Returns `None` when an invocation is still queued (cannot happen for an environment that
    /// handles one invocation at a time).
    pub(crate) fn dispatch(&self, invocation: Invocation) -> Option<oneshot::Receiver<TimedReply>> {
        let (tx, rx) = oneshot::channel();
        *self.lock_current() = Some(Current {
            request_id: invocation.request_id.clone(),
            reply: Some(tx),
            delivered_at: None,
        });
        self.next_tx.try_send(invocation).ok()?;
        Some(rx)
    }

    /// When the current invocation's event was handed to the runtime, if it was.
    pub(crate) fn delivered_at(&self) -> Option<Instant> {
        self.lock_current().as_ref().and_then(|c| c.delivered_at)
    }

    /// Forgets the current invocation (after it finished, timed out or crashed).
    pub(crate) fn clear(&self) {
        *self.lock_current() = None;
    }

    fn reply(&self, request_id: &str, reply: RuntimeReply) -> bool {
        let at = Instant::now();
        let mut current = self.lock_current();
        match current.as_mut() {
            Some(c) if c.request_id == request_id => match c.reply.take() {
                Some(tx) => {
                    let _ = tx.send(TimedReply { reply, at });
                    true
                }
                None => false,
            },
            _ => false,
        }
    }
}

fn runtime_response(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *res.status_mut() = status;
    res.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    res
}

fn header_text(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn next(channel: &RuntimeChannel) -> Response<Full<Bytes>> {
    let now = Instant::now();
    channel.first_next.send_if_modified(|first| {
        if first.is_none() {
            *first = Some(now);
            true
        } else {
            false
        }
    });
    let invocation = {
        let mut rx = channel.next_rx.lock().await;
        rx.recv().await
    };
    let Some(invocation) = invocation else {
        return runtime_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"errorMessage":"environment shutting down","errorType":"ServiceException"}"#,
        );
    };
    {
        let mut current = channel.lock_current();
        if let Some(c) = current.as_mut()
            && c.request_id == invocation.request_id
        {
            c.delivered_at = Some(Instant::now());
        }
    }
    let mut res = Response::new(Full::new(invocation.payload));
    let headers = res.headers_mut();
    let mut put = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    put("content-type", "application/json");
    put("lambda-runtime-aws-request-id", &invocation.request_id);
    put(
        "lambda-runtime-deadline-ms",
        &invocation.deadline_ms.to_string(),
    );
    put(
        "lambda-runtime-invoked-function-arn",
        &invocation.invoked_function_arn,
    );
    put("lambda-runtime-trace-id", &invocation.trace_id);
    if let Some(context) = &invocation.client_context {
        put("lambda-runtime-client-context", context);
    }
    if let Some(identity) = &invocation.cognito_identity {
        put("lambda-runtime-cognito-identity", identity);
    }
    res
}

async fn handle(channel: Arc<RuntimeChannel>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let Some(rest) = path.strip_prefix("/2018-06-01/runtime/") else {
        return runtime_response(
            StatusCode::NOT_FOUND,
            r#"{"errorMessage":"not found","errorType":"NotFound"}"#,
        );
    };
    let method = req.method().clone();
    if method == Method::GET && rest == "invocation/next" {
        return next(&channel).await;
    }
    if method != Method::POST {
        return runtime_response(
            StatusCode::METHOD_NOT_ALLOWED,
            r#"{"errorMessage":"method not allowed","errorType":"MethodNotAllowed"}"#,
        );
    }
    let error_type = header_text(&req, "lambda-runtime-function-error-type");
    let body = match req.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return runtime_response(
                StatusCode::BAD_REQUEST,
                r#"{"errorMessage":"cannot read body","errorType":"InvalidRequest"}"#,
            );
        }
    };
    if rest == "init/error" {
        channel
            .init_error
            .send_replace(Some(InitError { body, error_type }));
        return runtime_response(StatusCode::ACCEPTED, r#"{"status":"OK"}"#);
    }
    let Some(rest) = rest.strip_prefix("invocation/") else {
        return runtime_response(
            StatusCode::NOT_FOUND,
            r#"{"errorMessage":"not found","errorType":"NotFound"}"#,
        );
    };
    let (request_id, reply) = if let Some(id) = rest.strip_suffix("/response") {
        if body.len() > MAX_RESPONSE_BYTES {
            channel.reply(id, RuntimeReply::TooLarge { size: body.len() });
            return runtime_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                r#"{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}"#,
            );
        }
        (id, RuntimeReply::Response(body))
    } else if let Some(id) = rest.strip_suffix("/error") {
        (id, RuntimeReply::Error { body, error_type })
    } else {
        return runtime_response(
            StatusCode::NOT_FOUND,
            r#"{"errorMessage":"not found","errorType":"NotFound"}"#,
        );
    };
    if channel.reply(request_id, reply) {
        runtime_response(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
    } else {
        runtime_response(
            StatusCode::BAD_REQUEST,
            r#"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#,
        )
    }
}

/// Serves one environment's Runtime API on `listener` until the task is aborted.
pub(crate) fn spawn_runtime_server(
    listener: TcpListener,
    channel: Arc<RuntimeChannel>,
) -> tokio::task::JoinHandle<()> {
    crate::http::serve(listener, move |req| handle(Arc::clone(&channel), req))
}

/// A Lambda-style X-Ray trace header value for a new invocation (not sampled).
pub(crate) fn new_trace_id() -> String {
    let epoch = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let random = uuid::Uuid::new_v4().simple().to_string();
    let parent = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "Root=1-{epoch:08x}-{};Parent={};Sampled=0",
        &random[..24],
        &parent[..16]
    )
}
