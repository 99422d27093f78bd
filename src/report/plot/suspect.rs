//! `suspect_<feature>.png`: a flagged feature's distribution per target class (share of each
//! class's rows in each bin), or the mean target per bin for regression, with the bins behind
//! the finding (a pure segment, the missing values) highlighted.

use plotters::prelude::*;

use super::{e, ellipsize, render};
use crate::error::Result;
use crate::report::{Distribution, Report};

const PALETTE: [RGBColor; 6] = [
    RGBColor(50, 110, 190),
    RGBColor(230, 120, 30),
    RGBColor(60, 160, 80),
    RGBColor(180, 60, 160),
    RGBColor(120, 120, 120),
    RGBColor(200, 170, 40),
];

/// Draw the chart.
pub fn draw(report: &Report, d: &Distribution) -> Result<Vec<u8>> {
    let g = d.bins.len().max(1);
    let series = d.values.len().max(1);
    let y_max = d
        .values
        .iter()
        .flatten()
        .copied()
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.15;
    let y_min = d
        .values
        .iter()
        .flatten()
        .copied()
        .fold(0.0f64, f64::min)
        .min(0.0);
    let width = (260 + 70 * g as u32).clamp(900, 1600);
    render(width, 620, |root| {
        let title = format!("{} — {}", ellipsize(&d.feature, 40), d.kinds_text());
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 24))
            .margin(16)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..g as f64, y_min..y_max)
            .map_err(e)?;
        // Labels fit the bar width (about 7 px a character); alternate rows when crowded.
        let per_bin = (width as usize - 120) / g;
        let chars = (per_bin / 7).max(4);
        let two_rows = per_bin < 110;
        let bins: Vec<String> = d
            .bins
            .iter()
            .map(|b| ellipsize(b, if two_rows { chars * 2 - 1 } else { chars }))
            .collect();
        let regression = report.dataset.classes.is_empty();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc(if regression {
                "mean target in bin"
            } else {
                "share of the class's rows"
            })
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(e)?;
        for (i, b) in bins.iter().enumerate() {
            super::below_label(
                root,
                chart.backend_coord(&(i as f64 + 0.5, y_min)),
                b,
                if two_rows { (i % 2) as i32 } else { 0 },
            )?;
        }
        // Highlight the bins behind the finding.
        for &m in &d.marked {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(m as f64, y_min), (m as f64 + 1.0, y_max)],
                    RGBColor(255, 230, 120).mix(0.6).filled(),
                )))
                .map_err(e)?;
        }
        let w = 0.8 / series as f64;
        for (s, values) in d.values.iter().enumerate() {
            let color = PALETTE[s % PALETTE.len()];
            let label = d.series.get(s).cloned().unwrap_or_default();
            chart
                .draw_series(values.iter().enumerate().map(|(i, &v)| {
                    let x0 = i as f64 + 0.1 + w * s as f64;
                    Rectangle::new([(x0, 0.0), (x0 + w * 0.95, v)], color.filled())
                }))
                .map_err(e)?
                .label(if regression {
                    label
                } else {
                    format!("{} = {label}", report.dataset.target)
                })
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled())
                });
        }
        if !d.marked.is_empty() {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, 0.0), (0.0, 0.0)],
                    RGBColor(255, 230, 120).filled(),
                )))
                .map_err(e)?
                .label("bins behind the finding")
                .legend(|(x, y)| {
                    Rectangle::new(
                        [(x, y - 6), (x + 14, y + 6)],
                        RGBColor(255, 215, 90).filled(),
                    )
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()
            .map_err(e)?;
        Ok(())
    })
}
