//! Concurrency: Put/Get/DeleteFunctionConcurrency (reserved concurrency),
//! Put/Get/DeleteProvisionedConcurrencyConfig and GetAccountSettings.

use serde_json::json;

use super::bodies::{ConcurrencyBody, ProvisionedBody, missing, parse_body, validation};
use super::shapes::provisioned_json;
use super::{Answer, ApiResult, config_for, entry, unqualified};
use crate::clock::UtcTime;
use crate::code_package;
use crate::control_plane::UNRESERVED_MINIMUM;
use crate::error::ApiError;
use crate::http::ApiRequest;
use crate::registry::ProvisionedConfig;
use crate::state::State;

pub(super) fn put_function_concurrency(
    state: &State,
    req: &ApiRequest,
    reference: &str,
) -> ApiResult {
    let name = unqualified(state, reference)?;
    let body: ConcurrencyBody = parse_body(&req.body)?;
    let value = body
        .reserved_concurrent_executions
        .ok_or_else(|| missing("reservedConcurrentExecutions"))?;
    let value = u32::try_from(value).map_err(|_| {
        validation(format!(
            "1 validation error detected: Value '{value}' at 'reservedConcurrentExecutions' \
             failed to satisfy constraint: Member must have value greater than or equal to 0"
        ))
    })?;
    entry(state, &name)?;
    let limit = state.control.settings().account_concurrency;
    let reserved_elsewhere = state.registry.reservations().total_except(&name);
    let unreserved_after = i64::from(limit) - i64::from(reserved_elsewhere) - i64::from(value);
    if unreserved_after < i64::from(UNRESERVED_MINIMUM) {
        return Err(ApiError::invalid_parameter(format!(
            "Specified ReservedConcurrentExecutions for function decreases account's \
             UnreservedConcurrentExecution below its minimum value of [{UNRESERVED_MINIMUM}]."
        )));
    }
    state.registry.with_entry_mut(&name, |e| {
        e.reserved_concurrency = Some(value);
    })?;
    Answer::ok(json!({ "ReservedConcurrentExecutions": value }))
}

pub(super) fn get_function_concurrency(state: &State, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let e = entry(state, &name)?;
    Answer::ok(match e.reserved_concurrency {
        Some(n) => json!({ "ReservedConcurrentExecutions": n }),
        None => json!({}),
    })
}

pub(super) fn delete_function_concurrency(state: &State, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    state.registry.with_entry_mut(&name, |e| {
        e.reserved_concurrency = None;
    })?;
    Answer::no_content()
}

fn provisioned_qualifier(req: &ApiRequest) -> Result<String, ApiError> {
    req.query_param("Qualifier")
        .map(str::to_owned)
        .ok_or_else(|| missing("qualifier"))
}

pub(super) fn put_provisioned(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let qualifier = provisioned_qualifier(req)?;
    let body: ProvisionedBody = parse_body(&req.body)?;
    let requested = body
        .provisioned_concurrent_executions
        .ok_or_else(|| missing("provisionedConcurrentExecutions"))?;
    let requested = u32::try_from(requested)
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            validation(format!(
                "1 validation error detected: Value '{requested}' at \
             'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have \
             value greater than or equal to 1"
            ))
        })?;
    let e = entry(state, &name)?;
    if qualifier == "$LATEST" {
        return Err(ApiError::invalid_parameter(
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
        ));
    }
    let target = config_for(state, &e, &name, Some(&qualifier))?;
    if e.provisioned.contains_key(&qualifier) {
        // A new request replaces the old one: its environments go, the new count starts afresh.
        state.discard_version_environments(&name, &target.version);
    }
    let others: u32 = e
        .provisioned
        .iter()
        .filter(|(q, _)| **q != qualifier)
        .map(|(_, p)| p.requested)
        .sum();
    let cap = match e.reserved_concurrency {
        Some(r) => r,
        None => state
            .control
            .settings()
            .account_concurrency
            .saturating_sub(state.registry.reservations().total_except(&name))
            .saturating_sub(UNRESERVED_MINIMUM),
    };
    if others + requested > cap {
        return Err(ApiError::invalid_parameter(format!(
            "Requested Provisioned Concurrency should not be greater than the \
             reservedConcurrentExecution for function ({cap})."
        )));
    }
    let config = ProvisionedConfig {
        requested,
        allocated: 0,
        status: crate::registry::ProvisionedStatus::InProgress,
        last_modified: UtcTime::now().last_modified(),
    };
    state.registry.with_entry_mut(&name, |e| {
        e.provisioned.insert(qualifier.clone(), config.clone());
    })?;
    crate::provisioning::start(state, &name, &qualifier);
    Answer::accepted(provisioned_json(&config))
}

pub(super) fn get_provisioned(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let qualifier = provisioned_qualifier(req)?;
    let e = entry(state, &name)?;
    let p = e.provisioned.get(&qualifier).ok_or_else(|| {
        ApiError::new(
            404,
            "ProvisionedConcurrencyConfigNotFoundException",
            "No Provisioned Concurrency Config found for this function",
        )
    })?;
    Answer::ok(provisioned_json(p))
}

pub(super) fn delete_provisioned(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let qualifier = provisioned_qualifier(req)?;
    let e = entry(state, &name)?;
    let target = config_for(state, &e, &name, Some(&qualifier))?;
    let existed = state
        .registry
        .with_entry_mut(&name, |e| e.provisioned.remove(&qualifier))?;
    if existed.is_some() {
        // Provisioned environments are exempt from idle reaping: retire them now.
        state.discard_version_environments(&name, &target.version);
    }
    Answer::no_content()
}

pub(super) fn get_account_settings(state: &State) -> ApiResult {
    let limit = state.control.settings().account_concurrency;
    let functions = state.registry.entries();
    let code_size: u64 = functions
        .iter()
        .map(|(_, e)| e.latest.code_size + e.versions.values().map(|v| v.code_size).sum::<u64>())
        .sum();
    let unreserved = limit.saturating_sub(state.registry.reservations().total());
    Answer::ok(json!({
        "AccountLimit": {
            "TotalCodeSize": 80_530_636_800u64,
            "CodeSizeUnzipped": code_package::MAX_UNZIPPED_BYTES,
            "CodeSizeZipped": code_package::MAX_ZIPPED_BYTES,
            "ConcurrentExecutions": limit,
            "UnreservedConcurrentExecutions": unreserved,
        },
        "AccountUsage": {
            "TotalCodeSize": code_size,
            "FunctionCount": functions.len(),
        },
    }))
}
