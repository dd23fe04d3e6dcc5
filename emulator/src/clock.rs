//! Wall-clock formatting in the shapes Lambda uses (UTC only, no time-zone database needed).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A UTC calendar time broken into fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    /// Year.
    pub year: i64,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of month, 1..=31.
    pub day: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute.
    pub minute: u32,
    /// Second.
    pub second: u32,
    /// Millisecond.
    pub millis: u32,
}

impl UtcTime {
    /// The current time.
    pub fn now() -> Self {
        Self::from_system(SystemTime::now())
    }

    /// Breaks a system time into UTC fields (times before 1970 clamp to the epoch).
    pub fn from_system(time: SystemTime) -> Self {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let field = |v: i64| u32::try_from(v).expect("calendar fields are small and positive");
        Self {
            year,
            month: field(month),
            day: field(day),
            hour: field(rem / 3600),
            minute: field(rem % 3600 / 60),
            second: field(rem % 60),
            millis: since.subsec_millis(),
        }
    }

    /// `2026-11-25T08:01:43.123Z`, the form of JSON log `time` fields.
    pub fn iso8601_millis(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millis
        )
    }

    /// `2026-11-25T08:01:43.123+0000`, the form of Lambda's `LastModified`.
    pub fn last_modified(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millis
        )
    }

    /// `2026/11/25`, the date prefix of a log stream name.
    pub fn date_path(&self) -> String {
        format!("{:04}/{:02}/{:02}", self.year, self.month, self.day)
    }
}

/// Milliseconds since the Unix epoch, as CloudWatch Logs timestamps are.
pub fn epoch_millis(time: SystemTime) -> i64 {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_a_known_instant() {
        // 2024-02-29T12:34:56.789Z
        let t = UNIX_EPOCH + Duration::from_millis(1_709_210_096_789);
        let utc = UtcTime::from_system(t);
        assert_eq!(utc.iso8601_millis(), "2024-02-29T12:34:56.789Z");
        assert_eq!(utc.date_path(), "2024/02/29");
        assert_eq!(utc.last_modified(), "2024-02-29T12:34:56.789+0000");
        assert_eq!(epoch_millis(t), 1_709_210_096_789);
    }
}
