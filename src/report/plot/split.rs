//! `split.png`, for split-aware audits: the surrogate's score under random K-fold beside group
//! K-fold and time-ordered validation (the gap is what overlap or look-ahead inflates), the
//! adversarial train-vs-test AUC, and the share of test rows repeating a training row.

use plotters::prelude::*;

use super::{bar_frame, e, left_label, render};
use crate::error::Result;
use crate::split::SplitInfo;

/// Whether the split has anything worth plotting beyond the random K-fold score.
pub fn applies(s: &SplitInfo) -> bool {
    s.group_kfold.is_some()
        || s.time_ordered.is_some()
        || s.adversarial_auc.is_some()
        || s.duplicate_test_rows > 0
}

/// Draw the chart.
pub fn draw(s: &SplitInfo) -> Result<Vec<u8>> {
    let metric = s
        .random_kfold
        .as_ref()
        .map_or("score".to_string(), |(m, _)| m.clone());
    let mut rows: Vec<(String, f64, RGBColor)> = Vec::new();
    if let Some((_, v)) = &s.random_kfold {
        rows.push((
            format!("random K-fold ({metric})"),
            *v,
            RGBColor(150, 155, 165),
        ));
    }
    if let Some(v) = s.group_kfold {
        rows.push((
            format!("group K-fold ({metric})"),
            v,
            RGBColor(50, 110, 190),
        ));
    }
    if let Some(v) = s.time_ordered {
        rows.push((
            format!("time-ordered ({metric})"),
            v,
            RGBColor(50, 110, 190),
        ));
    }
    if let Some(v) = s.adversarial_auc {
        rows.push(("train vs test AUC".into(), v, RGBColor(240, 160, 40)));
    }
    let dup = s.duplicate_test_rows as f64 / s.test_rows.max(1) as f64;
    rows.push((
        "test rows repeating train".into(),
        dup,
        RGBColor(225, 70, 60),
    ));
    let n = rows.len();
    let lo = rows.iter().map(|r| r.1).fold(0.0f64, f64::min);
    render(1100, 170 + 50 * n as u32, |root| {
        let mut chart = bar_frame(
            root,
            "Validation under the split",
            24,
            lo..1.05,
            n,
            "score (higher random K-fold than the others = inflated)",
        )?;
        for (i, (label, v, color)) in rows.iter().enumerate() {
            let top = n as f64 - i as f64;
            left_label(root, chart.backend_coord(&(lo, top - 0.5)), label)?;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, top - 0.2), (*v, top - 0.8)],
                    color.filled(),
                )))
                .map_err(e)?;
            let (px, py) = chart.backend_coord(&(v.max(0.0), top - 0.5));
            root.draw(&Text::new(
                format!("{v:.3}"),
                (px + 6, py - 8),
                ("sans-serif", 15),
            ))
            .map_err(e)?;
        }
        Ok(())
    })
}
