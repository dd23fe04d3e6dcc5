//! Where and how a run was measured: the back end it ran on and how the emulator isolated
//! execution environments. Results record both ([`RunEnvironment`]), and the emulator reports
//! its isolation with the same [`Isolation`].
//!
//! ```
//! use analyzer::environment::{Backend, Isolation};
//! assert_eq!(serde_json::to_value(Backend::Emulator).unwrap(), "emulator");
//! assert_eq!(serde_json::to_value(Isolation::CgroupV2).unwrap(), "cgroup-v2");
//! assert!(!Isolation::None.is_isolated());
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::units::Architecture;

/// Where the Lambda API a run talked to was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// AWS Lambda itself.
    Aws,
    /// powertune's embedded emulator.
    Emulator,
}

impl Backend {
    /// `aws` or `emulator`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Aws => "aws",
            Backend::Emulator => "emulator",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Backend {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// How the emulator isolated execution environments: which cgroup version limited CPU and
/// memory, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Isolation {
    /// cgroup v1.
    #[serde(rename = "cgroup-v1")]
    CgroupV1,
    /// cgroup v2.
    #[serde(rename = "cgroup-v2")]
    CgroupV2,
    /// No isolation: durations are not throttled to the memory size's CPU share.
    #[serde(rename = "none")]
    None,
}

impl Isolation {
    /// `cgroup-v1`, `cgroup-v2` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Isolation::CgroupV1 => "cgroup-v1",
            Isolation::CgroupV2 => "cgroup-v2",
            Isolation::None => "none",
        }
    }

    /// Whether CPU and memory limits apply.
    pub fn is_isolated(self) -> bool {
        self != Isolation::None
    }
}

impl fmt::Display for Isolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Isolation {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Where and how a run was measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEnvironment {
    /// `aws` or `emulator`.
    pub backend: Backend,
    /// Region whose prices were applied.
    pub region: String,
    /// powertune version.
    pub powertune_version: String,
    /// Host CPU architecture (emulator runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_architecture: Option<Architecture>,
    /// Host CPU count (emulator runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_cpus: Option<u32>,
    /// How the emulator limited CPU and memory: `cgroup-v1`, `cgroup-v2` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolation: Option<Isolation>,
    /// RFC 3339 time the run started (supplied by the caller; the analyzer reads no clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_and_isolation_serialize_as_their_names() {
        for backend in [Backend::Aws, Backend::Emulator] {
            assert_eq!(serde_json::to_value(backend).unwrap(), backend.as_str());
        }
        for isolation in [Isolation::CgroupV1, Isolation::CgroupV2, Isolation::None] {
            let json = serde_json::to_value(isolation).unwrap();
            assert_eq!(json, isolation.as_str());
            assert_eq!(
                serde_json::from_value::<Isolation>(json).unwrap(),
                isolation
            );
        }
    }
}
