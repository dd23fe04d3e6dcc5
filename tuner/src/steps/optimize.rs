//! The optimizing step (only with `autoOptimize`): apply the chosen memory size to `$LATEST`
//! and, with `autoOptimizeAlias`, publish a version and point that alias at it.

use aws_sdk_lambda::Client;
use tracing::{info, instrument};

use super::{OptimizeInput, OptimizeOutput, unqualified, wait_until_ready};
use crate::error::{Error, Result};

/// Runs the step.
///
/// # Errors
///
/// [`Error::Lambda`], [`Error::Timeout`] or [`Error::UpdateFailed`] when Lambda refuses the
/// update or never settles.
#[instrument(skip(client, input), fields(function = %input.lambda_arn, memory_mb = input.memory_mb.get()))]
pub async fn optimize(client: &Client, input: &OptimizeInput) -> Result<OptimizeOutput> {
    let target = unqualified(&input.lambda_arn);
    wait_until_ready(client, target).await?;
    client
        .update_function_configuration()
        .function_name(target)
        .memory_size(i32::try_from(input.memory_mb.get()).expect("memory sizes fit in i32"))
        .send()
        .await
        .map_err(|e| Error::lambda("UpdateFunctionConfiguration", target, e))?;
    wait_until_ready(client, target).await?;
    let Some(alias) = &input.alias else {
        info!("memory applied to $LATEST");
        return Ok(OptimizeOutput {
            memory_mb: input.memory_mb,
            version: None,
            alias: None,
        });
    };
    let version = client
        .publish_version()
        .function_name(target)
        .send()
        .await
        .map_err(|e| Error::lambda("PublishVersion", target, e))?
        .version()
        .unwrap_or("$LATEST")
        .to_owned();
    let exists = client
        .get_alias()
        .function_name(target)
        .name(alias)
        .send()
        .await
        .is_ok();
    if exists {
        client
            .update_alias()
            .function_name(target)
            .name(alias)
            .function_version(&version)
            .send()
            .await
            .map_err(|e| Error::lambda("UpdateAlias", target, e))?;
    } else {
        client
            .create_alias()
            .function_name(target)
            .name(alias)
            .function_version(&version)
            .send()
            .await
            .map_err(|e| Error::lambda("CreateAlias", target, e))?;
    }
    info!(%version, %alias, "alias points at the optimized version");
    Ok(OptimizeOutput {
        memory_mb: input.memory_mb,
        version: Some(version),
        alias: Some(alias.clone()),
    })
}
