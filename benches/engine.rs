//! Engine benchmarks on seeded synthetic data (50 features, a planted leak): one GBM fit,
//! permutation importance, drop-column importance, single-feature power and a full audit, over
//! sizes; the hash-based duplicate check at 100k and 1M rows; CSV reading + typing and binning
//! at 10k, 100k and 1M rows; every stage at 100k and 1M rows (`stages`); a user's models
//! scored natively (`user_model_100k`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use leakhound::internals::{
    folds, single_feature_powers, splitmix64, BinnedMatrix, Dataset, Gbm, Labels, Surrogate, Target,
};
use leakhound::synth::{generate, Plant};
use leakhound::{Audit, EngineSettings, ReadOptions, Table, Task};

/// Planted-leak data widened to 50 features with seeded noise columns.
fn table(n: usize) -> Table {
    let s = generate(Plant::PostOutcome, Task::Binary, n, 1);
    let mut b = Table::builder();
    for (j, h) in s.header.iter().enumerate() {
        b = b.text(h.as_str(), s.rows.iter().map(|r| r[j].as_str()));
    }
    for j in 0..50usize.saturating_sub(s.header.len() - 1) {
        b = b.numeric(
            format!("noise_{j}"),
            (0..n).map(|i| (splitmix64((j as u64) << 32 | i as u64) % 10_000) as f64 / 100.0),
        );
    }
    b.build().expect("table")
}

fn dataset(n: usize) -> Dataset {
    leakhound::internals::dataset(table(n), "y").expect("dataset")
}

fn labels(ds: &Dataset) -> (Vec<u32>, usize) {
    match &ds.target {
        Target::Classes { y, classes } => (y.clone(), classes.len()),
        Target::Values(_) => unreachable!("binary"),
    }
}

/// The wide table of `synth::write_wide` (50 features) at `n` rows, written once to the temp
/// directory.
fn wide_csv(n: usize) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("leakhound-bench-wide-{n}.csv"));
    if !path.exists() {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).expect("temp file"));
        leakhound::synth::write_wide(&mut w, n, 50, 42).expect("write");
    }
    path
}

/// Drop-column importance with every feature refit by the light surrogate (the audit refits
/// only the features that carry importance).
fn drop_every_column(
    x: &BinnedMatrix,
    l: &Labels,
    rows: (&[u32], &[u32]),
    feats: &[usize],
    groups: &[Vec<usize>],
) -> leakhound::Result<(f64, Vec<f64>)> {
    let light = Gbm::default().light();
    leakhound::internals::drop_column::drop_column(
        light.as_ref(),
        x,
        l,
        rows,
        feats,
        groups,
        &vec![true; groups.len()],
        1,
    )
}

fn engine(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    for n in [2_000usize, 10_000, 100_000] {
        let ds = dataset(n);
        let x = BinnedMatrix::from_columns(&ds.features);
        let (y, k) = labels(&ds);
        let l = Labels::Classes { y: &y, k };
        let rows: Vec<u32> = (0..n as u32).collect();
        let feats: Vec<usize> = (0..x.features()).collect();
        let f = folds::assign(&l, &x.row_keys, 5, 1);
        g.bench_with_input(BenchmarkId::new("gbm_fit", n), &n, |b, _| {
            b.iter(|| Gbm::default().fit_model(&x, &l, &rows, &feats, 1))
        });
        g.bench_with_input(BenchmarkId::new("single_feature_power", n), &n, |b, _| {
            b.iter(|| single_feature_powers(&x, &l, &f, 5))
        });
        let model = Gbm::default().fit(&x, &l, &rows, &feats, 1).expect("fit");
        let groups: Vec<Vec<usize>> = feats.iter().map(|&f| vec![f]).collect();
        let held = folds::subsample(&rows, &x.row_keys, 4_000, 1);
        g.bench_with_input(BenchmarkId::new("permutation", n), &n, |b, _| {
            b.iter(|| {
                leakhound::internals::permutation::permutation(
                    model.as_ref(),
                    &x,
                    &l,
                    &held,
                    &groups,
                    5,
                    1,
                )
            })
        });
        let (train, test) = folds::split(&f, 0);
        let train = folds::subsample(
            &train,
            &x.row_keys,
            EngineSettings::default().drop_column_rows,
            1,
        );
        g.bench_with_input(BenchmarkId::new("drop_column", n), &n, |b, _| {
            b.iter(|| drop_every_column(&x, &l, (&train, &test), &feats, &groups))
        });
        let t = table(n);
        g.bench_with_input(BenchmarkId::new("full_audit", n), &n, |b, _| {
            b.iter(|| Audit::new("y").run(t.clone()))
        });
    }
    g.finish();
}

/// The train/test duplicate check is hash-based: linear in rows, 1M rows each side.
fn split_duplicates(c: &mut Criterion) {
    let mut g = c.benchmark_group("split");
    g.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        let train = dataset(n);
        let test = train.take(&(0..n / 5).map(|i| i * 5).collect::<Vec<_>>());
        g.bench_with_input(BenchmarkId::new("duplicates", n), &n, |b, _| {
            b.iter(|| leakhound::internals::count_matches(&train, &test, 0.001))
        });
    }
    g.finish();
}

/// Reading and typing a CSV (streaming) and binning it, on the wide table of
/// `synth::write_wide` (50 features, numeric, categorical and missing values).
fn load(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    for n in [10_000usize, 100_000, 1_000_000] {
        let path = wide_csv(n);
        let opts = ReadOptions::default();
        g.bench_with_input(BenchmarkId::new("csv_read_and_type", n), &n, |b, _| {
            b.iter(|| leakhound::internals::read_frame(&path, &opts).expect("read"))
        });
        let frame = leakhound::internals::read_frame(&path, &opts).expect("read");
        g.bench_with_input(BenchmarkId::new("binning", n), &n, |b, _| {
            b.iter(|| BinnedMatrix::from_columns(&frame.columns))
        });
    }
    g.finish();
}

/// A user's network scored natively: skl2onnx's and PyTorch's MLPs (models/) over 100k rows of 7
/// features, and the CatBoost regressor over 100k rows with three string columns.
fn user_models(c: &mut Criterion) {
    let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let n = 100_000;
    let rows: Vec<f64> = (0..n * 7)
        .map(|i| (splitmix64(i as u64) % 1000) as f64 / 10.0)
        .collect();
    let mut g = c.benchmark_group("user_model_100k");
    g.sample_size(10);
    for file in ["sklearn_mlp_binary.onnx", "torch_mlp_binary.onnx"] {
        let m = leakhound::UserModel::load(&models.join(file)).expect("model");
        g.bench_function(file, |b| b.iter(|| m.predict(&rows, 7).expect("predict")));
    }
    let m = leakhound::UserModel::load(&models.join("catboost_regression.json")).expect("model");
    let mut b = Table::builder();
    for (j, name) in m
        .feature_names
        .clone()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        b = if ["region", "home_owner", "marketing_channel"].contains(&name.as_str()) {
            b.text(
                name.as_str(),
                (0..n).map(|i| ["north", "south", "east"][(i + j) % 3]),
            )
        } else {
            b.numeric(
                name.as_str(),
                (0..n).map(|i| (splitmix64((j * n + i) as u64) % 1000) as f64),
            )
        };
    }
    let t = b.build().expect("table");
    g.bench_function("catboost_regression.json", |b| {
        b.iter(|| m.predict_table(&t).expect("predict"))
    });
    g.finish();
}

/// Every stage of an audit at 100k and 1M rows of the wide table (`synth::write_wide`, 50
/// features): reading and typing the CSV, binning, single-feature power, one surrogate fit on
/// the capped training sample, permutation and drop-column importance, the full audit from the
/// file. The README's stage table comes from these.
fn stages(c: &mut Criterion) {
    let mut g = c.benchmark_group("stages");
    g.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        let path = wide_csv(n);
        let opts = ReadOptions::default();
        g.bench_with_input(BenchmarkId::new("reading", n), &n, |b, _| {
            b.iter(|| leakhound::internals::read_frame(&path, &opts).expect("read"))
        });
        let table = Table::read(&path, &opts).expect("read");
        let ds = leakhound::internals::dataset(table.clone(), "y").expect("dataset");
        g.bench_with_input(BenchmarkId::new("binning", n), &n, |b, _| {
            b.iter(|| BinnedMatrix::from_columns(&ds.features))
        });
        let x = BinnedMatrix::from_columns(&ds.features);
        let (y, k) = labels(&ds);
        let l = Labels::Classes { y: &y, k };
        let f = folds::assign(&l, &x.row_keys, 5, 1);
        g.bench_with_input(BenchmarkId::new("single_feature_power", n), &n, |b, _| {
            b.iter(|| single_feature_powers(&x, &l, &f, 5))
        });
        let settings = EngineSettings::default();
        let (train, test) = folds::split(&f, 0);
        let fit_rows = folds::subsample(&train, &x.row_keys, settings.max_fit_rows, 1);
        let feats: Vec<usize> = (0..x.features()).collect();
        g.bench_with_input(BenchmarkId::new("surrogate_fit", n), &n, |b, _| {
            b.iter(|| {
                Gbm::default()
                    .fit(&x, &l, &fit_rows, &feats, 1)
                    .expect("fit")
            })
        });
        let model = Gbm::default()
            .fit(&x, &l, &fit_rows, &feats, 1)
            .expect("fit");
        let groups: Vec<Vec<usize>> = feats.iter().map(|&f| vec![f]).collect();
        let held = folds::subsample(&test, &x.row_keys, settings.permutation_rows / 5, 1);
        g.bench_with_input(BenchmarkId::new("permutation", n), &n, |b, _| {
            b.iter(|| {
                leakhound::internals::permutation::permutation(
                    model.as_ref(),
                    &x,
                    &l,
                    &held,
                    &groups,
                    5,
                    1,
                )
            })
        });
        let drop_train = folds::subsample(&train, &x.row_keys, settings.drop_column_rows, 1);
        let drop_test = folds::subsample(&test, &x.row_keys, settings.permutation_rows, 1);
        g.bench_with_input(BenchmarkId::new("drop_column", n), &n, |b, _| {
            b.iter(|| drop_every_column(&x, &l, (&drop_train, &drop_test), &feats, &groups))
        });
        g.bench_with_input(BenchmarkId::new("full_audit_from_file", n), &n, |b, _| {
            b.iter(|| {
                Audit::new("y")
                    .run(Table::read(&path, &opts).expect("read"))
                    .expect("audit")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, engine, split_duplicates, load, user_models, stages);
criterion_main!(benches);
