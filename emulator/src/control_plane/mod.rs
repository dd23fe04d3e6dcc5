//! The control plane's own state, apart from HTTP: updates in progress and their settlement,
//! the folder holding uploaded code, and admission (may this invocation run now, and against
//! which concurrency pool).
//!
//! The Lambda control-plane API ([`crate::api::control`]) and the Invoke path
//! ([`crate::invocation`]) act through [`ControlPlane`]; it reads and writes functions through
//! the [`Registry`] and retires environments through [`Environments`].
//!
//! Updates are asynchronous as on Lambda: a configuration or code change leaves
//! `LastUpdateStatus: InProgress` for [`ControlSettings::update_delay`], and a new function is
//! `Pending` for the same delay. Until an update completes, invocations of `$LATEST` keep
//! running the configuration it replaced, as Lambda's do.

mod admission;
mod code;
mod updates;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) use code::StoredCode;
pub(crate) use updates::Pending;

use crate::environments::Environments;
use crate::error::ApiError;
use crate::registry::{FunctionConfig, Registry, UpdateStatus};
use code::CodeFolder;
use updates::PendingUpdate;

/// Lambda's default account concurrency limit.
pub const DEFAULT_ACCOUNT_CONCURRENCY: u32 = 1000;

/// Concurrency Lambda always leaves unreserved in an account.
pub(crate) const UNRESERVED_MINIMUM: u32 = 100;

/// How the control plane behaves.
#[derive(Debug, Clone)]
pub struct ControlSettings {
    /// How long an update stays `InProgress` (and a new function `Pending`).
    pub update_delay: Duration,
    /// The account's concurrency limit (`ConcurrentExecutions`).
    pub account_concurrency: u32,
    /// Folder under which uploaded code is unpacked (one sub-folder per function and upload);
    /// `None` makes a fresh folder in the system's temporary folder, removed on drop.
    pub code_root: Option<PathBuf>,
}

impl Default for ControlSettings {
    fn default() -> Self {
        Self {
            update_delay: Duration::from_millis(100),
            account_concurrency: DEFAULT_ACCOUNT_CONCURRENCY,
            code_root: None,
        }
    }
}

/// The control plane's own state: updates in progress and the folder holding uploaded code.
#[derive(Debug)]
pub(crate) struct ControlPlane {
    settings: ControlSettings,
    registry: Arc<Registry>,
    environments: Arc<Environments>,
    code: CodeFolder,
    pending: Mutex<HashMap<String, PendingUpdate>>,
}

impl ControlPlane {
    /// A control plane with these settings over `registry` and `environments`.
    ///
    /// # Errors
    ///
    /// The I/O error when the code folder cannot be created.
    pub(crate) fn new(
        settings: ControlSettings,
        registry: Arc<Registry>,
        environments: Arc<Environments>,
    ) -> std::io::Result<Self> {
        let code = CodeFolder::new(settings.code_root.clone())?;
        Ok(Self {
            settings,
            registry,
            environments,
            code,
            pending: Mutex::default(),
        })
    }

    /// The settings.
    pub(crate) fn settings(&self) -> &ControlSettings {
        &self.settings
    }

    /// Creates a function whose `$LATEST` is `config`, with its tags; it stays `Pending` for
    /// the update delay.
    ///
    /// # Errors
    /// `InvalidParameterValueException` for an invalid function name.
    pub(crate) fn create_function(
        &self,
        config: FunctionConfig,
        tags: BTreeMap<String, String>,
    ) -> Result<(), ApiError> {
        let name = config.name.clone();
        self.registry.insert(config)?;
        self.registry.with_entry_mut(&name, |e| {
            e.tags = tags;
            e.last_update_status = UpdateStatus::InProgress;
        })?;
        self.start(&name, Pending::Creating, None);
        Ok(())
    }

    /// Deletes a function: its entry, its update in progress, its environments and its
    /// uploaded code.
    pub(crate) fn delete_function(&self, name: &str) {
        self.registry.remove(name);
        self.pending().remove(name);
        self.environments.discard(name, None);
        self.code.remove(name);
    }

    /// Unpacks an uploaded `.zip` into a new code folder of `function` (see [`StoredCode`]).
    ///
    /// # Errors
    /// `InvalidParameterValueException` (and the code package's own errors) when the package
    /// is unsafe, too large or holds no executable `bootstrap`; `ServiceException` when the
    /// folder cannot be created.
    pub(crate) fn store_code(&self, function: &str, zip: &[u8]) -> Result<StoredCode, ApiError> {
        self.code.store(function, zip)
    }

    /// Removes the folder of uploaded code when the control plane made it (shutdown; the
    /// environments that ran from it are gone by then).
    pub(crate) fn remove_uploaded_code(&self) {
        self.code.remove_all();
    }
}
