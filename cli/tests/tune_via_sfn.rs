//! `powertune tune --via sfn` against moto server's Step Functions: the execution it starts
//! and the input it gives, and the usage error without `--state-machine`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use predicates::prelude::*;
use serde_json::Value;

fn powertune() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_powertune"));
    cmd.env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    cmd
}

/// moto server on a port it picks itself (`-p 0`), killed on drop.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    fn start() -> Moto {
        let mut child = Command::new(test_support::venv_bin("moto_server"))
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("moto_server runs");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        // Reads the address moto prints, then keeps draining its request log.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("Running on http://127.0.0.1:").nth(1) {
                    let _ = tx.send(rest.trim().to_owned());
                }
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(port) => port,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("moto server printed no address: {e}");
            }
        };
        Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Runs a boto3 snippet against this server (`sfn` is predefined) and returns its stdout.
    fn boto3(&self, code: &str) -> String {
        let prelude = format!(
            "import boto3, json\n\
             sfn = boto3.client('stepfunctions', endpoint_url='{}', region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')\n",
            self.endpoint
        );
        let out = Command::new(test_support::venv_bin("python"))
            .args(["-c", &format!("{prelude}{code}")])
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "boto3 failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn no_wait_starts_an_execution_with_the_tuning_input() {
    let moto = Moto::start();
    let asl = test_support::workspace_root().join("state-machine/powertune.asl.json");
    let machine = moto.boto3(&format!(
        "import re\n\
         text = open({asl:?}).read()\n\
         text = re.sub(r'\\$\\{{(\\w+)\\}}', lambda m: 'arn:aws:lambda:us-east-1:123456789012:function:' + m.group(1), text)\n\
         r = sfn.create_state_machine(name='powertune', definition=text, roleArn='arn:aws:iam::123456789012:role/dummy')\n\
         print(r['stateMachineArn'])\n",
        asl = asl.display().to_string()
    ));
    let machine = machine.trim();
    assert!(machine.contains(":stateMachine:powertune"), "{machine}");

    let out = powertune()
        .args([
            "tune",
            "--via",
            "sfn",
            "--no-wait",
            "--function",
            "my-fn",
            "--num",
            "7",
            "--state-machine",
            machine,
            "--endpoint-url",
            &moto.endpoint,
            "--region",
            "us-east-1",
        ])
        .output()
        .expect("powertune runs");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let arn = String::from_utf8(out.stdout).expect("UTF-8");
    let arn = arn.trim();
    let prefix = machine.replace(":stateMachine:", ":execution:") + ":";
    assert!(
        arn.starts_with(&prefix),
        "{arn} is not an execution of {machine}"
    );

    let described = moto.boto3(&format!(
        "print(sfn.describe_execution(executionArn={arn:?})['input'])\n"
    ));
    let input: Value = serde_json::from_str(described.trim()).expect("the input is JSON");
    assert_eq!(input["lambdaARN"], "my-fn", "{input}");
    assert_eq!(input["num"], 7, "{input}");

    let json = powertune()
        .args([
            "--json",
            "tune",
            "--via",
            "sfn",
            "--no-wait",
            "--function",
            "my-fn",
            "--state-machine",
            machine,
            "--endpoint-url",
            &moto.endpoint,
            "--region",
            "us-east-1",
        ])
        .output()
        .expect("powertune runs");
    assert!(json.status.success());
    let doc: Value = serde_json::from_slice(&json.stdout).expect("--json prints JSON");
    assert!(
        doc["executionArn"]
            .as_str()
            .is_some_and(|a| a.starts_with(&prefix)),
        "{doc}"
    );
}

#[test]
fn via_sfn_without_state_machine_is_a_usage_error() {
    powertune()
        .args(["tune", "--via", "sfn", "--function", "my-fn"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--state-machine"));
}
