//! The embedded Lambda emulator.
//!
//! `emulator` owns everything that makes a function run locally as it runs on Lambda:
//! execution environments (the function's `bootstrap` as a process in its own cgroup, with a
//! CPU share proportional to its memory size), the Runtime API those processes talk to, the
//! Lambda HTTP API (Invoke and the control plane) and the CloudWatch Logs API that aws-sdk
//! clients talk to, and the log streams with Lambda's START, END and REPORT lines.
//!
//! It binds loopback only unless told otherwise, and it must leave nothing behind: every
//! process and cgroup it creates is removed by [`EmulatorHandle::shutdown`], by dropping the
//! handle, or (for a process that died without either) by the next emulator's start.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use emulator::{Emulator, registry::NewFunction};
//! let emulator = Emulator::default().start().await?;
//! emulator
//!     .registry()
//!     .register_folder(NewFunction::new("hello", "/path/to/folder/with/bootstrap"))?;
//! // Point aws-sdk-lambda at emulator.endpoint_url() and invoke "hello".
//! println!("{}", emulator.endpoint_url());
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod api;
pub mod cgroup;
pub mod clock;
pub mod code_package;
pub mod control_api;
pub mod environment;
pub mod error;
mod http;
pub mod invoke_api;
pub mod log_store;
pub mod registry;
pub mod runtime_api;
pub mod serve;
pub mod state;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use cgroup::{CgroupMode, Isolation};
pub use error::{ApiError, Error, Result};
use log_store::{LogStore, LogStoreConfig};
use registry::Registry;
use state::State;

/// The configuration of an emulator; [`Emulator::start`] runs one.
#[derive(Debug, Clone)]
pub struct Emulator {
    /// Address of the API listener (default `127.0.0.1:0`: loopback, any free port).
    pub bind: SocketAddr,
    /// Region of the emulated account (default `us-east-1`).
    pub region: String,
    /// Account id (default `123456789012`).
    pub account_id: String,
    /// Idle time after which a warm environment is destroyed (default 10 minutes).
    pub idle_timeout: Duration,
    /// Init phase limit (default 10 s, as on Lambda).
    pub init_timeout: Duration,
    /// Which cgroups to use (default: detect).
    pub cgroup_mode: CgroupMode,
    /// How logs are kept (bounded per group; optional mirror to files).
    pub log_store: LogStoreConfig,
    /// Control-plane behaviour: update delay, account concurrency limit, code folder.
    pub control: control_api::ControlSettings,
}

impl Default for Emulator {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            idle_timeout: Duration::from_secs(600),
            init_timeout: environment::DEFAULT_INIT_TIMEOUT,
            cgroup_mode: CgroupMode::Auto,
            log_store: LogStoreConfig::default(),
            control: control_api::ControlSettings::default(),
        }
    }
}

impl Emulator {
    /// Sets the idle timeout.
    pub fn idle_timeout(mut self, idle_timeout: Duration) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }

    /// Forces a cgroup mode.
    pub fn cgroup_mode(mut self, mode: CgroupMode) -> Self {
        self.cgroup_mode = mode;
        self
    }

    /// Sets the init phase limit.
    pub fn init_timeout(mut self, init_timeout: Duration) -> Self {
        self.init_timeout = init_timeout;
        self
    }

    /// Starts the emulator: binds the API listener, prepares cgroups (removing those left by
    /// emulators that died), starts the idle reaper.
    ///
    /// Must be called within a Tokio runtime.
    ///
    /// # Errors
    /// [`Error::Bind`] when the listener cannot be bound; [`Error::Cgroup`] when a forced
    /// cgroup mode cannot be prepared.
    pub async fn start(self) -> Result<EmulatorHandle> {
        let listener = TcpListener::bind(self.bind)
            .await
            .map_err(|source| Error::Bind {
                addr: self.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: self.bind,
            source,
        })?;
        let root = cgroup::CgroupRoot::detect(self.cgroup_mode)?;
        let stale = root.remove_stale();
        if stale > 0 {
            tracing::info!(count = stale, "removed cgroups left by an earlier emulator");
        }
        let logs = LogStore::new(self.log_store.clone());
        let environments = Arc::new(environment::Environments::new(
            root,
            logs.clone(),
            environment::PoolSettings {
                region: self.region.clone(),
                account_id: self.account_id.clone(),
                idle_timeout: self.idle_timeout,
                init_timeout: self.init_timeout,
            },
        ));
        let control =
            control_api::ControlPlane::new(self.control.clone()).map_err(|source| Error::Io {
                what: "creating the folder for uploaded function code".to_owned(),
                source,
            })?;
        let state = Arc::new(State {
            control,
            registry: Arc::new(Registry::new(&self.region, &self.account_id)),
            logs,
            environments: Arc::clone(&environments),
            config: self,
        });
        let server = api::Api::new(
            Arc::clone(&state),
            &state.config.region,
            &state.config.account_id,
        )
        .serve(listener);
        let reap_every = (state.config.idle_timeout / 4)
            .clamp(Duration::from_millis(10), Duration::from_secs(5));
        let reaper = tokio::spawn(async move {
            let mut interval = tokio::time::interval(reap_every);
            loop {
                interval.tick().await;
                environments.reap_idle();
            }
        });
        tracing::info!(%addr, isolation = state.isolation().as_str(), "emulator listening");
        if let Some(warning) = exposure_warning(addr) {
            tracing::warn!(%addr, "{warning}");
        }
        Ok(EmulatorHandle {
            state,
            addr,
            tasks: vec![server, reaper],
        })
    }
}

/// What the emulator says when its API listens beyond loopback (`None` on a loopback address):
/// any host that can reach the address can then invoke and change functions.
pub fn exposure_warning(addr: SocketAddr) -> Option<String> {
    (!addr.ip().is_loopback()).then(|| {
        format!(
            "the emulator listens on {addr}, not only on loopback: other hosts can invoke and change its functions"
        )
    })
}

/// A running emulator. Dropping it (or [`EmulatorHandle::shutdown`]) kills every execution
/// environment and removes every cgroup.
#[derive(Debug)]
pub struct EmulatorHandle {
    state: Arc<State>,
    addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// The API's base URL (`http://127.0.0.1:<port>`), for aws-sdk clients' endpoint.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The API's socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The function registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.state.registry
    }

    /// The log store.
    pub fn logs(&self) -> &LogStore {
        &self.state.logs
    }

    /// The shared state (for embedding routes and tests).
    pub fn state(&self) -> &Arc<State> {
        &self.state
    }

    /// How environments are isolated on this host (`none` means durations are not throttled
    /// to the memory size's CPU share: results must say so).
    pub fn isolation(&self) -> Isolation {
        self.state.isolation()
    }

    /// Discards every warm environment of a function.
    pub fn discard_environments(&self, function: &str) {
        self.state.discard_environments(function);
    }

    /// Live environments (idle or busy).
    pub fn environment_count(&self) -> usize {
        self.state.environments.live_count()
    }

    /// Stops serving, kills every environment and removes every cgroup.
    pub async fn shutdown(mut self) {
        self.stop();
        // Let aborted tasks observe their cancellation before the caller checks the system.
        tokio::task::yield_now().await;
    }

    fn stop(&mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
        self.state.environments.terminate_all();
        self.state.control.remove_uploaded_code();
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
