//! Running the emulator as a stand-alone local service (`powertune local serve`): start it,
//! tell AWS clients how to reach it, serve until Ctrl-C or SIGTERM, then clean up.

use crate::{Emulator, EmulatorHandle, Error, Result};

/// Dummy access key id the emulator accepts (it checks no signature).
pub const DUMMY_ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";

/// Dummy secret access key the emulator accepts.
pub const DUMMY_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// The environment variables that point an AWS SDK or the AWS CLI at a running emulator:
/// `AWS_ENDPOINT_URL` (one endpoint serves both Lambda and CloudWatch Logs), dummy
/// credentials and the emulator's region.
pub fn client_environment(handle: &EmulatorHandle) -> Vec<(&'static str, String)> {
    let region = handle.config().region.clone();
    vec![
        ("AWS_ENDPOINT_URL", handle.endpoint_url()),
        ("AWS_ACCESS_KEY_ID", DUMMY_ACCESS_KEY_ID.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", DUMMY_SECRET_ACCESS_KEY.to_owned()),
        ("AWS_REGION", region.clone()),
        ("AWS_DEFAULT_REGION", region),
    ]
}

/// Starts an emulator, calls `on_ready` with it (to print the endpoint), serves until Ctrl-C
/// (SIGINT) or SIGTERM, then shuts it down: every environment process and cgroup is removed.
///
/// Must be called within a Tokio runtime.
///
/// # Errors
///
/// The errors of [`Emulator::start`], and [`Error::Io`] when the signal handlers cannot be
/// installed.
pub async fn serve_until_signal(
    config: Emulator,
    on_ready: impl FnOnce(&EmulatorHandle),
) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).map_err(|source| Error::Io {
        what: "installing the SIGTERM handler".to_owned(),
        source,
    })?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(|source| Error::Io {
        what: "installing the SIGINT handler".to_owned(),
        source,
    })?;
    let handle = config.start().await?;
    on_ready(&handle);
    tokio::select! {
        _ = interrupt.recv() => tracing::info!("interrupted: shutting down"),
        _ = terminate.recv() => tracing::info!("terminated: shutting down"),
    }
    handle.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn client_environment_names_the_endpoint_credentials_and_region() {
        let handle = Emulator::default().start().await.unwrap();
        let vars = client_environment(&handle);
        let get = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
        assert_eq!(get("AWS_ENDPOINT_URL"), Some(handle.endpoint_url()));
        assert!(
            get("AWS_ENDPOINT_URL")
                .unwrap()
                .starts_with("http://127.0.0.1:")
        );
        assert_eq!(get("AWS_REGION").as_deref(), Some("us-east-1"));
        assert!(get("AWS_ACCESS_KEY_ID").is_some() && get("AWS_SECRET_ACCESS_KEY").is_some());
        handle.shutdown().await;
    }
}
