//! The Pareto frontier of cost against duration: every configuration as a point, the ones no
//! other configuration beats on both cost and duration joined by a line.

use plotters::coord::Shift;
use plotters::coord::combinators::BindKeyPoints;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use analyzer::result::TuningResult;
use analyzer::units::Architecture;

use super::{
    Chart, DrawResult, INVOCATIONS_PER_UNIT, Pick, arch_color, axis_fraction, by_architecture,
    caption_font, draw_legend, draw_mesh, draw_picks, fmt_num, legend_corner, log_range, log_ticks,
    overall_picks, padded_range, tick_font,
};

/// Cost per invocation against trimmed-mean duration; the frontier from
/// [`analyzer::result::Recommendations::pareto_frontier`] is drawn as a dashed line and every
/// point is labelled with its memory size in MB.
#[derive(Debug, Clone, Copy)]
pub struct ParetoChart<'a> {
    result: &'a TuningResult,
}

impl<'a> ParetoChart<'a> {
    /// A chart of `result`.
    pub fn new(result: &'a TuningResult) -> Self {
        Self { result }
    }
}

impl Chart for ParetoChart<'_> {
    fn file_stem(&self) -> &'static str {
        "pareto"
    }

    fn caption(&self) -> String {
        "Cost against duration per configuration; the dashed line joins the Pareto frontier \
         (labels: memory in MB)"
            .to_owned()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let point = |c: &analyzer::result::ConfigurationResult| {
            (
                c.duration.trimmed_mean,
                c.cost.mean_cost_usd * INVOCATIONS_PER_UNIT,
            )
        };
        let configs = &self.result.configurations;
        let (x_lo, x_hi) = log_range(configs.iter().map(|c| point(c).0));
        let (y_lo, y_hi) = padded_range(configs.iter().map(|c| point(c).1), false);
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .caption("Pareto frontier: cost against duration", caption_font())
            .x_label_area_size(42)
            .y_label_area_size(86)
            .build_cartesian_2d(
                (x_lo..x_hi)
                    .log_scale()
                    .with_key_points(log_ticks((x_lo, x_hi))),
                y_lo..y_hi,
            )?;
        draw_mesh(
            &mut chart,
            (
                "trimmed mean duration (ms, log scale)",
                "cost per 1M invocations (USD)",
            ),
            &|x| fmt_num(*x),
            &|y| fmt_num(*y),
        )?;

        let mut frontier: Vec<(f64, f64)> = self
            .result
            .recommendations
            .pareto_frontier
            .iter()
            .filter_map(|key| configs.iter().find(|c| c.key == *key))
            .map(point)
            .collect();
        frontier.sort_by(|a, b| a.0.total_cmp(&b.0));
        let dashed = BLACK.mix(0.55).stroke_width(2);
        chart
            .draw_series(DashedLineSeries::new(frontier, 8, 5, dashed))?
            .label("Pareto frontier")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], dashed));

        // Labels go on the side of a point with room for them: to the right of points in
        // the left part of the plot, to the left of the others, so none runs off the image.
        let x_fraction = |c: &analyzer::result::ConfigurationResult| {
            axis_fraction(point(c).0, (x_lo, x_hi), true)
        };
        for (arch, group) in by_architecture(self.result) {
            let color = arch_color(arch);
            chart
                .draw_series(group.iter().map(|c| {
                    // x86_64 labels above the point, arm64 labels below, so that neighbours
                    // of the two architectures do not overwrite each other.
                    let (dy, v_pos) = match arch {
                        Architecture::X86_64 => (-4, VPos::Bottom),
                        Architecture::Arm64 => (4, VPos::Top),
                    };
                    let (dx, h_pos) = if x_fraction(c) < 0.85 {
                        (7, HPos::Left)
                    } else {
                        (-7, HPos::Right)
                    };
                    EmptyElement::at(point(c))
                        + Circle::new((0, 0), 5, color.filled())
                        + Text::new(
                            c.key.memory_mb.get().to_string(),
                            (dx, dy),
                            tick_font().color(&color).pos(Pos::new(h_pos, v_pos)),
                        )
                }))?
                .label(arch.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, color.filled()));
        }

        let picks = overall_picks(self.result)
            .into_iter()
            .filter_map(|(key, names)| {
                let config = configs.iter().find(|c| c.key == key)?;
                Some(Pick {
                    at: point(config),
                    names,
                    x_fraction: x_fraction(config),
                })
            })
            .collect();
        draw_picks(&mut chart, picks, 10, 8)?;

        let corner = legend_corner(configs.iter().map(|c| {
            let (x, y) = point(c);
            (
                axis_fraction(x, (x_lo, x_hi), true),
                axis_fraction(y, (y_lo, y_hi), false),
            )
        }));
        draw_legend(&mut chart, corner)
    }
}
