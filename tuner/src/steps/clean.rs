//! The cleaning step: delete every alias, version and temporary copy a run made, and make sure
//! the function's original configuration is back. Safe to run more than once, and after a run
//! that was killed midway.

use aws_sdk_lambda::Client;
use tracing::{info, instrument, warn};

use super::{
    CleanInput, CleanOutput, NAME_PREFIX, OriginalConfiguration, RUN_TAG, SOURCE_TAG,
    VERSION_DESCRIPTION_PREFIX, architecture_of, function_name, unqualified,
};
use crate::error::{Error, Result};

/// Runs the step.
///
/// Aliases are found by name prefix (`powertune-<run-id>-`), versions by the description every
/// run gives them (`powertune:run-id=<run-id> ...`), temporary copies by name prefix and the
/// `powertune:run-id`/`powertune:source` tags. Without a run id, every run's debris on the
/// function goes.
///
/// # Errors
///
/// [`Error::Lambda`] when the function cannot be listed. A single deletion that fails does not
/// stop the others; it is reported in [`CleanOutput::problems`].
#[instrument(skip(client, input), fields(function = %input.lambda_arn, run_id = ?input.run_id))]
pub async fn clean(client: &Client, input: &CleanInput) -> Result<CleanOutput> {
    let target = unqualified(&input.lambda_arn).to_owned();
    let source_name = function_name(&input.lambda_arn).to_owned();
    let run_id = input.run_id.as_deref().map(super::safe_run_id);
    let alias_prefix = match &run_id {
        Some(id) => format!("{NAME_PREFIX}{id}-"),
        None => NAME_PREFIX.to_owned(),
    };
    let version_prefix = match &run_id {
        Some(id) => format!("{VERSION_DESCRIPTION_PREFIX}{id} "),
        None => VERSION_DESCRIPTION_PREFIX.to_owned(),
    };
    let mut out = CleanOutput::default();

    // Temporary copies first: deleting a function removes its versions and aliases too.
    let mut copies = input.temporary_functions.clone();
    for name in find_copies(client, &alias_prefix, &source_name).await? {
        if !copies.contains(&name) {
            copies.push(name);
        }
    }
    for name in copies {
        match client.delete_function().function_name(&name).send().await {
            Ok(_) => out.deleted_functions.push(name),
            Err(err) if is_not_found(&err) => {}
            Err(err) => out.problems.push(format!(
                "temporary copy {name} was not deleted: {}",
                Error::lambda("DeleteFunction", &name, err)
            )),
        }
    }

    // Aliases before versions: a version with an alias cannot be deleted.
    for alias in list_alias_names(client, &target).await? {
        if !alias.starts_with(&alias_prefix) {
            continue;
        }
        match client
            .delete_alias()
            .function_name(&target)
            .name(&alias)
            .send()
            .await
        {
            Ok(_) => out.deleted_aliases.push(alias),
            Err(err) if is_not_found(&err) => {}
            Err(err) => out.problems.push(format!(
                "alias {alias} was not deleted: {}",
                Error::lambda("DeleteAlias", &target, err)
            )),
        }
    }
    let (versions, latest) = list_versions(client, &target).await?;
    for (version, description) in versions {
        if !description.starts_with(&version_prefix) {
            continue;
        }
        match client
            .delete_function()
            .function_name(&target)
            .qualifier(&version)
            .send()
            .await
        {
            Ok(_) => out.deleted_versions.push(version),
            Err(err) if is_not_found(&err) => {}
            Err(err) => out.problems.push(format!(
                "version {version} was not deleted (is an alias of yours pointing at it?): {}",
                Error::lambda("DeleteFunction", &target, err)
            )),
        }
    }

    // Put the original configuration back: the one given, or the one a killed run recorded in
    // the description it left on $LATEST.
    let original = input.original.clone().or_else(|| {
        let latest = latest.as_ref()?;
        recover_original(&source_name, latest, &version_prefix)
    });
    if let Some(original) = original {
        out.restored =
            super::original::restore(client, &target, original.memory_and_description()).await?;
    }
    info!(
        aliases = out.deleted_aliases.len(),
        versions = out.deleted_versions.len(),
        functions = out.deleted_functions.len(),
        restored = out.restored,
        "cleaned"
    );
    for problem in &out.problems {
        warn!(%problem, "left behind");
    }
    Ok(out)
}

/// `$LATEST`'s memory size and description as listed.
#[derive(Debug)]
struct Latest {
    memory_mb: Option<u32>,
    description: String,
    architecture: analyzer::units::Architecture,
}

/// The configuration a killed run meant to restore, read from the description it left
/// (`... original-memory=<MB>`); the original description itself is unknown, so it is cleared.
fn recover_original(
    source_name: &str,
    latest: &Latest,
    version_prefix: &str,
) -> Option<OriginalConfiguration> {
    if !latest.description.starts_with(version_prefix) {
        return None;
    }
    let memory_mb = latest
        .description
        .split_whitespace()
        .find_map(|w| w.strip_prefix("original-memory="))
        .and_then(|m| m.parse().ok())
        .or(latest.memory_mb)
        .and_then(|m| analyzer::units::MemoryMb::try_from(m).ok())?;
    Some(OriginalConfiguration {
        function_name: source_name.to_owned(),
        function_arn: None,
        memory_mb,
        description: String::new(),
        architecture: latest.architecture,
    })
}

fn is_not_found<E>(err: &aws_sdk_lambda::error::SdkError<E>) -> bool
where
    E: aws_sdk_lambda::error::ProvideErrorMetadata,
{
    err.as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "ResourceNotFoundException")
}

async fn list_alias_names(client: &Client, target: &str) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .list_aliases()
            .function_name(target)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| Error::lambda("ListAliases", target, e))?;
        names.extend(
            page.aliases()
                .iter()
                .filter_map(|a| a.name().map(str::to_owned)),
        );
        match page.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_owned()),
            _ => return Ok(names),
        }
    }
}

/// Published versions with their descriptions, and `$LATEST`.
async fn list_versions(
    client: &Client,
    target: &str,
) -> Result<(Vec<(String, String)>, Option<Latest>)> {
    let mut versions = Vec::new();
    let mut latest = None;
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .list_versions_by_function()
            .function_name(target)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| Error::lambda("ListVersionsByFunction", target, e))?;
        for v in page.versions() {
            let version = v.version().unwrap_or_default().to_owned();
            let description = v.description().unwrap_or_default().to_owned();
            if version == "$LATEST" {
                latest = Some(Latest {
                    memory_mb: v.memory_size().and_then(|m| u32::try_from(m).ok()),
                    description,
                    architecture: architecture_of(v.architectures()),
                });
            } else {
                versions.push((version, description));
            }
        }
        match page.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_owned()),
            _ => return Ok((versions, latest)),
        }
    }
}

/// Temporary copies of `source_name` whose names start with `prefix` and whose tags say so.
async fn find_copies(client: &Client, prefix: &str, source_name: &str) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .list_functions()
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| Error::lambda("ListFunctions", source_name, e))?;
        for f in page.functions() {
            let (Some(name), Some(arn)) = (f.function_name(), f.function_arn()) else {
                continue;
            };
            if !name.starts_with(prefix) {
                continue;
            }
            let tags = client
                .list_tags()
                .resource(arn)
                .send()
                .await
                .map_err(|e| Error::lambda("ListTags", name, e))?;
            let tags = tags.tags();
            let ours = tags.is_some_and(|t| {
                t.contains_key(RUN_TAG)
                    && t.get(SOURCE_TAG).map(String::as_str) == Some(source_name)
            });
            if ours {
                found.push(name.to_owned());
            }
        }
        match page.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_owned()),
            _ => return Ok(found),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use analyzer::units::Architecture;

    #[test]
    fn recovers_the_original_memory_from_a_killed_runs_description() {
        let latest = Latest {
            memory_mb: Some(1024),
            description: "powertune:run-id=abc memory=1024 original-memory=256".into(),
            architecture: Architecture::X86_64,
        };
        let original = recover_original("f", &latest, "powertune:run-id=").unwrap();
        assert_eq!(original.memory_mb, 256);
        let untouched = Latest {
            memory_mb: Some(1024),
            description: "my function".into(),
            architecture: Architecture::X86_64,
        };
        assert!(recover_original("f", &untouched, "powertune:run-id=").is_none());
    }
}
