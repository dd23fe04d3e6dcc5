//! The reports crate's one error type.

/// Result with the reports crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while rendering a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The embedded font could not be parsed, so no chart can lay out text.
    #[error("the embedded chart font could not be loaded")]
    Font,
    /// A chart could not be drawn.
    #[error("drawing the {chart} chart failed: {message}")]
    Chart {
        /// File stem of the chart, e.g. `cost-duration`.
        chart: &'static str,
        /// What the drawing backend reported.
        message: String,
    },
    /// A chart's bitmap could not be encoded as PNG.
    #[error("encoding the {chart} chart as PNG failed")]
    Png {
        /// File stem of the chart.
        chart: &'static str,
        /// The encoder's error.
        #[source]
        source: image::ImageError,
    },
    /// The result holds nothing to chart or tabulate.
    #[error("the result has no configurations to report: {what}")]
    Empty {
        /// What was missing.
        what: &'static str,
    },
}
