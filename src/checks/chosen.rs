//! `multi_feature_leak` (the chosen alternative): in choice data each row lists an attribute of
//! every alternative (`pbeach`, `ppier`, `pboat`, `pcharter`) and, too often, the same attribute
//! of the alternative that was chosen (`price`). That column equals, row by row, the sibling
//! column of the chosen class: which sibling it copies *is* the target, although its value alone
//! predicts little. Decided exactly: for every class, the feature equals one and the same
//! sibling on (almost) all of that class's rows, and those siblings differ between classes.

use super::{About, Check, Context, Stage};
use crate::data::{ColumnType, Target, Values};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::folds;
use serde::Serialize;

/// A choice among alternatives needs this many numeric siblings at least: with two, "copies the
/// one of its class" is a two-feature rule, which the rule check judges.
const MIN_SIBLINGS: usize = 3;

/// A sibling column is a numeric of more than this many bins (the missing bin included): a flag
/// or a grade is no alternative a row could copy. The shape of a column, not a threshold.
const SIBLING_MIN_BINS: usize = 3;

/// The check.
pub struct ChosenAlternative;

/// Rows compared at most (a seeded sample beyond).
/// A work budget for large tables, not a threshold.
const MAX_ROWS: usize = 5_000;
/// Share of a class's rows on which the feature must equal that class's sibling.
/// Not a setting: it measures exactness (an identity holds or not), its slack is for the rounding
/// of stored values, and loosening it would call a correlation an identity.
const CLASS_MATCH: f64 = 0.97;
/// Distinct values a feature needs among each class's rows (or half of them, for a small class).
/// A sample-size guard, not a threshold.
const MIN_DISTINCT: usize = 10;
/// Rows a pair must share a value on before it is compared in full (when the sample has them).
/// A work budget for large tables, not a threshold.
const PREFILTER_ROWS: usize = 256;
/// Siblings a feature is compared with at most (the numeric columns, in table order).
/// A work budget for large tables, not a threshold.
const MAX_SIBLINGS: usize = 64;

impl Check for ChosenAlternative {
    fn about(&self) -> About {
        About {
            name: "chosen alternative",
            stage: Stage::Data,
            kinds: &[FindingKind::MultiFeatureLeak],
            thresholds: &[],
            corroborates: &[],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let Target::Classes { y, classes } = &ctx.ds.target else {
            return Vec::new();
        };
        let k = classes.len();
        let numeric: Vec<usize> = (0..ctx.ds.features.len())
            .filter(|&f| {
                let c = &ctx.ds.features[f];
                c.ty == ColumnType::Numeric && ctx.x.n_bins[f] > SIBLING_MIN_BINS
            })
            .take(MAX_SIBLINGS)
            .collect();
        if numeric.len() < MIN_SIBLINGS {
            return Vec::new();
        }
        let all: Vec<u32> = (0..ctx.rows() as u32).collect();
        let rows: Vec<usize> = folds::subsample(&all, &ctx.x.row_keys, MAX_ROWS, 0xC405)
            .into_iter()
            .map(|r| r as usize)
            .collect();
        // The sampled rows' values, decoded once: every pair of columns compares them.
        let decoded: Vec<Vec<f64>> = numeric
            .iter()
            .map(|&f| match &ctx.ds.features[f].values {
                Values::Numeric(v) => rows.iter().map(|&r| v.get(r)).collect(),
                Values::Categorical { .. } => vec![f64::NAN; rows.len()],
            })
            .collect();
        let slot = |f: usize| numeric.iter().position(|&g| g == f).unwrap_or(0);
        let class_of: Vec<usize> = rows.iter().map(|&r| y[r] as usize).collect();
        let mut per_class = vec![0usize; k];
        rows.iter().for_each(|&r| per_class[y[r] as usize] += 1);
        let mut out = Vec::new();
        for &f in &numeric {
            // Equal values must say something: a column that is mostly zero or a small count
            // equals its like by coincidence. Each class's rows hold varied values.
            let vf = &decoded[slot(f)];
            let varied = (0..k).all(|c| {
                let mut v: Vec<f64> = vf
                    .iter()
                    .zip(&class_of)
                    .filter(|&(x, &cl)| cl == c && !x.is_nan())
                    .map(|(&x, _)| x)
                    .collect();
                v.sort_by(f64::total_cmp);
                v.dedup();
                per_class[c] == 0 || v.len() >= MIN_DISTINCT.min(per_class[c] / 2)
            });
            if !varied {
                continue;
            }
            // For each class, the sibling the feature equals most often on its rows.
            let mut matched: Vec<Option<(usize, f64)>> = vec![None; k];
            for &g in numeric.iter().filter(|&&g| g != f) {
                // A sibling of some class matches on most of that class's rows, so on some of
                // the first rows: a column that matches none of them is passed over at once.
                let vg = &decoded[slot(g)];
                let head = rows.len().min(PREFILTER_ROWS);
                if head == PREFILTER_ROWS
                    && !vf[..head].iter().zip(&vg[..head]).any(|(a, b)| a == b)
                {
                    continue;
                }
                let mut hits = vec![0usize; k];
                let mut everywhere = 0usize;
                for ((&a, &b), &c) in vf.iter().zip(vg).zip(&class_of) {
                    if a == b && !a.is_nan() {
                        hits[c] += 1;
                        everywhere += 1;
                    }
                }
                // A plain copy of the sibling is another signature's business.
                if everywhere as f64 >= CLASS_MATCH * rows.len() as f64 {
                    continue;
                }
                for c in 0..k {
                    let rate = hits[c] as f64 / per_class[c].max(1) as f64;
                    // On a tie (two alternatives priced alike), the sibling named after the
                    // class is the one the reader expects.
                    let named = |g: usize| {
                        ctx.name(g)
                            .to_lowercase()
                            .contains(&classes[c].to_lowercase())
                    };
                    let better = matched[c]
                        .is_none_or(|(h, m)| rate > m || (rate == m && named(g) && !named(h)));
                    if rate >= CLASS_MATCH && better {
                        matched[c] = Some((g, rate));
                    }
                }
            }
            // Every class with rows has its sibling, and the siblings are not all one column.
            let present: Vec<usize> = (0..k).filter(|&c| per_class[c] > 0).collect();
            if present.len() < 2 || present.iter().any(|&c| matched[c].is_none()) {
                continue;
            }
            let mut siblings: Vec<usize> = present
                .iter()
                .filter_map(|&c| matched[c].map(|m| m.0))
                .collect();
            siblings.sort_unstable();
            siblings.dedup();
            if siblings.len() < 2 {
                continue;
            }
            let name = ctx.name(f);
            let pairs: Vec<(String, String)> = present
                .iter()
                .filter_map(|&c| {
                    matched[c].map(|(g, _)| (classes[c].clone(), ctx.name(g).to_string()))
                })
                .collect();
            let lowest = present
                .iter()
                .filter_map(|&c| matched[c].map(|m| m.1))
                .fold(1.0, f64::min);
            let listed = pairs
                .iter()
                .map(|(c, g)| format!("'{g}' when '{c}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut fd = Finding::new(
                Some(name),
                FindingKind::MultiFeatureLeak,
                Severity::High,
                format!(
                    "'{name}' equals, row by row, the column of the chosen '{}': {listed} (on at least {} of each class's rows). Which column it copies is the outcome, so it exists only once the choice was made.",
                    ctx.ds.target_name,
                    pct(lowest)
                ),
                Evidence {
                    copies_sibling_of_class: pairs,
                    lowest_class_match: r4(lowest),
                    rows: rows.len(),
                },
            );
            fd.features = vec![name.to_string()];
            out.push(fd);
        }
        out
    }
}

/// The evidence of the chosen-alternative `multi_feature_leak`.
#[derive(Serialize)]
struct Evidence {
    /// Per class: (class, the sibling column the feature copies for it).
    copies_sibling_of_class: Vec<(String, String)>,
    /// The smallest share of a class's rows where the copy holds.
    lowest_class_match: f64,
    rows: usize,
}
