//! The function registry: the single source of truth for functions, their versions, aliases
//! and concurrency settings.
//!
//! Every API (control plane, Invoke) reads and writes functions only through [`Registry`],
//! which also keeps the account's reservations (every function's reserved concurrency and
//! their sum) current, so that admitting an invocation reads them without copying functions.
//! Execution environments are pooled by `(function, executed version, generation)`: any change
//! to `$LATEST` bumps [`FunctionEntry::generation`], so warm environments of the old
//! configuration are never reused.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use analyzer::units::{Architecture, MemoryMb};
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::clock::UtcTime;
use crate::error::ApiError;

/// Lambda's default function timeout.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// The log format of a function (`LoggingConfig.LogFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Plain text lines (`START`, `END`, `REPORT`).
    #[default]
    Text,
    /// JSON `platform.*` events.
    Json,
}

impl LogFormat {
    /// The name the Lambda API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "Text",
            LogFormat::Json => "JSON",
        }
    }
}

impl FromStr for LogFormat {
    type Err = ApiError;

    fn from_str(s: &str) -> Result<Self, ApiError> {
        match s {
            "Text" => Ok(LogFormat::Text),
            "JSON" => Ok(LogFormat::Json),
            other => Err(ApiError::invalid_parameter(format!(
                "LogFormat must be Text or JSON, got {other}"
            ))),
        }
    }
}

/// `LastUpdateStatus` of a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UpdateStatus {
    /// The last update finished.
    #[default]
    Successful,
    /// An update is being applied.
    InProgress,
    /// The last update failed.
    Failed,
}

impl UpdateStatus {
    /// The name the Lambda API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateStatus::Successful => "Successful",
            UpdateStatus::InProgress => "InProgress",
            UpdateStatus::Failed => "Failed",
        }
    }
}

/// One immutable configuration snapshot: `$LATEST`'s current one, or a published version.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionConfig {
    /// Function name.
    pub name: String,
    /// `$LATEST` or `1`, `2`, ...
    pub version: String,
    /// Runtime identifier (`provided.al2023`, `python3.12`, ...).
    pub runtime: String,
    /// Handler string (`_HANDLER`).
    pub handler: String,
    /// Execution role ARN.
    pub role: String,
    /// Description.
    pub description: String,
    /// Memory size.
    pub memory_mb: MemoryMb,
    /// Invocation timeout.
    pub timeout: Duration,
    /// The function's own environment variables.
    pub environment: BTreeMap<String, String>,
    /// Instruction set architecture.
    pub architecture: Architecture,
    /// Folder holding an executable `bootstrap`.
    pub code_dir: PathBuf,
    /// Base64 SHA-256 of the code.
    pub code_sha256: String,
    /// Code size in bytes.
    pub code_size: u64,
    /// Log format.
    pub log_format: LogFormat,
    /// Log group (`/aws/lambda/<name>` by default).
    pub log_group: String,
    /// `LastModified` as Lambda formats it.
    pub last_modified: String,
    /// Revision id, new on every change.
    pub revision_id: String,
}

impl FunctionConfig {
    /// The `bootstrap` executable.
    pub fn bootstrap(&self) -> PathBuf {
        self.code_dir.join("bootstrap")
    }
}

/// An alias.
#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    /// Alias name.
    pub name: String,
    /// The version it points to.
    pub function_version: String,
    /// Description.
    pub description: String,
    /// Revision id.
    pub revision_id: String,
    /// Weighted routing: additional version -> weight in `[0, 1]`.
    pub routing: BTreeMap<String, f64>,
}

/// The `Status` of a provisioned-concurrency configuration, serialized as the Lambda API
/// spells it (`IN_PROGRESS`, `READY`, `FAILED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProvisionedStatus {
    /// Environments are being initialized.
    InProgress,
    /// Every requested environment is initialized.
    Ready,
    /// An environment failed to initialize.
    Failed,
}

/// Provisioned concurrency requested for a qualifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionedConfig {
    /// Environments requested.
    pub requested: u32,
    /// Environments initialized so far.
    pub allocated: u32,
    /// Whether the requested environments are initialized.
    pub status: ProvisionedStatus,
    /// `LastModified`.
    pub last_modified: String,
}

/// Everything the registry holds about one function.
#[derive(Debug, Clone)]
pub struct FunctionEntry {
    /// `$LATEST`'s current configuration.
    pub latest: Arc<FunctionConfig>,
    /// Published versions by number.
    pub versions: BTreeMap<u64, Arc<FunctionConfig>>,
    /// Number the next published version gets.
    pub next_version: u64,
    /// Aliases by name.
    pub aliases: BTreeMap<String, Alias>,
    /// Reserved concurrency (`None` = unreserved, `Some(0)` = every invocation throttled).
    pub reserved_concurrency: Option<u32>,
    /// Provisioned concurrency by qualifier.
    pub provisioned: BTreeMap<String, ProvisionedConfig>,
    /// `LastUpdateStatus`.
    pub last_update_status: UpdateStatus,
    /// Bumped on every configuration or code change of `$LATEST`; part of the pool key.
    pub generation: u64,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl FunctionEntry {
    /// Replaces `$LATEST`'s configuration with a new snapshot, bumping the generation and
    /// giving it a new revision id and `LastModified`.
    pub fn set_latest(&mut self, mut config: FunctionConfig, generation: u64) {
        config.version = "$LATEST".to_owned();
        config.revision_id = new_revision_id();
        config.last_modified = UtcTime::now().last_modified();
        self.latest = Arc::new(config);
        self.generation = generation;
    }
}

/// A function reference resolved to the configuration that runs.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// The configuration that runs.
    pub(crate) config: Arc<FunctionConfig>,
    /// The unqualified function ARN.
    pub(crate) function_arn: String,
    /// The ARN as invoked: with the qualifier when one was given.
    pub(crate) qualifier_arn: String,
    /// The version that runs (`X-Amz-Executed-Version`).
    pub(crate) executed_version: String,
    /// The pool generation (see the module docs).
    pub(crate) generation: u64,
    /// Reserved concurrency of the function.
    pub(crate) reserved_concurrency: Option<u32>,
}

/// A new function to register from a folder holding `bootstrap` (see
/// [`Registry::register_folder`]).
#[derive(Debug, Clone)]
pub struct NewFunction {
    /// Function name.
    pub name: String,
    /// Folder holding `bootstrap`.
    pub code_dir: PathBuf,
    /// Memory size (default 128 MB).
    pub memory_mb: MemoryMb,
    /// Timeout (default 3 s).
    pub timeout: Duration,
    /// Architecture (default: the host's).
    pub architecture: Architecture,
    /// Environment variables.
    pub environment: BTreeMap<String, String>,
    /// Runtime identifier (default `provided.al2023`).
    pub runtime: String,
    /// Handler (default `bootstrap`).
    pub handler: String,
    /// Log format (default text).
    pub log_format: LogFormat,
}

impl NewFunction {
    /// A function with Lambda's defaults: 128 MB, 3 s, the host's architecture,
    /// `provided.al2023`, text logs.
    pub fn new(name: impl Into<String>, code_dir: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            code_dir: code_dir.into(),
            memory_mb: MemoryMb::try_from(128).expect("128 MB is in Lambda's range"),
            timeout: DEFAULT_TIMEOUT,
            architecture: host_architecture(),
            environment: BTreeMap::new(),
            runtime: "provided.al2023".to_owned(),
            handler: "bootstrap".to_owned(),
            log_format: LogFormat::Text,
        }
    }

    /// Sets the memory size.
    pub fn memory(mut self, memory_mb: MemoryMb) -> Self {
        self.memory_mb = memory_mb;
        self
    }

    /// Sets the timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the architecture.
    pub fn architecture(mut self, architecture: Architecture) -> Self {
        self.architecture = architecture;
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.environment.insert(key.into(), value.into());
        self
    }

    /// Sets the log format.
    pub fn log_format(mut self, log_format: LogFormat) -> Self {
        self.log_format = log_format;
        self
    }

    /// Sets the runtime identifier and handler.
    pub fn runtime(mut self, runtime: impl Into<String>, handler: impl Into<String>) -> Self {
        self.runtime = runtime.into();
        self.handler = handler.into();
        self
    }
}

/// The architecture of the machine the emulator runs on.
pub fn host_architecture() -> Architecture {
    if cfg!(target_arch = "aarch64") {
        Architecture::Arm64
    } else {
        Architecture::X86_64
    }
}

/// A fresh revision id (UUID v4).
pub(crate) fn new_revision_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Base64 SHA-256 and size of the files of a code folder (names and contents, sorted by name,
/// symlinks followed), so that a change to the code changes `CodeSha256`.
///
/// # Errors
/// `InvalidParameterValueException` when the folder cannot be read.
fn hash_code_dir(dir: &Path) -> Result<(String, u64), ApiError> {
    let unreadable = |e: std::io::Error| {
        ApiError::invalid_parameter(format!("cannot read {}: {e}", dir.display()))
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(unreadable)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    names.sort();
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    for path in names {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(unreadable)?;
        if let Some(name) = path.file_name() {
            hasher.update(name.as_encoded_bytes());
        }
        hasher.update(&bytes);
        size += bytes.len() as u64;
    }
    let digest = hasher.finalize();
    Ok((
        base64::engine::general_purpose::STANDARD.encode(digest),
        size,
    ))
}

/// The account's reserved concurrency: every function with a reservation, and their sum.
///
/// The registry keeps it up to date as functions change, so that admitting an invocation reads
/// it without walking (or copying) every function.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Reservations {
    /// Reserved concurrency by function.
    functions: HashMap<String, u32>,
    /// The sum of every reservation.
    total: u32,
}

impl Reservations {
    fn of(functions: &BTreeMap<String, FunctionEntry>) -> Self {
        let functions: HashMap<String, u32> = functions
            .iter()
            .filter_map(|(name, e)| e.reserved_concurrency.map(|r| (name.clone(), r)))
            .collect();
        let total = functions
            .values()
            .fold(0u32, |sum, r| sum.saturating_add(*r));
        Self { functions, total }
    }

    /// Whether `function` has a reservation.
    pub(crate) fn is_reserved(&self, function: &str) -> bool {
        self.functions.contains_key(function)
    }

    /// The sum of every reservation.
    pub(crate) fn total(&self) -> u32 {
        self.total
    }

    /// The sum of the reservations of every function but `function`.
    pub(crate) fn total_except(&self, function: &str) -> u32 {
        self.total
            .saturating_sub(self.functions.get(function).copied().unwrap_or(0))
    }
}

#[derive(Debug, Default)]
struct Functions {
    by_name: BTreeMap<String, FunctionEntry>,
    /// Derived from `by_name`; replaced whenever a reservation changes.
    reservations: Arc<Reservations>,
}

impl Functions {
    fn refresh_reservations(&mut self) {
        let now = Reservations::of(&self.by_name);
        if *self.reservations != now {
            self.reservations = Arc::new(now);
        }
    }
}

/// The function registry.
#[derive(Debug)]
pub struct Registry {
    functions: Mutex<Functions>,
    region: String,
    account_id: String,
    next_generation: AtomicU64,
}

impl Registry {
    /// An empty registry for a region and account.
    pub(crate) fn new(region: impl Into<String>, account_id: impl Into<String>) -> Self {
        Self {
            functions: Mutex::default(),
            region: region.into(),
            account_id: account_id.into(),
            next_generation: AtomicU64::new(1),
        }
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The account id.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// A new, registry-wide unique generation number.
    pub fn next_generation(&self) -> u64 {
        self.next_generation.fetch_add(1, Ordering::Relaxed)
    }

    /// `arn:aws:lambda:<region>:<account>:function:<name>`.
    pub(crate) fn function_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            self.region, self.account_id
        )
    }

    fn lock(&self) -> MutexGuard<'_, Functions> {
        // A panic while holding the lock leaves the map itself consistent (every mutation is a
        // single insert/replace), so a poisoned lock is still usable.
        self.functions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers a function from a folder holding an executable `bootstrap`, replacing any
    /// function of the same name. Returns its `$LATEST` configuration.
    ///
    /// # Errors
    /// `InvalidParameterValueException` when the name is not a valid function name or the
    /// folder has no `bootstrap`.
    pub fn register_folder(&self, new: NewFunction) -> Result<Arc<FunctionConfig>, ApiError> {
        validate_function_name(&new.name)?;
        if !new.code_dir.join("bootstrap").exists() {
            return Err(ApiError::invalid_parameter(format!(
                "{} holds no bootstrap executable",
                new.code_dir.display()
            )));
        }
        let (code_sha256, code_size) = hash_code_dir(&new.code_dir)?;
        let config = FunctionConfig {
            log_group: format!("/aws/lambda/{}", new.name),
            name: new.name,
            version: "$LATEST".to_owned(),
            runtime: new.runtime,
            handler: new.handler,
            role: format!("arn:aws:iam::{}:role/powertune-local", self.account_id),
            description: String::new(),
            memory_mb: new.memory_mb,
            timeout: new.timeout,
            environment: new.environment,
            architecture: new.architecture,
            code_dir: new.code_dir,
            code_sha256,
            code_size,
            log_format: new.log_format,
            last_modified: String::new(),
            revision_id: String::new(),
        };
        self.insert(config)
    }

    /// Inserts (or replaces) a function whose `$LATEST` is `config`. Returns the stored
    /// configuration (with revision id and `LastModified` filled in).
    ///
    /// # Errors
    /// `InvalidParameterValueException` for an invalid function name.
    pub(crate) fn insert(&self, config: FunctionConfig) -> Result<Arc<FunctionConfig>, ApiError> {
        validate_function_name(&config.name)?;
        let name = config.name.clone();
        let generation = self.next_generation();
        let mut entry = FunctionEntry {
            latest: Arc::new(config.clone()),
            versions: BTreeMap::new(),
            next_version: 1,
            aliases: BTreeMap::new(),
            reserved_concurrency: None,
            provisioned: BTreeMap::new(),
            last_update_status: UpdateStatus::Successful,
            generation,
            tags: BTreeMap::new(),
        };
        entry.set_latest(config, generation);
        let latest = Arc::clone(&entry.latest);
        let mut functions = self.lock();
        let replaced = functions.by_name.insert(name, entry);
        if replaced.is_some_and(|old| old.reserved_concurrency.is_some()) {
            functions.refresh_reservations();
        }
        Ok(latest)
    }

    /// Removes a function. Returns whether it existed.
    pub(crate) fn remove(&self, name: &str) -> bool {
        let mut functions = self.lock();
        let removed = functions.by_name.remove(name);
        if removed
            .as_ref()
            .is_some_and(|old| old.reserved_concurrency.is_some())
        {
            functions.refresh_reservations();
        }
        removed.is_some()
    }

    /// Names of every function.
    pub fn names(&self) -> Vec<String> {
        self.lock().by_name.keys().cloned().collect()
    }

    /// A copy of a function's entry.
    pub fn entry(&self, name: &str) -> Option<FunctionEntry> {
        self.lock().by_name.get(name).cloned()
    }

    /// A copy of every function's entry, by name.
    pub(crate) fn entries(&self) -> Vec<(String, FunctionEntry)> {
        let functions = self.lock();
        functions
            .by_name
            .iter()
            .map(|(name, e)| (name.clone(), e.clone()))
            .collect()
    }

    /// The account's reservations as they are now (a shared snapshot: no function is copied).
    pub(crate) fn reservations(&self) -> Arc<Reservations> {
        Arc::clone(&self.lock().reservations)
    }

    /// Runs `f` on a function's entry under the registry lock.
    ///
    /// # Errors
    /// `ResourceNotFoundException` when there is no such function.
    pub fn with_entry_mut<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut FunctionEntry) -> R,
    ) -> Result<R, ApiError> {
        let mut functions = self.lock();
        let Some(entry) = functions.by_name.get_mut(name) else {
            return Err(ApiError::function_not_found(&self.function_arn(name)));
        };
        let reserved = entry.reserved_concurrency;
        let result = f(entry);
        if entry.reserved_concurrency != reserved {
            functions.refresh_reservations();
        }
        Ok(result)
    }

    /// Publishes `$LATEST` of `name` as a new version, or returns the newest version when
    /// nothing changed since it (as Lambda does). Returns the version number.
    ///
    /// # Errors
    /// `ResourceNotFoundException` when there is no such function.
    pub(crate) fn publish_version(
        &self,
        name: &str,
        description: Option<String>,
    ) -> Result<String, ApiError> {
        self.with_entry_mut(name, |e| {
            if let Some((number, newest)) = e.versions.iter().next_back()
                && same_snapshot(newest, &e.latest)
            {
                return number.to_string();
            }
            let number = e.next_version;
            e.next_version += 1;
            let mut config = (*e.latest).clone();
            config.version = number.to_string();
            config.revision_id = new_revision_id();
            config.last_modified = UtcTime::now().last_modified();
            if let Some(d) = description {
                config.description = d;
            }
            e.versions.insert(number, Arc::new(config));
            number.to_string()
        })
    }

    /// Splits a function reference (`name`, `name:qualifier`, `123456789012:function:name`,
    /// or a full ARN with or without qualifier) into the name and the qualifier it carries.
    ///
    /// # Errors
    /// `InvalidParameterValueException` for a malformed reference or one of another
    /// account or region.
    pub(crate) fn parse_reference(
        &self,
        reference: &str,
    ) -> Result<(String, Option<String>), ApiError> {
        let bad = || {
            ApiError::invalid_parameter(format!(
                "1 validation error detected: Value '{reference}' at 'functionName' failed to \
                 satisfy constraint: Member must satisfy regular expression pattern: \
                 (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?\
                 (function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
            ))
        };
        let parts: Vec<&str> = reference.split(':').collect();
        let (account, region, rest): (Option<&str>, Option<&str>, &[&str]) =
            if parts.first() == Some(&"arn") {
                // arn:aws:lambda:region:account:function:name[:qualifier]
                if parts.len() < 7 || parts.get(2) != Some(&"lambda") || parts[5] != "function" {
                    return Err(bad());
                }
                (Some(parts[4]), Some(parts[3]), &parts[6..])
            } else if parts.len() >= 3 && parts[1] == "function" {
                (Some(parts[0]), None, &parts[2..])
            } else {
                (None, None, &parts[..])
            };
        if account.is_some_and(|a| a != self.account_id) || region.is_some_and(|r| r != self.region)
        {
            return Err(ApiError::function_not_found(reference));
        }
        match rest {
            [name] => Ok(((*name).to_owned(), None)),
            [name, qualifier] if !qualifier.is_empty() => {
                Ok(((*name).to_owned(), Some((*qualifier).to_owned())))
            }
            _ => Err(bad()),
        }
    }

    /// Resolves a function reference and optional qualifier to the configuration that runs.
    ///
    /// # Errors
    /// `ResourceNotFoundException` for an unknown function, version or alias;
    /// `InvalidParameterValueException` for a malformed reference or a qualifier in the name
    /// that contradicts `qualifier`.
    pub(crate) fn resolve(
        &self,
        name_or_arn: &str,
        qualifier: Option<&str>,
    ) -> Result<Resolved, ApiError> {
        let (name, embedded) = self.parse_reference(name_or_arn)?;
        let qualifier = match (embedded, qualifier) {
            (Some(a), Some(b)) if a != b => {
                return Err(ApiError::invalid_parameter(
                    "The derived qualifier from the function name does not match the specified \
                     qualifier.",
                ));
            }
            (Some(a), _) => Some(a),
            (None, b) => b.map(str::to_owned),
        };
        let function_arn = self.function_arn(&name);
        let qualifier_arn = match &qualifier {
            Some(q) => format!("{function_arn}:{q}"),
            None => function_arn.clone(),
        };
        let functions = self.lock();
        let entry = functions
            .by_name
            .get(&name)
            .ok_or_else(|| ApiError::function_not_found(&qualifier_arn))?;
        let version = match qualifier.as_deref() {
            None | Some("$LATEST") => None,
            Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => Some(q.to_owned()),
            Some(alias) => match entry.aliases.get(alias) {
                Some(a) if a.function_version == "$LATEST" => None,
                Some(a) => Some(a.function_version.clone()),
                None => return Err(ApiError::function_not_found(&qualifier_arn)),
            },
        };
        let (config, generation) = match version {
            None => (Arc::clone(&entry.latest), entry.generation),
            Some(v) => {
                let number: u64 = v
                    .parse()
                    .map_err(|_| ApiError::function_not_found(&qualifier_arn))?;
                let config = entry
                    .versions
                    .get(&number)
                    .ok_or_else(|| ApiError::function_not_found(&qualifier_arn))?;
                // A published version never changes, so its pool generation is fixed; the
                // registry-unique number of the version's snapshot keeps a deleted and
                // re-created function from reusing old environments.
                (Arc::clone(config), version_generation(config))
            }
        };
        Ok(Resolved {
            executed_version: config.version.clone(),
            config,
            function_arn,
            qualifier_arn,
            generation,
            reserved_concurrency: entry.reserved_concurrency,
        })
    }
}

/// The parts of a configuration that make two snapshots the same version.
fn same_snapshot(a: &FunctionConfig, b: &FunctionConfig) -> bool {
    a.code_sha256 == b.code_sha256
        && a.memory_mb == b.memory_mb
        && a.timeout == b.timeout
        && a.environment == b.environment
        && a.architecture == b.architecture
        && a.runtime == b.runtime
        && a.handler == b.handler
        && a.role == b.role
        && a.log_format == b.log_format
        && a.log_group == b.log_group
        && a.description == b.description
}

/// Pool generation of a published version: derived from its revision id, which is unique per
/// snapshot.
fn version_generation(config: &FunctionConfig) -> u64 {
    config
        .revision_id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// Checks a function name against Lambda's rules (1-64 of `[a-zA-Z0-9-_]`).
///
/// # Errors
/// `InvalidParameterValueException` naming the rule.
pub(crate) fn validate_function_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "function name '{name}' must be 1 to 64 characters of letters, digits, '-' and '_'"
        )))
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry_with(name: &str) -> (Registry, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bootstrap"), "#!/bin/sh\n").unwrap();
        let registry = Registry::new("us-east-1", "123456789012");
        registry
            .register_folder(NewFunction::new(name, dir.path()))
            .unwrap();
        (registry, dir)
    }

    #[test]
    fn resolves_name_partial_arn_full_arn_and_qualified_name() {
        let (registry, _dir) = registry_with("fn1");
        for reference in [
            "fn1",
            "123456789012:function:fn1",
            "arn:aws:lambda:us-east-1:123456789012:function:fn1",
            "fn1:$LATEST",
            "arn:aws:lambda:us-east-1:123456789012:function:fn1:$LATEST",
        ] {
            let resolved = registry.resolve(reference, None).unwrap();
            assert_eq!(resolved.config.name, "fn1", "{reference}");
            assert_eq!(resolved.executed_version, "$LATEST");
        }
    }

    #[test]
    fn resolves_versions_and_aliases() {
        let (registry, _dir) = registry_with("fn1");
        registry
            .with_entry_mut("fn1", |e| {
                let mut v1 = (*e.latest).clone();
                v1.version = "1".to_owned();
                v1.revision_id = new_revision_id();
                e.versions.insert(1, Arc::new(v1));
                e.aliases.insert(
                    "live".to_owned(),
                    Alias {
                        name: "live".to_owned(),
                        function_version: "1".to_owned(),
                        description: String::new(),
                        revision_id: new_revision_id(),
                        routing: BTreeMap::new(),
                    },
                );
            })
            .unwrap();
        let by_alias = registry.resolve("fn1", Some("live")).unwrap();
        assert_eq!(by_alias.executed_version, "1");
        assert!(by_alias.qualifier_arn.ends_with(":function:fn1:live"));
        assert_eq!(
            registry.resolve("fn1:1", None).unwrap().executed_version,
            "1"
        );
        let err = registry.resolve("fn1", Some("2")).unwrap_err();
        assert_eq!(err.error_type, "ResourceNotFoundException");
        let err = registry.resolve("fn1:1", Some("live")).unwrap_err();
        assert_eq!(err.error_type, "InvalidParameterValueException");
    }

    #[test]
    fn unknown_function_is_resource_not_found_with_its_arn() {
        let (registry, _dir) = registry_with("fn1");
        let err = registry.resolve("nope", None).unwrap_err();
        assert_eq!(err.status, 404);
        assert_eq!(
            err.message,
            "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"
        );
        let other_account = registry.resolve("999999999999:function:fn1", None);
        assert!(other_account.is_err());
    }

    #[test]
    fn reservations_follow_every_change_of_reserved_concurrency() {
        let (registry, dir) = registry_with("fn1");
        registry
            .register_folder(NewFunction::new("fn2", dir.path()))
            .unwrap();
        assert_eq!(registry.reservations().total(), 0);
        registry
            .with_entry_mut("fn1", |e| e.reserved_concurrency = Some(5))
            .unwrap();
        registry
            .with_entry_mut("fn2", |e| e.reserved_concurrency = Some(7))
            .unwrap();
        let reservations = registry.reservations();
        assert_eq!(reservations.total(), 12);
        assert_eq!(reservations.total_except("fn1"), 7);
        assert!(reservations.is_reserved("fn2"));
        registry.remove("fn2");
        registry
            .register_folder(NewFunction::new("fn1", dir.path()))
            .unwrap();
        let reservations = registry.reservations();
        assert_eq!(
            reservations.total(),
            0,
            "re-registering replaced fn1's reservation"
        );
        assert!(!reservations.is_reserved("fn1") && !reservations.is_reserved("fn2"));
    }

    #[test]
    fn a_config_change_bumps_the_generation() {
        let (registry, _dir) = registry_with("fn1");
        let before = registry.resolve("fn1", None).unwrap();
        let generation = registry.next_generation();
        registry
            .with_entry_mut("fn1", |e| {
                let mut c = (*e.latest).clone();
                c.memory_mb = MemoryMb::try_from(512).unwrap();
                e.set_latest(c, generation);
            })
            .unwrap();
        let after = registry.resolve("fn1", None).unwrap();
        assert_ne!(before.generation, after.generation);
        assert_ne!(before.config.revision_id, after.config.revision_id);
        assert_eq!(after.config.memory_mb.get(), 512);
    }
}
