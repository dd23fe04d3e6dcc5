//! What an emulator is started with: [`Emulator`], its defaults and its builder methods.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::cgroup::CgroupMode;
use crate::control_plane::ControlSettings;
use crate::environments::DEFAULT_INIT_TIMEOUT;
use crate::log_store::LogStoreConfig;

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
    pub control: ControlSettings,
}

impl Default for Emulator {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            idle_timeout: Duration::from_secs(600),
            init_timeout: DEFAULT_INIT_TIMEOUT,
            cgroup_mode: CgroupMode::Auto,
            log_store: LogStoreConfig::default(),
            control: ControlSettings::default(),
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
}
