//! Updates in progress and their settlement.
//!
//! A change to `$LATEST` (or a new function) is in progress for the update delay. Whoever asks
//! about a function after that delay settles its update: the registry's `LastUpdateStatus`
//! becomes `Successful` and the environments of the configuration it replaced are retired.

use std::collections::HashMap;
use std::sync::{Arc, MutexGuard};
use std::time::Instant;

use super::ControlPlane;
use crate::error::ApiError;
use crate::registry::{FunctionConfig, UpdateStatus};

/// What an update in progress is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pending {
    /// The function is being created (`State: Pending`).
    Creating,
    /// `$LATEST` is being updated (`LastUpdateStatus: InProgress`).
    Updating,
}

/// A `$LATEST` configuration an update replaced, with its pool generation.
pub(crate) type ReplacedLatest = (Arc<FunctionConfig>, u64);

/// An update in progress: what it is, when it completes, and (for an update) the `$LATEST`
/// configuration and pool generation that invocations keep running until then.
#[derive(Debug)]
pub(super) struct PendingUpdate {
    kind: Pending,
    until: Instant,
    previous: Option<ReplacedLatest>,
}

impl ControlPlane {
    pub(super) fn pending(&self) -> MutexGuard<'_, HashMap<String, PendingUpdate>> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn start(&self, name: &str, kind: Pending, previous: Option<ReplacedLatest>) {
        self.pending().insert(
            name.to_owned(),
            PendingUpdate {
                kind,
                until: Instant::now() + self.settings.update_delay,
                previous,
            },
        );
    }

    /// Replaces `$LATEST` of `name` with `config` (a new pool generation, revision id and
    /// `LastModified`) and marks the update in progress: until it completes, invocations of
    /// `$LATEST` still run the old configuration on its environments.
    ///
    /// # Errors
    /// `ResourceNotFoundException` when there is no such function.
    pub(crate) fn update_latest(&self, name: &str, config: FunctionConfig) -> Result<(), ApiError> {
        let generation = self.registry.next_generation();
        let previous = self.registry.with_entry_mut(name, |e| {
            let previous = (Arc::clone(&e.latest), e.generation);
            e.set_latest(config, generation);
            e.last_update_status = UpdateStatus::InProgress;
            previous
        })?;
        // The old configuration's environments keep serving until the update completes
        // (`in_progress_update` retires them then).
        self.start(name, Pending::Updating, Some(previous));
        Ok(())
    }

    /// The update in progress for a function, if any (settling it once its delay has passed).
    pub(crate) fn in_progress(&self, name: &str) -> Option<Pending> {
        self.in_progress_update(name).map(|(kind, _)| kind)
    }

    /// [`Self::in_progress`], with the `$LATEST` configuration (and its pool generation) that
    /// an update replaced: invocations keep running it until the update completes, as on
    /// Lambda.
    pub(super) fn in_progress_update(
        &self,
        name: &str,
    ) -> Option<(Pending, Option<ReplacedLatest>)> {
        let mut pending = self.pending();
        match pending.get(name) {
            Some(update) if Instant::now() < update.until => {
                Some((update.kind, update.previous.clone()))
            }
            Some(_) => {
                let settled = pending.remove(name);
                drop(pending);
                let _ = self.registry.with_entry_mut(name, |e| {
                    e.last_update_status = UpdateStatus::Successful;
                });
                if settled.is_some_and(|u| u.previous.is_some()) {
                    self.environments.discard(name, Some("$LATEST"));
                }
                None
            }
            None => None,
        }
    }

    /// Refuses a change while an update of the function is in progress, as Lambda does.
    ///
    /// # Errors
    /// `ResourceConflictException` naming the update or the pending creation.
    pub(crate) fn refuse_if_in_progress(&self, name: &str) -> Result<(), ApiError> {
        match self.in_progress(name) {
            Some(Pending::Updating) => Err(ApiError::conflict(format!(
                "The operation cannot be performed at this time. An update is in progress for \
                 resource: {}",
                self.registry.function_arn(name)
            ))),
            Some(Pending::Creating) => Err(pending_conflict(&self.registry.function_arn(name))),
            None => Ok(()),
        }
    }
}

/// The conflict Lambda answers while a function is being created.
pub(super) fn pending_conflict(function_arn: &str) -> ApiError {
    ApiError::conflict(format!(
        "The operation cannot be performed at this time. The function is currently in the \
         following state: Pending ({function_arn})"
    ))
}
