//! The report's charts, one module per chart. Each chart is drawn once per backend: SVG for
//! the HTML report and an in-memory RGB bitmap encoded as PNG for files.

use image::ImageEncoder;
use image::codecs::png::PngEncoder;
use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;

use analyzer::units::Architecture;

use crate::error::{Error, Result};
use crate::font;

mod subject;

pub use subject::Subject;
pub(crate) use subject::readable_time;

pub mod change;
pub mod concurrency;
pub mod cost_duration;
pub mod distribution;
pub mod init_duration;
pub mod pareto;

/// What a drawing function returns for backend `DB`.
pub type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart that can be drawn on any plotters backend.
pub trait Chart {
    /// File stem of the chart (`cost-duration` becomes `cost-duration.png`).
    fn file_stem(&self) -> &'static str;

    /// One line describing the chart, used as the figure caption and the image's title.
    fn caption(&self) -> String;

    /// Width and height in pixels.
    fn size_px(&self) -> (u32, u32) {
        (1000, 600)
    }

    /// Draws the chart on `root`, which is already filled white.
    ///
    /// # Errors
    ///
    /// Whatever the backend reports.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Width and height of a rendered image: the chart under the band that names its subject.
pub fn image_size_px(chart: &impl Chart) -> (u32, u32) {
    let (width, height) = chart.size_px();
    (width, height + subject::BAND_PX)
}

/// Renders `chart` as a standalone SVG document, under a line naming `subject`.
///
/// # Errors
///
/// [`Error::Font`] when the embedded font cannot load; [`Error::Chart`] when drawing fails.
pub fn to_svg(chart: &impl Chart, subject: &Subject) -> Result<String> {
    font::ensure_registered()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, image_size_px(chart)).into_drawing_area();
        draw_on(chart, subject, &root)?;
    }
    Ok(svg)
}

/// Renders `chart` as a PNG image (8-bit RGB), under a line naming `subject`: the function,
/// where and when it was measured, so that the image says what it is wherever it is pasted.
///
/// # Errors
///
/// [`Error::Font`] when the embedded font cannot load; [`Error::Chart`] when drawing fails;
/// [`Error::Png`] when encoding fails.
pub fn to_png(chart: &impl Chart, subject: &Subject) -> Result<Vec<u8>> {
    font::ensure_registered()?;
    let (width, height) = image_size_px(chart);
    let pixels = usize::try_from(u64::from(width) * u64::from(height) * 3)
        .expect("chart sizes are small constants");
    let mut rgb = vec![0_u8; pixels];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        draw_on(chart, subject, &root)?;
    }
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&rgb, width, height, image::ColorType::Rgb8)
        .map_err(|source| Error::Png {
            chart: chart.file_stem(),
            source,
        })?;
    Ok(png)
}

/// Draws the subject band and, below it, the chart on `root` (see [`image_size_px`]), on any
/// plotters backend.
///
/// # Errors
///
/// [`Error::Font`] when the embedded font cannot load; [`Error::Chart`] when drawing fails.
pub fn draw_on<DB: DrawingBackend>(
    chart: &impl Chart,
    subject: &Subject,
    root: &DrawingArea<DB, Shift>,
) -> Result<()> {
    font::ensure_registered()?;
    let failed = |e: DrawingAreaErrorKind<DB::ErrorType>| Error::Chart {
        chart: chart.file_stem(),
        message: e.to_string(),
    };
    root.fill(&WHITE).map_err(failed)?;
    let (band, area) = root.split_vertically(subject::BAND_PX);
    subject.draw(&band).map_err(failed)?;
    chart.draw(&area).map_err(failed)?;
    root.present().map_err(failed)
}

/// The colour of an architecture's series, the same in every chart.
pub(crate) fn arch_color(arch: Architecture) -> RGBColor {
    match arch {
        Architecture::X86_64 => RGBColor(31, 119, 180),
        Architecture::Arm64 => RGBColor(230, 110, 10),
    }
}

/// The colour marking a recommended configuration.
pub(crate) const PICK_COLOR: RGBColor = RGBColor(200, 20, 60);

/// The colour of a second, contrasting series (e.g. provisioned concurrency).
pub(crate) const SECOND_COLOR: RGBColor = RGBColor(44, 160, 44);

/// Text style for axis descriptions.
pub(crate) fn label_font() -> TextStyle<'static> {
    (font::FAMILY, 16).into_font().into()
}

/// Text style for tick labels.
pub(crate) fn tick_font() -> TextStyle<'static> {
    (font::FAMILY, 14).into_font().into()
}

/// Text style for chart captions.
pub(crate) fn caption_font() -> TextStyle<'static> {
    (font::FAMILY, 22).into_font().into()
}

/// Formats a number with a precision that suits its magnitude (tick labels).
pub(crate) fn fmt_num(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 || (magnitude >= 1.0 && value.fract().abs() < 1e-9) || magnitude == 0.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

/// A range that holds every value with a margin, never empty.
pub(crate) fn padded_range(values: impl IntoIterator<Item = f64>, from_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if from_zero {
        lo = lo.min(0.0);
    }
    let span = (hi - lo).max(hi.abs() * 0.1).max(1e-9);
    let lo = if from_zero { lo } else { lo - span * 0.08 };
    (lo, hi + span * 0.08)
}

/// A positive range for a logarithmic axis, with a margin of a few percent either side.
pub(crate) fn log_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite() && *v > 0.0) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (1.0, 10.0);
    }
    if hi / lo < 1.5 {
        let mid = (hi * lo).sqrt();
        return (mid / 1.5, mid * 1.5);
    }
    (lo / 1.12, hi * 1.12)
}

/// Invocations per unit the cost axes use: costs are shown per million invocations, where
/// Lambda's prices give readable numbers.
pub(crate) const INVOCATIONS_PER_UNIT: f64 = 1_000_000.0;

/// The configurations of each architecture present, sorted by memory size.
pub(crate) fn by_architecture(
    result: &analyzer::result::TuningResult,
) -> Vec<(Architecture, Vec<&analyzer::result::ConfigurationResult>)> {
    let mut groups: Vec<(Architecture, Vec<&analyzer::result::ConfigurationResult>)> = Vec::new();
    for arch in Architecture::ALL {
        let mut configs: Vec<_> = result
            .configurations
            .iter()
            .filter(|c| c.key.architecture == arch)
            .collect();
        if !configs.is_empty() {
            configs.sort_by_key(|c| c.key.memory_mb);
            groups.push((arch, configs));
        }
    }
    groups
}

/// Cost of one invocation billed `billed_duration_ms` at `config`'s memory size and prices,
/// request price included, in USD. Used for the spread of cost, from billed-duration
/// percentiles.
pub(crate) fn cost_usd_at(
    config: &analyzer::result::ConfigurationResult,
    billed_duration_ms: f64,
) -> f64 {
    config.cost.gb_second_price_usd * config.key.memory_mb.gb() * billed_duration_ms / 1000.0
        + config.cost.request_price_usd
}

/// The overall recommendations, grouped by configuration: each picked configuration with the
/// names of the strategies that picked it (`"cost, balanced"`).
pub(crate) fn overall_picks(
    result: &analyzer::result::TuningResult,
) -> Vec<(analyzer::result::ConfigKey, String)> {
    let mut picks: Vec<(analyzer::result::ConfigKey, Vec<&'static str>)> = Vec::new();
    for rec in &result.recommendations.overall {
        let name = rec.strategy.as_str();
        match picks.iter_mut().find(|(key, _)| *key == rec.key) {
            Some((_, names)) => names.push(name),
            None => picks.push((rec.key, vec![name])),
        }
    }
    picks
        .into_iter()
        .map(|(key, names)| (key, names.join(", ")))
        .collect()
}

/// Tick positions for a logarithmic memory axis: the measured sizes themselves, skipping any
/// within 8% of the previous tick so that labels do not overlap.
pub(crate) fn memory_ticks(memory_mb: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut sizes: Vec<f64> = memory_mb.into_iter().collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    let mut ticks: Vec<f64> = Vec::with_capacity(sizes.len());
    for size in sizes {
        if ticks.last().is_none_or(|last| size / last >= 1.08) {
            ticks.push(size);
        }
    }
    ticks
}

/// Draws the axes, their descriptions and a light grid in the report's style.
pub(crate) fn draw_mesh<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    (x_desc, y_desc): (&str, &str),
    x_label: &dyn Fn(&X::ValueType) -> String,
    y_label: &dyn Fn(&Y::ValueType) -> String,
) -> DrawResult<DB>
where
    DB: DrawingBackend + 'a,
    X: Ranged + ValueFormatter<X::ValueType>,
    Y: Ranged + ValueFormatter<Y::ValueType>,
{
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(label_font())
        .label_style(tick_font())
        .x_label_formatter(x_label)
        .y_label_formatter(y_label)
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
}

/// Draws the series labels in the report's style: at `position`, on a translucent white box.
pub(crate) fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> DrawResult<DB>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .label_font(tick_font())
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .draw()
}

/// A recommended configuration to ring: its point, the strategies that picked it, and where
/// the point sits across the plot (0 at the left edge, 1 at the right).
pub(crate) struct Pick {
    pub at: (f64, f64),
    pub names: String,
    pub x_fraction: f64,
}

/// Rings each recommended configuration's point, writes the names of the strategies that
/// picked it `label_dy` pixels below the point (above when negative; the label's top edge),
/// beside the ring on the side with room (the right in the left half of the plot, the left
/// in the right half, so that no label runs off the image), and adds one "recommended"
/// legend entry.
pub(crate) fn draw_picks<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    picks: Vec<Pick>,
    ring_px: i32,
    label_dy: i32,
) -> DrawResult<DB>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate<From = (f64, f64)>,
{
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let mut first = true;
    for pick in picks {
        let (dx, h_pos) = if pick.x_fraction < 0.5 {
            (ring_px, HPos::Left)
        } else {
            (-ring_px, HPos::Right)
        };
        let style = tick_font()
            .color(&PICK_COLOR)
            .pos(Pos::new(h_pos, VPos::Top));
        let series = chart.draw_series([EmptyElement::at(pick.at)
            + Circle::new((0, 0), ring_px, PICK_COLOR.stroke_width(2))
            + Text::new(pick.names, (dx, label_dy), style)])?;
        if first {
            series
                .label("recommended")
                .legend(|(x, y)| Circle::new((x + 10, y), 6, PICK_COLOR.stroke_width(2)));
            first = false;
        }
    }
    Ok(())
}

/// The upper corner of a plot where a legend hides the least data: `points` are positions as
/// fractions of the plotting area (`0..=1` on each axis, y upwards).
pub(crate) fn legend_corner(points: impl IntoIterator<Item = (f64, f64)>) -> SeriesLabelPosition {
    let (mut left_top, mut right_top) = (0.0_f64, 0.0_f64);
    for (x, y) in points {
        if x <= 0.45 {
            left_top = left_top.max(y);
        }
        if x >= 0.55 {
            right_top = right_top.max(y);
        }
    }
    if right_top <= left_top {
        SeriesLabelPosition::UpperRight
    } else {
        SeriesLabelPosition::UpperLeft
    }
}

/// Where `value` sits between `lo` and `hi`, as a fraction, on a linear or logarithmic axis.
pub(crate) fn axis_fraction(value: f64, (lo, hi): (f64, f64), log: bool) -> f64 {
    if log && lo > 0.0 && value > 0.0 {
        (value / lo).ln() / (hi / lo).ln()
    } else {
        (value - lo) / (hi - lo)
    }
}

/// Tick positions for a logarithmic axis over `lo..hi`: 1, 2 and 5 times powers of ten, or
/// every integer multiple when the range spans too little for those to give three ticks.
pub(crate) fn log_ticks((lo, hi): (f64, f64)) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo) {
        return Vec::new();
    }
    #[allow(clippy::cast_possible_truncation)]
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |multiples: &[f64]| -> Vec<f64> {
        (first..=last)
            .flat_map(|exp| multiples.iter().map(move |m| m * 10_f64.powi(exp)))
            .filter(|v| *v >= lo && *v <= hi)
            .collect()
    };
    let ticks = within(&[1.0, 2.0, 5.0]);
    if ticks.len() >= 3 {
        ticks
    } else {
        within(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    }
}
