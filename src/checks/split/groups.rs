//! `group_overlap` (`--group-col`): entities (patients, customers, devices) on both sides of
//! the split, and what that does to the score: random K-fold against group K-fold of the
//! surrogate on the training data.

use serde::Serialize;
use std::collections::HashSet;

use super::{validate, SplitContext};
use crate::checks::{About, Check, Stage};
use crate::data::sample::splitmix64;
use crate::data::Dataset;
use crate::error::Result;
use crate::finding::{pct, r4, Finding, FindingKind, Severity};
use crate::importance::folds;
use crate::split::exact::GroupCounts;
use crate::split::{SplitInfo, SplitMode};

/// leakhound's own split: a group gap this many times `group_gap` is `high`. A multiple keeps
/// the step in proportion to the setting.
const HIGH_GAP: f64 = 2.5;
/// A real split sharing entities: `high` from this share of test rows in shared groups (with the
/// gap), `medium` from [`MEDIUM_SHARE`]. Not settings: the counts are in the evidence, and the
/// gap (`group_gap`) is what says the overlap matters.
const HIGH_SHARE: f64 = 0.1;
const MEDIUM_SHARE: f64 = 0.01;

/// The same entity on both sides, and the validation gap it opens.
pub struct GroupOverlap;

impl Check for GroupOverlap {
    fn about(&self) -> About {
        About {
            name: "group overlap",
            stage: Stage::Split,
            kinds: &[FindingKind::GroupOverlap],
            thresholds: &["group_gap"],
            corroborates: &[],
        }
    }

    fn split(&self, ctx: &SplitContext, info: &mut SplitInfo) -> Result<Vec<Finding>> {
        check(ctx, info)
    }
}

/// Run the check.
fn check(ctx: &SplitContext, info: &mut SplitInfo) -> Result<Vec<Finding>> {
    let (Some(g_train), Some(_)) = (&ctx.train.group, &ctx.test.group) else {
        return Ok(Vec::new());
    };
    let counted;
    let counts = match ctx.exact.and_then(|e| e.groups.as_ref()) {
        Some(c) => c,
        None => {
            counted = statistics(ctx.train, ctx.test).unwrap_or_default();
            &counted
        }
    };
    let shared = counts.shared_groups;
    let test_rows_overlapping = counts.test_rows_in_shared_groups;
    let test_rows = ctx.exact.map_or(ctx.test.rows(), |e| e.test_rows);

    // Group K-fold on the audited data: all rows of an entity in the same fold.
    let Some(g_all) = &ctx.data.group else {
        return Ok(Vec::new());
    };
    let k = ctx.folds();
    let fold_of: Vec<u8> = (0..g_all.len())
        .map(|r| {
            let key = g_all.text(r).map_or(u64::from(r as u32), |g| {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                g.hash(&mut h);
                h.finish()
            });
            (splitmix64(ctx.seed ^ key) % k as u64) as u8
        })
        .collect();
    let splits: Vec<_> = (0..k as u8).map(|f| folds::split(&fold_of, f)).collect();
    let group_score = validate(ctx, &splits)?;
    info.group_kfold = group_score;
    let (metric, random) = ctx.random_headline;
    let gap = group_score.map(|g| random - g);
    let frac = test_rows_overlapping as f64 / test_rows.max(1) as f64;
    let severity = match (ctx.mode, gap) {
        (SplitMode::Own, Some(gap)) if gap >= HIGH_GAP * ctx.thresholds.group_gap => Severity::High,
        (SplitMode::Own, Some(gap)) if gap >= ctx.thresholds.group_gap => Severity::Medium,
        (SplitMode::Own, _) => return Ok(Vec::new()),
        (_, _) if shared == 0 => return Ok(Vec::new()),
        (_, Some(gap)) if frac >= HIGH_SHARE && gap >= ctx.thresholds.group_gap => Severity::High,
        _ if frac >= MEDIUM_SHARE => Severity::Medium,
        _ => Severity::Low,
    };
    let name = &g_train.name;
    let message = match ctx.mode {
        SplitMode::Own => format!(
            "Rows of the same '{name}' are not independent: random K-fold scores {metric} {random:.3} but group K-fold only {:.3}; validate (and split) by '{name}'.",
            group_score.unwrap_or(f64::NAN)
        ),
        _ => format!(
            "{shared} '{name}' values appear in both train and test, covering {} of test rows; random K-fold scores {metric} {random:.3} against {:.3} with group K-fold, so the test score is inflated by the overlap.",
            pct(frac),
            group_score.unwrap_or(f64::NAN)
        ),
    };
    let mut f = Finding::new(
        None,
        FindingKind::GroupOverlap,
        severity,
        message,
        Evidence {
            group_column: name.clone(),
            shared_groups: shared,
            test_groups: counts.test_groups,
            test_rows_in_shared_groups: test_rows_overlapping,
            test_fraction: r4(frac),
            metric,
            random_kfold: r4(random),
            group_kfold: group_score.map(r4),
            gap: gap.map(r4),
        },
    );
    f.features = vec![name.clone()];
    Ok(vec![f])
}

/// The check's counts over two loaded sides (`None` without a group column on both).
pub(crate) fn statistics(train: &Dataset, test: &Dataset) -> Option<GroupCounts> {
    let (Some(g_train), Some(g_test)) = (&train.group, &test.group) else {
        return None;
    };
    let train_groups: HashSet<String> =
        (0..g_train.len()).filter_map(|r| g_train.text(r)).collect();
    let test_rows_in_shared_groups = (0..g_test.len())
        .filter(|&r| g_test.text(r).is_some_and(|g| train_groups.contains(&g)))
        .count();
    let test_groups: HashSet<String> = (0..g_test.len()).filter_map(|r| g_test.text(r)).collect();
    let shared_groups = test_groups
        .iter()
        .filter(|g| train_groups.contains(*g))
        .count();
    Some(GroupCounts {
        shared_groups,
        test_groups: test_groups.len(),
        test_rows_in_shared_groups,
    })
}

/// The evidence of `group_overlap`.
#[derive(Serialize)]
struct Evidence {
    group_column: String,
    /// Groups with rows on both sides.
    shared_groups: usize,
    test_groups: usize,
    test_rows_in_shared_groups: usize,
    test_fraction: f64,
    /// The headline metric, and the surrogate's out-of-fold score under random and group
    /// K-fold.
    metric: crate::metric::Metric,
    random_kfold: f64,
    group_kfold: Option<f64>,
    gap: Option<f64>,
}
