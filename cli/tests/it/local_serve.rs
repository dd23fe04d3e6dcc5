//! `powertune local serve`: prints where the emulator listens, answers the Lambda API there,
//! and exits 0 on Ctrl-C.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn local_serve_prints_the_endpoint_answers_there_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_powertune"))
        .args(["--json", "local", "serve", "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("powertune starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut first = String::new();
    stdout
        .read_line(&mut first)
        .expect("powertune prints a line");
    let doc: serde_json::Value = serde_json::from_str(&first).expect("the line is JSON");
    let endpoint = doc["endpoint_url"]
        .as_str()
        .expect("endpoint_url is a string");
    assert_eq!(doc["environment"]["AWS_ENDPOINT_URL"], endpoint);
    assert_eq!(doc["environment"]["AWS_REGION"], "us-east-1");
    assert!(doc["environment"]["AWS_ACCESS_KEY_ID"].is_string());
    let addr = endpoint.strip_prefix("http://").expect("an http endpoint");
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");

    let mut stream = TcpStream::connect(addr).expect("the endpoint accepts connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET /2015-03-31/functions HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"Functions\":[]"), "{answer}");

    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    // Waits in a thread, so that the test can give up after a while.
    let (exited, wait) = mpsc::channel();
    std::thread::spawn(move || exited.send(child.wait()));
    let status = match wait.recv_timeout(Duration::from_secs(30)) {
        Ok(status) => status.unwrap(),
        Err(_) => {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            panic!("powertune local serve did not stop on SIGINT");
        }
    };
    assert!(status.success(), "exit status {status}");
}
