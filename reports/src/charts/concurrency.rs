//! Monthly cost of on-demand against provisioned concurrency as utilization grows, with the
//! break-even point marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Chart, DrawResult, PICK_COLOR, SECOND_COLOR, arch_color, caption_font, draw_legend, draw_mesh,
    fmt_num, padded_range,
};
use analyzer::units::Architecture;

/// One point of the comparison: at a utilization of the provisioned environments, what a
/// month of the work they would serve costs either way, in USD.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConcurrencyPoint {
    /// Share of the provisioned environments' time spent serving requests, in percent.
    pub utilization_pct: f64,
    /// Monthly cost of that work on demand, in USD.
    pub on_demand_monthly_usd: f64,
    /// Monthly cost of the provisioned environments plus that work's duration charge, in USD.
    pub provisioned_monthly_usd: f64,
}

/// The figures behind the chart: cost curves of one configuration and, when the curves cross,
/// the utilization at which provisioned concurrency becomes the cheaper option.
#[derive(Debug, Clone, PartialEq)]
pub struct ConcurrencyCurve {
    /// What the curves describe, e.g. `1024 MB arm64, 10 provisioned environments`.
    pub label: String,
    /// Points in increasing utilization.
    pub points: Vec<ConcurrencyPoint>,
    /// Utilization above which provisioned concurrency costs less, in percent.
    pub break_even_utilization_pct: Option<f64>,
    /// Utilization the measured traffic gives, in percent, when known.
    pub current_utilization_pct: Option<f64>,
}

impl ConcurrencyCurve {
    /// The curves of the provisioned concurrency in `figures`, from 0 to 100% utilization in
    /// steps of 5%, priced with `prices` over `hours_per_month`.
    ///
    /// With `P` environments of `GB` memory and `S` seconds in a month, at utilization `u`:
    /// on demand costs `u x P x GB x S x on-demand price`; provisioned costs
    /// `P x GB x S x provisioned price + u x P x GB x S x provisioned duration price`. Request
    /// charges are the same either way and left out. With no provisioned environment (`P =
    /// 0`), one environment is charted so that the shape and the break-even still read.
    pub fn from_figures(
        figures: &analyzer::concurrency::ConcurrencyFigures,
        prices: &analyzer::concurrency::ConcurrencyPrices,
        hours_per_month: f64,
    ) -> Self {
        let provisioned = &figures.provisioned;
        let environments = provisioned.provisioned_concurrency.value.max(1.0);
        let gb_seconds = environments * figures.key.memory_mb.gb() * hours_per_month * 3600.0;
        let points = (0..=20)
            .map(|step| {
                let utilization = f64::from(step) * 0.05;
                ConcurrencyPoint {
                    utilization_pct: utilization * 100.0,
                    on_demand_monthly_usd: utilization
                        * gb_seconds
                        * prices.on_demand_usd_per_gb_second,
                    provisioned_monthly_usd: gb_seconds * prices.provisioned_usd_per_gb_second
                        + utilization * gb_seconds * prices.provisioned_duration_usd_per_gb_second,
                }
            })
            .collect();
        let pct = |fraction: f64| {
            (fraction.is_finite() && (0.0..=1.0).contains(&fraction)).then_some(fraction * 100.0)
        };
        Self {
            label: format!(
                "{} MB {}, {environments:.0} provisioned environments",
                figures.key.memory_mb.get(),
                figures.key.architecture
            ),
            points,
            break_even_utilization_pct: pct(provisioned.break_even_utilization.value),
            current_utilization_pct: pct(provisioned.utilization.value),
        }
    }
}

/// On-demand against provisioned monthly cost over utilization.
#[derive(Debug, Clone, PartialEq)]
pub struct ConcurrencyChart {
    curve: ConcurrencyCurve,
}

impl ConcurrencyChart {
    /// A chart of `curve`; `None` when there are fewer than two points to draw a line.
    pub fn new(curve: ConcurrencyCurve) -> Option<Self> {
        (curve.points.len() >= 2).then_some(Self { curve })
    }
}

impl Chart for ConcurrencyChart {
    fn file_stem(&self) -> &'static str {
        "concurrency"
    }

    fn caption(&self) -> String {
        format!(
            "Monthly cost of on-demand against provisioned concurrency by utilization ({})",
            self.curve.label
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let points = &self.curve.points;
        let x_hi = points
            .iter()
            .map(|p| p.utilization_pct)
            .fold(0.0_f64, f64::max)
            .max(1.0);
        let x_lo = 0.0;
        let (y_lo, y_hi) = padded_range(
            points
                .iter()
                .flat_map(|p| [p.on_demand_monthly_usd, p.provisioned_monthly_usd]),
            true,
        );
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .caption(
                format!("On-demand against provisioned: {}", self.curve.label),
                caption_font(),
            )
            .x_label_area_size(42)
            .y_label_area_size(86)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
        draw_mesh(
            &mut chart,
            (
                "utilization of the provisioned environments (%)",
                "monthly cost (USD)",
            ),
            &|x| format!("{x:.0}"),
            &|y| fmt_num(*y),
        )?;

        let on_demand = arch_color(Architecture::X86_64);
        chart
            .draw_series(LineSeries::new(
                points
                    .iter()
                    .map(|p| (p.utilization_pct, p.on_demand_monthly_usd)),
                on_demand.stroke_width(2),
            ))?
            .label("on-demand")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], on_demand.stroke_width(3))
            });
        chart
            .draw_series(LineSeries::new(
                points
                    .iter()
                    .map(|p| (p.utilization_pct, p.provisioned_monthly_usd)),
                SECOND_COLOR.stroke_width(2),
            ))?
            .label("provisioned")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], SECOND_COLOR.stroke_width(3))
            });

        if let Some(break_even) = self.curve.break_even_utilization_pct {
            chart
                .draw_series([PathElement::new(
                    vec![(break_even, y_lo), (break_even, y_hi)],
                    PICK_COLOR.stroke_width(1),
                )])?
                .label(format!("break-even at {break_even:.0}% utilization"))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], PICK_COLOR.stroke_width(2))
                });
        }

        if let Some(current) = self.curve.current_utilization_pct {
            let grey = BLACK.mix(0.5);
            chart
                .draw_series(DashedLineSeries::new(
                    [(current, y_lo), (current, y_hi)],
                    6,
                    4,
                    grey.stroke_width(1),
                ))?
                .label(format!("measured traffic: {current:.0}% utilization"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], grey.stroke_width(1))
                });
        }

        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
