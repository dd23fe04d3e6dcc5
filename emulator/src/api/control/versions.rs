//! Versions and aliases: PublishVersion, ListVersionsByFunction, CreateAlias, GetAlias,
//! UpdateAlias, DeleteAlias and ListAliases.

use super::bodies::{
    AliasBody, PublishVersionBody, check_alias_name, missing, parse_body, routing_of,
};
use super::shapes::{alias_json, configuration_json, paginate};
use super::{Answer, ApiResult, check_revision, config_for, entry, unqualified};
use crate::error::ApiError;
use crate::http::ApiRequest;
use crate::registry::{Alias, FunctionEntry, new_revision_id};
use crate::state::State;

pub(super) fn publish_version(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let body: PublishVersionBody = parse_body(&req.body)?;
    let e = entry(state, &name)?;
    state.control.refuse_if_in_progress(&name)?;
    check_revision(body.revision_id.as_deref(), &e.latest.revision_id)?;
    if let Some(sha) = &body.code_sha256
        && sha != &e.latest.code_sha256
    {
        return Err(ApiError::invalid_parameter(format!(
            "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please \
             try again with the CodeSHA256 in $LATEST.",
            e.latest.code_sha256
        )));
    }
    let version = state.registry.publish_version(&name, body.description)?;
    let e = entry(state, &name)?;
    let config = config_for(state, &e, &name, Some(&version))?;
    tracing::info!(function = %name, %version, "version published");
    Answer::created(configuration_json(state, &config, &e))
}

pub(super) fn list_versions(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let e = entry(state, &name)?;
    let mut items = vec![configuration_json(state, &e.latest, &e)];
    items.extend(
        e.versions
            .values()
            .map(|c| configuration_json(state, c, &e)),
    );
    Answer::ok(paginate(items, req, "Versions")?)
}

fn alias_not_found(state: &State, name: &str, alias: &str) -> ApiError {
    ApiError::not_found(format!(
        "Cannot find alias arn: {}:{alias}",
        state.registry.function_arn(name)
    ))
}

fn check_alias_target(
    state: &State,
    e: &FunctionEntry,
    name: &str,
    version: &str,
) -> Result<(), ApiError> {
    if version == "$LATEST" {
        return Ok(());
    }
    let exists = version
        .parse::<u64>()
        .ok()
        .is_some_and(|n| e.versions.contains_key(&n));
    if exists {
        Ok(())
    } else {
        Err(ApiError::function_not_found(&format!(
            "{}:{version}",
            state.registry.function_arn(name)
        )))
    }
}

pub(super) fn create_alias(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let body: AliasBody = parse_body(&req.body)?;
    let alias = body.name.ok_or_else(|| missing("name"))?;
    check_alias_name(&alias)?;
    let version = body
        .function_version
        .ok_or_else(|| missing("functionVersion"))?;
    let e = entry(state, &name)?;
    check_alias_target(state, &e, &name, &version)?;
    if e.aliases.contains_key(&alias) {
        return Err(ApiError::conflict(format!(
            "Alias already exists: {}:{alias}",
            state.registry.function_arn(&name)
        )));
    }
    let created = Alias {
        name: alias.clone(),
        function_version: version,
        description: body.description.unwrap_or_default(),
        revision_id: new_revision_id(),
        routing: routing_of(body.routing_config).unwrap_or_default(),
    };
    state.registry.with_entry_mut(&name, |e| {
        e.aliases.insert(alias, created.clone());
    })?;
    Answer::created(alias_json(state, &name, &created))
}

pub(super) fn get_alias(state: &State, reference: &str, alias: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let e = entry(state, &name)?;
    let found = e
        .aliases
        .get(alias)
        .ok_or_else(|| alias_not_found(state, &name, alias))?;
    Answer::ok(alias_json(state, &name, found))
}

pub(super) fn update_alias(
    state: &State,
    req: &ApiRequest,
    reference: &str,
    alias: &str,
) -> ApiResult {
    let name = unqualified(state, reference)?;
    let body: AliasBody = parse_body(&req.body)?;
    let e = entry(state, &name)?;
    let current = e
        .aliases
        .get(alias)
        .ok_or_else(|| alias_not_found(state, &name, alias))?;
    check_revision(body.revision_id.as_deref(), &current.revision_id)?;
    if let Some(v) = &body.function_version {
        check_alias_target(state, &e, &name, v)?;
    }
    let mut updated = current.clone();
    let retarget = body
        .function_version
        .as_ref()
        .is_some_and(|v| *v != current.function_version);
    if let Some(v) = body.function_version {
        updated.function_version = v;
    }
    if let Some(d) = body.description {
        updated.description = d;
    }
    if let Some(r) = routing_of(body.routing_config) {
        updated.routing = r;
    }
    updated.revision_id = new_revision_id();
    state.registry.with_entry_mut(&name, |e| {
        e.aliases.insert(alias.to_owned(), updated.clone());
        if retarget {
            // Provisioned environments belong to the version the alias pointed at.
            if let Some(p) = e.provisioned.get_mut(alias) {
                p.allocated = 0;
                p.status = crate::registry::ProvisionedStatus::InProgress;
            }
        }
    })?;
    if retarget {
        state.discard_version_environments(&name, &current.function_version);
        crate::provisioning::start(state, &name, alias);
    }
    Answer::ok(alias_json(state, &name, &updated))
}

pub(super) fn delete_alias(state: &State, reference: &str, alias: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let (removed, provisioned) = state.registry.with_entry_mut(&name, |e| {
        (e.aliases.remove(alias), e.provisioned.remove(alias))
    })?;
    if let (Some(removed), Some(_)) = (removed, provisioned) {
        state.discard_version_environments(&name, &removed.function_version);
    }
    Answer::no_content()
}

pub(super) fn list_aliases(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let e = entry(state, &name)?;
    let wanted = req.query_param("FunctionVersion");
    let items = e
        .aliases
        .values()
        .filter(|a| wanted.is_none_or(|v| a.function_version == v))
        .map(|a| alias_json(state, &name, a))
        .collect();
    Answer::ok(paginate(items, req, "Aliases")?)
}
