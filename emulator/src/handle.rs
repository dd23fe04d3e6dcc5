//! A running emulator: [`Emulator::start`] wires the domain (registry, environments, control
//! plane, log store) to the API listener and the idle reaper, and [`EmulatorHandle`] is what
//! the caller holds until shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::api::Api;
use crate::cgroup::{CgroupRoot, Isolation};
use crate::config::Emulator;
use crate::control_plane::ControlPlane;
use crate::environments::{Environments, PoolSettings};
use crate::error::{Error, Result};
use crate::log_store::LogStore;
use crate::registry::Registry;
use crate::state::State;

impl Emulator {
    /// Starts the emulator: binds the API listener, prepares cgroups (removing those left by
    /// emulators that died), starts the idle reaper.
    ///
    /// Must be called within a Tokio runtime.
    ///
    /// # Errors
    /// [`Error::Bind`] when the listener cannot be bound; [`Error::Cgroup`] when a forced
    /// cgroup mode cannot be prepared; [`Error::Io`] when the folder for uploaded code cannot
    /// be created.
    pub async fn start(self) -> Result<EmulatorHandle> {
        let bind_error = |source| Error::Bind {
            addr: self.bind,
            source,
        };
        let listener = TcpListener::bind(self.bind).await.map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let root = CgroupRoot::detect(self.cgroup_mode)?;
        let stale = root.remove_stale();
        if stale > 0 {
            tracing::info!(count = stale, "removed cgroups left by an earlier emulator");
        }
        let state = Arc::new(self.state(root)?);
        let server = Api::new(Arc::clone(&state), &self.region, &self.account_id).serve(listener);
        let reaper = spawn_reaper(Arc::clone(&state.environments), self.idle_timeout);
        tracing::info!(%addr, isolation = state.environments.isolation().as_str(), "emulator listening");
        if let Some(warning) = exposure_warning(addr) {
            tracing::warn!(%addr, "{warning}");
        }
        Ok(EmulatorHandle {
            state,
            config: self,
            addr,
            tasks: vec![server, reaper],
        })
    }

    /// The domain state of an emulator with this configuration.
    fn state(&self, root: CgroupRoot) -> Result<State> {
        let logs = LogStore::new(self.log_store.clone());
        let environments = Arc::new(Environments::new(
            root,
            logs.clone(),
            PoolSettings {
                region: self.region.clone(),
                idle_timeout: self.idle_timeout,
                init_timeout: self.init_timeout,
            },
        ));
        let registry = Arc::new(Registry::new(&self.region, &self.account_id));
        let control = ControlPlane::new(
            self.control.clone(),
            Arc::clone(&registry),
            Arc::clone(&environments),
        )
        .map_err(|source| Error::Io {
            what: "creating the folder for uploaded function code".to_owned(),
            source,
        })?;
        Ok(State {
            registry,
            logs,
            environments,
            control,
        })
    }
}

/// Destroys idle environments past the idle timeout, checking a few times per timeout.
fn spawn_reaper(environments: Arc<Environments>, idle_timeout: Duration) -> JoinHandle<()> {
    let reap_every = (idle_timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(5));
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(reap_every);
        loop {
            interval.tick().await;
            environments.reap_idle();
        }
    })
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
    config: Emulator,
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

    /// The configuration the emulator was started with.
    pub fn config(&self) -> &Emulator {
        &self.config
    }

    /// The function registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.state.registry
    }

    /// The log store.
    pub fn logs(&self) -> &LogStore {
        &self.state.logs
    }

    /// How environments are isolated on this host (`none` means durations are not throttled
    /// to the memory size's CPU share: results must say so).
    pub fn isolation(&self) -> Isolation {
        self.state.environments.isolation()
    }

    /// Discards every warm environment of a function.
    pub fn discard_environments(&self, function: &str) {
        self.state.discard_environments(function);
    }

    /// Live environments (idle or busy).
    pub fn environment_count(&self) -> usize {
        self.state.environments.live_count()
    }

    /// Idle (warm) environments of a function.
    pub fn idle_environments(&self, function: &str) -> usize {
        self.state.environments.idle_count(function)
    }

    /// Invocations of a function in flight (`None` when none was ever admitted).
    pub fn busy_invocations(&self, function: &str) -> Option<u32> {
        self.state.environments.busy_count(function)
    }

    /// Process ids of every live environment's `bootstrap`.
    pub fn environment_pids(&self) -> Vec<i32> {
        self.state.environments.pids()
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
