//! Permutation importance on held-out rows: the drop in skill when one feature (or one cluster
//! of correlated features, permuted jointly so they cannot stand in for each other) is shuffled.

use rayon::prelude::*;

use crate::surrogate::Variant;

use super::metrics::skill;
use crate::data::sample::splitmix64;
use crate::surrogate::{BinnedMatrix, Fitted, Labels};

/// Skill drops per group (outer) and repeat (inner).
pub fn permutation(
    model: &dyn Fitted,
    x: &BinnedMatrix,
    labels: &Labels,
    rows: &[u32],
    groups: &[Vec<usize>],
    repeats: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    // The held-out rows as a compact matrix: the permuted copies cover these rows only (a few
    // thousand bytes a column, not the whole column per group and repeat).
    let local: Vec<Vec<u8>> = x
        .cols
        .iter()
        .map(|c| rows.iter().map(|&r| c[r as usize]).collect())
        .collect();
    let view: Vec<&[u8]> = local.iter().map(Vec::as_slice).collect();
    let positions: Vec<u32> = (0..rows.len() as u32).collect();
    // Pair rows for shuffling in content order, so the file's row order does not matter.
    let mut by_key: Vec<u32> = positions.clone();
    by_key.sort_by_key(|&i| {
        let r = rows[i as usize];
        (x.row_keys[r as usize], r)
    });
    let base = skill(labels, &model.predict(&view, &positions), rows);
    // Permuted copies of each group's columns, per repeat.
    let copies: Vec<Vec<Vec<Vec<u8>>>> = groups
        .par_iter()
        .enumerate()
        .map(|(gi, group)| {
            (0..repeats)
                .map(|rep| {
                    let perm = shuffled(
                        rows.len(),
                        seed ^ splitmix64((gi as u64) << 20 | rep as u64),
                    );
                    group
                        .iter()
                        .map(|&f| {
                            let mut c = local[f].clone();
                            for (i, &p) in by_key.iter().enumerate() {
                                c[p as usize] = local[f][by_key[perm[i]] as usize];
                            }
                            c
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let mut variants = Vec::with_capacity(groups.len() * repeats);
    for (group, reps) in groups.iter().zip(&copies) {
        for cs in reps {
            let mut cols = view.clone();
            for (&f, c) in group.iter().zip(cs) {
                cols[f] = c;
            }
            variants.push(Variant {
                changed: group,
                cols,
            });
        }
    }
    let preds = model.predict_variants(&view, &variants, &positions);
    preds
        .chunks(repeats)
        .map(|reps| reps.iter().map(|p| base - skill(labels, p, rows)).collect())
        .collect()
}

/// A seeded Fisher-Yates permutation of 0..n.
pub fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    let mut state = seed;
    for i in (1..n).rev() {
        state = splitmix64(state);
        let j = (state % (i as u64 + 1)) as usize;
        p.swap(i, j);
    }
    p
}
