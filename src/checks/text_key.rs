//! `target_proxy` (text keys): the label spelled inside a text column. A key such as
//! `"A17.B3.yes"` whose last part is the row's own class, or a free-text field one of whose words
//! is present exactly for one class (`"2019-01 to present"` for the periods still open), carries
//! the target although the column as a whole looks like an identifier: every value is distinct,
//! so the whole-column checks see no level to learn from. No measured quantity spells the label.
//!
//! Two readings, both exact rather than statistical:
//! - **the value spelled**: for 90% of the rows or more, some part of the text (split at
//!   punctuation and spaces) is the row's own target value, and the rows span two classes at
//!   least (a regression target: the part, read as a number, is the target);
//! - **a word for a class**: rows whose text holds one word are one class's rows, give or take a
//!   few (agreement `segment_indicator_mcc`, as for a single value in `pure_segment`).

use serde::Serialize;
use std::collections::BTreeMap;

use super::{segment, About, Check, Context, Stage};
use crate::data::{Target, Values, MISSING_CODE};
use crate::finding::{pct, r4, Finding, FindingKind, Severity};

/// The check.
pub struct TextKey;

/// Distinct values a text column needs before its parts are read: fewer, and the levels
/// themselves are what the category checks judge.
/// A sample-size guard, not a threshold.
const MIN_LEVELS: usize = 20;
/// Share of rows at which the parts spell the row's own target value.
/// Not a setting: it measures exactness (an identity holds or not), its slack is for the rounding
/// of stored values, and loosening it would call a correlation an identity.
const SPELLED_SHARE: f64 = 0.9;

/// Where a text value is cut into parts.
fn parts(level: &str) -> impl Iterator<Item = &str> {
    level
        .split(|c: char| !c.is_alphanumeric() && c != '+')
        .filter(|p| !p.is_empty())
}

/// Whether the parts of a row's text spell its own target value: one part is its class and
/// none is another class (a key holding every digit spells no class), or one part, read as a
/// number, is its value.
fn spells(parts: &[&str], target: &Target, row: usize) -> bool {
    match target {
        Target::Classes { y, classes } => {
            let is = |p: &str, c: usize| p.eq_ignore_ascii_case(classes[c].trim());
            let own = y[row] as usize;
            parts.iter().any(|p| is(p, own))
                && !parts
                    .iter()
                    .any(|p| (0..classes.len()).any(|c| c != own && is(p, c)))
        }
        Target::Values(v) => parts.iter().any(|p| {
            p.parse::<f64>()
                .is_ok_and(|x| (x - v[row]).abs() <= 1e-9 * v[row].abs().max(1.0))
        }),
    }
}

impl Check for TextKey {
    fn about(&self) -> About {
        About {
            name: "text key",
            stage: Stage::Data,
            kinds: &[FindingKind::TargetProxy],
            thresholds: &[
                "near_perfect_power",
                "segment_indicator_mcc",
                "segment_min_rows",
            ],
            corroborates: &[FindingKind::TargetProxy],
        }
    }

    fn data(&self, ctx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let n = ctx.rows();
        for (f, col) in ctx.ds.features.iter().enumerate() {
            let Values::Categorical { codes, levels } = &col.values else {
                continue;
            };
            if levels.len() < MIN_LEVELS || ctx.powers[f].power >= ctx.t.near_perfect_power {
                continue;
            }
            let split: Vec<Vec<&str>> = levels.iter().map(|l| parts(l).collect()).collect();
            // A key of one part is the whole value: the category checks read it.
            let multi = split.iter().filter(|p| p.len() >= 2).count();
            if multi * 2 < levels.len() {
                continue;
            }
            let present: Vec<usize> = (0..n).filter(|&r| codes[r] != MISSING_CODE).collect();
            if present.len() < ctx.t.segment_min_rows {
                continue;
            }
            let name = ctx.name(f);
            // The value spelled.
            let spelled = present
                .iter()
                .filter(|&&r| spells(&split[codes[r] as usize], &ctx.ds.target, r))
                .count();
            let share = spelled as f64 / present.len() as f64;
            let classes_spelled = match &ctx.ds.target {
                Target::Classes { y, .. } => {
                    let mut seen: Vec<u32> = present.iter().map(|&r| y[r]).collect();
                    seen.sort_unstable();
                    seen.dedup();
                    seen.len()
                }
                Target::Values(_) => 2,
            };
            if share >= SPELLED_SHARE && classes_spelled >= 2 {
                let mut fd = Finding::new(
                    Some(name),
                    FindingKind::TargetProxy,
                    Severity::High,
                    format!(
                        "A part of '{name}' (split at punctuation and spaces) is the row's own '{}' in {} of rows: the label is spelled inside the text, so a model that reads the text reads the answer.",
                        ctx.ds.target_name,
                        pct(share)
                    ),
                    SpelledEvidence {
                        text_part_spells_target: r4(share),
                        levels: levels.len(),
                    },
                );
                fd.features = vec![name.to_string()];
                out.push(fd);
                continue;
            }
            // A word for a class.
            let Target::Classes { y, classes } = &ctx.ds.target else {
                continue;
            };
            if let Some((word, class, rows, mcc)) =
                word_for_class(ctx, codes, &split, y, classes.len())
            {
                out.push(Finding::new(
                    Some(name),
                    FindingKind::TargetProxy,
                    Severity::High,
                    format!(
                        "The rows whose '{name}' holds the word '{word}' ({} of rows) are the rows where '{}' is '{}' (agreement {mcc:.3}): the outcome is written into the text.",
                        pct(rows / n as f64),
                        ctx.ds.target_name,
                        classes[class]
                    ),
                    WordEvidence {
                        word,
                        class: classes[class].clone(),
                        rows: rows as u64,
                        class_indicator_mcc: r4(mcc),
                        levels: levels.len(),
                    },
                ));
            }
        }
        out
    }
}

/// The word (case-insensitive) whose presence agrees best with one class (Matthews correlation),
/// when it reaches `segment_indicator_mcc` on enough rows: (word, class, rows, agreement).
fn word_for_class(
    ctx: &Context,
    codes: &[u32],
    split: &[Vec<&str>],
    y: &[u32],
    k: usize,
) -> Option<(String, usize, f64, f64)> {
    // Rows per (level, class), then per (word, class) through each level's distinct words.
    let mut per_level = vec![0.0; split.len() * k];
    let mut totals = vec![0.0; k];
    for (r, &c) in codes.iter().enumerate() {
        if c != MISSING_CODE {
            per_level[c as usize * k + y[r] as usize] += 1.0;
        }
        totals[y[r] as usize] += 1.0;
    }
    let mut words: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (l, ps) in split.iter().enumerate() {
        let mut seen: Vec<String> = ps.iter().map(|p| p.to_lowercase()).collect();
        seen.sort();
        seen.dedup();
        for w in seen {
            let e = words.entry(w).or_insert_with(|| vec![0.0; k]);
            for c in 0..k {
                e[c] += per_level[l * k + c];
            }
        }
    }
    let n: f64 = totals.iter().sum();
    let min_rows = ctx.t.segment_min_rows as f64;
    let mut best: Option<(String, usize, f64, f64)> = None;
    for (w, cells) in words {
        let rows: f64 = cells.iter().sum();
        if rows < min_rows || n - rows < min_rows {
            continue;
        }
        for (c, &tp) in cells.iter().enumerate() {
            let Some(mcc) = segment::agreement(tp, rows, totals[c], n) else {
                continue;
            };
            if mcc >= ctx.t.segment_indicator_mcc && best.as_ref().is_none_or(|b| mcc > b.3) {
                best = Some((w.clone(), c, rows, mcc));
            }
        }
    }
    best
}

/// The evidence of a `target_proxy` whose text spells the target.
#[derive(Serialize)]
struct SpelledEvidence {
    /// Share of rows where a part of the text is the target's value.
    text_part_spells_target: f64,
    levels: usize,
}

/// The evidence of a `target_proxy` whose text holds a word for a class.
#[derive(Serialize)]
struct WordEvidence {
    word: String,
    class: String,
    rows: u64,
    /// Agreement (Matthews correlation) between "has the word" and "is the class".
    class_indicator_mcc: f64,
    levels: usize,
}
