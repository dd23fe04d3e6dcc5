//! Where the charts put their text: every label, legend entry and caption lies inside the
//! image, whichever configuration the strategies pick (a label that runs off the edge is cut
//! off in the PNG).

use std::cell::RefCell;
use std::rc::Rc;

use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind,
    text_anchor::{HPos, VPos},
};
use reports::charts::change::ChangeChart;
use reports::charts::cost_duration::CostDurationChart;
use reports::charts::distribution::DistributionChart;
use reports::charts::init_duration::InitDurationChart;
use reports::charts::pareto::ParetoChart;
use reports::charts::{Chart, Subject, draw_on, image_size_px};

use analyzer::result::{Strategy, TuningResult};
use analyzer::units::Architecture;

use crate::fixtures;

/// A backend that draws nothing and records each text whose ink falls outside the image.
struct TextOutside {
    size: (u32, u32),
    outside: Rc<RefCell<Vec<String>>>,
}

impl DrawingBackend for TextOutside {
    type ErrorType = std::convert::Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        _: BackendCoord,
        _: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    /// Places the glyphs exactly as plotters' default `draw_text` does, then checks them.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let (w, h) = (self.size.0 as i32, self.size.1 as i32);
        let mut escaped = 0;
        style
            .draw(text, (0, 0), |x, y, color| {
                let (x, y) = transform.transform(x + dx - min_x, y + dy - min_y);
                let (x, y) = (pos.0 + x, pos.1 + y);
                if color.alpha > 0.0 && !(0..w).contains(&x) | !(0..h).contains(&y) {
                    escaped += 1;
                }
                Ok::<(), DrawingErrorKind<Self::ErrorType>>(())
            })
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))??;
        if escaped > 0 {
            self.outside
                .borrow_mut()
                .push(format!("{text:?} ({escaped} pixels)"));
        }
        Ok(())
    }
}

fn texts_outside(chart: &impl Chart, subject: &Subject) -> Vec<String> {
    let outside = Rc::new(RefCell::new(Vec::new()));
    let root = TextOutside {
        size: image_size_px(chart),
        outside: Rc::clone(&outside),
    }
    .into_drawing_area();
    draw_on(chart, subject, &root).unwrap();
    outside.take()
}

/// `result` with every strategy picking the configuration `pick` chooses.
fn all_strategies_pick(mut result: TuningResult, pick: fn(&TuningResult) -> usize) -> TuningResult {
    let chosen = &result.configurations[pick(&result)];
    let (key, cost, duration) = (
        chosen.key,
        chosen.cost.mean_cost_usd,
        chosen.duration.trimmed_mean,
    );
    for rec in &mut result.recommendations.overall {
        rec.key = key;
        rec.mean_cost_usd = cost;
        rec.mean_duration_ms = duration;
    }
    assert_eq!(result.recommendations.overall.len(), 3);
    assert!(
        [Strategy::Cost, Strategy::Speed, Strategy::Balanced]
            .iter()
            .all(|s| result
                .recommendations
                .overall
                .iter()
                .any(|r| r.strategy == *s))
    );
    result
}

fn index_by(result: &TuningResult, better: fn(f64, f64) -> bool) -> usize {
    let mut best = 0;
    for (i, c) in result.configurations.iter().enumerate() {
        if better(
            c.duration.trimmed_mean,
            result.configurations[best].duration.trimmed_mean,
        ) {
            best = i;
        }
    }
    best
}

#[test]
fn issue_20_no_chart_text_runs_off_the_image_wherever_the_picks_are() {
    let fastest = |r: &TuningResult| index_by(r, |a, b| a < b);
    let slowest = |r: &TuningResult| index_by(r, |a, b| a > b);
    let mut checked = 0;
    for base in [
        fixtures::small_tuning_result(),
        fixtures::large_tuning_result(),
        fixtures::tuning_result_named("f", &[Architecture::Arm64], &[128, 10240], 10),
    ] {
        for pick in [fastest, slowest] {
            let result = all_strategies_pick(base.clone(), pick);
            let subject = Subject::of(&result.function, &result.environment);
            let mut outside = texts_outside(&CostDurationChart::new(&result), &subject);
            outside.extend(texts_outside(&DistributionChart::new(&result), &subject));
            outside.extend(texts_outside(&ParetoChart::new(&result), &subject));
            if let Some(chart) = InitDurationChart::from_tuning(&result) {
                outside.extend(texts_outside(&chart, &subject));
            }
            let mut slower = result.clone();
            for (i, config) in slower.configurations.iter_mut().enumerate() {
                let factor = [0.5, 1.0, 3.0][i % 3];
                config
                    .samples
                    .iter_mut()
                    .for_each(|s| s.duration_ms *= factor);
            }
            let comparison = analyzer::comparison::compare_tuning(
                &result,
                &slower,
                &analyzer::comparison::tuning_options(),
            )
            .unwrap();
            let chart = ChangeChart::new(&comparison).unwrap();
            outside.extend(texts_outside(&chart, &subject));
            assert!(outside.is_empty(), "text outside the image: {outside:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
}

#[test]
fn the_recording_backend_sees_text_placed_off_the_image() {
    // The check above would pass on a backend that saw no text: this one puts a label past
    // the left edge on purpose.
    struct OffImage;
    impl Chart for OffImage {
        fn file_stem(&self) -> &'static str {
            "off-image"
        }
        fn caption(&self) -> String {
            String::new()
        }
        fn draw<DB: DrawingBackend>(
            &self,
            root: &DrawingArea<DB, plotters::coord::Shift>,
        ) -> reports::charts::DrawResult<DB> {
            root.draw_text(
                "cost, speed, balanced",
                &("sans-serif", 14).into_text_style(root),
                (-60, 100),
            )
        }
    }
    let result = fixtures::small_tuning_result();
    let subject = Subject::of(&result.function, &result.environment);
    let outside = texts_outside(&OffImage, &subject);
    assert_eq!(outside.len(), 1, "{outside:?}");
}
