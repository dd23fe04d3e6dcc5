//! Units that carry their meaning in their type: memory sizes, CPU architectures, and the
//! configuration they make together ([`ConfigKey`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A Lambda memory size in MB, validated to Lambda's range `128..=10240`.
///
/// There is deliberately no unchecked `From<u32>`: build one with `TryFrom` or `FromStr`.
///
/// ```
/// use analyzer::units::MemoryMb;
/// let m = MemoryMb::try_from(1769).unwrap();
/// assert_eq!(m.get(), 1769);
/// assert!(MemoryMb::try_from(127).is_err());
/// assert_eq!("3008".parse::<MemoryMb>().unwrap().get(), 3008);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct MemoryMb(u32);

impl MemoryMb {
    /// Smallest memory size Lambda accepts.
    pub const MIN: u32 = 128;
    /// Largest memory size Lambda accepts.
    pub const MAX: u32 = 10_240;
    /// Memory size at which a function gets one full vCPU.
    pub const ONE_VCPU: u32 = 1_769;
    /// Lambda's default memory size (128 MB), for a function whose size is not reported.
    pub const LAMBDA_DEFAULT: MemoryMb = MemoryMb(Self::MIN);

    /// The size in MB.
    pub fn get(self) -> u32 {
        self.0
    }

    /// The size in GB (1 GB = 1024 MB), as Lambda bills it.
    pub fn gb(self) -> f64 {
        f64::from(self.0) / 1024.0
    }

    /// The share of one vCPU Lambda allocates at this size (`memory / 1769`).
    pub fn vcpu_share(self) -> f64 {
        f64::from(self.0) / f64::from(Self::ONE_VCPU)
    }
}

impl TryFrom<u32> for MemoryMb {
    type Error = Error;

    fn try_from(value: u32) -> Result<Self, Error> {
        if (Self::MIN..=Self::MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(Error::InvalidMemory {
                value: i64::from(value),
            })
        }
    }
}

impl From<MemoryMb> for u32 {
    fn from(value: MemoryMb) -> u32 {
        value.0
    }
}

/// The Lambda API's `MemorySize` is an `i32`; every valid size fits.
impl From<MemoryMb> for i32 {
    fn from(value: MemoryMb) -> i32 {
        i32::try_from(value.0).expect("memory sizes are at most 10240")
    }
}

/// Compares with a number of MB, so that `memory == 1024` reads as it should.
impl PartialEq<u32> for MemoryMb {
    fn eq(&self, other: &u32) -> bool {
        self.0 == *other
    }
}

impl FromStr for MemoryMb {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let trimmed = s.trim();
        let trimmed = trimmed.strip_suffix("MB").unwrap_or(trimmed).trim();
        let value: i64 = trimmed
            .parse()
            .map_err(|_| Error::InvalidMemoryText { text: s.to_owned() })?;
        u32::try_from(value)
            .map_err(|_| Error::InvalidMemory { value })
            .and_then(Self::try_from)
    }
}

impl fmt::Display for MemoryMb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} MB", self.0)
    }
}

/// A Lambda instruction set architecture.
///
/// Serialized as Lambda spells it (`x86_64`, `arm64`).
///
/// ```
/// use analyzer::units::Architecture;
/// assert_eq!("arm64".parse::<Architecture>().unwrap(), Architecture::Arm64);
/// assert_eq!(Architecture::X86_64.to_string(), "x86_64");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Architecture {
    /// Intel/AMD 64-bit.
    #[serde(rename = "x86_64")]
    X86_64,
    /// Graviton (AArch64).
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    /// Both architectures, x86_64 first.
    pub const ALL: [Architecture; 2] = [Architecture::X86_64, Architecture::Arm64];

    /// The name Lambda uses in its API.
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

impl FromStr for Architecture {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x86_64" | "x86-64" | "amd64" => Ok(Architecture::X86_64),
            "arm64" | "aarch64" | "graviton" => Ok(Architecture::Arm64),
            _ => Err(Error::InvalidArchitecture { text: s.to_owned() }),
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One configuration: a memory size on an architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConfigKey {
    /// Memory size.
    pub memory_mb: MemoryMb,
    /// Architecture.
    pub architecture: Architecture,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_bounds_are_inclusive() {
        assert!(MemoryMb::try_from(128).is_ok());
        assert!(MemoryMb::try_from(10_240).is_ok());
        assert!(MemoryMb::try_from(127).is_err());
        assert!(MemoryMb::try_from(10_241).is_err());
    }

    #[test]
    fn memory_error_names_the_accepted_range() {
        let err = MemoryMb::try_from(64).unwrap_err().to_string();
        assert!(
            err.contains("64") && err.contains("128") && err.contains("10240"),
            "{err}"
        );
        let err = "-5".parse::<MemoryMb>().unwrap_err().to_string();
        assert!(err.contains("-5"), "{err}");
    }

    #[test]
    fn memory_converts_to_the_lambda_apis_i32() {
        assert_eq!(i32::from(MemoryMb::try_from(10_240_u32).unwrap()), 10_240);
        assert_eq!(MemoryMb::LAMBDA_DEFAULT.get(), 128);
    }

    #[test]
    fn memory_deserialization_is_validated() {
        assert!(serde_json::from_str::<MemoryMb>("512").is_ok());
        assert!(serde_json::from_str::<MemoryMb>("100").is_err());
    }

    #[test]
    fn architecture_round_trips_through_json() {
        for arch in Architecture::ALL {
            let json = serde_json::to_string(&arch).unwrap();
            assert_eq!(serde_json::from_str::<Architecture>(&json).unwrap(), arch);
        }
        assert!("sparc".parse::<Architecture>().is_err());
    }
}
