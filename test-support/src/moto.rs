//! moto server: an independent implementation of the Lambda and Step Functions control planes,
//! for checking our calls against someone else's reading of the API.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::venv_bin;

/// A moto server child on a port it picks itself (`-p 0`), killed on drop.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl Moto {
    /// Starts moto server and waits for the address it prints.
    ///
    /// # Panics
    ///
    /// When moto server is missing from the venv or prints no address within a minute.
    #[must_use]
    pub fn start() -> Moto {
        let mut child = Command::new(venv_bin("moto_server"))
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

    /// A Lambda client for this server.
    #[must_use]
    pub fn lambda_client(&self) -> aws_sdk_lambda::Client {
        crate::lambda_client(&self.endpoint)
    }

    /// Runs a boto3 snippet against this server and returns its stdout. The clients `lam`,
    /// `iam` and `sfn` are predefined, and `zipped(text)` makes a code package holding
    /// `bootstrap`.
    ///
    /// # Panics
    ///
    /// When the snippet fails, with its stderr.
    pub fn boto3(&self, code: &str) -> String {
        let prelude = format!(
            "import boto3, io, zipfile, json\n\
             kw = dict(endpoint_url='{}', region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')\n\
             lam = boto3.client('lambda', **kw)\n\
             iam = boto3.client('iam', **kw)\n\
             sfn = boto3.client('stepfunctions', **kw)\n\
             def zipped(text):\n    b = io.BytesIO()\n    z = zipfile.ZipFile(b, 'w')\n    z.writestr('bootstrap', text)\n    z.close()\n    return b.getvalue()\n",
            self.endpoint
        );
        let out = Command::new(venv_bin("python"))
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
