//! The Lambda control-plane API (CreateFunction, UpdateFunctionConfiguration, PublishVersion,
//! aliases, concurrency, tags): a route table over [`crate::control_plane`] and the registry.
//!
//! [`route`] is called first for every request on the API listener; it answers the requests it
//! owns and returns `None` for every other one.
//!
//! Paths and status codes follow Lambda's REST API (`/2015-03-31/functions...`,
//! `/2017-10-31/.../concurrency`, `/2019-09-30/.../concurrency` and `provisioned-concurrency`,
//! `/2016-08-19/account-settings`, `/2017-03-31/tags/{arn}`), and so do the errors (status,
//! `x-amzn-ErrorType`, message), so aws-sdk-lambda, boto3 and the AWS CLI work unchanged.
//!
//! `bodies` parses and validates request bodies, `shapes` builds the response documents;
//! `functions`, `versions` (versions and aliases), `concurrency` and `tags` hold the handlers.

mod bodies;
mod concurrency;
mod functions;
mod shapes;
mod tags;
mod versions;

use std::sync::Arc;

use hyper::Method;
use serde_json::Value;

use crate::error::ApiError;
use crate::http::{ApiRequest, ApiResponse, error_response, json_response, response};
use crate::registry::{FunctionConfig, FunctionEntry};
use crate::state::State;

/// Answers a control-plane request, or returns `None` when `req` is not one.
pub(crate) async fn route(state: &Arc<State>, req: &ApiRequest) -> Option<ApiResponse> {
    use concurrency::*;
    use functions::*;
    use tags::*;
    use versions::*;
    let segments = req.segments();
    let result = match (&req.method, segments.as_slice()) {
        (&Method::POST, ["2015-03-31", "functions"]) => create_function(state, req),
        (&Method::GET, ["2015-03-31", "functions"]) => list_functions(state, req),
        (&Method::GET, ["2015-03-31", "functions", name]) => get_function(state, req, name),
        (&Method::DELETE, ["2015-03-31", "functions", name]) => delete_function(state, req, name),
        (&Method::GET, ["2015-03-31", "functions", name, "configuration"]) => {
            get_function_configuration(state, req, name)
        }
        (&Method::PUT, ["2015-03-31", "functions", name, "configuration"]) => {
            update_function_configuration(state, req, name)
        }
        (&Method::PUT, ["2015-03-31", "functions", name, "code"]) => {
            update_function_code(state, req, name)
        }
        (&Method::POST, ["2015-03-31", "functions", name, "versions"]) => {
            publish_version(state, req, name)
        }
        (&Method::GET, ["2015-03-31", "functions", name, "versions"]) => {
            list_versions(state, req, name)
        }
        (&Method::POST, ["2015-03-31", "functions", name, "aliases"]) => {
            create_alias(state, req, name)
        }
        (&Method::GET, ["2015-03-31", "functions", name, "aliases"]) => {
            list_aliases(state, req, name)
        }
        (&Method::GET, ["2015-03-31", "functions", name, "aliases", alias]) => {
            get_alias(state, name, alias)
        }
        (&Method::PUT, ["2015-03-31", "functions", name, "aliases", alias]) => {
            update_alias(state, req, name, alias)
        }
        (&Method::DELETE, ["2015-03-31", "functions", name, "aliases", alias]) => {
            delete_alias(state, name, alias)
        }
        (&Method::PUT, ["2017-10-31", "functions", name, "concurrency"]) => {
            put_function_concurrency(state, req, name)
        }
        (&Method::GET, ["2019-09-30", "functions", name, "concurrency"]) => {
            get_function_concurrency(state, name)
        }
        (&Method::DELETE, ["2017-10-31", "functions", name, "concurrency"]) => {
            delete_function_concurrency(state, name)
        }
        (&Method::PUT, ["2019-09-30", "functions", name, "provisioned-concurrency"]) => {
            put_provisioned(state, req, name)
        }
        (&Method::GET, ["2019-09-30", "functions", name, "provisioned-concurrency"]) => {
            get_provisioned(state, req, name)
        }
        (&Method::DELETE, ["2019-09-30", "functions", name, "provisioned-concurrency"]) => {
            delete_provisioned(state, req, name)
        }
        (&Method::GET, ["2016-08-19", "account-settings"]) => get_account_settings(state),
        (&Method::POST, ["2017-03-31", "tags", resource @ ..]) => {
            tag_resource(state, req, &resource.join("/"))
        }
        (&Method::GET, ["2017-03-31", "tags", resource @ ..]) => {
            list_tags(state, &resource.join("/"))
        }
        (&Method::DELETE, ["2017-03-31", "tags", resource @ ..]) => {
            untag_resource(state, req, &resource.join("/"))
        }
        _ => return None,
    };
    Some(match result {
        Ok(Answer { status, body }) => match body {
            Some(body) => json_response(status, &body),
            None => response(status, "application/json", Vec::new()),
        },
        Err(err) => {
            tracing::debug!(method = %req.method, path = %req.path, error_type = %err.error_type, message = %err.message, "control-plane error");
            error_response(&err)
        }
    })
}

/// A successful control-plane answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Option<Value>,
}

impl Answer {
    fn ok(body: Value) -> ApiResult {
        Ok(Self {
            status: 200,
            body: Some(body),
        })
    }

    fn created(body: Value) -> ApiResult {
        Ok(Self {
            status: 201,
            body: Some(body),
        })
    }

    fn accepted(body: Value) -> ApiResult {
        Ok(Self {
            status: 202,
            body: Some(body),
        })
    }

    fn no_content() -> ApiResult {
        Ok(Self {
            status: 204,
            body: None,
        })
    }
}

type ApiResult = Result<Answer, ApiError>;

/// The function name and qualifier a path's `{FunctionName}` and the `Qualifier` query name.
fn function_ref(
    state: &State,
    req: &ApiRequest,
    reference: &str,
) -> Result<(String, Option<String>), ApiError> {
    let (name, embedded) = state.registry.parse_reference(reference)?;
    match (embedded, req.query_param("Qualifier")) {
        (Some(a), Some(b)) if a != b => Err(ApiError::invalid_parameter(
            "The derived qualifier from the function name does not match the specified \
             qualifier.",
        )),
        (Some(a), _) => Ok((name, Some(a))),
        (None, b) => Ok((name, b.map(str::to_owned))),
    }
}

/// The function's unqualified name from a path's `{FunctionName}`; refuses a qualifier.
fn unqualified(state: &State, reference: &str) -> Result<String, ApiError> {
    let (name, qualifier) = state.registry.parse_reference(reference)?;
    if qualifier.is_some() {
        return Err(ApiError::invalid_parameter(
            "Unsupported: this operation does not accept a qualified function name.",
        ));
    }
    Ok(name)
}

/// A copy of the function's entry, or Lambda's `ResourceNotFoundException`.
fn entry(state: &State, name: &str) -> Result<FunctionEntry, ApiError> {
    state
        .registry
        .entry(name)
        .ok_or_else(|| ApiError::function_not_found(&state.registry.function_arn(name)))
}

/// The configuration a qualifier names: `$LATEST`, a version number or an alias.
fn config_for(
    state: &State,
    entry: &FunctionEntry,
    name: &str,
    qualifier: Option<&str>,
) -> Result<Arc<FunctionConfig>, ApiError> {
    let not_found = |q: &str| {
        ApiError::function_not_found(&format!("{}:{q}", state.registry.function_arn(name)))
    };
    match qualifier {
        None | Some("$LATEST") => Ok(Arc::clone(&entry.latest)),
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => q
            .parse::<u64>()
            .ok()
            .and_then(|n| entry.versions.get(&n))
            .cloned()
            .ok_or_else(|| not_found(q)),
        Some(alias) => {
            let target = entry.aliases.get(alias).ok_or_else(|| not_found(alias))?;
            config_for(state, entry, name, Some(&target.function_version))
        }
    }
}

/// Refuses a stale `RevisionId`, as Lambda does.
fn check_revision(expected: Option<&str>, actual: &str) -> Result<(), ApiError> {
    match expected {
        Some(r) if r != actual => Err(ApiError::new(
            412,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the \
             GetFunction/GetAlias API to retrieve the latest Revision Id",
        )),
        _ => Ok(()),
    }
}
