//! Not a benchmark: writes the seeded split of `benches/beyond_one_machine.sh`, a training set
//! of `--rows` rows x 20 features as hive-partitioned Parquet (`train/region=R/part-K.parquet`)
//! and a test set of a fifth as many rows (`test/part-K.parquet`), with planted leaks whose exact
//! counts it writes to `planted.json`:
//!
//! - `amount_after`: recorded after the outcome (non-zero only for the positive class);
//! - `outcome_code`: a code of the target;
//! - 0.1% of the test rows repeat a training row (features and target);
//! - 1,000 customers have rows on both sides;
//! - the test period starts a week before the training period ends.
//!
//! Every value of row `r` is a function of (seed, side, r), so a test row copies a training
//! row by regenerating it, and any chunk is written without the others.
//!
//! ```text
//! cargo bench --bench bigsplit -- --rows 100000000 --out /data/bigsplit
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;

const SEED: u64 = 2026;
/// Rows per Parquet file.
const CHUNK: usize = 1_000_000;
const REGIONS: usize = 4;
/// Training customers: about ten rows each.
const ROWS_PER_CUSTOMER: u64 = 10;
const SHARED_CUSTOMERS: u64 = 1_000;
/// One test row in a thousand repeats a training row.
const REPEAT_EVERY: u64 = 1_000;
const TRAIN_DAYS: i32 = 365;
const TEST_DAYS: i32 = 90;
const OVERLAP_DAYS: i32 = 7;
/// 2024-01-01 as days since 1970.
const FIRST_DAY: i32 = 19_723;

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A row's random stream.
struct Stream(u64);

impl Stream {
    fn new(side: u64, row: u64) -> Self {
        Stream(splitmix64(SEED ^ (side << 56) ^ row))
    }
    fn next(&mut self) -> u64 {
        self.0 = splitmix64(self.0);
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-300), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// The features and target of a row (what a repeated test row copies).
struct Row {
    x: [f64; 14],
    c: [&'static str; 3],
    amount_after: f64,
    outcome_code: String,
    y: i64,
    region: usize,
}

fn row(side: u64, r: u64) -> Row {
    let mut s = Stream::new(side, r);
    let mut x = [0.0; 14];
    for v in x.iter_mut() {
        *v = (s.normal() * 1e4).round() / 1e4;
    }
    const LEVELS: [&str; 5] = ["a", "b", "c", "d", "e"];
    let c = [
        LEVELS[(s.next() % 5) as usize],
        LEVELS[(s.next() % 3) as usize],
        LEVELS[(s.next() % 5) as usize],
    ];
    let z = 0.9 * x[0] - 0.6 * x[1] + 0.4 * x[2] + if c[0] == "a" { 0.7 } else { 0.0 } - 0.3;
    let y = i64::from(s.unit() < 1.0 / (1.0 + (-z).exp()));
    let amount_after = if y == 1 && s.unit() < 0.97 {
        ((20.0 + 200.0 * s.unit()) * 100.0).round() / 100.0
    } else {
        0.0
    };
    let outcome_code = format!("{}{}", if y == 1 { "P" } else { "N" }, s.next() % 4);
    Row {
        x,
        c,
        amount_after,
        outcome_code,
        y,
        region: (s.next() % REGIONS as u64) as usize,
    }
}

/// Training row `r` belongs to customer `r / 10`. One test row in a hundred belongs to one of
/// the first [`SHARED_CUSTOMERS`] training customers (each has training rows), the others to
/// customers training never saw.
fn customer(side: u64, r: u64, train_rows: u64) -> i64 {
    match side {
        0 => (r / ROWS_PER_CUSTOMER) as i64,
        _ if r.is_multiple_of(100) => ((r / 100) % SHARED_CUSTOMERS) as i64,
        _ => (train_rows / ROWS_PER_CUSTOMER + r / ROWS_PER_CUSTOMER) as i64,
    }
}

fn day(side: u64, r: u64, rows: u64) -> i32 {
    let frac = |days: i32| (r as f64 / rows as f64 * days as f64) as i32;
    match side {
        0 => FIRST_DAY + frac(TRAIN_DAYS),
        _ => FIRST_DAY + TRAIN_DAYS - OVERLAP_DAYS + frac(TEST_DAYS),
    }
}

/// The columns of one file.
#[derive(Default)]
struct Part {
    x: [Vec<f64>; 14],
    c: [Vec<&'static str>; 3],
    after: Vec<f64>,
    code: Vec<String>,
    customer: Vec<i64>,
    day: Vec<i32>,
    y: Vec<i64>,
    region: Vec<String>,
}

impl Part {
    fn batch(self, with_region: bool) -> RecordBatch {
        let mut cols: Vec<(String, ArrayRef)> = Vec::new();
        for (i, col) in self.x.into_iter().enumerate() {
            cols.push((format!("x{i}"), Arc::new(Float64Array::from(col))));
        }
        for (i, col) in self.c.into_iter().enumerate() {
            cols.push((format!("c{i}"), Arc::new(StringArray::from(col))));
        }
        cols.push((
            "amount_after".into(),
            Arc::new(Float64Array::from(self.after)),
        ));
        cols.push((
            "outcome_code".into(),
            Arc::new(StringArray::from(self.code)),
        ));
        cols.push(("customer".into(), Arc::new(Int64Array::from(self.customer))));
        cols.push(("day".into(), Arc::new(Date32Array::from(self.day))));
        cols.push(("y".into(), Arc::new(Int64Array::from(self.y))));
        if with_region {
            cols.push(("region".into(), Arc::new(StringArray::from(self.region))));
        }
        RecordBatch::try_from_iter(cols).unwrap()
    }
}

/// Write rows `start..end` of a side: training rows to one file per region (`region=R/`, the
/// region a partition), test rows to one file (the region a column). The planted counts of
/// the rows written: repeated test rows, test rows dated before the training end.
fn chunk(side: u64, start: u64, end: u64, train_rows: u64, rows: u64, path: &Path) -> (u64, u64) {
    let mut parts: Vec<Part> = (0..REGIONS).map(|_| Part::default()).collect();
    let (mut repeats, mut before_end) = (0, 0);
    let train_last_day = FIRST_DAY + TRAIN_DAYS - 1;
    for r in start..end {
        let repeat = side == 1 && splitmix64(SEED ^ 0xD0B ^ r).is_multiple_of(REPEAT_EVERY);
        let v = if repeat {
            repeats += 1;
            row(0, splitmix64(SEED ^ 0xC0B ^ r) % train_rows)
        } else {
            row(side, r)
        };
        let p = &mut parts[if side == 0 { v.region } else { 0 }];
        for (col, value) in p.x.iter_mut().zip(v.x) {
            col.push(value);
        }
        for (col, value) in p.c.iter_mut().zip(v.c) {
            col.push(value);
        }
        p.after.push(v.amount_after);
        p.code.push(v.outcome_code);
        p.y.push(v.y);
        p.region.push(v.region.to_string());
        p.customer.push(customer(side, r, train_rows));
        let d = day(side, r, rows);
        before_end += u64::from(side == 1 && d < train_last_day);
        p.day.push(d);
    }
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let file = format!("part-{:05}.parquet", start / CHUNK as u64);
    if side == 0 {
        for (g, part) in parts.into_iter().enumerate() {
            let dir = path.join(format!("region={g}"));
            std::fs::create_dir_all(&dir).unwrap();
            write(&dir.join(&file), &part.batch(false), &props);
        }
    } else {
        std::fs::create_dir_all(path).unwrap();
        let part = parts.swap_remove(0);
        write(&path.join(&file), &part.batch(true), &props);
    }
    (repeats, before_end)
}

fn write(path: &Path, batch: &RecordBatch, props: &WriterProperties) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props.clone())).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let train_rows: u64 = get("--rows").map_or(10_000_000, |v| v.parse().expect("--rows N"));
    let out = PathBuf::from(get("--out").unwrap_or_else(|| "target/bigsplit".into()));
    let test_rows = train_rows / 5;
    assert!(
        test_rows >= 100 * SHARED_CUSTOMERS,
        "--rows must be at least {} (every shared customer needs a test row)",
        500 * SHARED_CUSTOMERS
    );
    let _ = std::fs::remove_dir_all(&out);
    let started = std::time::Instant::now();
    let side = |side: u64, rows: u64, dir: PathBuf| -> (u64, u64) {
        let starts: Vec<u64> = (0..rows).step_by(CHUNK).collect();
        starts
            .par_iter()
            .map(|&s| {
                chunk(
                    side,
                    s,
                    (s + CHUNK as u64).min(rows),
                    train_rows,
                    rows,
                    &dir,
                )
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    };
    side(0, train_rows, out.join("train"));
    let (repeats, before_end) = side(1, test_rows, out.join("test"));
    let planted = serde_json::json!({
        "train_rows": train_rows,
        "test_rows": test_rows,
        "repeated_test_rows": repeats,
        "shared_customers": SHARED_CUSTOMERS,
        "test_rows_in_shared_customers": test_rows.div_ceil(100),
        "test_rows_before_train_end": before_end,
        "leaks": ["amount_after", "outcome_code"],
    });
    std::fs::write(out.join("planted.json"), format!("{planted:#}\n")).unwrap();
    eprintln!(
        "{} train and {test_rows} test rows in {:.0} s under {}",
        train_rows,
        started.elapsed().as_secs_f64(),
        out.display()
    );
}
