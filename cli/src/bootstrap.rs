//! The demo's example functions, served by the `powertune` binary itself, so that `powertune
//! demo` needs nothing but the installed binary (no cargo, no sources, no network).
//!
//! The demo links the running executable as `bootstrap` into a function folder and registers
//! it with the example's name as its Handler. When the emulator starts that `bootstrap`, the
//! process finds itself started as a Lambda custom runtime: its file name is `bootstrap` and
//! `AWS_LAMBDA_RUNTIME_API` holds the Runtime API's address. It then serves the handler that
//! `_HANDLER` names with `lambda_runtime`, the same runtime client and the same handler code
//! as the `cpu-bound` and `io-bound` binaries of `examples/rust`, so the emulator measures a
//! real Runtime API client. Anything else runs the command line as usual.

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use lambda_runtime::service_fn;

/// An example function the binary can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Example {
    /// `example_functions::cpu_bound`: `{"iterations": N}` rounds of hashing.
    CpuBound,
    /// `example_functions::io_bound`: `{"sleep_ms": N}` of sleeping.
    IoBound,
}

impl Example {
    /// Every example, in the order the demo tunes them.
    pub const ALL: [Example; 2] = [Example::CpuBound, Example::IoBound];

    /// The name, which is also the function's name and Handler.
    pub fn name(self) -> &'static str {
        match self {
            Example::CpuBound => "cpu-bound",
            Example::IoBound => "io-bound",
        }
    }

    fn from_handler(handler: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == handler)
    }
}

/// What decides whether this process is a Lambda `bootstrap`, read once in `main`.
#[derive(Debug, Default)]
pub struct BootstrapEnv {
    /// `argv[0]`.
    pub argv0: Option<OsString>,
    /// `AWS_LAMBDA_RUNTIME_API`.
    pub runtime_api: Option<OsString>,
    /// `_HANDLER`.
    pub handler: Option<String>,
}

impl BootstrapEnv {
    /// Reads the process's `argv[0]` and its environment.
    pub fn from_process() -> Self {
        Self {
            argv0: std::env::args_os().next(),
            runtime_api: std::env::var_os("AWS_LAMBDA_RUNTIME_API"),
            handler: std::env::var("_HANDLER").ok(),
        }
    }

    /// `None` when the process is not started as a `bootstrap` by a Runtime API; otherwise
    /// the example to serve, or an error naming the Handler and the ones accepted.
    pub fn requested(&self) -> Option<Result<Example, String>> {
        let started_as_bootstrap = self
            .argv0
            .as_deref()
            .and_then(|a| Path::new(a).file_name())
            .is_some_and(|name| name == "bootstrap");
        if !started_as_bootstrap || self.runtime_api.is_none() {
            return None;
        }
        let handler = self.handler.as_deref().unwrap_or_default();
        Some(Example::from_handler(handler).ok_or_else(|| {
            let accepted: Vec<&str> = Example::ALL.iter().map(|e| e.name()).collect();
            format!(
                "powertune started as a Lambda bootstrap serves the example functions {}; the \
                 function's Handler is `{handler}`",
                accepted.join(" and ")
            )
        }))
    }
}

/// Serves `example` to the Runtime API until the emulator (or Lambda) ends the process.
pub fn serve(example: Example) -> ExitCode {
    // A multi-threaded runtime, as `#[tokio::main]` gives the example binaries.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: starting the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let served = runtime.block_on(async {
        match example {
            Example::CpuBound => {
                lambda_runtime::run(service_fn(example_functions::cpu_bound::handler)).await
            }
            Example::IoBound => {
                lambda_runtime::run(service_fn(example_functions::io_bound::handler)).await
            }
        }
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(argv0: &str, api: Option<&str>, handler: Option<&str>) -> BootstrapEnv {
        BootstrapEnv {
            argv0: Some(argv0.into()),
            runtime_api: api.map(Into::into),
            handler: handler.map(str::to_owned),
        }
    }

    #[test]
    fn serves_the_example_its_handler_names_only_when_started_as_a_bootstrap() {
        let api = Some("127.0.0.1:9001");
        assert_eq!(
            env("/tmp/fn/bootstrap", api, Some("io-bound")).requested(),
            Some(Ok(Example::IoBound))
        );
        assert_eq!(
            env("bootstrap", api, Some("cpu-bound")).requested(),
            Some(Ok(Example::CpuBound))
        );
        assert_eq!(
            env("/usr/bin/powertune", api, Some("cpu-bound")).requested(),
            None
        );
        assert_eq!(
            env("/tmp/fn/bootstrap", None, Some("cpu-bound")).requested(),
            None
        );
    }

    #[test]
    fn an_unknown_handler_is_an_error_naming_the_accepted_ones() {
        let err = env(
            "/tmp/fn/bootstrap",
            Some("127.0.0.1:9001"),
            Some("index.handler"),
        )
        .requested()
        .unwrap()
        .unwrap_err();
        assert!(
            err.contains("index.handler") && err.contains("cpu-bound and io-bound"),
            "{err}"
        );
    }
}
