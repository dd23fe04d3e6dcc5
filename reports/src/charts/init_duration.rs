//! The distribution of Init Duration (cold starts) as an empirical CDF, one line per
//! configuration (memory size and architecture).

use plotters::coord::Shift;
use plotters::prelude::*;

use analyzer::result::TuningResult;
use analyzer::units::ConfigKey;

use super::{Chart, DrawResult, caption_font, draw_legend, draw_mesh, fmt_num, padded_range};

/// Colours of the configurations' lines, in order (matplotlib's "tab10", which stays
/// distinguishable for the common forms of colour blindness up to about ten lines).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(230, 110, 10),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// One line of the chart: a labelled set of Init Durations in ms.
#[derive(Debug, Clone, PartialEq)]
pub struct InitSeries {
    /// Legend text.
    pub label: String,
    /// Line colour as RGB.
    pub rgb: (u8, u8, u8),
    /// Every Init Duration observed, in ms, in any order.
    pub init_durations_ms: Vec<f64>,
}

impl InitSeries {
    /// One series per configuration, labelled with its memory size, architecture and number
    /// of cold starts, coloured in order; configurations without a cold start are left out.
    pub fn per_configuration(
        configurations: impl IntoIterator<Item = (ConfigKey, Vec<f64>)>,
    ) -> Vec<InitSeries> {
        configurations
            .into_iter()
            .filter(|(_, durations)| !durations.is_empty())
            .enumerate()
            .map(|(index, (key, init_durations_ms))| {
                let n = init_durations_ms.len();
                InitSeries {
                    label: format!(
                        "{} MB {} ({n} cold start{})",
                        key.memory_mb.get(),
                        key.architecture,
                        if n == 1 { "" } else { "s" }
                    ),
                    rgb: InitDurationChart::palette_rgb(index),
                    init_durations_ms,
                }
            })
            .collect()
    }
}

/// Empirical cumulative distribution of Init Duration: for each duration on the x axis, the
/// share of cold starts that took at most that long.
#[derive(Debug, Clone, PartialEq)]
pub struct InitDurationChart {
    series: Vec<InitSeries>,
}

impl InitDurationChart {
    /// A chart of the given series; `None` when no series holds a single duration.
    pub fn new(series: Vec<InitSeries>) -> Option<Self> {
        let series: Vec<InitSeries> = series
            .into_iter()
            .filter(|s| s.init_durations_ms.iter().any(|d| d.is_finite()))
            .collect();
        (!series.is_empty()).then_some(Self { series })
    }

    /// One line per configuration over the cold samples of a tuning run, in the result's
    /// order; `None` when the run saw no cold start.
    pub fn from_tuning(result: &TuningResult) -> Option<Self> {
        Self::new(InitSeries::per_configuration(
            result.configurations.iter().map(|c| {
                (
                    c.key,
                    c.samples
                        .iter()
                        .filter_map(|s| s.init_duration_ms)
                        .collect(),
                )
            }),
        ))
    }

    /// The colour of the `index`-th line.
    pub fn palette_rgb(index: usize) -> (u8, u8, u8) {
        let c = PALETTE[index % PALETTE.len()];
        (c.0, c.1, c.2)
    }
}

impl Chart for InitDurationChart {
    fn file_stem(&self) -> &'static str {
        "init-duration"
    }

    fn caption(&self) -> String {
        "Init Duration of cold starts: share of cold starts that took at most x ms".to_owned()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (x_lo, x_hi) = padded_range(
            self.series
                .iter()
                .flat_map(|s| s.init_durations_ms.iter().copied()),
            false,
        );
        let x_lo = x_lo.max(0.0);
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .caption("Cold starts: Init Duration (cumulative)", caption_font())
            .x_label_area_size(42)
            .y_label_area_size(78)
            .build_cartesian_2d(x_lo..x_hi, 0.0..100.0)?;
        draw_mesh(
            &mut chart,
            ("Init Duration (ms)", "cold starts at or below (%)"),
            &|x| fmt_num(*x),
            &|y| format!("{y:.0}"),
        )?;

        for series in &self.series {
            let (r, g, b) = series.rgb;
            let color = RGBColor(r, g, b);
            let mut sorted: Vec<f64> = series
                .init_durations_ms
                .iter()
                .copied()
                .filter(|d| d.is_finite())
                .collect();
            sorted.sort_by(f64::total_cmp);
            #[allow(clippy::cast_precision_loss)]
            let n = sorted.len() as f64;
            // A step function from the first observation to the last, a rise of 1/n at each
            // one marked with a dot. It is not extended to the axis ends, where the flat
            // stretches of the configurations' lines would lie on top of each other.
            let mut steps = Vec::with_capacity(sorted.len() * 2);
            let mut tops = Vec::with_capacity(sorted.len());
            for (i, d) in sorted.iter().enumerate() {
                #[allow(clippy::cast_precision_loss)]
                let below = i as f64 / n * 100.0;
                #[allow(clippy::cast_precision_loss)]
                let at = (i + 1) as f64 / n * 100.0;
                steps.push((*d, below));
                steps.push((*d, at));
                tops.push((*d, at));
            }
            chart.draw_series(tops.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
            chart
                .draw_series(LineSeries::new(steps, color.stroke_width(2)))?
                .label(series.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
        }

        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
