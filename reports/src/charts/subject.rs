//! The line above every chart that names what it shows: the function, the back end and region,
//! the date of the run, so that a PNG pasted into a chat or a ticket says what it is.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use analyzer::environment::Backend;
use analyzer::result::{FunctionInfo, RunEnvironment};

use super::DrawResult;
use crate::font;

/// Height of the band above the chart, in pixels.
pub(crate) const BAND_PX: u32 = 34;

/// Longest function name shown whole; longer ones are cut with an ellipsis.
const MAX_NAME_CHARS: usize = 64;

/// What a chart is of: the function and where and when it was measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The function's name.
    pub function: String,
    /// Where it ran: `AWS` or the local emulator.
    pub backend: Backend,
    /// The region (on AWS) or whose prices were applied (in the emulator).
    pub region: String,
    /// When the run started, as the result records it (RFC 3339), if it does.
    pub started_at: Option<String>,
    /// What the run is compared with, when it is (e.g. `baseline 2026-01-31`).
    pub compared_with: Option<String>,
}

impl Subject {
    /// The subject of a run of `function` in `environment`.
    pub fn of(function: &FunctionInfo, environment: &RunEnvironment) -> Self {
        Self {
            function: function.name.clone(),
            backend: environment.backend,
            region: environment.region.clone(),
            started_at: environment.started_at.clone(),
            compared_with: None,
        }
    }

    /// The line drawn above the chart, e.g. `my-function · AWS eu-west-1 · 2026-03-02 14:05
    /// UTC`.
    pub fn line(&self) -> String {
        let mut name: String = self.function.chars().take(MAX_NAME_CHARS).collect();
        if self.function.chars().count() > MAX_NAME_CHARS {
            name.push('…');
        }
        let place = match self.backend {
            Backend::Aws => format!("AWS {}", self.region),
            Backend::Emulator => format!("local emulator, {} prices", self.region),
        };
        let mut parts = vec![name, place];
        parts.extend(self.started_at.as_deref().map(readable_time));
        parts.extend(self.compared_with.clone());
        parts.join(" · ")
    }

    /// Draws the line on `band`, left-aligned, with a rule below it.
    pub(crate) fn draw<DB: DrawingBackend>(&self, band: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (width, height) = band.dim_in_pixel();
        let height = i32::try_from(height).expect("the band is a few pixels high");
        let width = i32::try_from(width).expect("charts are a few thousand pixels wide");
        let style = TextStyle::from((font::FAMILY, 17).into_font())
            .color(&RGBColor(60, 60, 60))
            .pos(Pos::new(HPos::Left, VPos::Center));
        band.draw_text(&self.line(), &style, (16, height / 2))?;
        band.draw(&PathElement::new(
            vec![(16, height - 1), (width - 16, height - 1)],
            RGBColor(220, 220, 220),
        ))
    }
}

/// `2026-03-02T14:05:09Z` as `2026-03-02 14:05 UTC`; other shapes as they are.
pub(crate) fn readable_time(rfc3339: &str) -> String {
    let (date, time) = rfc3339.split_once('T').unwrap_or((rfc3339, ""));
    let looks_like_date = date.len() == 10 && date.as_bytes()[4] == b'-';
    if !looks_like_date {
        return rfc3339.to_owned();
    }
    match time.get(..5) {
        Some(hh_mm) if time.ends_with('Z') || time.ends_with("+00:00") => {
            format!("{date} {hh_mm} UTC")
        }
        Some(hh_mm) => format!("{date} {hh_mm} {}", offset(time)),
        None => date.to_owned(),
    }
}

/// The UTC offset at the end of an RFC 3339 time (`+02:00`), or nothing.
fn offset(time: &str) -> &str {
    time.rfind(['+', '-']).map_or("", |at| &time[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(backend: Backend, started_at: Option<&str>) -> Subject {
        Subject {
            function: "my-function".to_owned(),
            backend,
            region: "eu-west-1".to_owned(),
            started_at: started_at.map(str::to_owned),
            compared_with: None,
        }
    }

    #[test]
    fn the_line_names_the_function_the_region_and_the_date() {
        assert_eq!(
            subject(Backend::Aws, Some("2026-03-02T14:05:09.123Z")).line(),
            "my-function · AWS eu-west-1 · 2026-03-02 14:05 UTC"
        );
        assert_eq!(
            subject(Backend::Emulator, Some("2026-03-02T14:05:09+02:00")).line(),
            "my-function · local emulator, eu-west-1 prices · 2026-03-02 14:05 +02:00"
        );
        assert_eq!(
            subject(Backend::Aws, None).line(),
            "my-function · AWS eu-west-1"
        );
    }

    #[test]
    fn a_long_name_is_cut_with_an_ellipsis() {
        let mut s = subject(Backend::Aws, None);
        s.function = "f".repeat(80);
        assert!(s.line().starts_with(&format!("{}…", "f".repeat(64))));
    }
}
