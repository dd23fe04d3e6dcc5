//! Test peers: moto server as an independent Lambda control plane, and SDK clients for it.
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};

use test_support::venv;

/// A moto server child on a free loopback port, killed on drop.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(venv().join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server from the venv (scripts/test.sh installs it)");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }

    pub fn client(&self) -> aws_sdk_lambda::Client {
        lambda_client(&self.endpoint)
    }

    /// Runs a boto3 snippet against this server (`lam` and `iam` clients are predefined).
    pub fn boto3(&self, code: &str) -> String {
        let prelude = format!(
            "import boto3, io, zipfile, json\n\
             kw = dict(endpoint_url='{}', region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')\n\
             lam = boto3.client('lambda', **kw)\n\
             iam = boto3.client('iam', **kw)\n\
             def zipped(text):\n    b = io.BytesIO()\n    z = zipfile.ZipFile(b, 'w')\n    z.writestr('bootstrap', text)\n    z.close()\n    return b.getvalue()\n",
            self.endpoint
        );
        let out = Command::new(venv().join("bin/python"))
            .args(["-c", &format!("{prelude}{code}")])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "boto3 failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Creates an IAM role and a function `name` with the given memory and description.
    pub fn create_function(&self, name: &str, memory_mb: u32, description: &str) {
        self.boto3(&format!(
            "try:\n    iam.create_role(RoleName='r', AssumeRolePolicyDocument='{{}}')\nexcept Exception:\n    pass\n\
             role = iam.get_role(RoleName='r')['Role']['Arn']\n\
             lam.create_function(FunctionName='{name}', Runtime='provided.al2023', Role=role, Handler='bootstrap', Code={{'ZipFile': zipped('echo')}}, MemorySize={memory_mb}, Description='{description}')\n"
        ));
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn lambda_client(endpoint: &str) -> aws_sdk_lambda::Client {
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .build();
    aws_sdk_lambda::Client::from_conf(config)
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

pub async fn memory_and_description(
    client: &aws_sdk_lambda::Client,
    function: &str,
) -> (i32, String) {
    let c = client
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .unwrap();
    (
        c.memory_size().unwrap(),
        c.description().unwrap_or_default().to_owned(),
    )
}

pub use test_support::example_bin;

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
