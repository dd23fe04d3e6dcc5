//! The `tuner` binary deployed into the embedded emulator as the state machine's five step
//! functions, as `infra/template.yaml` deploys them on AWS.

use std::path::Path;
use std::time::Duration;

use analyzer::units::MemoryMb;
use emulator::registry::{NewFunction, Registry};
use serde_json::{Map, Value};

/// Registers `tuner_dir` (a code folder holding the `tuner` binary as `bootstrap`) once per
/// `(placeholder, handler)` of `steps` (`tuner::sfn::STEP_FUNCTIONS`) as
/// `powertune-<handler>`, talking to the emulator at `endpoint`. Returns the functions' ARNs
/// by placeholder, the map the state machine's definition is filled in with.
///
/// # Panics
///
/// When a function cannot be registered.
pub fn register(
    registry: &Registry,
    endpoint: &str,
    tuner_dir: &Path,
    steps: &[(&str, &str)],
) -> Map<String, Value> {
    let mut arns = Map::new();
    for (key, handler) in steps {
        let function = format!("powertune-{handler}");
        registry
            .register_folder(
                NewFunction::new(&function, tuner_dir)
                    .runtime("provided.al2023", *handler)
                    .timeout(Duration::from_secs(300))
                    .memory(MemoryMb::try_from(512).expect("512 MB is a Lambda memory size"))
                    .env("AWS_ENDPOINT_URL", endpoint)
                    .env("AWS_ACCESS_KEY_ID", "test")
                    .env("AWS_SECRET_ACCESS_KEY", "test"),
            )
            .unwrap_or_else(|e| panic!("registering {function}: {e}"));
        let arn = format!(
            "arn:aws:lambda:{}:{}:function:{function}",
            registry.region(),
            registry.account_id()
        );
        arns.insert((*key).to_owned(), Value::String(arn));
    }
    arns
}
