//! Functions: CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions,
//! DeleteFunction, UpdateFunctionConfiguration and UpdateFunctionCode.

use analyzer::units::Architecture;
use serde_json::json;

use super::bodies::{
    CreateFunctionBody, UpdateCodeBody, UpdateConfigurationBody, check_architectures, check_memory,
    check_runtime, check_timeout, decode_zip, missing, parse_body, validation, zip_file,
};
use super::shapes::{configuration_json, paginate};
use super::{Answer, ApiResult, check_revision, config_for, entry, function_ref, unqualified};
use crate::error::ApiError;
use crate::http::ApiRequest;
use crate::registry::{FunctionConfig, LogFormat};
use crate::state::State;

/// The answer to a change of `$LATEST`: its configuration as it is now.
fn latest_configuration(state: &State, name: &str) -> ApiResult {
    let e = entry(state, name)?;
    Answer::ok(configuration_json(state, &e.latest, &e))
}

/// The parts of a CreateFunction body that need no code, validated as Lambda validates them
/// (in its order): the function's configuration, without its code yet.
fn new_configuration(body: &CreateFunctionBody) -> Result<FunctionConfig, ApiError> {
    let name = body
        .function_name
        .clone()
        .ok_or_else(|| missing("functionName"))?;
    // Lambda checks the name's pattern at its API layer, as a ValidationException.
    crate::registry::validate_function_name(&name).map_err(|_| {
        validation(format!(
            "1 validation error detected: Value '{name}' at 'functionName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"
        ))
    })?;
    let role = body.role.clone().ok_or_else(|| missing("role"))?;
    if body.package_type.as_deref().is_some_and(|p| p != "Zip") {
        return Err(ApiError::invalid_parameter(
            "PackageType Image is not supported by the emulator: upload a .zip with a bootstrap",
        ));
    }
    let runtime = body.runtime.clone().ok_or_else(|| {
        ApiError::invalid_parameter(
            "Runtime and Handler are mandatory parameters for functions created with deployment \
             packages.",
        )
    })?;
    check_runtime(&runtime)?;
    let memory_mb = check_memory(body.memory_size.unwrap_or(128))?;
    let timeout = check_timeout(body.timeout.unwrap_or(3))?;
    let architecture = match &body.architectures {
        Some(a) => check_architectures(a)?,
        None => Architecture::X86_64,
    };
    let logging = body.logging_config.as_ref();
    let log_format = match logging {
        Some(l) => l.format()?.unwrap_or_default(),
        None => LogFormat::Text,
    };
    let log_group = logging
        .and_then(|l| l.log_group.clone())
        .unwrap_or_else(|| format!("/aws/lambda/{name}"));
    Ok(FunctionConfig {
        name,
        version: "$LATEST".to_owned(),
        runtime,
        handler: body
            .handler
            .clone()
            .unwrap_or_else(|| "bootstrap".to_owned()),
        role,
        description: body.description.clone().unwrap_or_default(),
        memory_mb,
        timeout,
        environment: body
            .environment
            .as_ref()
            .and_then(|e| e.variables.clone())
            .unwrap_or_default(),
        architecture,
        code_dir: Default::default(),
        code_sha256: String::new(),
        code_size: 0,
        log_format,
        log_group,
        last_modified: String::new(),
        revision_id: String::new(),
    })
}

pub(super) fn create_function(state: &State, req: &ApiRequest) -> ApiResult {
    let body: CreateFunctionBody = parse_body(&req.body)?;
    let mut config = new_configuration(&body)?;
    let code = body.code.ok_or_else(|| missing("code"))?;
    let zip = zip_file(
        code.zip_file,
        code.s3_bucket.as_deref(),
        code.image_uri.as_deref(),
    )?;
    let name = config.name.clone();
    if state.registry.entry(&name).is_some() {
        return Err(ApiError::conflict(format!(
            "Function already exist: {name}"
        )));
    }
    let stored = state.control.store_code(&name, &decode_zip(&zip)?)?;
    config.code_dir = stored.dir;
    config.code_sha256 = stored.sha256;
    config.code_size = stored.size;
    let memory_mb = config.memory_mb.get();
    state
        .control
        .create_function(config, body.tags.unwrap_or_default())?;
    tracing::info!(function = %name, memory_mb, "function created");
    let mut answer = {
        let e = entry(state, &name)?;
        configuration_json(state, &e.latest, &e)
    };
    if body.publish.unwrap_or(false) {
        // Lambda publishes version 1 as part of the creation.
        let version = state.registry.publish_version(&name, None)?;
        answer["Version"] = json!(version);
    }
    Answer::created(answer)
}

pub(super) fn list_functions(state: &State, req: &ApiRequest) -> ApiResult {
    let all_versions = req.query_param("FunctionVersion") == Some("ALL");
    let mut items = Vec::new();
    for (_, e) in state.registry.entries() {
        items.push(configuration_json(state, &e.latest, &e));
        if all_versions {
            for config in e.versions.values() {
                items.push(configuration_json(state, config, &e));
            }
        }
    }
    Answer::ok(paginate(items, req, "Functions")?)
}

pub(super) fn get_function(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let (name, qualifier) = function_ref(state, req, reference)?;
    let e = entry(state, &name)?;
    let config = config_for(state, &e, &name, qualifier.as_deref())?;
    let mut out = json!({
        "Configuration": configuration_json(state, &config, &e),
        "Code": {
            "RepositoryType": "S3",
            "Location": format!("file://{}", config.code_dir.display()),
        },
    });
    if !e.tags.is_empty() {
        out["Tags"] = json!(e.tags);
    }
    if let Some(reserved) = e.reserved_concurrency {
        out["Concurrency"] = json!({ "ReservedConcurrentExecutions": reserved });
    }
    Answer::ok(out)
}

pub(super) fn get_function_configuration(
    state: &State,
    req: &ApiRequest,
    reference: &str,
) -> ApiResult {
    let (name, qualifier) = function_ref(state, req, reference)?;
    let e = entry(state, &name)?;
    let config = config_for(state, &e, &name, qualifier.as_deref())?;
    Answer::ok(configuration_json(state, &config, &e))
}

pub(super) fn delete_function(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let (name, qualifier) = function_ref(state, req, reference)?;
    let e = entry(state, &name)?;
    match qualifier.as_deref() {
        None => {
            state.control.delete_function(&name);
            tracing::info!(function = %name, "function deleted");
        }
        Some("$LATEST") => {
            return Err(ApiError::invalid_parameter(
                "$LATEST version cannot be deleted without deleting the function.",
            ));
        }
        Some(q) => {
            let number: u64 = q.parse().map_err(|_| {
                ApiError::invalid_parameter(format!(
                    "Deletion of aliases is not supported with DeleteFunction: use DeleteAlias \
                     for {q}"
                ))
            })?;
            if !e.versions.contains_key(&number) {
                return Err(ApiError::function_not_found(&format!(
                    "{}:{q}",
                    state.registry.function_arn(&name)
                )));
            }
            let users: Vec<&str> = e
                .aliases
                .values()
                .filter(|a| a.function_version == q || a.routing.contains_key(q))
                .map(|a| a.name.as_str())
                .collect();
            if !users.is_empty() {
                return Err(ApiError::conflict(format!(
                    "Unable to delete version because the following aliases reference it: [{}]",
                    users.join(", ")
                )));
            }
            state.registry.with_entry_mut(&name, |e| {
                e.versions.remove(&number);
                e.provisioned.remove(q);
            })?;
            state.discard_version_environments(&name, q);
        }
    }
    Answer::no_content()
}

pub(super) fn update_function_configuration(
    state: &State,
    req: &ApiRequest,
    reference: &str,
) -> ApiResult {
    let name = unqualified(state, reference)?;
    let body: UpdateConfigurationBody = parse_body(&req.body)?;
    let e = entry(state, &name)?;
    // Validate everything before refusing for a conflict, as Lambda does.
    let memory = body.memory_size.map(check_memory).transpose()?;
    let timeout = body.timeout.map(check_timeout).transpose()?;
    let log_format = match &body.logging_config {
        Some(l) => l.format()?,
        None => None,
    };
    if let Some(runtime) = &body.runtime {
        check_runtime(runtime)?;
    }
    state.control.refuse_if_in_progress(&name)?;
    check_revision(body.revision_id.as_deref(), &e.latest.revision_id)?;
    let mut config = (*e.latest).clone();
    if let Some(m) = memory {
        config.memory_mb = m;
    }
    if let Some(t) = timeout {
        config.timeout = t;
    }
    if let Some(f) = log_format {
        config.log_format = f;
    }
    if let Some(group) = body.logging_config.and_then(|l| l.log_group) {
        config.log_group = group;
    }
    if let Some(env) = body.environment {
        config.environment = env.variables.unwrap_or_default();
    }
    if let Some(d) = body.description {
        config.description = d;
    }
    if let Some(h) = body.handler {
        config.handler = h;
    }
    if let Some(r) = body.role {
        config.role = r;
    }
    if let Some(r) = body.runtime {
        config.runtime = r;
    }
    tracing::info!(function = %name, memory_mb = config.memory_mb.get(), "configuration updated");
    state.control.update_latest(&name, config)?;
    latest_configuration(state, &name)
}

pub(super) fn update_function_code(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let body: UpdateCodeBody = parse_body(&req.body)?;
    let e = entry(state, &name)?;
    let architecture = body
        .architectures
        .as_deref()
        .map(check_architectures)
        .transpose()?;
    let zip = zip_file(
        body.zip_file,
        body.s3_bucket.as_deref(),
        body.image_uri.as_deref(),
    )?;
    state.control.refuse_if_in_progress(&name)?;
    check_revision(body.revision_id.as_deref(), &e.latest.revision_id)?;
    let stored = state.control.store_code(&name, &decode_zip(&zip)?)?;
    let mut config = (*e.latest).clone();
    config.code_dir = stored.dir;
    config.code_sha256 = stored.sha256;
    config.code_size = stored.size;
    if let Some(a) = architecture {
        config.architecture = a;
    }
    state.control.update_latest(&name, config)?;
    let mut answer = latest_configuration(state, &name)?;
    if body.publish.unwrap_or(false)
        && let Some(body) = answer.body.as_mut()
    {
        // Publishing waits for the update to settle on Lambda; here the snapshot is taken at
        // once, from the new code.
        let version = state.registry.publish_version(&name, None)?;
        body["Version"] = json!(version);
    }
    Ok(answer)
}
