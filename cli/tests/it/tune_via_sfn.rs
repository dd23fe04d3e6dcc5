//! `powertune tune --via sfn`: against moto server's Step Functions, the execution it starts
//! and the input it gives; against a local Step Functions endpoint that runs the state machine
//! in aws-local-stepfunctions (`state-machine/tests/sfn-server.mjs`) with the `tuner` binary
//! as its five Lambda functions in the emulator, the whole wait: progress, result, files, and
//! a failed execution's error; and the usage error without `--state-machine`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use emulator::registry::NewFunction;
use predicates::prelude::*;
use serde_json::Value;
use test_support::moto::Moto;

use crate::harness::powertune_aws as powertune;

/// `powertune [--json] tune --via sfn --no-wait` for `my-fn` on moto's state machine `machine`,
/// with `extra` flags; it must succeed.
fn start_without_waiting(moto: &Moto, machine: &str, json: bool, extra: &[&str]) -> Vec<u8> {
    let mut cmd = powertune();
    if json {
        cmd.arg("--json");
    }
    let out = cmd
        .args(["tune", "--via", "sfn", "--no-wait", "--function", "my-fn"])
        .args(extra)
        .args(["--state-machine", machine, "--endpoint-url", &moto.endpoint])
        .args(["--region", "us-east-1"])
        .output()
        .expect("powertune runs");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
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

    let out = start_without_waiting(&moto, machine, false, &["--num", "7"]);
    let arn = String::from_utf8(out).expect("UTF-8");
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

    let json = start_without_waiting(&moto, machine, true, &[]);
    let doc: Value = serde_json::from_slice(&json).expect("--json prints JSON");
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

/// The five step functions (the `tuner` binary), the example functions `io` (io-bound) and
/// `faulty` in one emulator, and `sfn-server.mjs` running the state machine against it.
struct SfnDeployment {
    emulator: emulator::EmulatorHandle,
    _server: KillOnDrop,
    sfn_endpoint: String,
    machine: String,
    _dirs: Vec<tempfile::TempDir>,
}

impl SfnDeployment {
    async fn start() -> SfnDeployment {
        let emulator = emulator::Emulator::default().start().await.unwrap();
        let endpoint = emulator.endpoint_url();
        let registry = emulator.registry();
        let tuner_dir = test_support::bootstrap_dir(&test_support::tuner_bin());
        let arns = test_support::step_functions::register(
            registry,
            &endpoint,
            tuner_dir.path(),
            &tuner::sfn::STEP_FUNCTIONS,
        );
        let mut dirs = vec![tuner_dir];
        for (name, example) in [("io", "io-bound"), ("faulty", "faulty")] {
            let dir = test_support::bootstrap_dir(&test_support::example_bin(example));
            registry
                .register_folder(NewFunction::new(name, dir.path()))
                .unwrap();
            dirs.push(dir);
        }
        let arns_path = dirs[0].path().join("arns.json");
        std::fs::write(&arns_path, Value::Object(arns).to_string()).unwrap();
        let root = test_support::workspace_root();
        let mut server = KillOnDrop(
            Command::new("node")
                .arg(root.join("state-machine/tests/sfn-server.mjs"))
                .arg(root.join("state-machine/powertune.asl.json"))
                .arg(&arns_path)
                .env("AWS_ENDPOINT_URL", &endpoint)
                .env("AWS_REGION", "us-east-1")
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test")
                .stdout(Stdio::piped())
                .spawn()
                .expect("node runs"),
        );
        let mut first = String::new();
        BufReader::new(server.0.stdout.take().expect("piped stdout"))
            .read_line(&mut first)
            .expect("the server prints its address");
        let started: Value = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("sfn-server printed no address ({e}): {first:?}"));
        SfnDeployment {
            emulator,
            _server: server,
            sfn_endpoint: started["endpoint"].as_str().unwrap().to_owned(),
            machine: started["stateMachineArn"].as_str().unwrap().to_owned(),
            _dirs: dirs,
        }
    }

    /// Runs `powertune tune --via sfn` for `function` (off the runtime's threads, which serve
    /// the emulator meanwhile).
    async fn tune(&self, function: &str, payload: &str, out: &Path) -> std::process::Output {
        let mut cmd = powertune();
        cmd.args(["tune", "--via", "sfn", "--function", function])
            .args(["--state-machine", &self.machine])
            .args([
                "--endpoint-url",
                &self.sfn_endpoint,
                "--region",
                "us-east-1",
            ])
            .args(["--num", "5", "--memory", "128,512", "--payload", payload])
            .arg("--out")
            .arg(out);
        tokio::task::spawn_blocking(move || cmd.output().expect("powertune runs"))
            .await
            .unwrap()
    }

    async fn aliases_and_versions(&self, function: &str) -> (usize, usize) {
        let client = test_support::lambda_client(&self.emulator.endpoint_url());
        let aliases = client
            .list_aliases()
            .function_name(function)
            .send()
            .await
            .unwrap();
        let versions = client
            .list_versions_by_function()
            .function_name(function)
            .send()
            .await
            .unwrap();
        // $LATEST is always listed.
        (aliases.aliases().len(), versions.versions().len() - 1)
    }
}

/// A child process killed on drop.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_for_the_execution_and_writes_its_result() {
    let deployment = SfnDeployment::start().await;
    let out = tempfile::tempdir().unwrap();
    let ran = deployment
        .tune("io", r#"{"sleep_ms": 5}"#, out.path())
        .await;
    let stderr = String::from_utf8_lossy(&ran.stderr).into_owned();
    assert!(ran.status.success(), "exit {:?}: {stderr}", ran.status);
    let execution_prefix = deployment.machine.replace(":stateMachine:", ":execution:");
    assert!(
        stderr.contains(&format!("started execution {execution_prefix}:")),
        "{stderr}"
    );
    // The last progress line counts every Task and both Map iterations.
    let last = stderr
        .lines()
        .rfind(|l| l.contains("configuration(s) measured"))
        .unwrap_or_else(|| panic!("no progress line: {stderr}"));
    assert!(last.contains("SUCCEEDED"), "{stderr}");
    assert!(last.contains("2 configuration(s) measured"), "{stderr}");

    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert!(stdout.contains("128") && stdout.contains("512"), "{stdout}");
    let result: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("result.json")).unwrap()).unwrap();
    let configurations = result["configurations"].as_array().unwrap();
    assert_eq!(configurations.len(), 2);
    assert!(
        configurations
            .iter()
            .all(|c| c["samples"].as_array().unwrap().len() == 5),
        "{result}"
    );
    assert_eq!(result["power_tuning"]["power"], 128, "{result}");
    assert!(out.path().join("report.html").is_file());
    assert_eq!(deployment.aliases_and_versions("io").await, (0, 0));
    deployment.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_execution_exits_2_with_its_error_and_cause() {
    let deployment = SfnDeployment::start().await;
    let out = tempfile::tempdir().unwrap();
    let ran = deployment
        .tune("faulty", r#"{"mode": "error"}"#, out.path())
        .await;
    let stderr = String::from_utf8_lossy(&ran.stderr).into_owned();
    assert_eq!(ran.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("FAILED"), "{stderr}");
    assert!(stderr.contains("PowerTune.FunctionError"), "{stderr}");
    assert!(!out.path().join("result.json").exists());
    // CleanUpOnError ran before the execution failed.
    assert_eq!(deployment.aliases_and_versions("faulty").await, (0, 0));
    deployment.emulator.shutdown().await;
}
