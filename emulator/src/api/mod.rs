//! The emulator's HTTP APIs on its one listener: the Lambda control plane, the CloudWatch Logs
//! API and the Lambda Invoke API, each a route table over [`crate::http`] and the domain.
//!
//! Routing order: [`control`] first (it answers the control-plane paths and returns `None` for
//! everything else), then CloudWatch Logs (told apart by its `X-Amz-Target` header), then
//! [`invoke`].

pub(crate) mod control;
pub(crate) mod invoke;
pub(crate) mod logs;

use std::sync::Arc;

use hyper::Request;
use hyper::body::Incoming;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::error::ApiError;
use crate::http::{self, ApiRequest, ApiResponse, error_response, response};
use crate::state::State;
use logs::LogsApi;

/// Everything the routes answer from: the emulator's state and the Logs API over its log store.
#[derive(Debug)]
pub(crate) struct Api {
    state: Arc<State>,
    logs: LogsApi,
}

impl Api {
    /// The APIs of one emulator; `region` and `account_id` appear in the ARNs they return.
    pub(crate) fn new(state: Arc<State>, region: &str, account_id: &str) -> Self {
        let logs = LogsApi::new(state.logs.clone(), region, account_id);
        Self { state, logs }
    }

    /// Serves the APIs on `listener` until the returned task is aborted.
    pub(crate) fn serve(self, listener: TcpListener) -> JoinHandle<()> {
        let api = Arc::new(self);
        http::serve(listener, move |req: Request<Incoming>| {
            let api = Arc::clone(&api);
            async move { api.answer(req).await }
        })
    }

    async fn answer(&self, req: Request<Incoming>) -> ApiResponse {
        let req = match http::read_request(req).await {
            Ok(req) => req,
            Err(err) => return error_response(&err),
        };
        self.route(&req).await
    }

    async fn route(&self, req: &ApiRequest) -> ApiResponse {
        if let Some(res) = control::route(&self.state, req).await {
            return res;
        }
        if let Some(target) = req.header("x-amz-target")
            && LogsApi::is_logs_target(target)
        {
            let answer = self.logs.handle(target, &req.body);
            let body =
                serde_json::to_vec(&answer.body).expect("a serde_json::Value always serializes");
            return response(answer.status, logs::CONTENT_TYPE, body);
        }
        if let Some(res) = invoke::route(&self.state, req).await {
            return res;
        }
        error_response(&ApiError::new(
            404,
            "UnknownOperationException",
            format!("no operation at {} {}", req.method, req.path),
        ))
    }
}
