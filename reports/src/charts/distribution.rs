//! The distribution of handler durations per configuration: a box plot per memory size, one
//! panel per architecture.

use plotters::coord::Shift;
use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use analyzer::result::{ConfigurationResult, TuningResult};
use analyzer::stats::quantile_sorted;

use super::{
    Chart, DrawResult, arch_color, by_architecture, caption_font, fmt_num, label_font, log_range,
    log_ticks, tick_font,
};

/// Box plots of `duration_ms` per configuration: the box spans the quartiles, the bar inside
/// is the median, whiskers reach the 10th and 90th percentiles and dots are the samples beyond
/// them. The duration axis is logarithmic, so that small and large memory sizes both read well.
#[derive(Debug, Clone, Copy)]
pub struct DistributionChart<'a> {
    result: &'a TuningResult,
}

impl<'a> DistributionChart<'a> {
    /// A chart of `result`.
    pub fn new(result: &'a TuningResult) -> Self {
        Self { result }
    }
}

/// The figures one box is drawn from, in ms.
#[derive(Debug, Clone, PartialEq)]
struct BoxFigures {
    p10: f64,
    q1: f64,
    median: f64,
    q3: f64,
    p90: f64,
    beyond: Vec<f64>,
}

impl BoxFigures {
    fn of(config: &ConfigurationResult) -> Option<Self> {
        let mut sorted: Vec<f64> = config
            .samples
            .iter()
            .map(|s| s.duration_ms)
            .filter(|d| d.is_finite())
            .collect();
        sorted.sort_by(f64::total_cmp);
        let p10 = quantile_sorted(&sorted, 0.10)?;
        let p90 = quantile_sorted(&sorted, 0.90)?;
        Some(Self {
            p10,
            q1: quantile_sorted(&sorted, 0.25)?,
            median: quantile_sorted(&sorted, 0.50)?,
            q3: quantile_sorted(&sorted, 0.75)?,
            p90,
            beyond: sorted
                .iter()
                .copied()
                .filter(|d| *d < p10 || *d > p90)
                .collect(),
        })
    }
}

impl Chart for DistributionChart<'_> {
    fn file_stem(&self) -> &'static str {
        "distribution"
    }

    fn caption(&self) -> String {
        "Duration of every sample per configuration (box: quartiles; bar: median; whiskers: \
         p10 to p90; dots: samples beyond)"
            .to_owned()
    }

    fn size_px(&self) -> (u32, u32) {
        let panels = u32::try_from(by_architecture(self.result).len().max(1)).unwrap_or(2);
        (1000, 60 + 340 * panels)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let root = root.titled("Duration distribution per configuration", caption_font())?;
        let groups = by_architecture(self.result);
        let panels = root.split_evenly((groups.len().max(1), 1));
        let (y_lo, y_hi) = log_range(
            self.result
                .configurations
                .iter()
                .flat_map(|c| c.samples.iter().map(|s| s.duration_ms)),
        );
        for ((arch, configs), area) in groups.iter().zip(panels.iter()) {
            let color = arch_color(*arch);
            let boxes: Vec<(String, Option<BoxFigures>)> = configs
                .iter()
                .map(|c| (c.key.memory_mb.get().to_string(), BoxFigures::of(c)))
                .collect();
            #[allow(clippy::cast_precision_loss)]
            let n = boxes.len().max(1) as f64;
            #[allow(clippy::cast_precision_loss)]
            let centers: Vec<f64> = (0..boxes.len()).map(|i| i as f64 + 0.5).collect();
            let labels: Vec<String> = boxes.iter().map(|(label, _)| label.clone()).collect();
            let label_of = move |x: &f64| {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let index = x.floor().max(0.0) as usize;
                labels.get(index).cloned().unwrap_or_default()
            };

            let mut chart = ChartBuilder::on(area)
                .margin(12)
                .caption(arch.as_str(), label_font().color(&color))
                .x_label_area_size(42)
                .y_label_area_size(78)
                .build_cartesian_2d(
                    Slots { count: n },
                    (y_lo..y_hi)
                        .log_scale()
                        .with_key_points(log_ticks((y_lo, y_hi))),
                )?;
            chart
                .configure_mesh()
                .x_desc("memory (MB)")
                .y_desc("duration (ms)")
                .axis_desc_style(label_font())
                .label_style(tick_font())
                .x_label_formatter(&label_of)
                .y_label_formatter(&|y| fmt_num(*y))
                .light_line_style(TRANSPARENT)
                .draw()?;

            for (center, (_, figures)) in centers.iter().zip(&boxes) {
                let Some(b) = figures else { continue };
                let (left, right) = (center - 0.3, center + 0.3);
                let (cap_left, cap_right) = (center - 0.12, center + 0.12);
                chart.draw_series([
                    Rectangle::new([(left, b.q1), (right, b.q3)], color.mix(0.25).filled()),
                    Rectangle::new([(left, b.q1), (right, b.q3)], color.stroke_width(1)),
                ])?;
                chart.draw_series([
                    PathElement::new(
                        vec![(left, b.median), (right, b.median)],
                        color.stroke_width(3),
                    ),
                    PathElement::new(
                        vec![(*center, b.q3), (*center, b.p90)],
                        color.stroke_width(1),
                    ),
                    PathElement::new(
                        vec![(*center, b.q1), (*center, b.p10)],
                        color.stroke_width(1),
                    ),
                    PathElement::new(
                        vec![(cap_left, b.p90), (cap_right, b.p90)],
                        color.stroke_width(1),
                    ),
                    PathElement::new(
                        vec![(cap_left, b.p10), (cap_right, b.p10)],
                        color.stroke_width(1),
                    ),
                ])?;
                chart.draw_series(
                    b.beyond
                        .iter()
                        .map(|d| Circle::new((*center, *d), 2, color.mix(0.6).filled())),
                )?;
            }
        }
        Ok(())
    }
}

/// A categorical axis of `count` equal slots over `0..count`, ticked at each slot's centre.
#[derive(Debug, Clone, Copy)]
struct Slots {
    count: f64,
}

impl Ranged for Slots {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = f64::from(limit.1 - limit.0);
        #[allow(clippy::cast_possible_truncation)]
        let offset = (value / self.count * span).round() as i32;
        limit.0 + offset
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            return Vec::new();
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let count = self.count as usize;
        #[allow(clippy::cast_precision_loss)]
        (0..count).map(|i| i as f64 + 0.5).collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        0.0..self.count
    }
}
