//! What the tests share: the test peers (the in-process emulator with an example function,
//! moto server, a replaying HTTP client), the run options of a local tuning, and the checks
//! of what a run leaves behind.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use analyzer::result::RunEnvironment;
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use serde_json::Value;
use test_support::moto::Moto;
use tuner::steps::RunInput;

pub use test_support::{example_bin, lambda_client};

/// An execution input from its JSON.
pub fn run_input(value: Value) -> RunInput {
    serde_json::from_value(value).unwrap()
}

/// The options of a local run in the emulator: one configuration at a time.
pub fn local_options() -> tuner::local::Options {
    tuner::local::Options {
        parallel_configurations: 1,
        environment: RunEnvironment {
            backend: analyzer::environment::Backend::Emulator,
            region: "us-east-1".into(),
            powertune_version: "test".into(),
            host_architecture: None,
            host_cpus: None,
            isolation: None,
            started_at: None,
        },
    }
}

/// The state machine's definition file.
pub fn asl_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../state-machine/powertune.asl.json"
    ))
}

/// The state machine's definition.
pub fn asl() -> Value {
    serde_json::from_str(&std::fs::read_to_string(asl_path()).unwrap()).unwrap()
}

/// Creates an IAM role and a function `name` with the given memory and description in moto.
pub fn create_function(moto: &Moto, name: &str, memory_mb: u32, description: &str) {
    moto.boto3(&format!(
        "try:\n    iam.create_role(RoleName='r', AssumeRolePolicyDocument='{{}}')\nexcept Exception:\n    pass\n\
         role = iam.get_role(RoleName='r')['Role']['Arn']\n\
         lam.create_function(FunctionName='{name}', Runtime='provided.al2023', Role=role, Handler='bootstrap', Code={{'ZipFile': zipped('echo')}}, MemorySize={memory_mb}, Description='{description}')\n"
    ));
}

/// Alias names and (version, description) pairs of a function.
pub async fn aliases_and_versions(
    client: &aws_sdk_lambda::Client,
    function: &str,
) -> (Vec<String>, Vec<(String, String)>) {
    let aliases = client
        .list_aliases()
        .function_name(function)
        .send()
        .await
        .unwrap()
        .aliases()
        .iter()
        .map(|a| a.name().unwrap().to_owned())
        .collect();
    let versions = client
        .list_versions_by_function()
        .function_name(function)
        .send()
        .await
        .unwrap()
        .versions()
        .iter()
        .filter(|v| v.version() != Some("$LATEST"))
        .map(|v| {
            (
                v.version().unwrap().to_owned(),
                v.description().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    (aliases, versions)
}

/// `$LATEST`'s configuration.
pub async fn configuration(
    client: &aws_sdk_lambda::Client,
    function: &str,
) -> GetFunctionConfigurationOutput {
    client
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .unwrap()
}

/// `$LATEST`'s memory size and description.
pub async fn memory_and_description(
    client: &aws_sdk_lambda::Client,
    function: &str,
) -> (i32, String) {
    let c = configuration(client, function).await;
    (
        c.memory_size().unwrap(),
        c.description().unwrap_or_default().to_owned(),
    )
}

/// An emulator with one example function registered as `name`, and a client for it.
pub struct Local {
    pub emulator: emulator::EmulatorHandle,
    pub client: aws_sdk_lambda::Client,
    _dir: tempfile::TempDir,
}

impl Local {
    pub async fn start(bin: &str, name: &str) -> Local {
        let dir = test_support::bootstrap_dir(&example_bin(bin));
        let emulator = emulator::Emulator::default().start().await.unwrap();
        emulator
            .registry()
            .register_folder(
                emulator::registry::NewFunction::new(name, dir.path())
                    .timeout(Duration::from_secs(60)),
            )
            .unwrap();
        let client = lambda_client(&emulator.endpoint_url());
        Local {
            emulator,
            client,
            _dir: dir,
        }
    }
}

/// One request the [`Replay`] client was sent.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub body: String,
}

/// A Lambda client whose HTTP layer answers every request with one status and JSON body, and
/// records the requests: the SDK's request and response handling, without a server.
#[derive(Debug, Clone)]
pub struct Replay {
    status: u16,
    body: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Replay {
    pub fn new(status: u16, body: &Value) -> Self {
        Self {
            status,
            body: body.to_string(),
            requests: Arc::default(),
        }
    }

    /// A client sending every request to this replay.
    pub fn client(&self) -> aws_sdk_lambda::Client {
        let config = aws_sdk_lambda::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
            .http_client(self.clone())
            .build();
        aws_sdk_lambda::Client::from_conf(config)
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl HttpConnector for Replay {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let method = request.method().to_owned();
        let body = String::from_utf8_lossy(request.body().bytes().unwrap_or_default()).into_owned();
        self.requests
            .lock()
            .unwrap()
            .push(Recorded { method, body });
        let mut response = HttpResponse::new(
            self.status.try_into().unwrap(),
            SdkBody::from(self.body.as_str()),
        );
        response
            .headers_mut()
            .insert("content-type", "application/json");
        HttpConnectorFuture::ready(Ok(response))
    }
}

impl HttpClient for Replay {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}
