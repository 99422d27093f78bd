//! `peeling.png`: the surrogate's out-of-fold score with every feature, after each peeling
//! round, and without exactly the likely leaks (the honest model): how much of the score the
//! leaks were worth.

use plotters::prelude::*;

use super::{e, ellipsize, render};
use crate::error::Result;
use crate::importance::metrics::headline;
use crate::report::Report;

/// Whether the report has peeling to draw.
pub fn applies(report: &Report) -> bool {
    !report.peeling.is_empty() || report.honest_model.is_some()
}

/// Draw the chart.
pub fn draw(report: &Report) -> Result<Vec<u8>> {
    let (metric, full) = headline(&report.model.out_of_fold);
    let mut rows: Vec<(String, f64, RGBColor)> =
        vec![("all features".to_string(), full, RGBColor(225, 70, 60))];
    for (i, s) in report.peeling.iter().enumerate() {
        rows.push((
            format!(
                "round {}: without {} feature{}",
                i + 1,
                s.removed.len(),
                if s.removed.len() == 1 { "" } else { "s" }
            ),
            headline(&s.out_of_fold).1,
            RGBColor(240, 160, 40),
        ));
    }
    if let Some(h) = &report.honest_model {
        rows.push((
            format!("without the {} likely leaks", h.removed.len()),
            h.without_leaks,
            RGBColor(60, 154, 95),
        ));
    }
    let n = rows.len();
    render(1100, (200 + 44 * n as u32).max(300), |root| {
        let mut chart = super::bar_frame(
            root,
            "Surrogate score with and without the suspects",
            24,
            0f64..1.0,
            n,
            &format!("out-of-fold {metric}"),
        )?;
        for (i, (label, score, color)) in rows.iter().enumerate() {
            let top = n as f64 - i as f64;
            super::left_label(
                root,
                chart.backend_coord(&(0.0, top - 0.5)),
                &ellipsize(label, 30),
            )?;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, top - 0.2), (score.clamp(0.0, 1.0), top - 0.8)],
                    color.filled(),
                )))
                .map_err(e)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{score:.4}"),
                    (score.clamp(0.0, 0.9) + 0.01, top - 0.35),
                    ("sans-serif", 15),
                )))
                .map_err(e)?;
        }
        Ok(())
    })
}
