//! Where a run is measured, as its result records it.

use analyzer::environment::Backend;
use analyzer::result::RunEnvironment;
use time::format_description::well_known::Rfc3339;

/// A run in the embedded `emulator`, starting now.
pub fn emulator(emulator: &emulator::EmulatorHandle) -> RunEnvironment {
    RunEnvironment {
        backend: Backend::Emulator,
        region: emulator.config().region.clone(),
        powertune_version: env!("CARGO_PKG_VERSION").into(),
        host_architecture: Some(emulator::registry::host_architecture()),
        host_cpus: std::thread::available_parallelism()
            .ok()
            .and_then(|n| u32::try_from(n.get()).ok()),
        isolation: Some(emulator.isolation()),
        started_at: Some(now_rfc3339()),
    }
}

/// A run against AWS in `region`, starting now.
pub fn aws(region: String) -> RunEnvironment {
    RunEnvironment {
        backend: Backend::Aws,
        region,
        powertune_version: env!("CARGO_PKG_VERSION").into(),
        host_architecture: None,
        host_cpus: None,
        isolation: None,
        started_at: Some(now_rfc3339()),
    }
}

/// The current UTC time as RFC 3339, to the second (`2026-01-31T09:05:00Z`).
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&Rfc3339)
        .expect("a UTC time from the system clock formats as RFC 3339")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_rfc3339_to_the_second_in_utc() {
        let now = now_rfc3339();
        assert_eq!(now.len(), "2026-01-31T09:05:00Z".len(), "{now}");
        let bytes = now.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            match i {
                4 | 7 => assert_eq!(*b, b'-', "{now}"),
                10 => assert_eq!(*b, b'T', "{now}"),
                13 | 16 => assert_eq!(*b, b':', "{now}"),
                19 => assert_eq!(*b, b'Z', "{now}"),
                _ => assert!(b.is_ascii_digit(), "{now}"),
            }
        }
    }
}
