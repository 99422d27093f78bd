//! Writes a seeded benchmark table with two planted leaks for the end-to-end measurements and the
//! side-by-side comparison with Python: `--kind wide` (the default, `synth::write_wide`: 4-decimal
//! normals, a few 6-level categoricals) or `--kind realistic` (`synth::write_realistic`: decimals
//! of 1 to 6 places with negatives, exponents, skewed counts, missing values, categoricals of up
//! to 500 levels):
//!
//! ```sh
//! cargo bench --bench perfdata -- --rows 100000 --features 50 --out /tmp/wide-100k.csv
//! cargo bench --bench perfdata -- --kind realistic --rows 1000000 --features 100 --out /tmp/real-1m.csv
//! ```

use std::io::{BufWriter, Write};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let rows: usize = get("--rows")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let features: usize = get("--features").and_then(|v| v.parse().ok()).unwrap_or(50);
    let seed: u64 = get("--seed").and_then(|v| v.parse().ok()).unwrap_or(42);
    let Some(out) = get("--out") else {
        eprintln!("usage: cargo bench --bench perfdata -- --rows N --features F --out FILE.csv");
        std::process::exit(2);
    };
    let file = std::fs::File::create(&out).unwrap_or_else(|e| {
        eprintln!("perfdata: {out}: {e}");
        std::process::exit(2)
    });
    let mut w = BufWriter::new(file);
    let kind = get("--kind").unwrap_or_else(|| "wide".into());
    let write = match kind.as_str() {
        "wide" => leakhound::synth::write_wide,
        "realistic" => leakhound::synth::write_realistic,
        other => {
            eprintln!("perfdata: --kind is wide or realistic, not '{other}'");
            std::process::exit(2)
        }
    };
    if let Err(e) = write(&mut w, rows, features, seed).and_then(|_| w.flush()) {
        eprintln!("perfdata: {out}: {e}");
        std::process::exit(2);
    }
    eprintln!(
        "wrote {out} ({kind}): {rows} rows x {features} features + y (leaks: {})",
        leakhound::synth::WIDE_LEAKS.join(", ")
    );
}
