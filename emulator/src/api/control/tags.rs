//! Tags: TagResource, ListTags and UntagResource (on functions only, as on Lambda).

use serde_json::json;

use super::bodies::{TagsBody, missing, parse_body};
use super::{Answer, ApiResult, entry};
use crate::error::ApiError;
use crate::http::ApiRequest;
use crate::state::State;

fn tagged_function(state: &State, resource: &str) -> Result<String, ApiError> {
    let (name, qualifier) = state.registry.parse_reference(resource)?;
    if qualifier.is_some() {
        return Err(ApiError::invalid_parameter(
            "Tags are not supported on function versions or aliases.",
        ));
    }
    entry(state, &name)?;
    Ok(name)
}

pub(super) fn tag_resource(state: &State, req: &ApiRequest, resource: &str) -> ApiResult {
    let name = tagged_function(state, resource)?;
    let body: TagsBody = parse_body(&req.body)?;
    let tags = body.tags.ok_or_else(|| missing("tags"))?;
    state
        .registry
        .with_entry_mut(&name, |e| e.tags.extend(tags))?;
    Answer::no_content()
}

pub(super) fn list_tags(state: &State, resource: &str) -> ApiResult {
    let name = tagged_function(state, resource)?;
    Answer::ok(json!({ "Tags": entry(state, &name)?.tags }))
}

pub(super) fn untag_resource(state: &State, req: &ApiRequest, resource: &str) -> ApiResult {
    let name = tagged_function(state, resource)?;
    let keys: Vec<&str> = req
        .query
        .iter()
        .filter(|(k, _)| k == "tagKeys")
        .map(|(_, v)| v.as_str())
        .collect();
    state.registry.with_entry_mut(&name, |e| {
        for key in keys {
            e.tags.remove(key);
        }
    })?;
    Answer::no_content()
}
