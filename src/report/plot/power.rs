//! `single_feature_power.png`: each feature's power alone, with the strong-predictor and
//! near-perfect thresholds drawn as lines.

use plotters::prelude::*;

use super::importance::legend;
use super::{e, ellipsize, render, severity_color, MAX_FEATURES};
use crate::error::Result;
use crate::report::Report;

/// Draw the chart.
pub fn draw(report: &Report) -> Result<Vec<u8>> {
    let mut feats: Vec<_> = report.features.iter().collect();
    feats.sort_by(|a, b| {
        b.single_feature_power
            .power
            .total_cmp(&a.single_feature_power.power)
            .then(a.name.cmp(&b.name))
    });
    let hidden = feats.len().saturating_sub(MAX_FEATURES);
    feats.truncate(MAX_FEATURES);
    let n = feats.len();
    let t = &report.settings.thresholds;
    let (strong, near) = (t.strong_power, t.near_perfect_power);
    render(1100, 140 + 28 * n as u32, |root| {
        let caption = if hidden > 0 {
            format!("Single-feature predictive power ({hidden} weaker features not shown)")
        } else {
            "Single-feature predictive power".to_string()
        };
        let (area, foot) = root.split_vertically(root.dim_in_pixel().1 - 36);
        let names: Vec<String> = feats.iter().map(|f| ellipsize(&f.name, 28)).collect();
        let mut chart = super::bar_frame(
            &area,
            &caption,
            26,
            0f64..1.0,
            n,
            "power alone, out of fold (0 = baseline, 1 = perfect)",
        )?;
        for (i, f) in feats.iter().enumerate() {
            let top = n as f64 - i as f64;
            super::left_label(root, chart.backend_coord(&(0.0, top - 0.5)), &names[i])?;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, top - 0.2), (f.single_feature_power.power, top - 0.8)],
                    severity_color(f.severity).filled(),
                )))
                .map_err(e)?;
        }
        for (x, label, color) in [
            (strong, "strong", RGBColor(240, 160, 40)),
            (near, "near-perfect", RGBColor(160, 20, 30)),
        ] {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, n as f64)],
                    color.stroke_width(2),
                )))
                .map_err(e)?
                .label(format!("{label} ({x})"))
                .legend(move |(lx, ly)| {
                    PathElement::new(vec![(lx, ly), (lx + 18, ly)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()
            .map_err(e)?;
        legend(&foot)?;
        Ok(())
    })
}
