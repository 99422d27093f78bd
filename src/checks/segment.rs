//! `pure_segment`: a value, interval or category covering a substantial share of rows in which
//! the target is (almost) constant although it is not elsewhere: the "expenditure > 0 ⇒ card
//! granted" signature.
//!
//! Every segment is judged against the trivial rule it must beat: both the segment and the rest
//! must hold a minimum share of rows (a segment of 99% of rows "agrees" with anything by
//! construction), the class must be far rarer outside than inside, and for regression the split
//! of the target it marks must make far fewer errors than putting every row on the majority side.
//!
//! What a segment is defined by decides what it can mean:
//! - a **sentinel** (missing, exactly 0 or -1 in a numeric column, a placeholder category such
//!   as empty, "none", "n/a", "pending"), or everything but a sentinel, is how post-outcome
//!   fields look (zero or empty until the outcome happens): graded up to `high`;
//! - any other single value or category (one island where only one species lives, 8 cylinders)
//!   is ordinary purity: at most `medium` here; other checks may corroborate it;
//! - a pure tail of a smooth feature (iris: petal width <= 0.6 ⇒ setosa) is an interval: `low`.
//!
//! One shape is decisive whatever the value: a single value that *is* a class, pure inside and
//! with the class (almost) absent outside (`segment_indicator_mcc`): a severity code whose
//! "killed" is the death, a one-class dummy in a multiclass table. Purity on one side is what
//! legitimate values reach; both sides at once is the label spelled another way (`high`).
//! And one reading of a pure interval is decisive: the tail of a follow-up length (a column
//! named like one: `futime`, `followup_days`) is censoring, since rows without the event were
//! followed to the end of the study (`high`).

use super::{column_names, About, Check, Context, Stage};
use crate::data::{ColumnType, Values};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::surrogate::binned::{fmt_num, BinKind};
use crate::surrogate::Labels;
use serde::Serialize;
use std::cell::OnceCell;

/// Tails (every bin beyond a cut) are tried on ordered features of more than this many bins
/// (the missing bin included); fewer bins are a few values, tried one by one. The shape of a
/// column, not a detection threshold.
const TAIL_MIN_BINS: usize = 3;

/// A class above this share of all rows makes any segment pure: no evidence. Not a setting: it
/// removes the trivial case, the purity thresholds are what a user tunes.
const MAX_BASE_RATE: f64 = 0.9;
/// The class's rate outside the segment at least this far below its purity inside: a segment
/// must contrast with the rest. Not a setting, for the same reason.
const MIN_CONTRAST: f64 = 0.1;
/// Two definitions of a segment explain "nearly as many rows" when each covers this share of
/// the other's: a tie-break between descriptions of one finding, not a detection threshold.
const COMPARABLE_ROWS: f64 = 0.8;
/// Severity steps in multiples of `segment_min_support`: a pure segment twice the minimum
/// support is clear, four times is clear at any purity above the point purity. Multiples keep
/// the steps in proportion to the setting.
const CLEAR_SUPPORT: f64 = 2.0;
const CLEAR_SUPPORT_ANY_PURITY: f64 = 4.0;

/// The check.
pub struct PureSegment;

/// Category values that stand for "not recorded (yet)".
/// Spellings, not a threshold.
const SENTINEL_LEVELS: &[&str] = &[
    "", "none", "n/a", "na", "nan", "null", "nil", "pending", "tbd", "-", "--", "?", "0",
];

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// One bin (a value, a category or missing).
    Bin(usize),
    /// All present bins but one.
    AllBut(usize),
    /// Present bins lo..=hi.
    Interval(usize, usize),
}

/// How a segment is defined, from most to least suspicious.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Definition {
    /// A smooth range of values.
    Interval,
    /// One ordinary value or category (or everything but one).
    Value,
    /// Missing, zero or a placeholder (or everything but one): the post-outcome signature.
    Sentinel,
}

struct Segment {
    shape: Shape,
    rows: f64,
    class: usize,
    purity: f64,
    def: Definition,
}

/// One feature's bins and the single value each numeric bin holds, where it holds one: found in
/// one pass over the rows the first time a bin is asked about (a pass per bin asked about was
/// most of this check's time on a million rows).
struct Bins<'c, 'a> {
    ctx: &'c Context<'a>,
    f: usize,
    values: OnceCell<Vec<Option<f64>>>,
}

impl<'c, 'a> Bins<'c, 'a> {
    fn new(ctx: &'c Context<'a>, f: usize) -> Self {
        Bins {
            ctx,
            f,
            values: OnceCell::new(),
        }
    }

    /// The single value every row of numeric bin `b` holds, if it holds one.
    fn value(&self, b: usize) -> Option<f64> {
        self.values
            .get_or_init(|| single_values(self.ctx, self.f))
            .get(b)
            .copied()
            .flatten()
    }

    /// Whether bin `b` is one value (a category, missing, or a numeric bin of one value).
    fn single_value(&self, b: usize) -> bool {
        b == 0 || self.ctx.x.kinds[self.f] == BinKind::Categorical || self.value(b).is_some()
    }

    /// Whether bin `b` is a sentinel: missing, 0 or -1 in a numeric (not boolean) column, or a
    /// placeholder category.
    fn sentinel(&self, b: usize) -> bool {
        let (ctx, f) = (self.ctx, self.f);
        if b == 0 {
            return true;
        }
        match ctx.x.kinds[f] {
            BinKind::Categorical => {
                let l = ctx.x.labels[f][b - 1].trim().to_lowercase();
                SENTINEL_LEVELS.contains(&l.as_str())
            }
            BinKind::Ordered => {
                ctx.ds.features[f].ty == ColumnType::Numeric
                    && self.value(b).is_some_and(|v| v == 0.0 || v == -1.0)
            }
        }
    }
}

/// Per bin of numeric feature `f`, the value all its rows hold when they hold one (a bin of
/// several values, or of two missing rows, holds none: NaN is not equal to itself).
fn single_values(ctx: &Context, f: usize) -> Vec<Option<f64>> {
    let nb = ctx.x.n_bins[f];
    let Values::Numeric(v) = &ctx.ds.features[f].values else {
        return vec![None; nb];
    };
    // Per bin: not seen yet, one value so far, or several.
    #[derive(Clone, Copy)]
    enum Seen {
        No,
        One(f64),
        Several,
    }
    let mut seen = vec![Seen::No; nb];
    for (r, &bin) in ctx.x.cols[f].iter().enumerate() {
        let s = &mut seen[bin as usize];
        match *s {
            Seen::No => *s = Seen::One(v.get(r)),
            Seen::One(x) if x != v.get(r) => *s = Seen::Several,
            _ => {}
        }
    }
    seen.into_iter()
        .map(|s| match s {
            Seen::One(x) => Some(x),
            _ => None,
        })
        .collect()
}

fn definition(bins: &Bins, shape: Shape) -> Definition {
    let (ctx, f) = (bins.ctx, bins.f);
    let nb_present = ctx.x.n_bins[f] - 1;
    let b = match shape {
        Shape::Bin(b) | Shape::AllBut(b) => b,
        Shape::Interval(lo, hi) if lo == hi => lo,
        // Everything but the first or last bin is "all but one value" when that bin is one.
        Shape::Interval(lo, hi) if hi - lo + 1 == nb_present - 1 => {
            if lo == 1 {
                nb_present
            } else {
                1
            }
        }
        Shape::Interval(..) => return Definition::Interval,
    };
    if bins.sentinel(b) {
        Definition::Sentinel
    } else if bins.single_value(b) {
        Definition::Value
    } else {
        Definition::Interval
    }
}

fn describe(bins: &Bins, shape: Shape) -> String {
    let (ctx, f) = (bins.ctx, bins.f);
    let name = ctx.name(f);
    let x = ctx.x;
    let value = |b: usize| -> String {
        if b == 0 {
            return "missing".into();
        }
        match x.kinds[f] {
            BinKind::Categorical => format!("'{}'", x.labels[f][b - 1]),
            BinKind::Ordered => bins
                .value(b)
                .map_or_else(|| x.describe_bin(f, b as u8), fmt_num),
        }
    };
    match shape {
        Shape::Bin(0) => format!("'{name}' is missing"),
        Shape::Bin(b) if bins.single_value(b) => format!("'{name}' = {}", value(b)),
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

/// Rows a segment and its complement must each hold, of `n`.
fn min_side(ctx: &Context, n: f64) -> f64 {
    (ctx.t.segment_min_rows as f64).max(ctx.t.segment_min_support * n)
}

impl Check for PureSegment {
    fn about(&self) -> About {
        About {
            name: "pure segment",
            stage: Stage::Data,
            kinds: &[FindingKind::PureSegment],
            thresholds: &[
                "segment_error_reduction",
                "segment_indicator_mcc",
                "segment_min_rows",
                "segment_min_support",
                "segment_point_purity",
                "segment_purity",
            ],
            corroborates: &[FindingKind::PureSegment],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let (y, k) = match ctx.labels {
            Labels::Classes { y, k } => (y, k),
            Labels::Values(v) => return regression_segments(ctx, v),
        };
        // Rows per class, and per (bin, class) below: over every row when an engine counted
        // them (what a bin's values are, sentinel or single value, is read off the sample).
        let (n, totals) = match ctx.counts {
            Some(c) => (c.rows as f64, c.class_totals()),
            None => {
                let mut totals = vec![0.0; k];
                y.iter().for_each(|&c| totals[c as usize] += 1.0);
                (ctx.rows() as f64, totals)
            }
        };
        let t = ctx.t;
        let min_rows = min_side(ctx, n);
        let mut out = Vec::new();
        for f in 0..ctx.x.features() {
            let bins = Bins::new(ctx, f);
            let nb = ctx.x.n_bins[f];
            let counts = match ctx.counts {
                Some(c) => c.bin_class_counts(f, nb),
                None => {
                    let mut counts = vec![0.0; nb * k];
                    for (r, &b) in ctx.x.cols[f].iter().enumerate() {
                        counts[b as usize * k + y[r] as usize] += 1.0;
                    }
                    counts
                }
            };
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
            if ctx.x.kinds[f] == BinKind::Ordered && nb > TAIL_MIN_BINS {
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
            for (shape, cc) in candidates {
                let rows: f64 = cc.iter().sum();
                // Both sides of the split need support: a segment of nearly every row is pure
                // for the majority class by construction.
                if rows < min_rows || n - rows < min_rows {
                    continue;
                }
                let (class, &top) =
                    cc.iter()
                        .enumerate()
                        .fold((0, &cc[0]), |a, b| if b.1 > a.1 { b } else { a });
                let purity = top / rows;
                let base = totals[class] / n;
                let outside = (totals[class] - top) / (n - rows);
                let def = definition(&bins, shape);
                // A post-outcome field may lag for a few rows; a smooth tail has no such excuse.
                let needed = if def == Definition::Interval {
                    t.segment_purity
                } else {
                    t.segment_point_purity
                };
                // The trivial rule is the base rate: the class must be common overall for no
                // reason and rare outside the segment.
                if purity < needed || base > MAX_BASE_RATE || outside > purity - MIN_CONTRAST {
                    continue;
                }
                let better = match &best {
                    None => true,
                    // The more suspicious definition wins when it explains nearly as many rows
                    // (days = 0 rather than days <= 29); otherwise larger support wins.
                    Some(b) => {
                        if def != b.def
                            && rows >= COMPARABLE_ROWS * b.rows
                            && b.rows >= COMPARABLE_ROWS * rows
                        {
                            def > b.def
                        } else {
                            rows > b.rows || (rows == b.rows && def < b.def)
                        }
                    }
                };
                if better {
                    best = Some(Segment {
                        shape,
                        rows,
                        class,
                        purity,
                        def,
                    });
                }
            }
            // The agreement itself rules out chance, so only the minimum row count applies: the class
            // a code spells may be rarer than the support a one-sided segment needs.
            let indicator = class_indicator(&bins, &counts, &totals, t.segment_min_rows as f64);
            if let Some(ind) = &indicator {
                best = Some(Segment {
                    shape: Shape::Bin(ind.bin),
                    rows: ind.rows,
                    class: ind.class,
                    purity: ind.purity,
                    def: definition(&bins, Shape::Bin(ind.bin)),
                });
            }
            let Some(seg) = best else { continue };
            let class_label = match &ctx.ds.target {
                crate::data::Target::Classes { classes, .. } => classes[seg.class].clone(),
                crate::data::Target::Values(_) => seg.class.to_string(),
            };
            let desc = describe(&bins, seg.shape);
            let support = seg.rows / n;
            let base = totals[seg.class] / n;
            let outside = (totals[seg.class] - seg.purity * seg.rows) / (n - seg.rows);
            let clear = (seg.purity >= t.segment_purity
                && support >= CLEAR_SUPPORT * t.segment_min_support)
                || support >= CLEAR_SUPPORT_ANY_PURITY * t.segment_min_support;
            // A follow-up length's pure tail is censoring: rows without the event were followed
            // to the end of the study, so a short follow-up means the event ended it (or a long
            // one that it never came). A measured quantity's pure tail (iris' petal width) has
            // no such reading, and the name is what tells the two apart.
            let censoring = seg.def == Definition::Interval
                && column_names::named_like_duration(ctx.name(f))
                && seg.purity >= t.segment_purity
                && support >= CLEAR_SUPPORT * t.segment_min_support;
            let severity = match seg.def {
                _ if indicator.is_some() || censoring => Severity::High,
                Definition::Interval => Severity::Low,
                // One exact sentinel pinning the class over a tenth of the rows (or over a fifth
                // with a little lag) is a rule no measured quantity obeys by nature.
                Definition::Sentinel if clear => Severity::High,
                Definition::Sentinel => Severity::Medium,
                // An ordinary category or value can be pure in a clean table.
                Definition::Value if clear => Severity::Medium,
                Definition::Value => Severity::Low,
            };
            let reading = match seg.def {
                _ if censoring => "; a follow-up length that settles the outcome is censoring: it is known only once the outcome happened or the observation ended, never at prediction time",
                _ if indicator.is_some() && seg.def != Definition::Sentinel => "; the value and the class are the same rows: the label spelled another way (a code recorded with the outcome, a dummy of one class)",
                Definition::Sentinel => "; a placeholder value (zero, empty) marking the outcome is how fields filled only after the outcome look",
                Definition::Value => "; one category or value can be pure in clean data, so this is a leak only if another signal agrees",
                Definition::Interval => "",
            };
            let fd = Finding::new(
                Some(ctx.name(f)),
                FindingKind::PureSegment,
                severity,
                format!(
                    "When {desc} ({} of rows), '{}' is '{class_label}' in {} of them, against {} elsewhere and {} overall{reading}.",
                    pct(support),
                    ctx.ds.target_name,
                    pct(seg.purity),
                    pct(outside),
                    pct(base),
                ),
                Evidence {
                    segment: desc.clone(),
                    support: r4(support),
                    rows: seg.rows as u64,
                    purity: r4(seg.purity),
                    class: class_label.clone(),
                    base_rate: r4(base),
                    rate_outside: r4(outside),
                    point_defined: seg.def != Definition::Interval,
                    sentinel: seg.def == Definition::Sentinel,
                    censoring: censoring.then_some(true),
                    class_indicator_mcc: indicator.as_ref().map(|ind| r4(ind.mcc)),
                },
            );
            out.push(fd);
        }
        out
    }
}

/// Matthews correlation between "in the segment" (`rows` of `n`) and "of the class" (`class_rows`),
/// with `both` rows in the segment and of the class; `None` when either side is empty.
pub(super) fn agreement(both: f64, rows: f64, class_rows: f64, n: f64) -> Option<f64> {
    let (fp, fn_) = (rows - both, class_rows - both);
    let tn = n - rows - fn_;
    let denom = (rows * class_rows * (n - rows) * (n - class_rows)).sqrt();
    (denom > 0.0).then(|| (both * tn - fp * fn_) / denom)
}

/// A single value whose rows are one class's rows, give or take a few.
struct Indicator {
    bin: usize,
    class: usize,
    rows: f64,
    purity: f64,
    mcc: f64,
}

/// The single-value bin and class with the highest agreement (Matthews correlation of the two
/// indicators), when it reaches `segment_indicator_mcc` with both sides supported. `counts` holds
/// rows per (bin, class), `totals` rows per class.
fn class_indicator(
    bins: &Bins,
    counts: &[f64],
    totals: &[f64],
    min_rows: f64,
) -> Option<Indicator> {
    let (ctx, f) = (bins.ctx, bins.f);
    let k = totals.len();
    let n: f64 = totals.iter().sum();
    let mut best: Option<Indicator> = None;
    for b in 0..ctx.x.n_bins[f] {
        let cell = &counts[b * k..(b + 1) * k];
        let rows: f64 = cell.iter().sum();
        if rows < min_rows || n - rows < min_rows {
            continue;
        }
        for (c, &tp) in cell.iter().enumerate() {
            let Some(mcc) = agreement(tp, rows, totals[c], n) else {
                continue;
            };
            if mcc >= ctx.t.segment_indicator_mcc
                && best.as_ref().is_none_or(|i| mcc > i.mcc)
                && bins.single_value(b)
            {
                best = Some(Indicator {
                    bin: b,
                    class: c,
                    rows,
                    purity: tp / rows,
                    mcc,
                });
            }
        }
    }
    best
}

/// Regression: a sentinel (missing, 0, a placeholder category) or everything but a sentinel
/// that marks which side of a threshold the target falls on, e.g. `expenditure = 0` exactly when
/// the target is low. Judged against the trivial rule (every row on the majority side): the
/// best threshold must remove most of its errors, with both sides supported.
fn regression_segments(ctx: &Context, y: &[f64]) -> Vec<Finding> {
    let n = y.len();
    let t = ctx.t;
    let min_rows = min_side(ctx, n as f64);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| y[a].total_cmp(&y[b]));
    let mut out = Vec::new();
    for f in 0..ctx.x.features() {
        let bins = Bins::new(ctx, f);
        let nb = ctx.x.n_bins[f];
        let col = &ctx.x.cols[f];
        let mut counts = vec![0usize; nb];
        col.iter().for_each(|&b| counts[b as usize] += 1);
        let missing = counts[0];
        // (shape, rows, accuracy, trivial accuracy, lift, cut)
        let mut best: Option<(Shape, f64, f64, f64, f64, f64)> = None;
        for b in 0..nb {
            if !bins.sentinel(b) {
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
                if (rows as f64) < min_rows || ((n - rows) as f64) < min_rows {
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
                let trivial = rows.max(n - rows) as f64 / n as f64;
                let lift = (best_acc - trivial) / (1.0 - trivial);
                if lift >= t.segment_error_reduction && best.as_ref().is_none_or(|bb| lift > bb.4) {
                    best = Some((shape, rows as f64, best_acc, trivial, lift, cut));
                }
            }
        }
        let Some((shape, rows, acc, trivial, lift, cut)) = best else {
            continue;
        };
        let desc = describe(&bins, shape);
        let support = rows / n as f64;
        let both = support.min(1.0 - support);
        let clear = (1.0 + t.segment_error_reduction) / 2.0;
        let severity = if both >= CLEAR_SUPPORT * t.segment_min_support && lift >= clear {
            Severity::High
        } else {
            Severity::Medium
        };
        out.push(Finding::new(
            Some(ctx.name(f)),
            FindingKind::PureSegment,
            severity,
            format!(
                "{desc} ({} of rows) marks which side of {} '{}' falls on: {} of rows agree, against {} for the trivial rule; a placeholder value set until the outcome is known looks like this.",
                pct(support),
                fmt_num(cut),
                ctx.ds.target_name,
                pct(acc),
                pct(trivial)
            ),
            ThresholdEvidence {
                segment: desc.clone(),
                support: r4(support),
                rows: rows as u64,
                agreement: r4(acc),
                trivial_agreement: r4(trivial),
                error_reduction: r4(lift),
                target_threshold: cut,
                point_defined: true,
                sentinel: true,
            },
        ));
    }
    out
}

/// The evidence of `pure_segment`.
#[derive(Serialize)]
struct Evidence {
    /// The segment in words ("'x' is missing", "'x' in [3, 5)").
    segment: String,
    /// Share of rows in it.
    support: f64,
    rows: u64,
    /// The majority class's share inside.
    purity: f64,
    class: String,
    /// The class's share over all rows, and outside the segment.
    base_rate: f64,
    rate_outside: f64,
    /// Defined by one value (or all but one), not an interval.
    point_defined: bool,
    /// Defined by a sentinel (missing, 0, -1, a placeholder category).
    sentinel: bool,
    /// A follow-up that ends at the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    censoring: Option<bool>,
    /// Agreement (Matthews correlation) between "in the segment" and "of the class".
    #[serde(skip_serializing_if = "Option::is_none")]
    class_indicator_mcc: Option<f64>,
}

/// The evidence of a regression `pure_segment`: a sentinel that marks a threshold of the target.
#[derive(Serialize)]
struct ThresholdEvidence {
    segment: String,
    support: f64,
    rows: u64,
    /// Accuracy of "in the segment" as "the target is below (or above) the threshold".
    agreement: f64,
    trivial_agreement: f64,
    /// Share of the trivial rule's errors it removes.
    error_reduction: f64,
    target_threshold: f64,
    point_defined: bool,
    sentinel: bool,
}
