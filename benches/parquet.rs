//! Parquet reading at 1M rows x 30 columns: the Arrow reader (typed columns, batch by batch)
//! against the record-API reader it replaced (every value through text and typed again).
//! Each read runs in a fresh child process, so its peak resident memory (VmHWM) is its own;
//! the two readers alternate, three runs each, and the report gives medians and their ratios.
//!
//! `cargo bench --bench parquet` (writes the seeded table to the temp directory once).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use leakhound::internals::{read_frame, read_parquet_records, splitmix64};
use leakhound::ReadOptions;
use parquet::arrow::ArrowWriter;

const ROWS: usize = 1_000_000;
const BATCH: usize = 100_000;

fn unit(i: usize, salt: u64) -> f64 {
    (splitmix64((i as u64) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 11) as f64
        / (1u64 << 53) as f64
}

/// 20 float columns (5% nulls in half of them), 5 integer columns, 4 string categories and a
/// 0/1 target.
fn batch(start: usize, n: usize) -> RecordBatch {
    let rows = start..start + n;
    let mut cols: Vec<(String, ArrayRef)> = Vec::new();
    for j in 0..20u64 {
        let v: Float64Array = rows
            .clone()
            .map(|i| {
                let missing = j % 2 == 1 && unit(i, 100 + j) < 0.05;
                (!missing).then(|| 100.0 * unit(i, j))
            })
            .collect();
        cols.push((format!("x{j}"), Arc::new(v)));
    }
    for j in 0..5u64 {
        let v: Int64Array = rows
            .clone()
            .map(|i| Some((unit(i, 200 + j) * 1000.0) as i64))
            .collect();
        cols.push((format!("n{j}"), Arc::new(v)));
    }
    let levels = ["north", "south", "east", "west", "central", "islands"];
    for j in 0..4u64 {
        let v: StringArray = rows
            .clone()
            .map(|i| Some(levels[(unit(i, 300 + j) * levels.len() as f64) as usize]))
            .collect();
        cols.push((format!("c{j}"), Arc::new(v)));
    }
    let y: Int64Array = rows.map(|i| Some(i64::from(unit(i, 999) < 0.3))).collect();
    cols.push(("y".into(), Arc::new(y)));
    RecordBatch::try_from_iter(cols).expect("batch")
}

fn write_table(path: &Path) {
    let file = std::fs::File::create(path).expect("temp file");
    let first = batch(0, BATCH);
    let mut w = ArrowWriter::try_new(file, first.schema(), None).expect("writer");
    w.write(&first).expect("write");
    for start in (BATCH..ROWS).step_by(BATCH) {
        w.write(&batch(start, BATCH)).expect("write");
    }
    w.close().expect("close");
}

fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// In the child: read once, print "rows seconds peak_kb".
fn child(mode: &str, path: &Path) {
    let t = Instant::now();
    let rows = match mode {
        "records" => read_parquet_records(path).expect("read").rows,
        _ => {
            read_frame(path, &ReadOptions::default())
                .expect("read")
                .rows
        }
    };
    println!("{rows} {:.3} {}", t.elapsed().as_secs_f64(), peak_kb());
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1], Path::new(&args[i + 2]));
        return;
    }
    let path: PathBuf = std::env::temp_dir().join("leakhound-bench-1m.parquet");
    if !path.exists() {
        eprintln!("writing {}", path.display());
        write_table(&path);
    }
    let exe = std::env::current_exe().expect("own path");
    let mut results: Vec<(&str, Vec<f64>, Vec<f64>)> = vec![
        ("records", Vec::new(), Vec::new()),
        ("arrow", Vec::new(), Vec::new()),
    ];
    for _ in 0..3 {
        for (mode, secs, mem) in results.iter_mut() {
            let out = Command::new(&exe)
                .args(["--child", mode, path.to_str().expect("utf-8 path")])
                .output()
                .expect("child runs");
            let text = String::from_utf8_lossy(&out.stdout);
            let f: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(f.first().copied(), Some("1000000"), "{mode}: {text}");
            secs.push(f[1].parse().expect("seconds"));
            mem.push(f[2].parse::<f64>().expect("kB") / 1024.0);
        }
    }
    println!("parquet read, {ROWS} rows x 30 columns (median of 3, fresh process each)");
    let (t0, m0) = (median(results[0].1.clone()), median(results[0].2.clone()));
    let (t1, m1) = (median(results[1].1.clone()), median(results[1].2.clone()));
    println!("  record API (before): {t0:7.2} s  peak {m0:7.0} MB");
    println!("  Arrow reader (now):  {t1:7.2} s  peak {m1:7.0} MB");
    println!(
        "  ratio: {:.1}x faster, {:.1}x less memory",
        t0 / t1,
        m0 / m1
    );
}
