//! The tuned function's configuration before a run, and putting it back afterwards.
//!
//! A tuning run (initialize, clean) changes `$LATEST`'s memory size and description; a
//! cold-start run ([`crate::coldstart`]) its memory size and environment variables. Both read
//! the function once with [`read`] before changing anything, and write back with [`restore`].
//!
//! Nothing is ever written back that was not read. A configuration without `MemorySize` is
//! refused ([`Error::Incomplete`]) before anything changes: every function has a memory size,
//! so its absence means the answer cannot be trusted, and a made-up size written back would
//! silently resize the user's function. An absent `Description` or `Environment` is Lambda's
//! way of saying "none" (the empty description, no variables), and is restored as such.

use std::collections::HashMap;

use analyzer::units::MemoryMb;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::types::Environment;
use tracing::info;

use super::{OriginalConfiguration, architecture_of, function_name, unqualified, wait_until_ready};
use crate::error::{Error, Result};

/// The function as read before a run: what the state machine carries, and its environment
/// variables, which stay in this process (they may hold secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    /// Name, ARN, memory size, description and architecture.
    pub configuration: OriginalConfiguration,
    /// Environment variables (empty when the function has none).
    pub variables: HashMap<String, String>,
}

impl Original {
    /// What a cold-start run puts back: the memory size and the environment variables.
    pub fn memory_and_variables(&self) -> Restore<'_> {
        Restore {
            memory_mb: self.configuration.memory_mb,
            description: None,
            variables: Some(&self.variables),
        }
    }
}

impl OriginalConfiguration {
    /// What a tuning run puts back: the memory size and the description.
    pub fn memory_and_description(&self) -> Restore<'_> {
        Restore {
            memory_mb: self.memory_mb,
            description: Some(&self.description),
            variables: None,
        }
    }
}

/// The values [`restore`] writes back: the memory size, and the other fields the run changed
/// (`None` leaves a field as it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restore<'a> {
    /// Memory size.
    pub memory_mb: MemoryMb,
    /// Description.
    pub description: Option<&'a str>,
    /// Environment variables.
    pub variables: Option<&'a HashMap<String, String>>,
}

/// Reads the function's current configuration, after waiting for any update in flight.
///
/// # Errors
///
/// [`Error::Incomplete`] when Lambda's answer has no `MemorySize` (nothing has been changed),
/// [`Error::Lambda`] when the function cannot be read, [`Error::Timeout`] when it never
/// settles.
pub async fn read(client: &Client, lambda_arn: &str) -> Result<Original> {
    let target = unqualified(lambda_arn);
    let config = wait_until_ready(client, target).await?;
    let name = config
        .function_name()
        .unwrap_or(function_name(lambda_arn))
        .to_owned();
    let memory_mb = config
        .memory_size()
        .and_then(|m| u32::try_from(m).ok())
        .and_then(|m| MemoryMb::try_from(m).ok())
        .ok_or_else(|| Error::Incomplete {
            operation: "GetFunctionConfiguration",
            function: name.clone(),
            field: "MemorySize",
        })?;
    Ok(Original {
        configuration: OriginalConfiguration {
            function_name: name,
            function_arn: config.function_arn().map(|a| unqualified(a).to_owned()),
            memory_mb,
            description: config.description().unwrap_or_default().to_owned(),
            architecture: architecture_of(config.architectures()),
        },
        variables: config
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default(),
    })
}

/// Writes `original` back to `target`'s `$LATEST` when any of its fields differs from what the
/// function has now, and waits until the update is applied. Returns whether it wrote.
///
/// # Errors
///
/// [`Error::Lambda`], [`Error::Timeout`] or [`Error::UpdateFailed`] when Lambda refuses or
/// never settles.
pub async fn restore(client: &Client, target: &str, original: Restore<'_>) -> Result<bool> {
    let memory = i32::from(original.memory_mb);
    let now = wait_until_ready(client, target).await?;
    let variables_now = now.environment().and_then(|e| e.variables());
    let differs = now.memory_size() != Some(memory)
        || original
            .description
            .is_some_and(|d| now.description().unwrap_or_default() != d)
        || original
            .variables
            .is_some_and(|v| variables_now.map_or(!v.is_empty(), |now| now != v));
    if !differs {
        return Ok(false);
    }
    client
        .update_function_configuration()
        .function_name(target)
        .memory_size(memory)
        .set_description(original.description.map(str::to_owned))
        .set_environment(original.variables.map(|v| {
            Environment::builder()
                .set_variables(Some(v.clone()))
                .build()
        }))
        .send()
        .await
        .map_err(|e| Error::lambda("UpdateFunctionConfiguration", target, e))?;
    wait_until_ready(client, target).await?;
    info!(
        memory_mb = original.memory_mb.get(),
        "original configuration restored"
    );
    Ok(true)
}
