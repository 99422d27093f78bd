//! `pipeline_<feature>.png`: the picture of a leak made by the preparation pipeline, drawn from
//! the finding's [`Picture`].
//! - `target_encoding`: the feature against each row's own target in the largest levels: flat
//!   for an in-sample mean, an exactly falling line for leave-one-out.
//! - `oversampled_before_split`: synthetic test rows (red) on the segment between their two
//!   training parents (blue), in the first two columns compared.

use plotters::prelude::*;

use super::{e, ellipsize, render};
use crate::error::Result;
use crate::finding::{Finding, FindingKind, Picture};

const COLORS: [RGBColor; 3] = [
    RGBColor(50, 110, 190),
    RGBColor(230, 120, 30),
    RGBColor(60, 160, 80),
];

fn range(vals: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let lo = vals.clone().fold(f64::INFINITY, f64::min);
    let hi = vals.fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-9);
    (lo - pad, hi + pad)
}

/// Whether the finding has a picture.
pub fn applies(f: &Finding) -> bool {
    matches!(
        f.kind,
        FindingKind::TargetEncoding | FindingKind::OversampledBeforeSplit
    ) && f.picture.is_some()
}

/// Draw the picture of a pipeline finding.
pub fn draw(f: &Finding) -> Result<Vec<u8>> {
    let Some(picture) = &f.picture else {
        return Ok(Vec::new());
    };
    let title = match f.kind {
        FindingKind::TargetEncoding => format!(
            "{}: target encoding on its own rows",
            ellipsize(f.feature.as_deref().unwrap_or(""), 40)
        ),
        _ => "Test rows between two training rows (oversampling before the split)".to_string(),
    };
    let finite = |p: &[f64; 2]| p[0].is_finite() && p[1].is_finite();
    let (x_label, y_label, series, segments) = match picture {
        Picture::Levels {
            x_label,
            y_label,
            series,
        } => {
            let series: Vec<(String, Vec<(f64, f64)>)> = series
                .iter()
                .map(|s| {
                    let pts = s.points.iter().filter(|p| finite(p)).map(|p| (p[0], p[1]));
                    (s.name.clone(), pts.collect())
                })
                .collect();
            (x_label, y_label, series, Vec::new())
        }
        Picture::Segments {
            x_label,
            y_label,
            segments,
        } => {
            let segments: Vec<Vec<(f64, f64)>> = segments
                .iter()
                .filter(|seg| seg.iter().all(finite))
                .map(|seg| seg.iter().map(|p| (p[0], p[1])).collect())
                .collect();
            (x_label, y_label, Vec::new(), segments)
        }
    };
    let label = |text: &str| ellipsize(text, 60);
    let all: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .chain(segments.iter().flatten().copied())
        .collect();
    let (x0, x1) = range(all.iter().map(|p| p.0));
    let (y0, y1) = range(all.iter().map(|p| p.1));
    render(1000, 620, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc(label(x_label))
            .y_desc(label(y_label))
            .draw()
            .map_err(e)?;
        for (i, (name, pts)) in series.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())))
                .map_err(e)?
                .label(ellipsize(name, 30))
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
        }
        for seg in &segments {
            chart
                .draw_series(LineSeries::new(
                    vec![seg[0], seg[1]],
                    COLORS[0].stroke_width(1),
                ))
                .map_err(e)?;
            chart
                .draw_series(
                    seg[..2]
                        .iter()
                        .map(|&p| Circle::new(p, 4, COLORS[0].filled())),
                )
                .map_err(e)?;
            chart
                .draw_series(std::iter::once(Circle::new(seg[2], 5, RED.filled())))
                .map_err(e)?;
        }
        if !series.is_empty() {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()
                .map_err(e)?;
        }
        Ok(())
    })
}
