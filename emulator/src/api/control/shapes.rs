//! The JSON documents the control-plane API answers with: a function's configuration, an
//! alias, a provisioned-concurrency config, and Lambda's `Marker`/`MaxItems` pages.

use serde_json::{Map, Value, json};

use super::bodies::validation;
use crate::control_plane::Pending;
use crate::error::ApiError;
use crate::http::ApiRequest;
use crate::registry::{Alias, FunctionConfig, FunctionEntry, ProvisionedConfig, UpdateStatus};
use crate::state::State;

/// A function configuration (`$LATEST` or a version) as Lambda states it.
pub(super) fn configuration_json(
    state: &State,
    config: &FunctionConfig,
    entry: &FunctionEntry,
) -> Value {
    let registry = &state.registry;
    let latest = config.version == "$LATEST";
    let function_arn = registry.function_arn(&config.name);
    let pending = if latest {
        state.control.in_progress(&config.name)
    } else {
        None
    };
    let mut v = json!({
        "FunctionName": config.name,
        "FunctionArn": if latest { function_arn } else { format!("{function_arn}:{}", config.version) },
        "Runtime": config.runtime,
        "Role": config.role,
        "Handler": config.handler,
        "CodeSize": config.code_size,
        "Description": config.description,
        "Timeout": config.timeout.as_secs(),
        "MemorySize": config.memory_mb.get(),
        "LastModified": config.last_modified,
        "CodeSha256": config.code_sha256,
        "Version": config.version,
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": config.revision_id,
        "State": if pending == Some(Pending::Creating) { "Pending" } else { "Active" },
        "LastUpdateStatus": if pending.is_some() { "InProgress" } else { "Successful" },
        "PackageType": "Zip",
        "Architectures": [config.architecture.as_str()],
        "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": config.log_format.as_str(), "LogGroup": config.log_group},
    });
    if !config.environment.is_empty() {
        v["Environment"] = json!({ "Variables": config.environment });
    }
    match pending {
        Some(Pending::Creating) => {
            v["StateReason"] = json!("The function is being created.");
            v["StateReasonCode"] = json!("Creating");
        }
        Some(Pending::Updating) => {
            v["LastUpdateStatusReason"] = json!("The function is being created.");
            v["LastUpdateStatusReasonCode"] = json!("Creating");
        }
        None => {}
    }
    if latest && entry.last_update_status == UpdateStatus::Failed {
        v["LastUpdateStatus"] = json!("Failed");
    }
    v
}

/// An alias as Lambda states it.
pub(super) fn alias_json(state: &State, function: &str, alias: &Alias) -> Value {
    let mut v = json!({
        "AliasArn": format!("{}:{}", state.registry.function_arn(function), alias.name),
        "Name": alias.name,
        "FunctionVersion": alias.function_version,
        "Description": alias.description,
        "RevisionId": alias.revision_id,
    });
    if !alias.routing.is_empty() {
        v["RoutingConfig"] = json!({ "AdditionalVersionWeights": alias.routing });
    }
    v
}

/// Lambda's `Marker`/`MaxItems` pagination (the marker is the index of the next item).
pub(super) fn paginate(
    items: Vec<Value>,
    req: &ApiRequest,
    field: &str,
) -> Result<Value, ApiError> {
    let start: usize = match req.query_param("Marker") {
        Some(m) => m
            .parse()
            .map_err(|_| ApiError::invalid_parameter(format!("Invalid Marker: {m}")))?,
        None => 0,
    };
    let max: usize = match req.query_param("MaxItems") {
        Some(m) => m
            .parse()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| {
                validation(format!(
                    "1 validation error detected: Value '{m}' at 'maxItems' failed to satisfy \
                     constraint: Member must have value between 1 and 10000"
                ))
            })?,
        None => 50,
    };
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(max).collect();
    let mut out = Map::new();
    out.insert(field.to_owned(), Value::Array(page));
    if start + max < total {
        out.insert("NextMarker".to_owned(), json!((start + max).to_string()));
    }
    Ok(Value::Object(out))
}

/// A provisioned-concurrency config as Lambda states it.
pub(super) fn provisioned_json(p: &ProvisionedConfig) -> Value {
    json!({
        "RequestedProvisionedConcurrentExecutions": p.requested,
        "AvailableProvisionedConcurrentExecutions": p.allocated,
        "AllocatedProvisionedConcurrentExecutions": p.allocated,
        "Status": p.status,
        "LastModified": p.last_modified,
    })
}
