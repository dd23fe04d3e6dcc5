//! The emulator's CloudWatch Logs: log groups -> log streams -> events, kept in memory.
//!
//! Lambda writes each environment's output (function lines plus the platform's START, END and
//! REPORT lines) into the group `/aws/lambda/<function>` and one stream per environment. The
//! store keeps a bounded number of events per group (the oldest are dropped first, like a
//! retention policy measured in events instead of days) and can mirror every stream into a
//! folder on disk, one file per stream, for people who want to `tail -f` a run.
//!
//! Every event gets a store-wide sequence number when it is appended; the Logs API's
//! pagination tokens and event ids are built from it, so a token stays valid while events are
//! appended or dropped.

use std::collections::{BTreeMap, VecDeque};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

pub use crate::error::LogStoreError;

/// Default bound on the events kept per log group.
pub const DEFAULT_MAX_EVENTS_PER_GROUP: usize = 100_000;

/// How a [`LogStore`] keeps its events.
#[derive(Debug, Clone)]
pub struct LogStoreConfig {
    /// Events kept per log group; when a group holds more, its oldest events are dropped.
    pub max_events_per_group: usize,
    /// When set, every event is also appended to `<log_dir>/<group>/<stream>.log` (names
    /// percent-encoded so that `/`, `[` and `$` make no sub-folders).
    pub log_dir: Option<PathBuf>,
}

impl Default for LogStoreConfig {
    fn default() -> Self {
        Self {
            max_events_per_group: DEFAULT_MAX_EVENTS_PER_GROUP,
            log_dir: None,
        }
    }
}

/// An event as a writer hands it in: when it happened and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputLogEvent {
    /// When the event happened, in ms since the Unix epoch.
    pub timestamp_ms: i64,
    /// The text of the event (one line or several).
    pub message: String,
}

impl InputLogEvent {
    /// An event that happens now.
    pub fn now(message: impl Into<String>) -> Self {
        Self {
            timestamp_ms: now_ms(),
            message: message.into(),
        }
    }
}

/// An event as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLogEvent {
    /// Store-wide sequence number, increasing in append order.
    pub seq: u64,
    /// When the event happened, in ms since the Unix epoch.
    pub timestamp_ms: i64,
    /// When the store received it, in ms since the Unix epoch.
    pub ingestion_time_ms: i64,
    /// The text of the event.
    pub message: String,
}

/// What the Logs API reports about a log group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupInfo {
    /// The group's name, e.g. `/aws/lambda/my-function`.
    pub name: String,
    /// When the group was created, in ms since the Unix epoch.
    pub creation_time_ms: i64,
    /// Total bytes of the messages the group holds now.
    pub stored_bytes: u64,
}

/// What the Logs API reports about a log stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStreamInfo {
    /// The stream's name.
    pub name: String,
    /// When the stream was created, in ms since the Unix epoch.
    pub creation_time_ms: i64,
    /// Timestamp of the earliest event still held, if any.
    pub first_event_timestamp_ms: Option<i64>,
    /// Timestamp of the latest event ever appended, if any.
    pub last_event_timestamp_ms: Option<i64>,
    /// When the latest event was received, if any.
    pub last_ingestion_time_ms: Option<i64>,
    /// Total bytes of the messages the stream holds now.
    pub stored_bytes: u64,
}

#[derive(Debug, Default)]
struct Stream {
    name: String,
    creation_time_ms: i64,
    last_event_timestamp_ms: Option<i64>,
    last_ingestion_time_ms: Option<i64>,
    stored_bytes: u64,
    events: VecDeque<StoredLogEvent>,
}

#[derive(Debug, Default)]
struct Group {
    creation_time_ms: i64,
    streams: Vec<Stream>,
    by_name: BTreeMap<String, usize>,
    /// Index of the stream of every held event, in append order: the front is the oldest.
    append_order: VecDeque<usize>,
}

impl Group {
    fn stream_index(&mut self, name: &str, now_ms: i64) -> usize {
        if let Some(index) = self.by_name.get(name) {
            return *index;
        }
        let index = self.streams.len();
        self.streams.push(Stream {
            name: name.to_owned(),
            creation_time_ms: now_ms,
            ..Stream::default()
        });
        self.by_name.insert(name.to_owned(), index);
        index
    }

    fn stored_bytes(&self) -> u64 {
        self.streams.iter().map(|s| s.stored_bytes).sum()
    }
}

#[derive(Debug, Default)]
struct Inner {
    next_seq: u64,
    groups: BTreeMap<String, Group>,
}

/// The emulator's log storage. Cheap to clone: clones share the same events.
#[derive(Debug, Clone, Default)]
pub struct LogStore {
    config: Arc<LogStoreConfig>,
    inner: Arc<Mutex<Inner>>,
}

/// Current wall-clock time in ms since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl LogStore {
    /// An empty store.
    pub fn new(config: LogStoreConfig) -> Self {
        Self {
            config: Arc::new(config),
            inner: Arc::default(),
        }
    }

    /// The configuration the store was made with.
    pub fn config(&self) -> &LogStoreConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every mutation is a push or
        // a pop), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends events to `stream` of `group`, creating both if needed (as Lambda's platform
    /// does), and drops the group's oldest events beyond the configured bound.
    ///
    /// A failure to mirror the events to the log folder is logged and does not lose them from
    /// memory.
    pub fn append(
        &self,
        group: &str,
        stream: &str,
        events: impl IntoIterator<Item = InputLogEvent>,
    ) {
        let now = now_ms();
        let mut mirrored = Vec::new();
        {
            let mut inner = self.lock();
            let inner = &mut *inner;
            let g = inner
                .groups
                .entry(group.to_owned())
                .or_insert_with(|| Group {
                    creation_time_ms: now,
                    ..Group::default()
                });
            let index = g.stream_index(stream, now);
            for event in events {
                let seq = inner.next_seq;
                inner.next_seq += 1;
                if self.config.log_dir.is_some() {
                    mirrored.push((event.timestamp_ms, event.message.clone()));
                }
                let s = &mut g.streams[index];
                s.last_event_timestamp_ms = Some(
                    s.last_event_timestamp_ms
                        .map_or(event.timestamp_ms, |t| t.max(event.timestamp_ms)),
                );
                s.last_ingestion_time_ms = Some(now);
                s.stored_bytes += event.message.len() as u64;
                s.events.push_back(StoredLogEvent {
                    seq,
                    timestamp_ms: event.timestamp_ms,
                    ingestion_time_ms: now,
                    message: event.message,
                });
                g.append_order.push_back(index);
            }
            while g.append_order.len() > self.config.max_events_per_group {
                let Some(oldest) = g.append_order.pop_front() else {
                    break;
                };
                let s = &mut g.streams[oldest];
                if let Some(dropped) = s.events.pop_front() {
                    s.stored_bytes -= dropped.message.len() as u64;
                }
            }
        }
        if let Some(dir) = &self.config.log_dir
            && !mirrored.is_empty()
            && let Err(err) = mirror_to_disk(dir, group, stream, &mirrored)
        {
            tracing::warn!(group, stream, dir = %dir.display(), error = %err, "could not write log file");
        }
    }

    /// Creates an empty log group (the Logs API's `CreateLogGroup`).
    ///
    /// # Errors
    ///
    /// [`LogStoreError::GroupExists`] when it already exists.
    pub fn create_group(&self, group: &str) -> Result<(), LogStoreError> {
        let mut inner = self.lock();
        if inner.groups.contains_key(group) {
            return Err(LogStoreError::GroupExists(group.to_owned()));
        }
        inner.groups.insert(
            group.to_owned(),
            Group {
                creation_time_ms: now_ms(),
                ..Group::default()
            },
        );
        Ok(())
    }

    /// Creates an empty log stream in an existing group (the Logs API's `CreateLogStream`).
    ///
    /// # Errors
    ///
    /// [`LogStoreError::GroupNotFound`] or [`LogStoreError::StreamExists`].
    pub fn create_stream(&self, group: &str, stream: &str) -> Result<(), LogStoreError> {
        let mut inner = self.lock();
        let g = inner
            .groups
            .get_mut(group)
            .ok_or_else(|| LogStoreError::GroupNotFound(group.to_owned()))?;
        if g.by_name.contains_key(stream) {
            return Err(LogStoreError::StreamExists(stream.to_owned()));
        }
        g.stream_index(stream, now_ms());
        Ok(())
    }

    /// Deletes a group and all its events.
    ///
    /// # Errors
    ///
    /// [`LogStoreError::GroupNotFound`] when it does not exist.
    pub fn delete_group(&self, group: &str) -> Result<(), LogStoreError> {
        self.lock()
            .groups
            .remove(group)
            .map(|_| ())
            .ok_or_else(|| LogStoreError::GroupNotFound(group.to_owned()))
    }

    /// Whether the group exists.
    pub fn has_group(&self, group: &str) -> bool {
        self.lock().groups.contains_key(group)
    }

    /// Every group, sorted by name.
    pub fn groups(&self) -> Vec<LogGroupInfo> {
        self.lock()
            .groups
            .iter()
            .map(|(name, g)| LogGroupInfo {
                name: name.clone(),
                creation_time_ms: g.creation_time_ms,
                stored_bytes: g.stored_bytes(),
            })
            .collect()
    }

    /// Every stream of a group, sorted by name.
    ///
    /// # Errors
    ///
    /// [`LogStoreError::GroupNotFound`] when the group does not exist.
    pub fn streams(&self, group: &str) -> Result<Vec<LogStreamInfo>, LogStoreError> {
        let inner = self.lock();
        let g = inner
            .groups
            .get(group)
            .ok_or_else(|| LogStoreError::GroupNotFound(group.to_owned()))?;
        Ok(g.by_name
            .values()
            .map(|&index| {
                let s = &g.streams[index];
                LogStreamInfo {
                    name: s.name.clone(),
                    creation_time_ms: s.creation_time_ms,
                    first_event_timestamp_ms: s.events.iter().map(|e| e.timestamp_ms).min(),
                    last_event_timestamp_ms: s.last_event_timestamp_ms,
                    last_ingestion_time_ms: s.last_ingestion_time_ms,
                    stored_bytes: s.stored_bytes,
                }
            })
            .collect())
    }

    /// The events of one stream still held, in append order.
    ///
    /// # Errors
    ///
    /// [`LogStoreError::GroupNotFound`] or [`LogStoreError::StreamNotFound`].
    pub fn stream_events(
        &self,
        group: &str,
        stream: &str,
    ) -> Result<Vec<StoredLogEvent>, LogStoreError> {
        let inner = self.lock();
        let g = inner
            .groups
            .get(group)
            .ok_or_else(|| LogStoreError::GroupNotFound(group.to_owned()))?;
        let index = g
            .by_name
            .get(stream)
            .ok_or_else(|| LogStoreError::StreamNotFound {
                group: group.to_owned(),
                stream: stream.to_owned(),
            })?;
        Ok(g.streams[*index].events.iter().cloned().collect())
    }

    /// Every event of a group whose stream passes `stream_filter`, with its stream's name,
    /// in no particular order.
    ///
    /// # Errors
    ///
    /// [`LogStoreError::GroupNotFound`] when the group does not exist.
    pub fn group_events(
        &self,
        group: &str,
        mut stream_filter: impl FnMut(&str) -> bool,
        mut event_filter: impl FnMut(&StoredLogEvent) -> bool,
    ) -> Result<Vec<(String, StoredLogEvent)>, LogStoreError> {
        let inner = self.lock();
        let g = inner
            .groups
            .get(group)
            .ok_or_else(|| LogStoreError::GroupNotFound(group.to_owned()))?;
        let mut out = Vec::new();
        for s in &g.streams {
            if !stream_filter(&s.name) {
                continue;
            }
            out.extend(
                s.events
                    .iter()
                    .filter(|e| event_filter(e))
                    .map(|e| (s.name.clone(), e.clone())),
            );
        }
        Ok(out)
    }
}

/// Bytes a log file name keeps as they are: `[A-Za-z0-9._-]`.
const FILE_NAME_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'_')
    .remove(b'-');

/// Makes a name safe as one path component: keeps `[A-Za-z0-9._-]`, percent-encodes the rest.
fn file_component(name: &str) -> String {
    let mut out = percent_encoding::utf8_percent_encode(name, FILE_NAME_ESCAPED).to_string();
    if out.starts_with('.') {
        // `.` and `..` must not name the folder itself or its parent.
        out.replace_range(0..1, "%2E");
    }
    out
}

fn mirror_to_disk(
    dir: &Path,
    group: &str,
    stream: &str,
    events: &[(i64, String)],
) -> std::io::Result<()> {
    let folder = dir.join(file_component(group));
    std::fs::create_dir_all(&folder)?;
    let path = folder.join(format!("{}.log", file_component(stream)));
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    let mut text = String::new();
    for (timestamp_ms, message) in events {
        text.push_str(&format!("{timestamp_ms}\t{message}"));
        if !message.ends_with('\n') {
            text.push('\n');
        }
    }
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(timestamp_ms: i64, message: &str) -> InputLogEvent {
        InputLogEvent {
            timestamp_ms,
            message: message.to_owned(),
        }
    }

    #[test]
    fn append_creates_group_and_stream_and_keeps_order() {
        let store = LogStore::default();
        store.append("/aws/lambda/f", "s1", [event(1, "a"), event(2, "b")]);
        store.append("/aws/lambda/f", "s2", [event(3, "c")]);
        assert_eq!(store.groups().len(), 1);
        let streams = store.streams("/aws/lambda/f").unwrap();
        assert_eq!(streams.len(), 2);
        assert_eq!(streams[0].first_event_timestamp_ms, Some(1));
        assert_eq!(streams[0].last_event_timestamp_ms, Some(2));
        let events = store.stream_events("/aws/lambda/f", "s1").unwrap();
        let messages: Vec<_> = events.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["a", "b"]);
        assert!(events[0].seq < events[1].seq);
    }

    #[test]
    fn retention_drops_the_oldest_events_of_the_group_first() {
        let store = LogStore::new(LogStoreConfig {
            max_events_per_group: 3,
            log_dir: None,
        });
        store.append("g", "s1", [event(1, "one"), event(2, "two")]);
        store.append("g", "s2", [event(3, "three"), event(4, "four")]);
        let s1 = store.stream_events("g", "s1").unwrap();
        let s2 = store.stream_events("g", "s2").unwrap();
        assert_eq!(
            s1.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
            ["two"]
        );
        assert_eq!(s2.len(), 2);
        assert_eq!(store.groups()[0].stored_bytes, 3 + 5 + 4);
    }

    #[test]
    fn missing_group_and_stream_are_errors() {
        let store = LogStore::default();
        assert_eq!(
            store.streams("nope").unwrap_err(),
            LogStoreError::GroupNotFound("nope".into())
        );
        store.create_group("g").unwrap();
        assert!(matches!(
            store.create_group("g"),
            Err(LogStoreError::GroupExists(_))
        ));
        assert!(matches!(
            store.stream_events("g", "x"),
            Err(LogStoreError::StreamNotFound { .. })
        ));
        store.create_stream("g", "x").unwrap();
        assert!(store.stream_events("g", "x").unwrap().is_empty());
        store.delete_group("g").unwrap();
        assert!(!store.has_group("g"));
    }

    #[test]
    fn log_folder_gets_one_file_per_stream_with_safe_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::new(LogStoreConfig {
            max_events_per_group: 10,
            log_dir: Some(dir.path().to_owned()),
        });
        store.append(
            "/aws/lambda/f",
            "2026/11/25/[$LATEST]ab",
            [event(5, "hello")],
        );
        store.append(
            "/aws/lambda/f",
            "2026/11/25/[$LATEST]ab",
            [event(6, "again\n")],
        );
        store.append("..", "..", [event(7, "x")]);
        let file = dir
            .path()
            .join("%2Faws%2Flambda%2Ff")
            .join("2026%2F11%2F25%2F%5B%24LATEST%5Dab.log");
        let text = std::fs::read_to_string(file).unwrap();
        assert_eq!(text, "5\thello\n6\tagain\n");
        assert!(dir.path().join("%2E.").join("%2E..log").exists());
    }
}
