//! An environment's log output: the sink every line of its stream goes through (with the
//! current invocation's copy for the `X-Amz-Log-Result` tail), and the pump that copies the
//! process's stdout and stderr into it line by line.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::net::unix::pipe;
use tokio::sync::{mpsc, oneshot};

use crate::log_store::{InputLogEvent, LogStore};

/// Where an environment's output goes: its log stream, and the current invocation's buffer
/// (for the `X-Amz-Log-Result` tail).
#[derive(Debug)]
pub(crate) struct LogSink {
    store: LogStore,
    group: String,
    stream: String,
    tail: Mutex<Option<Vec<u8>>>,
}

impl LogSink {
    /// A sink writing to `stream` of `group` in `store`.
    pub(super) fn new(store: LogStore, group: String, stream: String) -> Self {
        Self {
            store,
            group,
            stream,
            tail: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Vec<u8>>> {
        self.tail
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends one log event (which may hold several lines) to the stream and the tail.
    pub(crate) fn line(&self, text: String) {
        if let Some(tail) = self.lock().as_mut() {
            tail.extend_from_slice(text.as_bytes());
            tail.push(b'\n');
        }
        self.store
            .append(&self.group, &self.stream, [InputLogEvent::now(text)]);
    }

    /// Starts collecting an invocation's lines.
    pub(crate) fn begin(&self) {
        *self.lock() = Some(Vec::new());
    }

    /// Stops collecting and returns what was collected.
    pub(crate) fn end(&self) -> Vec<u8> {
        self.lock().take().unwrap_or_default()
    }
}

/// Copies the process's output into `sink`, one event per line, until the pipe closes; a
/// request on `flush_rx` drains what the pipe holds now and is then acknowledged.
pub(super) async fn pump_logs(
    rx: pipe::Receiver,
    sink: Arc<LogSink>,
    mut flush_rx: mpsc::Receiver<oneshot::Sender<()>>,
) {
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut eof = false;
    loop {
        tokio::select! {
            ready = rx.readable(), if !eof => {
                eof = ready.is_err() || drain(&rx, &mut buf, &mut pending, &sink);
                if eof {
                    emit_partial(&mut pending, &sink);
                }
            }
            request = flush_rx.recv() => {
                let Some(ack) = request else { break };
                if !eof {
                    eof = drain(&rx, &mut buf, &mut pending, &sink);
                }
                emit_partial(&mut pending, &sink);
                let _ = ack.send(());
            }
        }
    }
}

/// Reads everything available; returns whether the pipe reached end of file.
fn drain(rx: &pipe::Receiver, buf: &mut [u8], pending: &mut Vec<u8>, sink: &LogSink) -> bool {
    loop {
        match rx.try_read(buf) {
            Ok(0) => return true,
            Ok(n) => {
                pending.extend_from_slice(&buf[..n]);
                while let Some(pos) = pending.iter().position(|&b| b == b'\n') {
                    let mut line: Vec<u8> = pending.drain(..=pos).collect();
                    line.pop();
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    sink.line(String::from_utf8_lossy(&line).into_owned());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return true,
        }
    }
}

fn emit_partial(pending: &mut Vec<u8>, sink: &LogSink) {
    if !pending.is_empty() {
        let line = std::mem::take(pending);
        sink.line(String::from_utf8_lossy(&line).into_owned());
    }
}
