//! The state of one running emulator that every API route and background task shares: the
//! functions, their environments, their logs and the control plane. No HTTP here.

use std::sync::Arc;

use crate::control_plane::ControlPlane;
use crate::environments::Environments;
use crate::log_store::LogStore;
use crate::registry::Registry;

/// Everything one running emulator shares between its routes and tasks.
#[derive(Debug)]
pub(crate) struct State {
    /// The functions.
    pub(crate) registry: Arc<Registry>,
    /// The log groups and streams.
    pub(crate) logs: LogStore,
    /// The execution environments.
    pub(crate) environments: Arc<Environments>,
    /// The control plane's own state (updates in progress, uploaded code, admission).
    pub(crate) control: ControlPlane,
}

impl State {
    /// Discards every warm environment of a function (all its versions): the control plane
    /// calls this after a change that warm environments must not survive (code, configuration,
    /// deletion). Busy environments finish their invocation and are then discarded.
    pub(crate) fn discard_environments(&self, function: &str) {
        self.environments.discard(function, None);
    }

    /// Discards the warm environments of one version (`$LATEST`, `1`, ...) of a function.
    pub(crate) fn discard_version_environments(&self, function: &str, version: &str) {
        self.environments.discard(function, Some(version));
    }
}
