//! Admission: whether an invocation may run now, which configuration it runs, and which
//! concurrency pool it must fit in.

use std::borrow::Cow;
use std::sync::Arc;

use super::ControlPlane;
use super::updates::{Pending, ReplacedLatest, pending_conflict};
use crate::environments::UnreservedPool;
use crate::error::ApiError;
use crate::registry::Resolved;

/// What [`ControlPlane::admit`] decided for an invocation.
#[derive(Debug, Default)]
pub(crate) struct Admission {
    /// The account's unreserved pool the invocation must fit in (`None` for a function with
    /// reserved concurrency, which is held to its reservation), for
    /// [`crate::environments::Environments::acquire`] to check and take atomically.
    pub(crate) unreserved: Option<UnreservedPool>,
    /// While an update of `$LATEST` is in progress: the configuration it replaced and its pool
    /// generation, which an invocation of `$LATEST` runs instead (Lambda keeps it until the
    /// update completes).
    previous_latest: Option<ReplacedLatest>,
}

impl Admission {
    /// What the invocation runs: `resolved`, or the configuration an update in progress
    /// replaced.
    pub(crate) fn runs<'a>(&self, resolved: &'a Resolved) -> Cow<'a, Resolved> {
        match &self.previous_latest {
            Some((config, generation)) => Cow::Owned(Resolved {
                config: Arc::clone(config),
                generation: *generation,
                ..resolved.clone()
            }),
            None => Cow::Borrowed(resolved),
        }
    }
}

impl ControlPlane {
    /// Checks that `resolved` may be invoked now: not while it is being created (409), as
    /// Lambda refuses.
    ///
    /// # Errors
    ///
    /// The 409 error Lambda answers.
    pub(crate) fn admit(&self, resolved: &Resolved) -> Result<Admission, ApiError> {
        let previous_latest = match self.in_progress_update(&resolved.config.name) {
            Some((Pending::Creating, _)) => {
                return Err(pending_conflict(&resolved.function_arn));
            }
            Some((Pending::Updating, previous)) if resolved.executed_version == "$LATEST" => {
                previous
            }
            _ => None,
        };
        Ok(Admission {
            unreserved: self.unreserved_pool(resolved),
            previous_latest,
        })
    }

    /// The account's unreserved concurrency (the account limit minus every reservation), which
    /// invocations of functions without a reservation share; exhausting it throttles them with
    /// `TooManyRequestsException` / `ConcurrentInvocationLimitExceeded`, as on Lambda. `None`
    /// for a function with a reservation.
    fn unreserved_pool(&self, resolved: &Resolved) -> Option<UnreservedPool> {
        if resolved.reserved_concurrency.is_some() {
            return None;
        }
        let reservations = self.registry.reservations();
        Some(UnreservedPool {
            capacity: self
                .settings
                .account_concurrency
                .saturating_sub(reservations.total()),
            reservations,
        })
    }
}
