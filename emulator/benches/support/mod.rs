//! Shared by the emulator's benchmark binaries: a minimal keep-alive HTTP/1.1 client (so the
//! figures measure the server, not a client library) and the example binaries.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use emulator::{Emulator, EmulatorHandle};

/// One keep-alive HTTP/1.1 connection.
pub struct Client {
    host: String,
    reader: BufReader<TcpStream>,
}

/// A response: status, headers (lower-case names) and body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Client {
    /// Connects to `host:port`.
    pub fn connect(host: &str) -> Self {
        let stream = TcpStream::connect(host).expect("the server accepts connections");
        stream.set_nodelay(true).expect("TCP_NODELAY can be set");
        Self {
            host: host.to_owned(),
            reader: BufReader::new(stream),
        }
    }

    /// Sends a POST and reads the whole response.
    pub fn post(&mut self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.host,
            body.len()
        );
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream
            .write_all(request.as_bytes())
            .expect("request written");
        stream.write_all(body).expect("body written");
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("status line read");
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("an HTTP status line");
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).expect("header read");
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some((k, v)) = trimmed.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let mut reply = Reply {
            status,
            headers,
            body: Vec::new(),
        };
        if reply
            .header("transfer-encoding")
            .is_some_and(|t| t.contains("chunked"))
        {
            loop {
                line.clear();
                self.reader.read_line(&mut line).expect("chunk size read");
                let size = usize::from_str_radix(line.trim(), 16).expect("a chunk size");
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk).expect("chunk read");
                if size == 0 {
                    break;
                }
                reply.body.extend_from_slice(&chunk[..size]);
            }
        } else {
            let length: usize = reply
                .header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            reply.body = vec![0; length];
            self.reader.read_exact(&mut reply.body).expect("body read");
        }
        reply
    }
}

/// The REPORT Duration (ms) of a response with `X-Amz-Log-Result`.
pub fn report_duration_ms(reply: &Reply) -> f64 {
    let tail = reply.header("x-amz-log-result").expect("a log tail");
    let records = analyzer::report_line::parse_log_tail(tail).expect("the tail parses");
    records.first().expect("a REPORT record").duration_ms
}

/// Decodes a log tail (for error messages).
pub fn decode_tail(reply: &Reply) -> String {
    let tail = reply.header("x-amz-log-result").unwrap_or("");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(tail)
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// An example binary built with the release profile (built now if missing).
pub fn release_example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the bench binary has a path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("bench binaries live in <target>/<profile>/deps")
        .to_owned();
    let path = profile_dir.join(name);
    if path.exists() {
        return path;
    }
    test_support::build_example_bins(true)
        .into_iter()
        .find(|p| p.file_name().is_some_and(|f| f == name))
        .unwrap_or_else(|| panic!("no example binary {name}"))
}

/// A two-thread Tokio runtime and an emulator started on it with default settings; keep the
/// runtime as long as the emulator.
pub fn start_emulator() -> (tokio::runtime::Runtime, EmulatorHandle) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let emulator =
        runtime.block_on(async { Emulator::default().start().await.expect("emulator starts") });
    (runtime, emulator)
}

/// The value at quantile `q` (0..=1) of sorted samples (nearest rank).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Prints one line of figures for `samples_us`: count, p50, p99 and mean in microseconds.
pub fn summarize(name: &str, mut samples_us: Vec<f64>) {
    samples_us.sort_by(f64::total_cmp);
    let mean = samples_us.iter().sum::<f64>() / samples_us.len() as f64;
    println!(
        "{name:<44} n={:<6} p50={:>8.1} us  p99={:>8.1} us  mean={:>8.1} us",
        samples_us.len(),
        quantile(&samples_us, 0.50),
        quantile(&samples_us, 0.99),
        mean
    );
}
