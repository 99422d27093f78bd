//! `pure_segment`: a value, interval or category covering a substantial share of rows in which
//! the target is (almost) constant although it is not elsewhere: the "expenditure > 0 ⇒ card
//! granted" signature. A segment defined by one exact value (0, missing, one category) or by
//! everything but one value is "point-defined": that is how post-outcome fields look (zero or
//! empty until the outcome happens). Pure tails of a smooth feature (iris: petal width <= 0.6 ⇒
//! setosa) are intervals and graded lower. Classification only.

use serde_json::json;

use super::{finding, pct, r4, Check, Context};
use crate::data::Values;
use crate::report::{Finding, Severity};
use crate::surrogate::binned::{fmt_num, BinKind};
use crate::surrogate::Labels;

/// The check.
pub struct PureSegment;

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// One bin (a value, a category or missing).
    Bin(usize),
    /// All present bins but one.
    AllBut(usize),
    /// Present bins lo..=hi.
    Interval(usize, usize),
}

struct Segment {
    shape: Shape,
    rows: f64,
    class: usize,
    purity: f64,
}

impl PureSegment {
    fn single_value(ctx: &Context, f: usize, b: usize) -> bool {
        if b == 0 || ctx.x.kinds[f] == BinKind::Categorical {
            return true;
        }
        let Values::Numeric(v) = &ctx.ds.features[f].values else {
            return true;
        };
        let col = &ctx.x.cols[f];
        let mut seen: Option<f64> = None;
        for (r, &bin) in col.iter().enumerate() {
            if bin as usize == b {
                match seen {
                    None => seen = Some(v[r]),
                    Some(s) if s != v[r] => return false,
                    _ => {}
                }
            }
        }
        true
    }

    fn describe(ctx: &Context, f: usize, shape: Shape) -> String {
        let name = ctx.name(f);
        let x = ctx.x;
        let value = |b: usize| -> String {
            if b == 0 {
                return "missing".into();
            }
            match x.kinds[f] {
                BinKind::Categorical => format!("'{}'", x.labels[f][b - 1]),
                BinKind::Ordered => fmt_num(x.edges[f][b - 1]),
            }
        };
        match shape {
            Shape::Bin(0) => format!("'{name}' is missing"),
            Shape::Bin(b) if Self::single_value(ctx, f, b) => format!("'{name}' = {}", value(b)),
            Shape::Bin(b) => format!("'{name}' in {}", x.describe_bin(f, b as u8)),
            Shape::AllBut(b) => format!("'{name}' != {} (and present)", value(b)),
            Shape::Interval(lo, hi) => {
                let nb = x.n_bins[f] - 1;
                if lo == 1 && hi < nb {
                    format!("'{name}' <= {}", fmt_num(x.edges[f][hi - 1]))
                } else if hi == nb && lo > 1 {
                    format!("'{name}' > {}", fmt_num(x.edges[f][lo - 2]))
                } else {
                    format!(
                        "'{name}' in {}..{}",
                        x.describe_bin(f, lo as u8),
                        x.describe_bin(f, hi as u8)
                    )
                }
            }
        }
    }
}

impl Check for PureSegment {
    fn run(&self, ctx: &Context) -> Vec<Finding> {
        let (y, k) = match ctx.labels {
            Labels::Classes { y, k } => (y, k),
            Labels::Values(v) => return regression_segments(ctx, v),
        };
        let n = ctx.rows() as f64;
        let mut totals = vec![0.0; k];
        y.iter().for_each(|&c| totals[c as usize] += 1.0);
        let t = ctx.t;
        let mut out = Vec::new();
        for f in 0..ctx.x.features() {
            let nb = ctx.x.n_bins[f];
            let mut counts = vec![0.0; nb * k];
            for (r, &b) in ctx.x.cols[f].iter().enumerate() {
                counts[b as usize * k + y[r] as usize] += 1.0;
            }
            let present: Vec<f64> = (0..k)
                .map(|c| (1..nb).map(|b| counts[b * k + c]).sum())
                .collect();
            let sum_bins = |lo: usize, hi: usize| -> Vec<f64> {
                (0..k)
                    .map(|c| (lo..=hi).map(|b| counts[b * k + c]).sum())
                    .collect()
            };
            let mut candidates: Vec<(Shape, Vec<f64>)> = (0..nb)
                .map(|b| (Shape::Bin(b), counts[b * k..(b + 1) * k].to_vec()))
                .collect();
            if ctx.x.kinds[f] == BinKind::Ordered && nb > 3 {
                for b in 1..nb {
                    let rest: Vec<f64> = (0..k).map(|c| present[c] - counts[b * k + c]).collect();
                    candidates.push((Shape::AllBut(b), rest));
                }
                for cut in 1..nb - 1 {
                    candidates.push((Shape::Interval(1, cut), sum_bins(1, cut)));
                    candidates.push((Shape::Interval(cut + 1, nb - 1), sum_bins(cut + 1, nb - 1)));
                }
            }
            let mut best: Option<Segment> = None;
            let mut points: Vec<Segment> = Vec::new();
            for (shape, cc) in candidates {
                let rows: f64 = cc.iter().sum();
                if rows < t.segment_min_rows as f64 || rows / n < t.segment_min_support || rows >= n
                {
                    continue;
                }
                let (class, &top) =
                    cc.iter()
                        .enumerate()
                        .fold((0, &cc[0]), |a, b| if b.1 > a.1 { b } else { a });
                let purity = top / rows;
                let base = totals[class] / n;
                let outside = (totals[class] - top) / (n - rows);
                let is_point = match shape {
                    Shape::Bin(b) | Shape::AllBut(b) => Self::single_value(ctx, f, b),
                    Shape::Interval(..) => false,
                };
                // A post-outcome field may lag for a few rows; a smooth tail has no such excuse.
                let needed = if is_point {
                    t.segment_point_purity
                } else {
                    t.segment_purity
                };
                if purity < needed || base > 0.9 || outside > purity - 0.1 {
                    continue;
                }
                let better = match &best {
                    None => true,
                    // Larger support wins; on a tie prefer the interval (the less suspicious reading).
                    Some(b) => {
                        rows > b.rows || (rows == b.rows && matches!(shape, Shape::Interval(..)))
                    }
                };
                if is_point {
                    points.push(Segment {
                        shape,
                        rows,
                        class,
                        purity,
                    });
                }
                if better {
                    best = Some(Segment {
                        shape,
                        rows,
                        class,
                        purity,
                    });
                }
            }
            let Some(mut seg) = best else { continue };
            // A single value that explains nearly all of the best segment is the more specific
            // reading (days = 0 rather than days <= 29).
            if let Some(p) = points
                .into_iter()
                .filter(|p| p.rows >= 0.8 * seg.rows && p.class == seg.class)
                .max_by(|a, b| a.rows.total_cmp(&b.rows))
            {
                seg = p;
            }
            let nb_present = nb - 1;
            let point = match seg.shape {
                Shape::Bin(b) => Self::single_value(ctx, f, b),
                Shape::AllBut(b) => Self::single_value(ctx, f, b),
                Shape::Interval(lo, hi) if lo == hi => Self::single_value(ctx, f, lo),
                Shape::Interval(lo, hi) if hi - lo + 1 == nb_present - 1 => {
                    let excluded = if lo == 1 { nb_present } else { 1 };
                    Self::single_value(ctx, f, excluded)
                }
                Shape::Interval(..) => false,
            };
            let class_label = match &ctx.ds.target {
                crate::data::Target::Classes { classes, .. } => classes[seg.class].clone(),
                crate::data::Target::Values(_) => seg.class.to_string(),
            };
            let desc = Self::describe(ctx, f, seg.shape);
            let support = seg.rows / n;
            let base = totals[seg.class] / n;
            let severity = if !point {
                Severity::Low
            } else if (seg.purity >= t.segment_purity && support >= 2.0 * t.segment_min_support)
                || support >= 4.0 * t.segment_min_support
            {
                // One exact value pinning the class over a tenth of the rows (or over a fifth
                // with a little lag) is a rule no measured quantity obeys by nature.
                Severity::High
            } else {
                Severity::Medium
            };
            out.push(finding(
                Some(ctx.name(f)),
                "pure_segment",
                severity,
                format!(
                    "When {desc} ({} of rows), '{}' is '{class_label}' in {} of them, against {} overall{}.",
                    pct(support),
                    ctx.ds.target_name,
                    pct(seg.purity),
                    pct(base),
                    if point { "; a single value marking the outcome is how post-outcome fields look" } else { "" }
                ),
                json!({
                    "segment": desc,
                    "support": r4(support),
                    "rows": seg.rows as u64,
                    "purity": r4(seg.purity),
                    "class": class_label,
                    "base_rate": r4(base),
                    "point_defined": point,
                }),
            ));
        }
        out
    }
}

/// Regression: a single value (or everything but one value) of a feature that marks exactly
/// where the target lies, e.g. `expenditure = 0` exactly when the target is below a threshold.
fn regression_segments(ctx: &Context, y: &[f64]) -> Vec<Finding> {
    let n = y.len();
    let t = ctx.t;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| y[a].total_cmp(&y[b]));
    let mut out = Vec::new();
    for f in 0..ctx.x.features() {
        let nb = ctx.x.n_bins[f];
        let col = &ctx.x.cols[f];
        let mut counts = vec![0usize; nb];
        col.iter().for_each(|&b| counts[b as usize] += 1);
        let missing = counts[0];
        let mut best: Option<(Shape, f64, f64, f64)> = None;
        for b in 0..nb {
            if !PureSegment::single_value(ctx, f, b) {
                continue;
            }
            let shapes = if b == 0 || ctx.x.kinds[f] == BinKind::Categorical {
                vec![Shape::Bin(b)]
            } else {
                vec![Shape::Bin(b), Shape::AllBut(b)]
            };
            for shape in shapes {
                let inside = |bin: u8| match shape {
                    Shape::Bin(b) => bin as usize == b,
                    Shape::AllBut(b) => bin != 0 && bin as usize != b,
                    Shape::Interval(..) => false,
                };
                let rows = match shape {
                    Shape::Bin(b) => counts[b],
                    _ => n - missing - counts[b],
                };
                if rows < t.segment_min_rows
                    || (rows as f64) < t.segment_min_support * n as f64
                    || rows == n
                {
                    continue;
                }
                // Best threshold on y separating inside from outside, either direction.
                let mut below_in = 0usize;
                let mut best_acc = 0.0f64;
                let mut cut = f64::NAN;
                for (i, &r) in order.iter().enumerate() {
                    if inside(col[r]) {
                        below_in += 1;
                    }
                    let below = i + 1;
                    let acc_low = (below_in + (n - below) - (rows - below_in)) as f64 / n as f64;
                    let acc = acc_low.max(1.0 - acc_low);
                    if acc > best_acc {
                        best_acc = acc;
                        cut = y[r];
                    }
                }
                if best_acc >= t.segment_purity && best.as_ref().is_none_or(|bb| rows as f64 > bb.1)
                {
                    best = Some((shape, rows as f64, best_acc, cut));
                }
            }
        }
        let Some((shape, rows, acc, cut)) = best else {
            continue;
        };
        let desc = PureSegment::describe(ctx, f, shape);
        let support = rows / n as f64;
        // `acc` already reached segment_purity to be kept: only the support grades it.
        let severity = if support >= 2.0 * t.segment_min_support {
            Severity::High
        } else {
            Severity::Medium
        };
        out.push(finding(
            Some(ctx.name(f)),
            "pure_segment",
            severity,
            format!(
                "{desc} ({} of rows) marks almost exactly which side of {} '{}' falls on ({} of rows agree); a value set only once the outcome is known looks like this.",
                pct(support),
                fmt_num(cut),
                ctx.ds.target_name,
                pct(acc)
            ),
            json!({
                "segment": desc,
                "support": r4(support),
                "rows": rows as u64,
                "agreement": r4(acc),
                "target_threshold": cut,
                "point_defined": true,
            }),
        ));
    }
    out
}
