//! Audit an `ndarray` feature matrix with a planted leak:
//! `cargo run --release --example audit_ndarray --features ndarray`.

use leakhound::{Audit, Table};
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
    // 2,000 rows: the target, two honest features and `refund_amount`, known only after the outcome.
    let y = Array1::from_shape_fn(2000, |i| (rand01(i, 1) < 0.3) as u8 as f64);
    let x = Array2::from_shape_fn((2000, 3), |(i, j)| match j {
        0 => ((i * 31) % 97) as f64 + 20.0 * y[i], // tenure: informative, not perfect
        1 => ((i * 17) % 89) as f64,               // noise
        _ => y[i] * (50.0 + (i % 7) as f64),       // refund_amount: zero unless y = 1
    });
    let table = Table::from_ndarray(
        x.view(),
        &["tenure", "noise", "refund_amount"],
        "churned",
        y.view(),
    )?;
    let report = Audit::new("churned").run(table)?;
    println!("{}", report.verdict.text);
    assert_eq!(report.verdict.likely_leaks, ["refund_amount"]);
    Ok(())
}
