//! The state shared by every route and background task of one running emulator.

use std::sync::Arc;

use crate::Emulator;
use crate::cgroup::Isolation;
use crate::control_api::ControlPlane;
use crate::environment::Environments;
use crate::log_store::LogStore;
use crate::registry::Registry;

/// Everything one running emulator shares between its routes and tasks.
#[derive(Debug)]
pub struct State {
    /// The functions.
    pub registry: Arc<Registry>,
    /// The log groups and streams.
    pub logs: LogStore,
    /// The execution environments.
    pub environments: Arc<Environments>,
    /// The configuration the emulator was started with.
    pub config: Emulator,
    /// The control plane's own state (updates in progress, uploaded code).
    pub control: ControlPlane,
}

impl State {
    /// How environments are isolated on this host.
    pub fn isolation(&self) -> Isolation {
        self.environments.isolation()
    }

    /// Discards every warm environment of a function (all its versions): the control plane
    /// calls this after a change that warm environments must not survive (code, configuration,
    /// deletion). Busy environments finish their invocation and are then discarded.
    pub fn discard_environments(&self, function: &str) {
        self.environments.discard(function, None);
    }

    /// Starts initializing the provisioned environments of `function:qualifier` (as the
    /// registry's provisioned-concurrency config for that qualifier asks) in the background.
    pub fn provision_environments(&self, function: &str, qualifier: &str) {
        crate::control_api::provision_in_background(self, function, qualifier);
    }

    /// Discards the warm environments of one version (`$LATEST`, `1`, ...) of a function.
    pub fn discard_version_environments(&self, function: &str, version: &str) {
        self.environments.discard(function, Some(version));
    }
}
