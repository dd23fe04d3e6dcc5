//! Duration and cost against memory size: one line per architecture, the p10-p90 spread as a
//! band, the recommended configurations circled.

use plotters::coord::Shift;
use plotters::coord::combinators::BindKeyPoints;
use plotters::prelude::*;

use analyzer::result::TuningResult;

use super::{
    Chart, DrawResult, INVOCATIONS_PER_UNIT, Pick, arch_color, axis_fraction, by_architecture,
    caption_font, cost_usd_at, draw_legend, draw_mesh, draw_picks, fmt_num, legend_corner,
    log_range, memory_ticks, overall_picks, padded_range,
};

/// Duration (top) and cost per invocation (bottom) against memory size.
///
/// Lines are the trimmed mean the strategies rank by; bands span the 10th to 90th percentile
/// of duration, and the cost of an invocation billed at those percentiles.
#[derive(Debug, Clone, Copy)]
pub struct CostDurationChart<'a> {
    result: &'a TuningResult,
}

impl<'a> CostDurationChart<'a> {
    /// A chart of `result`.
    pub fn new(result: &'a TuningResult) -> Self {
        Self { result }
    }
}

/// Which metric a panel shows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Metric {
    DurationMs,
    CostPerMillionUsd,
}

impl Metric {
    fn axis_desc(self) -> &'static str {
        match self {
            Metric::DurationMs => "duration (ms)",
            Metric::CostPerMillionUsd => "cost per 1M invocations (USD)",
        }
    }

    /// Point estimate, lower and upper spread of `config` on this metric.
    fn values(self, config: &analyzer::result::ConfigurationResult) -> (f64, f64, f64) {
        match self {
            Metric::DurationMs => (
                config.duration.trimmed_mean,
                config.duration.p10,
                config.duration.p90,
            ),
            Metric::CostPerMillionUsd => (
                config.cost.mean_cost_usd * INVOCATIONS_PER_UNIT,
                cost_usd_at(config, config.billed_duration.p10) * INVOCATIONS_PER_UNIT,
                cost_usd_at(config, config.billed_duration.p90) * INVOCATIONS_PER_UNIT,
            ),
        }
    }
}

impl Chart for CostDurationChart<'_> {
    fn file_stem(&self) -> &'static str {
        "cost-duration"
    }

    fn caption(&self) -> String {
        "Duration and cost against memory size (line: trimmed mean; band: p10 to p90; \
         circle: recommended)"
            .to_owned()
    }

    fn size_px(&self) -> (u32, u32) {
        (1000, 800)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let root = root.titled("Duration and cost against memory size", caption_font())?;
        let panels = root.split_evenly((2, 1));
        self.panel(&panels[0], Metric::DurationMs)?;
        self.panel(&panels[1], Metric::CostPerMillionUsd)
    }
}

impl CostDurationChart<'_> {
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        metric: Metric,
    ) -> DrawResult<DB> {
        let groups = by_architecture(self.result);
        let configs = || groups.iter().flat_map(|(_, configs)| configs.iter());
        let (x_lo, x_hi) = log_range(configs().map(|c| f64::from(c.key.memory_mb.get())));
        // Room on the right for the strategy names next to a pick at the largest size.
        let x_hi = x_hi * 1.25;
        let (y_lo, y_hi) = padded_range(
            configs().flat_map(|c| {
                let (mid, lo, hi) = metric.values(c);
                [mid, lo, hi]
            }),
            true,
        );

        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(78)
            .build_cartesian_2d(
                (x_lo..x_hi).log_scale().with_key_points(memory_ticks(
                    configs().map(|c| f64::from(c.key.memory_mb.get())),
                )),
                y_lo..y_hi,
            )?;
        draw_mesh(
            &mut chart,
            ("memory (MB)", metric.axis_desc()),
            &|x| format!("{x:.0}"),
            &|y| fmt_num(*y),
        )?;

        for (arch, configs) in &groups {
            let color = arch_color(*arch);
            let points: Vec<(f64, (f64, f64, f64))> = configs
                .iter()
                .map(|c| (f64::from(c.key.memory_mb.get()), metric.values(c)))
                .collect();
            let band: Vec<(f64, f64)> = points
                .iter()
                .map(|(x, (_, lo, _))| (*x, *lo))
                .chain(points.iter().rev().map(|(x, (_, _, hi))| (*x, *hi)))
                .collect();
            chart.draw_series(std::iter::once(Polygon::new(
                band,
                color.mix(0.18).filled(),
            )))?;
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|(x, (mid, _, _))| (*x, *mid)),
                    color.stroke_width(2),
                ))?
                .label(arch.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
            chart.draw_series(
                points
                    .iter()
                    .map(|(x, (mid, _, _))| Circle::new((*x, *mid), 3, color.filled())),
            )?;
        }

        let picks = overall_picks(self.result)
            .into_iter()
            .filter_map(|(key, names)| {
                let config = self.result.configurations.iter().find(|c| c.key == key)?;
                let (mid, _, _) = metric.values(config);
                let memory_mb = f64::from(key.memory_mb.get());
                Some(Pick {
                    at: (memory_mb, mid),
                    names,
                    x_fraction: axis_fraction(memory_mb, (x_lo, x_hi), true),
                })
            })
            .collect();
        draw_picks(&mut chart, picks, 9, -22)?;

        let corner = legend_corner(configs().map(|c| {
            let (mid, _, hi) = metric.values(c);
            (
                axis_fraction(f64::from(c.key.memory_mb.get()), (x_lo, x_hi), true),
                axis_fraction(mid.max(hi), (y_lo, y_hi), false),
            )
        }));
        draw_legend(&mut chart, corner)
    }
}
