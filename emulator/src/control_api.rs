//! The Lambda control-plane API (CreateFunction, UpdateFunctionConfiguration, PublishVersion,
//! aliases, concurrency).
//!
//! [`route`] is called first for every request on the API listener; it answers the requests it
//! owns and returns `None` for every other one.
//!
//! Paths and status codes follow Lambda's REST API (`/2015-03-31/functions...`,
//! `/2017-10-31/.../concurrency`, `/2019-09-30/.../concurrency` and `provisioned-concurrency`,
//! `/2016-08-19/account-settings`, `/2017-03-31/tags/{arn}`), and so do the errors (status,
//! `x-amzn-ErrorType`, message), so aws-sdk-lambda, boto3 and the AWS CLI work unchanged.
//!
//! Updates are asynchronous as on Lambda: a configuration or code change answers with
//! `LastUpdateStatus: InProgress`, becomes `Successful` after [`ControlSettings::update_delay`],
//! and a second change or a `PublishVersion` before then is refused with
//! `ResourceConflictException`. A new function is `Pending` for the same delay. Until an
//! update completes, invocations of `$LATEST` keep running the configuration it replaced, as
//! Lambda's do.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use analyzer::units::{Architecture, MemoryMb};
use base64::Engine as _;
use hyper::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::clock::UtcTime;
use crate::code_package;
use crate::error::ApiError;
use crate::http::{ApiRequest, ApiResponse, error_response, json_response, response};
use crate::registry::{
    Alias, FunctionConfig, FunctionEntry, LogFormat, ProvisionedConfig, UpdateStatus,
    new_revision_id,
};
use crate::state::State;

/// Lambda's default account concurrency limit.
pub const DEFAULT_ACCOUNT_CONCURRENCY: u32 = 1000;

/// Concurrency Lambda always leaves unreserved in an account.
pub const UNRESERVED_MINIMUM: u32 = 100;

/// Runtimes whose functions bring their own `bootstrap` (the only kind the emulator runs from
/// a `.zip`).
pub const CUSTOM_RUNTIMES: [&str; 3] = ["provided.al2023", "provided.al2", "provided"];

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

/// What an update in progress is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Creating,
    Updating,
}

/// A `$LATEST` configuration an update replaced, with its pool generation.
pub type ReplacedLatest = (Arc<FunctionConfig>, u64);

/// An update in progress: what it is, when it completes, and (for an update) the `$LATEST`
/// configuration and pool generation that invocations keep running until then.
#[derive(Debug)]
struct PendingUpdate {
    kind: Pending,
    until: Instant,
    previous: Option<ReplacedLatest>,
}

/// The control plane's own state: updates in progress and the folder holding uploaded code.
#[derive(Debug)]
pub struct ControlPlane {
    settings: ControlSettings,
    code_root: PathBuf,
    owns_code_root: bool,
    uploads: AtomicU64,
    pending: Mutex<HashMap<String, PendingUpdate>>,
}

impl ControlPlane {
    /// A control plane with these settings.
    ///
    /// # Errors
    ///
    /// The I/O error when the code folder cannot be created.
    pub fn new(settings: ControlSettings) -> std::io::Result<Self> {
        static INSTANCES: AtomicU64 = AtomicU64::new(0);
        let (code_root, owns_code_root) = match &settings.code_root {
            Some(root) => (root.clone(), false),
            None => (
                std::env::temp_dir().join(format!(
                    "powertune-code-{}-{}",
                    std::process::id(),
                    INSTANCES.fetch_add(1, Ordering::Relaxed)
                )),
                true,
            ),
        };
        if owns_code_root {
            remove_stale_code_roots();
        }
        std::fs::create_dir_all(&code_root)?;
        Ok(Self {
            settings,
            code_root,
            owns_code_root,
            uploads: AtomicU64::new(0),
            pending: Mutex::default(),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &ControlSettings {
        &self.settings
    }

    fn pending(&self) -> MutexGuard<'_, HashMap<String, PendingUpdate>> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn start_update(&self, name: &str, kind: Pending, previous: Option<ReplacedLatest>) {
        self.pending().insert(
            name.to_owned(),
            PendingUpdate {
                kind,
                until: Instant::now() + self.settings.update_delay,
                previous,
            },
        );
    }

    /// The update in progress for a function, if any. Once its delay has passed it settles:
    /// the registry's `LastUpdateStatus` becomes `Successful` and the environments of the
    /// configuration it replaced are retired.
    fn in_progress(&self, state: &State, name: &str) -> Option<Pending> {
        self.in_progress_update(state, name).map(|(kind, _)| kind)
    }

    /// [`Self::in_progress`], with the `$LATEST` configuration (and its pool generation) that
    /// an update replaced: invocations keep running it until the update completes, as on
    /// Lambda.
    fn in_progress_update(
        &self,
        state: &State,
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
                let _ = state.registry.with_entry_mut(name, |e| {
                    e.last_update_status = UpdateStatus::Successful;
                });
                if settled.is_some_and(|u| u.previous.is_some()) {
                    state.discard_version_environments(name, "$LATEST");
                }
                None
            }
            None => None,
        }
    }

    fn new_code_dir(&self, function: &str) -> std::io::Result<PathBuf> {
        let n = self.uploads.fetch_add(1, Ordering::Relaxed);
        let dir = self.code_root.join(function).join(format!("{n}"));
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    fn remove_code(&self, function: &str) {
        let dir = self.code_root.join(function);
        if dir.starts_with(&self.code_root) && dir.exists() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Removes the code folders of emulators whose process is gone (killed before they could
/// clean up): `powertune-code-<pid>-<n>` in the temporary folder.
fn remove_stale_code_roots() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix("powertune-code-"))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl ControlPlane {
    /// Removes the folder of uploaded code when the control plane made it (shutdown; the
    /// environments that ran from it are gone by then).
    pub fn remove_uploaded_code(&self) {
        if self.owns_code_root {
            let _ = std::fs::remove_dir_all(&self.code_root);
        }
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        self.remove_uploaded_code();
    }
}

/// Answers a control-plane request, or returns `None` when `req` is not one.
pub(crate) async fn route(state: &Arc<State>, req: &ApiRequest) -> Option<ApiResponse> {
    let segments = req.segments();
    let result = match (&req.method, segments.as_slice()) {
        (&Method::POST, ["2015-03-31", "functions"]) => create_function(state, req),
        (&Method::GET, ["2015-03-31", "functions"]) => list_functions(state, req),
        (&Method::GET, ["2015-03-31", "functions", name]) => get_function(state, req, name),
        (&Method::DELETE, ["2015-03-31", "functions", name]) => delete_function(state, req, name),
        (&Method::GET, ["2015-03-31", "functions", name, "configuration"]) => {
            get_function_configuration(state, req, name)
        }
        (&Method::PUT, ["2015-03-31", "functions", name, "configuration"]) => {
            update_function_configuration(state, req, name)
        }
        (&Method::PUT, ["2015-03-31", "functions", name, "code"]) => {
            update_function_code(state, req, name)
        }
        (&Method::POST, ["2015-03-31", "functions", name, "versions"]) => {
            publish_version(state, req, name)
        }
        (&Method::GET, ["2015-03-31", "functions", name, "versions"]) => {
            list_versions(state, req, name)
        }
        (&Method::POST, ["2015-03-31", "functions", name, "aliases"]) => {
            create_alias(state, req, name)
        }
        (&Method::GET, ["2015-03-31", "functions", name, "aliases"]) => {
            list_aliases(state, req, name)
        }
        (&Method::GET, ["2015-03-31", "functions", name, "aliases", alias]) => {
            get_alias(state, name, alias)
        }
        (&Method::PUT, ["2015-03-31", "functions", name, "aliases", alias]) => {
            update_alias(state, req, name, alias)
        }
        (&Method::DELETE, ["2015-03-31", "functions", name, "aliases", alias]) => {
            delete_alias(state, name, alias)
        }
        (&Method::PUT, ["2017-10-31", "functions", name, "concurrency"]) => {
            put_function_concurrency(state, req, name)
        }
        (&Method::GET, ["2019-09-30", "functions", name, "concurrency"]) => {
            get_function_concurrency(state, name)
        }
        (&Method::DELETE, ["2017-10-31", "functions", name, "concurrency"]) => {
            delete_function_concurrency(state, name)
        }
        (&Method::PUT, ["2019-09-30", "functions", name, "provisioned-concurrency"]) => {
            put_provisioned(state, req, name)
        }
        (&Method::GET, ["2019-09-30", "functions", name, "provisioned-concurrency"]) => {
            get_provisioned(state, req, name)
        }
        (&Method::DELETE, ["2019-09-30", "functions", name, "provisioned-concurrency"]) => {
            delete_provisioned(state, req, name)
        }
        (&Method::GET, ["2016-08-19", "account-settings"]) => get_account_settings(state),
        (&Method::POST, ["2017-03-31", "tags", resource @ ..]) => {
            tag_resource(state, req, &resource.join("/"))
        }
        (&Method::GET, ["2017-03-31", "tags", resource @ ..]) => {
            list_tags(state, &resource.join("/"))
        }
        (&Method::DELETE, ["2017-03-31", "tags", resource @ ..]) => {
            untag_resource(state, req, &resource.join("/"))
        }
        _ => return None,
    };
    Some(match result {
        Ok(Answer { status, body }) => match body {
            Some(body) => json_response(status, &body),
            None => response(status, "application/json", Vec::new()),
        },
        Err(err) => {
            tracing::debug!(method = %req.method, path = %req.path, error_type = %err.error_type, message = %err.message, "control-plane error");
            error_response(&err)
        }
    })
}

/// A successful control-plane answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Option<Value>,
}

impl Answer {
    fn ok(body: Value) -> Result<Self, ApiError> {
        Ok(Self {
            status: 200,
            body: Some(body),
        })
    }

    fn created(body: Value) -> Result<Self, ApiError> {
        Ok(Self {
            status: 201,
            body: Some(body),
        })
    }

    fn no_content() -> Result<Self, ApiError> {
        Ok(Self {
            status: 204,
            body: None,
        })
    }
}

type ApiResult = Result<Answer, ApiError>;

fn control(state: &State) -> &ControlPlane {
    &state.control
}

// ---------------------------------------------------------------------------------------------
// Request bodies and validation.

fn parse_body<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|err| {
        ApiError::invalid_request_content(format!("Could not parse request body into json: {err}"))
    })
}

fn validation(message: String) -> ApiError {
    ApiError::new(400, "ValidationException", message)
}

fn check_memory(value: i64) -> Result<MemoryMb, ApiError> {
    if value < i64::from(MemoryMb::MIN) {
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at 'memorySize' failed to satisfy \
             constraint: Member must have value greater than or equal to {}",
            MemoryMb::MIN
        )));
    }
    if value > i64::from(MemoryMb::MAX) {
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at 'memorySize' failed to satisfy \
             constraint: Member must have value less than or equal to {}",
            MemoryMb::MAX
        )));
    }
    let value = u32::try_from(value).expect("checked against Lambda's range just above");
    MemoryMb::try_from(value).map_err(|e| ApiError::invalid_parameter(e.to_string()))
}

fn check_timeout(value: i64) -> Result<Duration, ApiError> {
    if !(1..=900).contains(&value) {
        let bound = if value < 1 {
            "greater than or equal to 1"
        } else {
            "less than or equal to 900"
        };
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at 'timeout' failed to satisfy \
             constraint: Member must have value {bound}"
        )));
    }
    Ok(Duration::from_secs(value.unsigned_abs()))
}

fn check_architectures(values: &[String]) -> Result<Architecture, ApiError> {
    match values {
        [one] => match one.as_str() {
            "x86_64" => Ok(Architecture::X86_64),
            "arm64" => Ok(Architecture::Arm64),
            other => Err(validation(format!(
                "1 validation error detected: Value '[{other}]' at 'architectures' failed to \
                 satisfy constraint: Member must satisfy constraint: [Member must satisfy enum \
                 value set: [x86_64, arm64]]"
            ))),
        },
        _ => Err(validation(format!(
            "1 validation error detected: Value '{values:?}' at 'architectures' failed to \
             satisfy constraint: Member must have length less than or equal to 1 and greater \
             than or equal to 1"
        ))),
    }
}

fn check_runtime(runtime: &str) -> Result<(), ApiError> {
    if CUSTOM_RUNTIMES.contains(&runtime) {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "The runtime parameter of {runtime} is not supported by the emulator: package a \
             `bootstrap` executable and use one of {}",
            CUSTOM_RUNTIMES.join(", ")
        )))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EnvironmentBody {
    variables: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LoggingConfigBody {
    log_format: Option<String>,
    log_group: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CodeBody {
    zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    s3_bucket: Option<String>,
    image_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateFunctionBody {
    function_name: Option<String>,
    runtime: Option<String>,
    role: Option<String>,
    handler: Option<String>,
    code: Option<CodeBody>,
    description: Option<String>,
    timeout: Option<i64>,
    memory_size: Option<i64>,
    publish: Option<bool>,
    environment: Option<EnvironmentBody>,
    architectures: Option<Vec<String>>,
    tags: Option<BTreeMap<String, String>>,
    logging_config: Option<LoggingConfigBody>,
    package_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateConfigurationBody {
    role: Option<String>,
    handler: Option<String>,
    description: Option<String>,
    timeout: Option<i64>,
    memory_size: Option<i64>,
    environment: Option<EnvironmentBody>,
    runtime: Option<String>,
    revision_id: Option<String>,
    logging_config: Option<LoggingConfigBody>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateCodeBody {
    zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    s3_bucket: Option<String>,
    image_uri: Option<String>,
    publish: Option<bool>,
    revision_id: Option<String>,
    architectures: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PublishVersionBody {
    code_sha256: Option<String>,
    description: Option<String>,
    revision_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoutingConfigBody {
    additional_version_weights: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AliasBody {
    name: Option<String>,
    function_version: Option<String>,
    description: Option<String>,
    routing_config: Option<RoutingConfigBody>,
    revision_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ConcurrencyBody {
    reserved_concurrent_executions: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProvisionedBody {
    provisioned_concurrent_executions: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagsBody {
    tags: Option<BTreeMap<String, String>>,
}

fn missing(field: &str) -> ApiError {
    validation(format!(
        "1 validation error detected: Value null at '{field}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

fn now_last_modified() -> String {
    UtcTime::from_system(SystemTime::now()).last_modified()
}

/// The function name and qualifier a path's `{FunctionName}` and the `Qualifier` query name.
fn function_ref(
    state: &State,
    req: &ApiRequest,
    reference: &str,
) -> Result<(String, Option<String>), ApiError> {
    let (name, embedded) = state.registry.parse_reference(reference)?;
    match (embedded, req.query_param("Qualifier")) {
        (Some(a), Some(b)) if a != b => Err(ApiError::invalid_parameter(
            "The derived qualifier from the function name does not match the specified \
             qualifier.",
        )),
        (Some(a), _) => Ok((name, Some(a))),
        (None, b) => Ok((name, b.map(str::to_owned))),
    }
}

/// The function's unqualified name from a path's `{FunctionName}`; refuses a qualifier.
fn unqualified(state: &State, reference: &str) -> Result<String, ApiError> {
    let (name, qualifier) = state.registry.parse_reference(reference)?;
    if qualifier.is_some() {
        return Err(ApiError::invalid_parameter(
            "Unsupported: this operation does not accept a qualified function name.",
        ));
    }
    Ok(name)
}

fn entry(state: &State, name: &str) -> Result<FunctionEntry, ApiError> {
    state
        .registry
        .entry(name)
        .ok_or_else(|| ApiError::function_not_found(&state.registry.function_arn(name)))
}

fn decode_zip(zip_base64: &str) -> Result<Vec<u8>, ApiError> {
    base64::engine::general_purpose::STANDARD
        .decode(zip_base64.trim())
        .map_err(|e| ApiError::invalid_parameter(format!("ZipFile is not valid base64: {e}")))
}

/// Unpacks an uploaded zip into a new folder of the function, checking that it holds an
/// executable `bootstrap`. Returns the folder, the code's SHA-256 (base64) and its zipped size.
fn store_code(
    state: &State,
    function: &str,
    zip_base64: &str,
) -> Result<(PathBuf, String, u64), ApiError> {
    use sha2::Digest as _;
    let bytes = decode_zip(zip_base64)?;
    let dir = control(state)
        .new_code_dir(function)
        .map_err(|e| ApiError::service(format!("cannot create the code folder: {e}")))?;
    let cleanup = |err: ApiError| {
        let _ = std::fs::remove_dir_all(&dir);
        err
    };
    code_package::unpack_zip(&bytes, &dir).map_err(cleanup)?;
    let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&bytes));
    Ok((dir, sha, bytes.len() as u64))
}

fn check_bootstrap(dir: &Path) -> Result<(), ApiError> {
    use std::os::unix::fs::PermissionsExt as _;
    match std::fs::metadata(dir.join("bootstrap")) {
        Ok(meta) if meta.is_file() && meta.permissions().mode() & 0o111 != 0 => Ok(()),
        Ok(_) => Err(ApiError::invalid_parameter(
            "The deployment package's bootstrap is not an executable file: set its execute \
             permission (chmod 755 bootstrap) before zipping",
        )),
        Err(_) => Err(ApiError::invalid_parameter(
            "The deployment package holds no bootstrap at its root: a provided.al2023 function \
             needs an executable named bootstrap",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Response shapes.

fn configuration_json(state: &State, config: &FunctionConfig, entry: &FunctionEntry) -> Value {
    let registry = &state.registry;
    let latest = config.version == "$LATEST";
    let function_arn = registry.function_arn(&config.name);
    let pending = if latest {
        control(state).in_progress(state, &config.name)
    } else {
        None
    };
    let mut v = json!({
        "FunctionName": config.name,
        "FunctionArn": if latest { function_arn } else { format!("{function_arn}:{}", config.version) },
        "Runtime": config.runtime,
        "Role": config.role,
        "Handler": config.handler,
        "CodeSize": config.code_size,
        "Description": config.description,
        "Timeout": config.timeout.as_secs(),
        "MemorySize": config.memory_mb.get(),
        "LastModified": config.last_modified,
        "CodeSha256": config.code_sha256,
        "Version": config.version,
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": config.revision_id,
        "State": if pending == Some(Pending::Creating) { "Pending" } else { "Active" },
        "LastUpdateStatus": if pending.is_some() { "InProgress" } else { "Successful" },
        "PackageType": "Zip",
        "Architectures": [config.architecture.as_str()],
        "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": config.log_format.as_str(), "LogGroup": config.log_group},
    });
    if !config.environment.is_empty() {
        v["Environment"] = json!({ "Variables": config.environment });
    }
    match pending {
        Some(Pending::Creating) => {
            v["StateReason"] = json!("The function is being created.");
            v["StateReasonCode"] = json!("Creating");
        }
        Some(Pending::Updating) => {
            v["LastUpdateStatusReason"] = json!("The function is being created.");
            v["LastUpdateStatusReasonCode"] = json!("Creating");
        }
        None => {}
    }
    if latest && entry.last_update_status == UpdateStatus::Failed {
        v["LastUpdateStatus"] = json!("Failed");
    }
    v
}

fn alias_json(state: &State, function: &str, alias: &Alias) -> Value {
    let mut v = json!({
        "AliasArn": format!("{}:{}", state.registry.function_arn(function), alias.name),
        "Name": alias.name,
        "FunctionVersion": alias.function_version,
        "Description": alias.description,
        "RevisionId": alias.revision_id,
    });
    if !alias.routing.is_empty() {
        v["RoutingConfig"] = json!({ "AdditionalVersionWeights": alias.routing });
    }
    v
}

/// The configuration a qualifier names: `$LATEST`, a version number or an alias.
fn config_for(
    state: &State,
    entry: &FunctionEntry,
    name: &str,
    qualifier: Option<&str>,
) -> Result<Arc<FunctionConfig>, ApiError> {
    let not_found = |q: &str| {
        ApiError::function_not_found(&format!("{}:{q}", state.registry.function_arn(name)))
    };
    match qualifier {
        None | Some("$LATEST") => Ok(Arc::clone(&entry.latest)),
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => q
            .parse::<u64>()
            .ok()
            .and_then(|n| entry.versions.get(&n))
            .cloned()
            .ok_or_else(|| not_found(q)),
        Some(alias) => {
            let target = entry.aliases.get(alias).ok_or_else(|| not_found(alias))?;
            config_for(state, entry, name, Some(&target.function_version))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Functions.

fn create_function(state: &State, req: &ApiRequest) -> ApiResult {
    let body: CreateFunctionBody = parse_body(&req.body)?;
    let name = body.function_name.ok_or_else(|| missing("functionName"))?;
    // Lambda checks the name's pattern at its API layer, as a ValidationException.
    crate::registry::validate_function_name(&name).map_err(|_| {
        validation(format!(
            "1 validation error detected: Value '{name}' at 'functionName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"
        ))
    })?;
    let role = body.role.ok_or_else(|| missing("role"))?;
    if body.package_type.as_deref().is_some_and(|p| p != "Zip") {
        return Err(ApiError::invalid_parameter(
            "PackageType Image is not supported by the emulator: upload a .zip with a bootstrap",
        ));
    }
    let runtime = body.runtime.ok_or_else(|| {
        ApiError::invalid_parameter(
            "Runtime and Handler are mandatory parameters for functions created with deployment \
             packages.",
        )
    })?;
    check_runtime(&runtime)?;
    let memory_mb = check_memory(body.memory_size.unwrap_or(128))?;
    let timeout = check_timeout(body.timeout.unwrap_or(3))?;
    let architecture = match &body.architectures {
        Some(a) => check_architectures(a)?,
        None => Architecture::X86_64,
    };
    let log_format = match body
        .logging_config
        .as_ref()
        .and_then(|l| l.log_format.as_deref())
    {
        Some(f) => f.parse::<LogFormat>()?,
        None => LogFormat::Text,
    };
    let log_group = body
        .logging_config
        .as_ref()
        .and_then(|l| l.log_group.clone())
        .unwrap_or_else(|| format!("/aws/lambda/{name}"));
    let code = body.code.ok_or_else(|| missing("code"))?;
    if code.s3_bucket.is_some() || code.image_uri.is_some() {
        return Err(ApiError::invalid_parameter(
            "Code from S3 or a container image is not supported by the emulator: send ZipFile",
        ));
    }
    let zip = code
        .zip_file
        .ok_or_else(|| ApiError::invalid_parameter("Please provide a source for function code."))?;
    if state.registry.entry(&name).is_some() {
        return Err(ApiError::conflict(format!(
            "Function already exist: {name}"
        )));
    }
    let (code_dir, code_sha256, code_size) = store_code(state, &name, &zip)?;
    if let Err(err) = check_bootstrap(&code_dir) {
        let _ = std::fs::remove_dir_all(&code_dir);
        return Err(err);
    }
    let config = FunctionConfig {
        name: name.clone(),
        version: "$LATEST".to_owned(),
        runtime,
        handler: body.handler.unwrap_or_else(|| "bootstrap".to_owned()),
        role,
        description: body.description.unwrap_or_default(),
        memory_mb,
        timeout,
        environment: body
            .environment
            .and_then(|e| e.variables)
            .unwrap_or_default(),
        architecture,
        code_dir,
        code_sha256,
        code_size,
        log_format,
        log_group,
        last_modified: String::new(),
        revision_id: String::new(),
    };
    state.registry.insert(config)?;
    let tags = body.tags.unwrap_or_default();
    state.registry.with_entry_mut(&name, |e| {
        e.tags = tags;
        e.last_update_status = UpdateStatus::InProgress;
    })?;
    control(state).start_update(&name, Pending::Creating, None);
    tracing::info!(function = %name, memory_mb = memory_mb.get(), "function created");
    let mut answer = {
        let e = entry(state, &name)?;
        configuration_json(state, &e.latest, &e)
    };
    if body.publish.unwrap_or(false) {
        // Lambda publishes version 1 as part of the creation.
        let version = publish_snapshot(state, &name, None)?;
        answer["Version"] = json!(version);
    }
    Answer::created(answer)
}

fn list_functions(state: &State, req: &ApiRequest) -> ApiResult {
    let all_versions = req.query_param("FunctionVersion") == Some("ALL");
    let mut items = Vec::new();
    for name in state.registry.names() {
        let Some(e) = state.registry.entry(&name) else {
            continue;
        };
        items.push(configuration_json(state, &e.latest, &e));
        if all_versions {
            for config in e.versions.values() {
                items.push(configuration_json(state, config, &e));
            }
        }
    }
    Answer::ok(paginate(items, req, "Functions")?)
}

/// Lambda's `Marker`/`MaxItems` pagination (the marker is the index of the next item).
fn paginate(items: Vec<Value>, req: &ApiRequest, field: &str) -> Result<Value, ApiError> {
    let start: usize = match req.query_param("Marker") {
        Some(m) => m
            .parse()
            .map_err(|_| ApiError::invalid_parameter(format!("Invalid Marker: {m}")))?,
        None => 0,
    };
    let max: usize = match req.query_param("MaxItems") {
        Some(m) => m
            .parse()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| {
                validation(format!(
                    "1 validation error detected: Value '{m}' at 'maxItems' failed to satisfy \
                     constraint: Member must have value between 1 and 10000"
                ))
            })?,
        None => 50,
    };
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(max).collect();
    let mut out = Map::new();
    out.insert(field.to_owned(), Value::Array(page));
    if start + max < total {
        out.insert("NextMarker".to_owned(), json!((start + max).to_string()));
    }
    Ok(Value::Object(out))
}

fn get_function(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let (name, qualifier) = function_ref(state, req, reference)?;
    let e = entry(state, &name)?;
    let config = config_for(state, &e, &name, qualifier.as_deref())?;
    let mut out = json!({
        "Configuration": configuration_json(state, &config, &e),
        "Code": {
            "RepositoryType": "S3",
            "Location": format!("file://{}", config.code_dir.display()),
        },
    });
    if !e.tags.is_empty() {
        out["Tags"] = json!(e.tags);
    }
    if let Some(reserved) = e.reserved_concurrency {
        out["Concurrency"] = json!({ "ReservedConcurrentExecutions": reserved });
    }
    Answer::ok(out)
}

fn get_function_configuration(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let (name, qualifier) = function_ref(state, req, reference)?;
    let e = entry(state, &name)?;
    let config = config_for(state, &e, &name, qualifier.as_deref())?;
    Answer::ok(configuration_json(state, &config, &e))
}

fn delete_function(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let (name, qualifier) = function_ref(state, req, reference)?;
    let e = entry(state, &name)?;
    match qualifier.as_deref() {
        None => {
            state.registry.remove(&name);
            control(state).pending().remove(&name);
            state.discard_environments(&name);
            control(state).remove_code(&name);
            tracing::info!(function = %name, "function deleted");
        }
        Some("$LATEST") => {
            return Err(ApiError::invalid_parameter(
                "$LATEST version cannot be deleted without deleting the function.",
            ));
        }
        Some(q) => {
            let number: u64 = q.parse().map_err(|_| {
                ApiError::invalid_parameter(format!(
                    "Deletion of aliases is not supported with DeleteFunction: use DeleteAlias \
                     for {q}"
                ))
            })?;
            if !e.versions.contains_key(&number) {
                return Err(ApiError::function_not_found(&format!(
                    "{}:{q}",
                    state.registry.function_arn(&name)
                )));
            }
            let users: Vec<&str> = e
                .aliases
                .values()
                .filter(|a| a.function_version == q || a.routing.contains_key(q))
                .map(|a| a.name.as_str())
                .collect();
            if !users.is_empty() {
                return Err(ApiError::conflict(format!(
                    "Unable to delete version because the following aliases reference it: [{}]",
                    users.join(", ")
                )));
            }
            state.registry.with_entry_mut(&name, |e| {
                e.versions.remove(&number);
                e.provisioned.remove(q);
            })?;
            state.discard_version_environments(&name, q);
        }
    }
    Answer::no_content()
}

/// Refuses a change while an update of the function is in progress, as Lambda does.
fn refuse_if_in_progress(state: &State, name: &str) -> Result<(), ApiError> {
    match control(state).in_progress(state, name) {
        Some(Pending::Updating) => Err(ApiError::conflict(format!(
            "The operation cannot be performed at this time. An update is in progress for \
             resource: {}",
            state.registry.function_arn(name)
        ))),
        Some(Pending::Creating) => Err(ApiError::conflict(format!(
            "The operation cannot be performed at this time. The function is currently in the \
             following state: Pending ({})",
            state.registry.function_arn(name)
        ))),
        None => Ok(()),
    }
}

fn check_revision(expected: Option<&str>, actual: &str) -> Result<(), ApiError> {
    match expected {
        Some(r) if r != actual => Err(ApiError::new(
            412,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the \
             GetFunction/GetAlias API to retrieve the latest Revision Id",
        )),
        _ => Ok(()),
    }
}

/// Replaces `$LATEST` with `config` and marks the update in progress: until it completes,
/// invocations of `$LATEST` still run the old configuration.
fn apply_update(state: &State, name: &str, config: FunctionConfig) -> ApiResult {
    let generation = state.registry.next_generation();
    let previous = state.registry.with_entry_mut(name, |e| {
        let previous = (Arc::clone(&e.latest), e.generation);
        e.set_latest(config, generation);
        e.last_update_status = UpdateStatus::InProgress;
        previous
    })?;
    // The old configuration's environments keep serving until the update completes
    // (`ControlPlane::in_progress` retires them then).
    control(state).start_update(name, Pending::Updating, Some(previous));
    let e = entry(state, name)?;
    Answer::ok(configuration_json(state, &e.latest, &e))
}

fn update_function_configuration(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let body: UpdateConfigurationBody = parse_body(&req.body)?;
    let e = entry(state, &name)?;
    // Validate everything before refusing for a conflict, as Lambda does.
    let memory = body.memory_size.map(check_memory).transpose()?;
    let timeout = body.timeout.map(check_timeout).transpose()?;
    let log_format = body
        .logging_config
        .as_ref()
        .and_then(|l| l.log_format.as_deref())
        .map(str::parse::<LogFormat>)
        .transpose()?;
    if let Some(runtime) = &body.runtime {
        check_runtime(runtime)?;
    }
    refuse_if_in_progress(state, &name)?;
    check_revision(body.revision_id.as_deref(), &e.latest.revision_id)?;
    let mut config = (*e.latest).clone();
    if let Some(m) = memory {
        config.memory_mb = m;
    }
    if let Some(t) = timeout {
        config.timeout = t;
    }
    if let Some(f) = log_format {
        config.log_format = f;
    }
    if let Some(group) = body.logging_config.and_then(|l| l.log_group) {
        config.log_group = group;
    }
    if let Some(env) = body.environment {
        config.environment = env.variables.unwrap_or_default();
    }
    if let Some(d) = body.description {
        config.description = d;
    }
    if let Some(h) = body.handler {
        config.handler = h;
    }
    if let Some(r) = body.role {
        config.role = r;
    }
    if let Some(r) = body.runtime {
        config.runtime = r;
    }
    tracing::info!(function = %name, memory_mb = config.memory_mb.get(), "configuration updated");
    apply_update(state, &name, config)
}

fn update_function_code(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let body: UpdateCodeBody = parse_body(&req.body)?;
    let e = entry(state, &name)?;
    let architecture = body
        .architectures
        .as_deref()
        .map(check_architectures)
        .transpose()?;
    if body.s3_bucket.is_some() || body.image_uri.is_some() {
        return Err(ApiError::invalid_parameter(
            "Code from S3 or a container image is not supported by the emulator: send ZipFile",
        ));
    }
    let zip = body
        .zip_file
        .ok_or_else(|| ApiError::invalid_parameter("Please provide a source for function code."))?;
    refuse_if_in_progress(state, &name)?;
    check_revision(body.revision_id.as_deref(), &e.latest.revision_id)?;
    let (code_dir, code_sha256, code_size) = store_code(state, &name, &zip)?;
    if let Err(err) = check_bootstrap(&code_dir) {
        let _ = std::fs::remove_dir_all(&code_dir);
        return Err(err);
    }
    let mut config = (*e.latest).clone();
    config.code_dir = code_dir;
    config.code_sha256 = code_sha256;
    config.code_size = code_size;
    if let Some(a) = architecture {
        config.architecture = a;
    }
    let mut answer = apply_update(state, &name, config)?;
    if body.publish.unwrap_or(false)
        && let Some(body) = answer.body.as_mut()
    {
        // Publishing waits for the update to settle on Lambda; here the snapshot is taken at
        // once, from the new code.
        let version = publish_snapshot(state, &name, None)?;
        body["Version"] = json!(version);
    }
    Ok(answer)
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

/// Publishes `$LATEST` as a new version (or returns the newest version when nothing changed
/// since it, as Lambda does). Returns the version number.
fn publish_snapshot(
    state: &State,
    name: &str,
    description: Option<String>,
) -> Result<String, ApiError> {
    state.registry.with_entry_mut(name, |e| {
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
        config.last_modified = now_last_modified();
        if let Some(d) = description {
            config.description = d;
        }
        e.versions.insert(number, Arc::new(config));
        number.to_string()
    })
}

fn publish_version(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let body: PublishVersionBody = parse_body(&req.body)?;
    let e = entry(state, &name)?;
    refuse_if_in_progress(state, &name)?;
    check_revision(body.revision_id.as_deref(), &e.latest.revision_id)?;
    if let Some(sha) = &body.code_sha256
        && sha != &e.latest.code_sha256
    {
        return Err(ApiError::invalid_parameter(format!(
            "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please \
             try again with the CodeSHA256 in $LATEST.",
            e.latest.code_sha256
        )));
    }
    let version = publish_snapshot(state, &name, body.description)?;
    let e = entry(state, &name)?;
    let config = config_for(state, &e, &name, Some(&version))?;
    tracing::info!(function = %name, %version, "version published");
    Answer::created(configuration_json(state, &config, &e))
}

fn list_versions(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let e = entry(state, &name)?;
    let mut items = vec![configuration_json(state, &e.latest, &e)];
    items.extend(
        e.versions
            .values()
            .map(|c| configuration_json(state, c, &e)),
    );
    Answer::ok(paginate(items, req, "Versions")?)
}

// ---------------------------------------------------------------------------------------------
// Aliases.

fn alias_not_found(state: &State, name: &str, alias: &str) -> ApiError {
    ApiError::not_found(format!(
        "Cannot find alias arn: {}:{alias}",
        state.registry.function_arn(name)
    ))
}

fn check_alias_target(
    state: &State,
    e: &FunctionEntry,
    name: &str,
    version: &str,
) -> Result<(), ApiError> {
    if version == "$LATEST" {
        return Ok(());
    }
    let exists = version
        .parse::<u64>()
        .ok()
        .is_some_and(|n| e.versions.contains_key(&n));
    if exists {
        Ok(())
    } else {
        Err(ApiError::function_not_found(&format!(
            "{}:{version}",
            state.registry.function_arn(name)
        )))
    }
}

fn check_alias_name(alias: &str) -> Result<(), ApiError> {
    let ok = !alias.is_empty()
        && alias.len() <= 128
        && !alias.bytes().all(|b| b.is_ascii_digit())
        && alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(validation(format!(
            "1 validation error detected: Value '{alias}' at 'name' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: \
             (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
        )))
    }
}

fn routing_of(body: Option<RoutingConfigBody>) -> Option<BTreeMap<String, f64>> {
    body.map(|r| r.additional_version_weights.unwrap_or_default())
}

fn create_alias(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let body: AliasBody = parse_body(&req.body)?;
    let alias = body.name.ok_or_else(|| missing("name"))?;
    check_alias_name(&alias)?;
    let version = body
        .function_version
        .ok_or_else(|| missing("functionVersion"))?;
    let e = entry(state, &name)?;
    check_alias_target(state, &e, &name, &version)?;
    if e.aliases.contains_key(&alias) {
        return Err(ApiError::conflict(format!(
            "Alias already exists: {}:{alias}",
            state.registry.function_arn(&name)
        )));
    }
    let created = Alias {
        name: alias.clone(),
        function_version: version,
        description: body.description.unwrap_or_default(),
        revision_id: new_revision_id(),
        routing: routing_of(body.routing_config).unwrap_or_default(),
    };
    state.registry.with_entry_mut(&name, |e| {
        e.aliases.insert(alias, created.clone());
    })?;
    Answer::created(alias_json(state, &name, &created))
}

fn get_alias(state: &State, reference: &str, alias: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let e = entry(state, &name)?;
    let found = e
        .aliases
        .get(alias)
        .ok_or_else(|| alias_not_found(state, &name, alias))?;
    Answer::ok(alias_json(state, &name, found))
}

fn update_alias(state: &State, req: &ApiRequest, reference: &str, alias: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let body: AliasBody = parse_body(&req.body)?;
    let e = entry(state, &name)?;
    let current = e
        .aliases
        .get(alias)
        .ok_or_else(|| alias_not_found(state, &name, alias))?;
    check_revision(body.revision_id.as_deref(), &current.revision_id)?;
    if let Some(v) = &body.function_version {
        check_alias_target(state, &e, &name, v)?;
    }
    let mut updated = current.clone();
    let retarget = body
        .function_version
        .as_ref()
        .is_some_and(|v| *v != current.function_version);
    if let Some(v) = body.function_version {
        updated.function_version = v;
    }
    if let Some(d) = body.description {
        updated.description = d;
    }
    if let Some(r) = routing_of(body.routing_config) {
        updated.routing = r;
    }
    updated.revision_id = new_revision_id();
    state.registry.with_entry_mut(&name, |e| {
        e.aliases.insert(alias.to_owned(), updated.clone());
        if retarget {
            // Provisioned environments belong to the version the alias pointed at.
            if let Some(p) = e.provisioned.get_mut(alias) {
                p.allocated = 0;
                p.status = "IN_PROGRESS".to_owned();
            }
        }
    })?;
    if retarget {
        state.discard_version_environments(&name, &current.function_version);
        start_provisioning(state, &name, alias);
    }
    Answer::ok(alias_json(state, &name, &updated))
}

fn delete_alias(state: &State, reference: &str, alias: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let (removed, provisioned) = state.registry.with_entry_mut(&name, |e| {
        (e.aliases.remove(alias), e.provisioned.remove(alias))
    })?;
    if let (Some(removed), Some(_)) = (removed, provisioned) {
        state.discard_version_environments(&name, &removed.function_version);
    }
    Answer::no_content()
}

fn list_aliases(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let e = entry(state, &name)?;
    let wanted = req.query_param("FunctionVersion");
    let items = e
        .aliases
        .values()
        .filter(|a| wanted.is_none_or(|v| a.function_version == v))
        .map(|a| alias_json(state, &name, a))
        .collect();
    Answer::ok(paginate(items, req, "Aliases")?)
}

// ---------------------------------------------------------------------------------------------
// Concurrency.

/// Sum of the reserved concurrency of every function but `except`.
fn reserved_elsewhere(state: &State, except: &str) -> u32 {
    state
        .registry
        .names()
        .iter()
        .filter(|n| n.as_str() != except)
        .filter_map(|n| state.registry.entry(n).and_then(|e| e.reserved_concurrency))
        .sum()
}

fn put_function_concurrency(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let body: ConcurrencyBody = parse_body(&req.body)?;
    let value = body
        .reserved_concurrent_executions
        .ok_or_else(|| missing("reservedConcurrentExecutions"))?;
    let value = u32::try_from(value).map_err(|_| {
        validation(format!(
            "1 validation error detected: Value '{value}' at 'reservedConcurrentExecutions' \
             failed to satisfy constraint: Member must have value greater than or equal to 0"
        ))
    })?;
    entry(state, &name)?;
    let limit = control(state).settings.account_concurrency;
    let unreserved_after =
        i64::from(limit) - i64::from(reserved_elsewhere(state, &name)) - i64::from(value);
    if unreserved_after < i64::from(UNRESERVED_MINIMUM) {
        return Err(ApiError::invalid_parameter(format!(
            "Specified ReservedConcurrentExecutions for function decreases account's \
             UnreservedConcurrentExecution below its minimum value of [{UNRESERVED_MINIMUM}]."
        )));
    }
    state.registry.with_entry_mut(&name, |e| {
        e.reserved_concurrency = Some(value);
    })?;
    Answer::ok(json!({ "ReservedConcurrentExecutions": value }))
}

fn get_function_concurrency(state: &State, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let e = entry(state, &name)?;
    Answer::ok(match e.reserved_concurrency {
        Some(n) => json!({ "ReservedConcurrentExecutions": n }),
        None => json!({}),
    })
}

fn delete_function_concurrency(state: &State, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    state.registry.with_entry_mut(&name, |e| {
        e.reserved_concurrency = None;
    })?;
    Answer::no_content()
}

fn provisioned_json(p: &ProvisionedConfig) -> Value {
    json!({
        "RequestedProvisionedConcurrentExecutions": p.requested,
        "AvailableProvisionedConcurrentExecutions": p.allocated,
        "AllocatedProvisionedConcurrentExecutions": p.allocated,
        "Status": p.status,
        "LastModified": p.last_modified,
    })
}

fn provisioned_qualifier(req: &ApiRequest) -> Result<String, ApiError> {
    req.query_param("Qualifier")
        .map(str::to_owned)
        .ok_or_else(|| missing("qualifier"))
}

fn put_provisioned(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let qualifier = provisioned_qualifier(req)?;
    let body: ProvisionedBody = parse_body(&req.body)?;
    let requested = body
        .provisioned_concurrent_executions
        .ok_or_else(|| missing("provisionedConcurrentExecutions"))?;
    let requested = u32::try_from(requested)
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            validation(format!(
                "1 validation error detected: Value '{requested}' at \
             'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have \
             value greater than or equal to 1"
            ))
        })?;
    let e = entry(state, &name)?;
    if qualifier == "$LATEST" {
        return Err(ApiError::invalid_parameter(
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
        ));
    }
    let target = config_for(state, &e, &name, Some(&qualifier))?;
    if e.provisioned.contains_key(&qualifier) {
        // A new request replaces the old one: its environments go, the new count starts afresh.
        state.discard_version_environments(&name, &target.version);
    }
    let others: u32 = e
        .provisioned
        .iter()
        .filter(|(q, _)| **q != qualifier)
        .map(|(_, p)| p.requested)
        .sum();
    let cap = match e.reserved_concurrency {
        Some(r) => r,
        None => control(state)
            .settings
            .account_concurrency
            .saturating_sub(reserved_elsewhere(state, &name))
            .saturating_sub(UNRESERVED_MINIMUM),
    };
    if others + requested > cap {
        return Err(ApiError::invalid_parameter(format!(
            "Requested Provisioned Concurrency should not be greater than the \
             reservedConcurrentExecution for function ({cap})."
        )));
    }
    let config = ProvisionedConfig {
        requested,
        allocated: 0,
        status: "IN_PROGRESS".to_owned(),
        last_modified: now_last_modified(),
    };
    state.registry.with_entry_mut(&name, |e| {
        e.provisioned.insert(qualifier.clone(), config.clone());
    })?;
    start_provisioning(state, &name, &qualifier);
    Ok(Answer {
        status: 202,
        body: Some(provisioned_json(&config)),
    })
}

/// Asks the environments to initialize the provisioned environments of `name:qualifier`.
fn start_provisioning(state: &State, name: &str, qualifier: &str) {
    state.provision_environments(name, qualifier);
}

fn get_provisioned(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let qualifier = provisioned_qualifier(req)?;
    let e = entry(state, &name)?;
    let p = e.provisioned.get(&qualifier).ok_or_else(|| {
        ApiError::new(
            404,
            "ProvisionedConcurrencyConfigNotFoundException",
            "No Provisioned Concurrency Config found for this function",
        )
    })?;
    Answer::ok(provisioned_json(p))
}

fn delete_provisioned(state: &State, req: &ApiRequest, reference: &str) -> ApiResult {
    let name = unqualified(state, reference)?;
    let qualifier = provisioned_qualifier(req)?;
    let e = entry(state, &name)?;
    let target = config_for(state, &e, &name, Some(&qualifier))?;
    let existed = state
        .registry
        .with_entry_mut(&name, |e| e.provisioned.remove(&qualifier))?;
    if existed.is_some() {
        // Provisioned environments are exempt from idle reaping: retire them now.
        state.discard_version_environments(&name, &target.version);
    }
    Answer::no_content()
}

fn get_account_settings(state: &State) -> ApiResult {
    let limit = control(state).settings.account_concurrency;
    let names = state.registry.names();
    let (mut reserved, mut code_size) = (0u32, 0u64);
    for name in &names {
        if let Some(e) = state.registry.entry(name) {
            reserved += e.reserved_concurrency.unwrap_or(0);
            code_size += e.latest.code_size + e.versions.values().map(|v| v.code_size).sum::<u64>();
        }
    }
    Answer::ok(json!({
        "AccountLimit": {
            "TotalCodeSize": 80_530_636_800u64,
            "CodeSizeUnzipped": code_package::MAX_UNZIPPED_BYTES,
            "CodeSizeZipped": code_package::MAX_ZIPPED_BYTES,
            "ConcurrentExecutions": limit,
            "UnreservedConcurrentExecutions": limit.saturating_sub(reserved),
        },
        "AccountUsage": {
            "TotalCodeSize": code_size,
            "FunctionCount": names.len(),
        },
    }))
}

// ---------------------------------------------------------------------------------------------
// Tags.

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

fn tag_resource(state: &State, req: &ApiRequest, resource: &str) -> ApiResult {
    let name = tagged_function(state, resource)?;
    let body: TagsBody = parse_body(&req.body)?;
    let tags = body.tags.ok_or_else(|| missing("tags"))?;
    state
        .registry
        .with_entry_mut(&name, |e| e.tags.extend(tags))?;
    Answer::no_content()
}

fn list_tags(state: &State, resource: &str) -> ApiResult {
    let name = tagged_function(state, resource)?;
    Answer::ok(json!({ "Tags": entry(state, &name)?.tags }))
}

fn untag_resource(state: &State, req: &ApiRequest, resource: &str) -> ApiResult {
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

// ---------------------------------------------------------------------------------------------
// Provisioned concurrency.

/// Initializes the environments the provisioned-concurrency config of `function:qualifier`
/// asks for, in a background task: `Status` is `IN_PROGRESS` until every one has finished its
/// init, then `READY` (or `FAILED` with the first init error).
pub fn provision_in_background(state: &State, function: &str, qualifier: &str) {
    let Ok(resolved) = state.registry.resolve(function, Some(qualifier)) else {
        return;
    };
    let Some(requested) = state
        .registry
        .entry(function)
        .and_then(|e| e.provisioned.get(qualifier).map(|p| p.requested))
    else {
        return;
    };
    let environments = Arc::clone(&state.environments);
    let registry = Arc::clone(&state.registry);
    let (function, qualifier) = (function.to_owned(), qualifier.to_owned());
    tokio::spawn(async move {
        let mut inits = tokio::task::JoinSet::new();
        for _ in 0..requested {
            let environments = Arc::clone(&environments);
            let resolved = resolved.clone();
            inits.spawn(async move { environments.provision(&resolved).await });
        }
        let mut failure = None;
        while let Some(done) = inits.join_next().await {
            match done {
                Ok(Ok(())) => {
                    let _ = registry.with_entry_mut(&function, |e| {
                        if let Some(p) = e.provisioned.get_mut(&qualifier) {
                            p.allocated = (p.allocated + 1).min(p.requested);
                        }
                    });
                }
                Ok(Err(err)) => failure = Some(err.message),
                Err(err) => failure = Some(err.to_string()),
            }
        }
        let _ = registry.with_entry_mut(&function, |e| {
            if let Some(p) = e.provisioned.get_mut(&qualifier) {
                p.status = if failure.is_some() { "FAILED" } else { "READY" }.to_owned();
                p.last_modified = now_last_modified();
            }
        });
        match failure {
            Some(reason) => {
                tracing::warn!(%function, %qualifier, %reason, "provisioned concurrency failed");
            }
            None => {
                tracing::info!(%function, %qualifier, requested, "provisioned concurrency ready")
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Admission.

/// What [`admit`] decided for an invocation.
#[derive(Debug, Default)]
pub struct Admission {
    /// The account's unreserved pool the invocation must fit in (`None` for a function with
    /// reserved concurrency, which is held to its reservation), for
    /// [`crate::environment::Environments::acquire`] to check and take atomically.
    pub unreserved: Option<crate::environment::UnreservedPool>,
    /// While an update of `$LATEST` is in progress: the configuration it replaced and its pool
    /// generation, which an invocation of `$LATEST` runs instead (Lambda keeps it until the
    /// update completes).
    pub previous_latest: Option<ReplacedLatest>,
}

/// Checks that `resolved` may be invoked now: not while it is being created (409), as Lambda
/// refuses.
///
/// # Errors
///
/// The 409 error Lambda answers.
pub fn admit(state: &State, resolved: &crate::registry::Resolved) -> Result<Admission, ApiError> {
    let previous_latest = match control(state).in_progress_update(state, &resolved.config.name) {
        Some((Pending::Creating, _)) => {
            return Err(ApiError::conflict(format!(
                "The operation cannot be performed at this time. The function is currently in \
                 the following state: Pending ({})",
                resolved.function_arn
            )));
        }
        Some((Pending::Updating, previous)) if resolved.executed_version == "$LATEST" => previous,
        _ => None,
    };
    Ok(Admission {
        unreserved: unreserved_pool(state, resolved),
        previous_latest,
    })
}

/// The account's unreserved concurrency (the account limit minus every reservation), which
/// invocations of functions without a reservation share; exhausting it throttles them with
/// `TooManyRequestsException` / `ConcurrentInvocationLimitExceeded`, as on Lambda. `None` for
/// a function with a reservation.
pub fn unreserved_pool(
    state: &State,
    resolved: &crate::registry::Resolved,
) -> Option<crate::environment::UnreservedPool> {
    if resolved.reserved_concurrency.is_some() {
        return None;
    }
    let limit = state.control.settings.account_concurrency;
    let mut pool = crate::environment::UnreservedPool::default();
    let mut reserved_total = 0u32;
    for name in state.registry.names() {
        if let Some(r) = state
            .registry
            .entry(&name)
            .and_then(|e| e.reserved_concurrency)
        {
            reserved_total = reserved_total.saturating_add(r);
            pool.reserved_functions.insert(name);
        }
    }
    pool.capacity = limit.saturating_sub(reserved_total);
    Some(pool)
}
