//! `importance.png`: features ranked by permutation importance, with error bars (std over
//! repeats) and the drop-column importance beside it, coloured by the worst finding.

use plotters::prelude::*;

use super::{e, ellipsize, render, severity_color, MAX_FEATURES};
use crate::error::Result;
use crate::report::Report;

/// Draw the chart.
pub fn draw(report: &Report) -> Result<Vec<u8>> {
    let mut feats: Vec<_> = report
        .features
        .iter()
        .filter(|f| f.permutation_importance.is_some())
        .collect();
    feats.sort_by(|a, b| {
        let pa = a.permutation_importance.map_or(0.0, |p| p.mean);
        let pb = b.permutation_importance.map_or(0.0, |p| p.mean);
        pb.total_cmp(&pa).then(a.name.cmp(&b.name))
    });
    let hidden = feats.len().saturating_sub(MAX_FEATURES);
    feats.truncate(MAX_FEATURES);
    let n = feats.len();
    let height = 140 + 34 * n as u32;
    let x_max = feats
        .iter()
        .map(|f| {
            let p = f.permutation_importance.map_or(0.0, |p| p.mean + p.std);
            p.max(f.drop_column_importance.unwrap_or(0.0))
        })
        .fold(0.0f64, f64::max)
        .max(1e-3)
        * 1.1;
    let x_min = feats
        .iter()
        .map(|f| {
            f.drop_column_importance
                .unwrap_or(0.0)
                .min(f.permutation_importance.map_or(0.0, |p| p.mean - p.std))
        })
        .fold(0.0f64, f64::min);
    render(1100, height, |root| {
        let caption = if hidden > 0 {
            format!("Feature importance ({hidden} smaller features not shown)")
        } else {
            "Feature importance".to_string()
        };
        let (area, foot) = root.split_vertically(root.dim_in_pixel().1 - 36);
        let names: Vec<String> = feats.iter().map(|f| ellipsize(&f.name, 28)).collect();
        let mut chart = super::bar_frame(
            &area,
            &caption,
            26,
            x_min..x_max,
            n,
            "skill lost (permutation: filled; drop-column: outlined)",
        )?;
        for (i, f) in feats.iter().enumerate() {
            let top = n as f64 - i as f64;
            super::left_label(root, chart.backend_coord(&(x_min, top - 0.5)), &names[i])?;
            let color = severity_color(f.severity);
            let perm = f.permutation_importance.map_or(0.0, |p| p.mean);
            let std = f.permutation_importance.map_or(0.0, |p| p.std);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, top - 0.15), (perm, top - 0.5)],
                    color.filled(),
                )))
                .map_err(e)?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(perm - std, top - 0.325), (perm + std, top - 0.325)],
                    BLACK.stroke_width(2),
                )))
                .map_err(e)?;
            let drop = f.drop_column_importance.unwrap_or(0.0);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, top - 0.55), (drop, top - 0.85)],
                    color.stroke_width(2),
                )))
                .map_err(e)?;
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (0.0, n as f64)],
                BLACK.stroke_width(1),
            )))
            .map_err(e)?;
        legend(&foot)?;
        Ok(())
    })
}

/// Severity legend, right-aligned in `root` (the strip under the chart).
pub fn legend(root: &super::Area) -> Result<(), String> {
    use crate::report::Severity::*;
    let (w, _) = root.dim_in_pixel();
    let items = [
        (Some(Critical), "critical"),
        (Some(High), "high"),
        (Some(Medium), "medium"),
        (Some(Low), "low"),
        (None, "no finding"),
    ];
    let mut x = w as i32 - 540;
    let y = 10;
    for (sev, label) in items {
        root.draw(&Rectangle::new(
            [(x, y), (x + 14, y + 14)],
            severity_color(sev).filled(),
        ))
        .map_err(e)?;
        root.draw(&Text::new(label, (x + 18, y - 1), ("sans-serif", 15)))
            .map_err(e)?;
        x += 106;
    }
    Ok(())
}
