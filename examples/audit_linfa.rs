//! Audit a linfa dataset (the data a linfa model is trained on):
//! `cargo run --release --example audit_linfa --features linfa`.

use leakhound::{Audit, Table};
use linfa::Dataset;
use ndarray::{Array1, Array2};

/// A seeded pseudo-random number in [0, 1) for row `i` (SplitMix64), so the example needs no
/// extra crate.
fn rand01(i: usize, salt: u64) -> f64 {
    let mut x = (i as u64) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (x ^ (x >> 31)) as f64 / u64::MAX as f64
}

fn main() -> leakhound::Result<()> {
    let y: Array1<usize> = Array1::from_shape_fn(1500, |i| (rand01(i, 1) * 3.0) as usize);
    let x = Array2::from_shape_fn((1500, 3), |(i, j)| match j {
        0 => 2.0 * rand01(i, 2) + y[i] as f64, // width: strong and legitimate
        1 => rand01(i, 3),                     // noise
        _ => y[i] as f64 * 10.0 + 3.0,         // species_code: the label re-coded
    });
    let ds = Dataset::new(x, y)
        .with_feature_names(vec!["width", "noise", "species_code"])
        .with_target_names(vec!["species"]);
    let report = Audit::new("species").run(Table::from_linfa(&ds)?)?;
    println!("{}", report.verdict.text);
    assert_eq!(report.verdict.likely_leaks, ["species_code"]);
    Ok(())
}
