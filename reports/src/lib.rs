//! Rendering of powertune results: a self-contained HTML report and PNG charts.
//!
//! `reports` owns the presentation of results and nothing else: results come in as the
//! analyzer's serde types, and an HTML [`String`] plus PNG bytes come out. It must not do I/O,
//! read the environment or the clock, or log: the caller (the `powertune report` command)
//! reads the result file and writes the files wherever the user asked.
//!
//! Charts are drawn with plotters in the embedded DejaVu Sans font, so they look the same on a
//! machine with no fonts installed. The HTML page loads nothing from anywhere: charts are
//! inline SVG, the only script (table sorting) and style are inline and allowed by hash in the
//! page's Content-Security-Policy, and every string from the result is escaped.
//!
//! ```no_run
//! # fn load() -> analyzer::result::TuningResult { unimplemented!() }
//! let result: analyzer::result::TuningResult = load();
//! let report = reports::render(&result)?;
//! assert!(report.html.starts_with("<!DOCTYPE html>"));
//! // The caller writes the page as `report.html` (`coldstart.html` for a cold-start result)
//! // and each chart under its name (e.g. `cost-duration.png`) beside it: the page links them.
//! assert_eq!(report.html_file_name(), "report.html");
//! for (file_name, png) in &report.pngs {
//!     assert!(file_name.ends_with(".png") && !png.is_empty());
//! }
//! # Ok::<(), reports::Error>(())
//! ```
#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod charts;
pub mod error;
mod font;
pub mod html;

use analyzer::coldstart::ColdStartResult;
use analyzer::comparison::Comparison;
use analyzer::result::TuningResult;

use crate::charts::change::ChangeChart;
use crate::charts::concurrency::{ConcurrencyChart, ConcurrencyCurve};
use crate::charts::cost_duration::CostDurationChart;
use crate::charts::distribution::DistributionChart;
use crate::charts::init_duration::{InitDurationChart, InitSeries};
use crate::charts::pareto::ParetoChart;
use crate::charts::{Chart, Subject};
use crate::html::Figure;

pub use error::{Error, Result};

/// What a report is of. Each kind has one naming scheme for its files, so that reports of
/// both kinds can share a folder and every name the page links is the name written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// A tuning run: `report.html` and `<chart>.png`.
    Tuning,
    /// A cold-start run: `coldstart.html` and `coldstart-<chart>.png`.
    ColdStart,
}

impl ReportKind {
    /// The file name of the page.
    pub fn html_file_name(self) -> &'static str {
        match self {
            ReportKind::Tuning => "report.html",
            ReportKind::ColdStart => "coldstart.html",
        }
    }

    /// The file name of the chart with file stem `stem`.
    pub fn png_file_name(self, stem: &str) -> String {
        match self {
            ReportKind::Tuning => format!("{stem}.png"),
            ReportKind::ColdStart => format!("coldstart-{stem}.png"),
        }
    }
}

/// A rendered report: the HTML page and each chart as a PNG file, under the names of its
/// [`ReportKind`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// What the report is of, which names its files.
    pub kind: ReportKind,
    /// The self-contained HTML page (write it as [`Report::html_file_name`]); it links each
    /// PNG by its file name, so write them into the same folder.
    pub html: String,
    /// `(file name, PNG bytes)` per chart, e.g. `("pareto.png", ...)`, in page order.
    pub pngs: Vec<(String, Vec<u8>)>,
}

impl Report {
    /// The file name of the page: `report.html` or `coldstart.html`.
    pub fn html_file_name(&self) -> &'static str {
        self.kind.html_file_name()
    }
}

/// What a report may show beyond the result itself.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Extras {
    /// On-demand against provisioned concurrency cost curves, charted when present (build
    /// them from the analyzer's figures with [`ConcurrencyCurve::from_figures`]).
    pub concurrency: Option<ConcurrencyCurve>,
    /// The run compared with a previous one, shown as a section and a chart when present
    /// (from [`analyzer::comparison::compare_tuning`]).
    pub comparison: Option<Comparison>,
}

impl Extras {
    /// Extras with concurrency cost curves.
    pub fn with_concurrency(curve: ConcurrencyCurve) -> Self {
        Self {
            concurrency: Some(curve),
            comparison: None,
        }
    }

    /// These extras and the comparison with a baseline.
    #[must_use]
    pub fn and_comparison(mut self, comparison: Comparison) -> Self {
        self.comparison = Some(comparison);
        self
    }
}

/// Renders the report of a tuning run: cost and duration against memory, the duration
/// distribution, the Pareto frontier, and the Init Duration distribution when the run saw
/// cold starts.
///
/// # Errors
///
/// [`Error::Empty`] when the result has no configuration; [`Error::Font`], [`Error::Chart`]
/// or [`Error::Png`] when a chart cannot be drawn.
pub fn render(result: &TuningResult) -> Result<Report> {
    render_with(result, &Extras::default())
}

/// [`render`], with the optional sections in `extras`.
///
/// # Errors
///
/// As [`render`].
pub fn render_with(result: &TuningResult, extras: &Extras) -> Result<Report> {
    if result.configurations.is_empty() {
        return Err(Error::Empty {
            what: "a tuning result needs at least one configuration",
        });
    }
    let mut rendered = Rendered::new(
        ReportKind::Tuning,
        Subject::of(&result.function, &result.environment),
    );
    rendered.add(&CostDurationChart::new(result))?;
    rendered.add(&DistributionChart::new(result))?;
    rendered.add(&ParetoChart::new(result))?;
    if let Some(chart) = InitDurationChart::from_tuning(result) {
        rendered.add(&chart)?;
    }
    if let Some(chart) = extras.concurrency.clone().and_then(ConcurrencyChart::new) {
        rendered.add(&chart)?;
    }
    let comparison = extras.comparison.as_ref();
    rendered.add_comparison(comparison)?;
    Ok(Report {
        kind: ReportKind::Tuning,
        html: html::tuning_page(result, comparison, &rendered.figures),
        pngs: rendered.pngs,
    })
}

/// Renders the report of a cold-start run: the Init Duration distribution of every
/// configuration and a table of its percentiles with their confidence intervals.
///
/// # Errors
///
/// [`Error::Font`], [`Error::Chart`] or [`Error::Png`] when a chart cannot be drawn.
pub fn render_coldstart(result: &ColdStartResult) -> Result<Report> {
    render_coldstart_with(result, None)
}

/// [`render_coldstart`], compared with a baseline run when `comparison` is given (from
/// [`analyzer::comparison::compare_coldstart`]).
///
/// # Errors
///
/// As [`render_coldstart`].
pub fn render_coldstart_with(
    result: &ColdStartResult,
    comparison: Option<&Comparison>,
) -> Result<Report> {
    let mut rendered = Rendered::new(
        ReportKind::ColdStart,
        Subject::of(&result.function, &result.environment),
    );
    let series = InitSeries::per_configuration(result.configurations.iter().map(|config| {
        (
            config.key,
            config.samples.iter().map(|s| s.init_duration_ms).collect(),
        )
    }));
    if let Some(chart) = InitDurationChart::new(series) {
        rendered.add(&chart)?;
    }
    rendered.add_comparison(comparison)?;
    Ok(Report {
        kind: ReportKind::ColdStart,
        html: html::coldstart_page(result, comparison, &rendered.figures),
        pngs: rendered.pngs,
    })
}

/// Charts rendered so far, in page order, named by the report's kind.
#[derive(Debug)]
struct Rendered {
    kind: ReportKind,
    subject: Subject,
    figures: Vec<Figure>,
    pngs: Vec<(String, Vec<u8>)>,
}

impl Rendered {
    fn new(kind: ReportKind, subject: Subject) -> Self {
        Self {
            kind,
            subject,
            figures: Vec::new(),
            pngs: Vec::new(),
        }
    }

    fn add(&mut self, chart: &impl Chart) -> Result<()> {
        let subject = self.subject.clone();
        self.add_about(chart, &subject)
    }

    /// The change chart of `comparison`, whose subject also names the baseline.
    fn add_comparison(&mut self, comparison: Option<&Comparison>) -> Result<()> {
        let Some(comparison) = comparison else {
            return Ok(());
        };
        let Some(chart) = ChangeChart::new(comparison) else {
            return Ok(());
        };
        let mut subject = self.subject.clone();
        subject.compared_with = Some(html::baseline_name(&comparison.baseline));
        self.add_about(&chart, &subject)
    }

    fn add_about(&mut self, chart: &impl Chart, subject: &Subject) -> Result<()> {
        let png_file = self.kind.png_file_name(chart.file_stem());
        self.figures.push(Figure {
            file_stem: chart.file_stem(),
            png_file: png_file.clone(),
            caption: chart.caption(),
            svg: charts::to_svg(chart, subject)?,
        });
        self.pngs.push((png_file, charts::to_png(chart, subject)?));
        Ok(())
    }
}
