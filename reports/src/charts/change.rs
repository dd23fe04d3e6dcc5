//! The change of each configuration against a baseline run: the relative change of the
//! compared statistic with its confidence interval, one row per configuration, coloured by
//! the verdict, over the band the change had to leave to count.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use analyzer::comparison::Comparison;
use analyzer::gate::{ConfigurationVerdict, Outcome};

use super::{Chart, DrawResult, caption_font, label_font, tick_font};

/// Colour of a verdict: red for a regression, green for an improvement, grey otherwise.
pub(crate) fn outcome_color(outcome: Outcome) -> RGBColor {
    match outcome {
        Outcome::Regression => RGBColor(200, 30, 45),
        Outcome::Improvement => RGBColor(30, 140, 60),
        Outcome::Unchanged => RGBColor(110, 110, 110),
    }
}

/// Per configuration: the change in percent of the baseline (dot) and its interval (bar);
/// the grey band is ± the threshold. `None` when no configuration was compared.
#[derive(Debug, Clone, Copy)]
pub struct ChangeChart<'a> {
    comparison: &'a Comparison,
}

impl<'a> ChangeChart<'a> {
    /// A chart of `comparison`; `None` when it compared no configuration.
    pub fn new(comparison: &'a Comparison) -> Option<Self> {
        (!comparison.configurations.is_empty()).then_some(Self { comparison })
    }
}

/// `value` as a percentage of the verdict's baseline value (0 when the baseline is 0).
fn percent(verdict: &ConfigurationVerdict, value: f64) -> f64 {
    if verdict.baseline_value == 0.0 {
        0.0
    } else {
        value / verdict.baseline_value * 100.0
    }
}

impl Chart for ChangeChart<'_> {
    fn file_stem(&self) -> &'static str {
        "change"
    }

    fn caption(&self) -> String {
        let options = &self.comparison.options;
        format!(
            "Change of the {} {} against the baseline, per configuration: dot the change, bar \
             its {:.0}% confidence interval, grey band the threshold a change must leave to \
             count",
            options.statistic,
            options.metric,
            options.confidence * 100.0
        )
    }

    fn size_px(&self) -> (u32, u32) {
        let rows = u32::try_from(self.comparison.configurations.len()).unwrap_or(u32::MAX);
        (1000, 160 + 44 * rows.min(40))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let rows = &self.comparison.configurations;
        let extent = rows
            .iter()
            .flat_map(|v| {
                [
                    percent(v, v.difference_ci.lower),
                    percent(v, v.difference_ci.upper),
                    percent(v, v.threshold),
                ]
            })
            .filter(|p| p.is_finite())
            .fold(1.0_f64, |m, p| m.max(p.abs()));
        let x_hi = extent * 1.15;
        #[allow(clippy::cast_precision_loss)]
        let y_hi = rows.len() as f64;
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .caption(
                format!(
                    "Change against the baseline ({})",
                    self.comparison.options.metric
                ),
                caption_font(),
            )
            .x_label_area_size(42)
            .y_label_area_size(130)
            .build_cartesian_2d(-x_hi..x_hi, -0.5..y_hi - 0.5)?;
        let label_of = |y: &f64| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let index = y.round() as usize;
            match rows.get(index) {
                Some(v) if (y - y.round()).abs() < 1e-6 => {
                    format!("{} MB {}", v.key.memory_mb.get(), v.key.architecture)
                }
                _ => String::new(),
            }
        };
        chart
            .configure_mesh()
            .y_labels(rows.len().max(1) * 2 + 1)
            .disable_y_mesh()
            .x_desc("change (% of the baseline)")
            .axis_desc_style(label_font())
            .label_style(tick_font())
            .x_label_formatter(&|x| format!("{x:+.0}%"))
            .y_label_formatter(&label_of)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;

        for (index, verdict) in rows.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let y = index as f64;
            let band = percent(verdict, verdict.threshold);
            chart.draw_series([Rectangle::new(
                [(-band, y - 0.3), (band, y + 0.3)],
                RGBColor(225, 225, 225).filled(),
            )])?;
            let color = outcome_color(verdict.outcome);
            let (lo, hi) = (
                percent(verdict, verdict.difference_ci.lower),
                percent(verdict, verdict.difference_ci.upper),
            );
            let at = percent(verdict, verdict.difference);
            chart.draw_series([PathElement::new(
                vec![(lo, y), (hi, y)],
                color.stroke_width(3),
            )])?;
            let (dx, h_pos) = if at <= 0.0 {
                (10, HPos::Left)
            } else {
                (-10, HPos::Right)
            };
            chart.draw_series([EmptyElement::at((at, y))
                + Circle::new((0, 0), 6, color.filled())
                + Text::new(
                    format!("{at:+.1}% {}", verdict.outcome.as_str()),
                    (dx, -8),
                    tick_font().color(&color).pos(Pos::new(h_pos, VPos::Bottom)),
                )])?;
        }
        chart.draw_series([PathElement::new(
            vec![(0.0, -0.5), (0.0, y_hi - 0.5)],
            BLACK.mix(0.6).stroke_width(1),
        )])?;
        Ok(())
    }
}
