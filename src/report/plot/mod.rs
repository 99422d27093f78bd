//! PNG diagnostics drawn with plotters' bitmap backend and an embedded font (DejaVu Sans via
//! `ab_glyph`), so text renders on a machine with no system fonts. One file per plot kind; each
//! reads only the [`Report`] and never computes.

//!
//! Drawing needs the `plots` feature (on by default): plotters, the PNG encoder and the font.
//! Without it [`render_all`] draws nothing and the reports refer to no picture.

#[cfg(feature = "plots")]
mod importance;
#[cfg(feature = "plots")]
mod peeling;
#[cfg(feature = "plots")]
mod pipeline;
#[cfg(feature = "plots")]
mod power;
#[cfg(feature = "plots")]
mod split;
#[cfg(feature = "plots")]
mod suspect;

#[cfg(feature = "plots")]
use std::sync::Once;

#[cfg(feature = "plots")]
use plotters::prelude::*;

use super::Report;
#[cfg(feature = "plots")]
use super::Severity;
#[cfg(feature = "plots")]
use crate::error::Error;
use crate::error::Result;

/// Features per chart at most; the rest are summarised in a caption.
#[cfg(feature = "plots")]
pub const MAX_FEATURES: usize = 30;

/// Which plots to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotKind {
    /// importance.png
    Importance,
    /// single_feature_power.png
    Power,
    /// `suspect_<feature>.png` for each feature flagged high or above
    Suspect,
    /// split.png: validation scores under the split (split-aware audits)
    Split,
    /// peeling.png: the score with every feature, after each peeling round and without the
    /// likely leaks
    Peeling,
}

crate::names::names!(PlotKind {
    Importance => "importance",
    Power => "power",
    Suspect => "suspect",
    Split => "split",
    Peeling => "peeling",
});

/// A rendered plot: file name and PNG bytes.
pub struct Plot {
    /// File name inside the report directory.
    pub name: String,
    /// Caption for Markdown and HTML.
    pub caption: String,
    /// Encoded PNG.
    pub png: Vec<u8>,
}

#[cfg(feature = "plots")]
static FONT: Once = Once::new();

#[cfg(feature = "plots")]
fn register_font() {
    FONT.call_once(|| {
        // The bytes are a valid TTF shipped by the dejavu crate; failure would only lose text.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

#[cfg(feature = "plots")]
/// Colour of a severity (grey when none).
pub fn severity_color(s: Option<Severity>) -> RGBColor {
    match s {
        Some(Severity::Critical) => RGBColor(160, 20, 30),
        Some(Severity::High) => RGBColor(225, 70, 60),
        Some(Severity::Medium) => RGBColor(240, 160, 40),
        Some(Severity::Low) => RGBColor(90, 140, 210),
        None => RGBColor(150, 155, 165),
    }
}

/// Shorten a label to `max` characters with an ellipsis.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(feature = "plots")]
/// The drawing area plots draw on.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

#[cfg(feature = "plots")]
/// Draw into an RGB buffer of `w` x `h` and encode it as PNG.
pub fn render(w: u32, h: u32, draw: impl FnOnce(&Area) -> Result<(), String>) -> Result<Vec<u8>> {
    register_font();
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_error(&e.to_string()))?;
        draw(&root).map_err(|e| plot_error(&e))?;
        root.present().map_err(|e| plot_error(&e.to_string()))?;
    }
    let mut png = Vec::new();
    use image::ImageEncoder;
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&buf, w, h, image::ColorType::Rgb8)
        .map_err(|e| plot_error(&e.to_string()))?;
    Ok(png)
}

#[cfg(feature = "plots")]
fn plot_error(msg: &str) -> Error {
    Error::Output {
        path: "plot".into(),
        message: msg.to_string(),
    }
}

#[cfg(feature = "plots")]
/// Map any plotters error to a string.
pub fn e<T: std::fmt::Display>(err: T) -> String {
    err.to_string()
}

#[cfg(feature = "plots")]
/// Write `label` right-aligned just left of pixel `(x, y)` (feature names on a bar chart).
pub fn left_label(root: &Area, (x, y): (i32, i32), label: &str) -> Result<(), String> {
    let style = TextStyle::from(("sans-serif", 15).into_font()).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Right,
            plotters::style::text_anchor::VPos::Center,
        ),
    );
    root.draw(&Text::new(label.to_string(), (x - 8, y), style))
        .map_err(e)
}

#[cfg(feature = "plots")]
/// Write `label` centred just below pixel `(x, y)` (bin names under a bar chart).
pub fn below_label(root: &Area, (x, y): (i32, i32), label: &str, row: i32) -> Result<(), String> {
    let style = TextStyle::from(("sans-serif", 13).into_font()).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Top,
        ),
    );
    root.draw(&Text::new(label.to_string(), (x, y + 8 + 16 * row), style))
        .map_err(e)
}

#[cfg(feature = "plots")]
/// Horizontal bar chart coordinates: x in `x`, one row per feature from the top (`n` rows).
pub type BarChart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

#[cfg(feature = "plots")]
/// The frame shared by the horizontal bar charts: caption, x axis with its description, room
/// on the left for the row names (drawn with [`left_label`]), no y labels.
pub fn bar_frame<'a, 'b>(
    area: &'a Area<'b>,
    caption: &str,
    caption_size: u32,
    x: std::ops::Range<f64>,
    n: usize,
    x_desc: &str,
) -> Result<BarChart<'a, 'b>, String> {
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", caption_size))
        .margin(16)
        .x_label_area_size(60)
        .y_label_area_size(230)
        .build_cartesian_2d(x, 0f64..n as f64)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(x_desc)
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 15))
        .draw()
        .map_err(e)?;
    Ok(chart)
}

/// File-name-safe version of a feature name.
#[cfg(feature = "plots")]
pub fn file_safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    ellipsize(&s, 60)
}

/// Without the `plots` feature nothing is drawn.
#[cfg(not(feature = "plots"))]
pub fn render_all(_report: &Report, _kinds: &[PlotKind]) -> Result<Vec<Plot>> {
    Ok(Vec::new())
}

/// Render the selected plots for a report.
#[cfg(feature = "plots")]
pub fn render_all(report: &Report, kinds: &[PlotKind]) -> Result<Vec<Plot>> {
    let mut out = Vec::new();
    if kinds.contains(&PlotKind::Importance)
        && report
            .features
            .iter()
            .any(|f| f.permutation_importance.is_some())
    {
        out.push(Plot {
            name: "importance.png".into(),
            caption: "Permutation importance (± std over repeats) beside drop-column importance; colour = worst finding".into(),
            png: importance::draw(report)?,
        });
    }
    if kinds.contains(&PlotKind::Power) {
        out.push(Plot {
            name: "single_feature_power.png".into(),
            caption: "Single-feature predictive power (out of fold) with the severity thresholds"
                .into(),
            png: power::draw(report)?,
        });
    }
    if let Some(s) = report
        .split
        .as_ref()
        .filter(|s| kinds.contains(&PlotKind::Split) && split::applies(s))
    {
        out.push(Plot {
            name: "split.png".into(),
            caption: "Surrogate score under random K-fold, group K-fold and time-ordered validation; train-vs-test AUC; repeated rows".into(),
            png: split::draw(s)?,
        });
    }
    if kinds.contains(&PlotKind::Peeling) && peeling::applies(report) {
        out.push(Plot {
            name: "peeling.png".into(),
            caption: "Surrogate score with every feature, after each peeling round, and without the likely leaks".into(),
            png: peeling::draw(report)?,
        });
    }
    if kinds.contains(&PlotKind::Suspect) {
        for (i, f) in report
            .findings
            .iter()
            .filter(|f| pipeline::applies(f))
            .enumerate()
        {
            let who = f.feature.clone().unwrap_or_else(|| f.kind.to_string());
            out.push(Plot {
                name: format!("pipeline_{}.png", file_safe(&format!("{who}_{i}"))),
                caption: format!(
                    "{} ({who}): the picture of the pipeline's leak",
                    f.kind.as_str().replace('_', " ")
                ),
                png: pipeline::draw(f)?,
            });
        }
        for d in &report.distributions {
            out.push(Plot {
                name: format!("suspect_{}.png", file_safe(&d.feature)),
                caption: format!("'{}' by target ({})", d.feature, d.kinds_text()),
                png: suspect::draw(report, d)?,
            });
        }
    }
    Ok(out)
}
