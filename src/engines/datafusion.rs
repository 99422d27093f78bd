//! The DataFusion engine: a Parquet file or a directory of them (hive partitions included)
//! audited without loading it. DataFusion counts the split checks' statistics over every row
//! (repeated rows as hash joins and aggregates, shared groups as a join, the two periods as
//! aggregates), within a memory pool of `memory_limit` bytes that spills to disk; the models
//! run on a seeded stratified sample it draws.
//!
//! Rows are hashed by a user-defined function (`lh_row_hash`) with the in-memory engine's mixing,
//! so the two engines count the same repeats. DataFusion does not number rows, so the
//! evidence's sample row pairs are left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, UInt64Type};
use datafusion::catalog::TableProvider;
use datafusion::common::ScalarValue;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::audit::Audit;
use crate::data::{Dataset, Roles, Target, TaskChoice, Values};
use crate::error::{Error, Result};
use crate::importance::counts::{CellSums, CountPlan, FeatureCounts, LevelSums, TargetPlan};
use crate::report::Report;
use crate::split::exact::{DuplicateCounts, ExactStatistics, GroupCounts, TimeOrder};
use crate::table::Table;

mod udf;

use udf::PlanUdf;

/// Rows the models see by default: a seeded stratified sample of this many training rows.
pub const DEFAULT_SAMPLE_ROWS: usize = 1_000_000;

/// A class is sampled with at least this many rows (all of them when it has fewer), so a rare
/// class keeps enough rows to be learned from. What a stratified sample guarantees, not a
/// detection threshold.
const MIN_CLASS_ROWS: usize = 1_000;

/// A target with at most this many distinct values (approximately counted) is stratified by
/// value: more are a regression's, sampled at one rate.
const MAX_STRATA: i64 = 256;

/// DataFusion's pool holds at least this much: each of its sorts reserves 10 MB to merge its
/// spill files with, and a smaller pool fails instead of spilling.
const MIN_POOL: usize = 64 << 20;

/// The DataFusion engine and its limits.
#[derive(Debug, Clone)]
pub struct DataFusion {
    memory_limit: Option<u64>,
    sample_rows: usize,
    threads: usize,
    spill_dir: Option<PathBuf>,
}

impl Default for DataFusion {
    fn default() -> Self {
        DataFusion {
            memory_limit: crate::ReadOptions::default_memory_limit(),
            sample_rows: DEFAULT_SAMPLE_ROWS,
            threads: rayon::current_num_threads(),
            spill_dir: None,
        }
    }
}

impl DataFusion {
    /// The engine with a memory pool of three quarters of the machine's memory, a sample of
    /// [`DEFAULT_SAMPLE_ROWS`] and as many threads as rayon has.
    pub fn new() -> Self {
        DataFusion::default()
    }

    /// DataFusion's memory pool, in bytes (at least 64 MB): its sorts and aggregates spill to
    /// disk beyond it.
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// Training rows the models see (the test sample is drawn at the same rate).
    pub fn sample_rows(mut self, rows: usize) -> Self {
        self.sample_rows = rows.max(1);
        self
    }

    /// Threads of DataFusion's partitions.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Where spill files and the row hashes go (default: the system's temporary directory).
    pub fn spill_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spill_dir = Some(dir.into());
        self
    }

    /// Audit `train` (a Parquet file, or a directory of them) against `test`: the split
    /// checks' counts over every row, the rest of `audit` on the seeded sample.
    pub fn audit(&self, audit: Audit, train: &Path, test: Option<&Path>) -> Result<Report> {
        let (roles, settings) = audit.plan()?;
        let roles = roles.clone();
        let runtime = self.runtime()?;
        let work = tempdir_in(self.spill_dir.as_deref())?;
        let prepared = runtime.block_on(self.prepare(
            &audit,
            &roles,
            (settings.seed, settings.split.dup_tolerance),
            train,
            test,
            work.path(),
        ));
        drop(work);
        let prepared = prepared?;
        let mut audit = audit
            .read_by("datafusion")
            .feature_counts(prepared.features);
        if let Some((table, counts)) = prepared.test {
            audit = audit.test(table).exact_statistics(counts);
        }
        audit.run(prepared.train)
    }

    /// The features' cells over every row of `train` (a Parquet file or a directory of them),
    /// binned as `audit` bins the seeded sample this engine draws ([`FeatureCounts::plan`]):
    /// what [`DataFusion::audit`] hands the audit, on its own.
    pub fn feature_counts(&self, audit: &Audit, train: &Path) -> Result<FeatureCounts> {
        let (roles, settings) = audit.plan()?;
        let runtime = self.runtime()?;
        let work = tempdir_in(self.spill_dir.as_deref())?;
        let prepared = runtime.block_on(self.prepare(
            audit,
            roles,
            (settings.seed, settings.split.dup_tolerance),
            train,
            None,
            work.path(),
        ));
        drop(work);
        Ok(prepared?.features)
    }

    fn runtime(&self) -> Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.threads)
            .build()
            .map_err(|e| Error::Data(format!("cannot start DataFusion's runtime: {e}")))
    }

    async fn prepare(
        &self,
        audit: &Audit,
        roles: &Roles,
        (seed, tolerance): (u64, f64),
        train: &Path,
        test: Option<&Path>,
        work: &Path,
    ) -> Result<Prepared> {
        let started = Instant::now();
        let ctx = self.session(work)?;
        for f in udf::all() {
            ctx.register_udf(f);
        }
        let train_cols = register(&ctx, "train", train).await?;
        let test_cols = match test {
            Some(p) => Some(register(&ctx, "test", p).await?),
            None => None,
        };
        for (col, role) in [
            (Some(&roles.target), "`target`"),
            (roles.group.as_ref(), "`group_col`"),
            (roles.time.as_ref(), "`time_col`"),
        ] {
            if let Some(c) = col.filter(|c| !train_cols.contains(c)) {
                return Err(Error::UnknownColumn {
                    column: c.clone(),
                    role: role.into(),
                    suggestion: crate::error::suggest(c, &train_cols),
                });
            }
        }
        let q = Queries {
            ctx: &ctx,
            target: quote(&roles.target),
        };
        let strata = q.strata("train", roles).await?;
        let train_rows: usize = strata.values().sum();
        let rate = (self.sample_rows as f64 / train_rows.max(1) as f64).min(1.0);
        let train_table = q
            .sample("train", &train_cols, &strata, rate, seed)
            .await
            .map_err(|e| in_file(train, e))?
            .with_name(train.display().to_string())
            .as_sample_of(train_rows, started.elapsed().as_secs_f64());
        // The sample's dataset says which columns are features and which are numbers, and how
        // the audit bins them: the features' cells over every row are binned so.
        let ds = Dataset::from_frame(train_table.clone().into_frame(), roles)?;
        let counting = Instant::now();
        let plan = Arc::new(audit.count_plan_of(&ds)?);
        for f in PlanUdf::all(&plan) {
            ctx.register_udf(f);
        }
        let features = q
            .feature_counts(&plan)
            .await
            .map_err(|e| in_file(train, e))?;
        let levels = q.level_counts(&plan).await.map_err(|e| in_file(train, e))?;
        let features = FeatureCounts {
            seconds: counting.elapsed().as_secs_f64(),
            ..features.with_levels(levels)?
        };
        let Some((test_path, test_cols)) = test.zip(test_cols) else {
            return Ok(Prepared {
                train: train_table,
                features,
                test: None,
            });
        };
        let started = Instant::now();
        let test_strata = q.strata("test", roles).await?;
        let test_rows: usize = test_strata.values().sum();
        let test_table = q
            .sample("test", &test_cols, &test_strata, rate, seed)
            .await
            .map_err(|e| in_file(test_path, e))?
            .with_name(test_path.display().to_string())
            .as_sample_of(test_rows, started.elapsed().as_secs_f64());
        let counting = Instant::now();
        let counts = q
            .exact(&ds, roles, &test_cols, tolerance, work)
            .await
            .map_err(|e| in_file(test_path, e))?;
        Ok(Prepared {
            train: train_table,
            features,
            test: Some((
                test_table,
                ExactStatistics {
                    engine: "datafusion".into(),
                    train_rows,
                    test_rows,
                    test_rows_by_class: match &ds.target {
                        Target::Classes { .. } => test_strata,
                        Target::Values(_) => BTreeMap::new(),
                    },
                    seconds: counting.elapsed().as_secs_f64(),
                    ..counts
                },
            )),
        })
    }

    /// A session with a memory pool that spills to `work`.
    fn session(&self, work: &Path) -> Result<SessionContext> {
        let mut runtime = RuntimeEnvBuilder::new().with_disk_manager_builder(
            DiskManagerBuilder::default()
                .with_mode(DiskManagerMode::Directories(vec![work.to_path_buf()])),
        );
        if let Some(limit) = self.memory_limit {
            let pool = (limit as usize).max(MIN_POOL);
            runtime = runtime.with_memory_pool(Arc::new(FairSpillPool::new(pool)));
        }
        let runtime = runtime.build_arc().map_err(engine_error)?;
        let config = SessionConfig::new().with_target_partitions(self.threads);
        Ok(SessionContext::new_with_config_rt(config, runtime))
    }
}

/// The sampled sides and the counts over every row.
struct Prepared {
    train: Table,
    features: FeatureCounts,
    test: Option<(Table, ExactStatistics)>,
}

/// Register a Parquet file or directory (hive partitions inferred) as `name`; its columns.
async fn register(ctx: &SessionContext, name: &str, path: &Path) -> Result<Vec<String>> {
    if !path.exists() {
        return Err(Error::FileNotFound {
            path: path.to_path_buf(),
        });
    }
    let url = if path.is_dir() {
        format!("{}/", path.display())
    } else {
        path.display().to_string()
    };
    let table = async {
        let url = ListingTableUrl::parse(&url)?;
        let options =
            ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
        let state = ctx.state();
        let config = ListingTableConfig::new(url)
            .with_listing_options(options)
            .infer_partitions_from_path(&state)
            .await?
            .infer_schema(&state)
            .await?;
        ListingTable::try_new(config)
    }
    .await
    .map_err(|e| in_file(path, e))?;
    let columns = table
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    ctx.register_table(name, Arc::new(table))
        .map_err(|e| in_file(path, e))?;
    Ok(columns)
}

/// The queries of one audit.
struct Queries<'a> {
    ctx: &'a SessionContext,
    /// The target, quoted.
    target: String,
}

impl Queries<'_> {
    /// Rows with a target per stratum: per class when the target has few values (or the task
    /// is a classification), one stratum (`""`) otherwise.
    async fn strata(&self, side: &str, roles: &Roles) -> Result<BTreeMap<String, usize>> {
        let y = &self.target;
        let few = match roles.task {
            TaskChoice::Regression => false,
            TaskChoice::Binary | TaskChoice::Multiclass => true,
            TaskChoice::Auto => {
                let n = self
                    .scalar(&format!(
                        "SELECT approx_distinct({y}) FROM {side} WHERE {y} IS NOT NULL"
                    ))
                    .await?;
                match n.cast_to(&DataType::Int64).map_err(engine_error)? {
                    ScalarValue::Int64(Some(n)) => n <= MAX_STRATA,
                    _ => false,
                }
            }
        };
        let sql = if few {
            format!("SELECT CAST({y} AS VARCHAR), COUNT(*) FROM {side} WHERE {y} IS NOT NULL GROUP BY 1")
        } else {
            format!("SELECT '', COUNT(*) FROM {side} WHERE {y} IS NOT NULL")
        };
        let mut out = self.pairs(&sql).await?;
        out.retain(|_, n| *n > 0);
        if out.is_empty() {
            return Err(Error::BadTarget {
                column: roles.target.clone(),
                problem: format!("has no value in the {side} rows"),
            });
        }
        Ok(out)
    }

    /// A seeded sample of `side`: each row is kept when its key (the seeded hash of its
    /// values) falls below its stratum's rate, at least [`MIN_CLASS_ROWS`] rows of a class;
    /// sorted by key, so the table is the same whatever order the files are read in.
    async fn sample(
        &self,
        side: &str,
        columns: &[String],
        strata: &BTreeMap<String, usize>,
        rate: f64,
        seed: u64,
    ) -> Result<Table> {
        let y = &self.target;
        let threshold = |n: usize| -> u64 {
            let want = (rate * n as f64).max(MIN_CLASS_ROWS.min(n) as f64);
            let p = (want / n.max(1) as f64).min(1.0);
            if p >= 1.0 {
                u64::MAX
            } else {
                (p * u64::MAX as f64) as u64
            }
        };
        let limit = if strata.len() == 1 {
            threshold(*strata.values().next().unwrap_or(&0)).to_string()
        } else {
            let arms: String = strata
                .iter()
                .map(|(k, &n)| format!(" WHEN {} THEN {}", literal(k), threshold(n)))
                .collect();
            format!("CASE CAST({y} AS VARCHAR){arms} ELSE 0 END")
        };
        let hashed: Vec<String> = columns.iter().map(|c| format!("0, {}", quote(c))).collect();
        let list: Vec<String> = columns.iter().map(|c| quote(c)).collect();
        let sql = format!(
            "WITH k AS (SELECT {}, lh_sample_key({seed}, lh_row_hash({})) AS lh_key FROM {side} WHERE {y} IS NOT NULL) \
             SELECT * FROM k WHERE lh_key <= CAST({limit} AS BIGINT UNSIGNED) ORDER BY lh_key",
            list.join(", "),
            hashed.join(", ")
        );
        let batches = self.collect(&sql).await?;
        let keep: Vec<usize> = (0..columns.len()).collect();
        Table::from_record_batches(
            batches
                .into_iter()
                .map(|b| b.project(&keep).map_err(engine_error)),
        )
    }

    /// The split checks' counts over every row of both sides: the row hashes of each side are
    /// written once (to `work`), then joined and aggregated.
    async fn exact(
        &self,
        ds: &Dataset,
        roles: &Roles,
        test_cols: &[String],
        tolerance: f64,
        work: &Path,
    ) -> Result<ExactStatistics> {
        let y = &self.target;
        let shared: Vec<(&str, bool)> = ds
            .features
            .iter()
            .filter(|c| test_cols.contains(&c.name))
            .map(|c| (c.name.as_str(), matches!(c.values, Values::Numeric(_))))
            .collect();
        // Rounding steps of the near repeats: a fraction of each training column's spread.
        let mut steps = vec![0.0; shared.len()];
        let numeric: Vec<usize> = (0..shared.len()).filter(|&i| shared[i].1).collect();
        if tolerance > 0.0 && !numeric.is_empty() {
            let sds: Vec<String> = numeric
                .iter()
                .map(|&i| format!("stddev_pop(CAST({} AS DOUBLE))", quote(shared[i].0)))
                .collect();
            let sql = format!("SELECT {} FROM train WHERE {y} IS NOT NULL", sds.join(", "));
            let b = self.collect(&sql).await?;
            let b = b.iter().find(|b| b.num_rows() > 0);
            for (j, &i) in numeric.iter().enumerate() {
                let sd = b.map_or(0.0, |b| {
                    let a = cast(b.column(j), &DataType::Float64)
                        .unwrap_or_else(|_| b.column(j).clone());
                    let a = a.as_primitive::<Float64Type>();
                    if a.is_null(0) {
                        0.0
                    } else {
                        a.value(0)
                    }
                });
                steps[i] = tolerance * sd;
            }
        }
        let hash = |steps: &[f64], extra: &[&str]| -> String {
            let mut args: Vec<String> = shared
                .iter()
                .zip(steps)
                .map(|((c, _), s)| format!("{s:?}, {}", quote(c)))
                .collect();
            args.extend(extra.iter().map(|c| format!("0.0, {c}")));
            format!("lh_row_hash({})", args.join(", "))
        };
        let exact = vec![0.0; shared.len()];
        let every: Vec<String> = ds
            .features
            .iter()
            .map(|c| format!("0.0, {}", quote(&c.name)))
            .collect();
        let group = |cols: &[String]| -> String {
            match &roles.group {
                Some(g) if cols.contains(g) => format!("CAST({} AS VARCHAR)", quote(g)),
                _ => "CAST(NULL AS VARCHAR)".into(),
            }
        };
        let time = |cols: &[String]| -> String {
            match &roles.time {
                Some(t) if cols.contains(t) => format!("lh_seconds({})", quote(t)),
                _ => "CAST(NULL AS DOUBLE)".into(),
            }
        };
        let train_cols: Vec<String> = ds
            .features
            .iter()
            .map(|c| c.name.clone())
            .chain(roles.group.clone())
            .chain(roles.time.clone())
            .collect();
        for (side, cols, all) in [
            (
                "train",
                &train_cols[..],
                format!("lh_row_hash({})", every.join(", ")),
            ),
            ("test", test_cols, "CAST(0 AS BIGINT UNSIGNED)".to_string()),
        ] {
            let sql = format!(
                "SELECT {} AS h, {} AS hn, {} AS ht, {all} AS ha, CAST({y} AS VARCHAR) AS cls, {} AS g, {} AS t FROM {side} WHERE {y} IS NOT NULL",
                hash(&exact, &[]),
                hash(&steps, &[]),
                hash(&exact, &[y]),
                group(cols),
                time(cols),
            );
            let dir = work.join(format!("{side}_hashes"));
            let dir = dir.to_string_lossy().to_string();
            self.ctx
                .sql(&sql)
                .await
                .map_err(engine_error)?
                .write_parquet(&format!("{dir}/"), Default::default(), None)
                .await
                .map_err(engine_error)?;
            register(self.ctx, &format!("{side}_h"), Path::new(&dir)).await?;
        }
        let classes = matches!(ds.target, Target::Classes { .. });
        let matched = |col: &str| {
            format!("SELECT cls, COUNT(*) FROM test_h WHERE {col} IN (SELECT {col} FROM train_h) GROUP BY cls")
        };
        let by_class = self.pairs(&matched("h")).await?;
        let within = self
            .row(
                "SELECT CAST(COALESCE(SUM(n) - COUNT(*), 0) AS BIGINT UNSIGNED), CAST(COUNT(*) AS BIGINT UNSIGNED) FROM (SELECT ha, COUNT(*) AS n FROM train_h GROUP BY ha)",
            )
            .await?;
        let total = |m: &BTreeMap<String, usize>| m.values().sum::<usize>();
        let duplicates = DuplicateCounts {
            exact_test_rows: total(&by_class),
            exact_with_target_rows: total(&self.pairs(&matched("ht")).await?),
            near_test_rows: total(&self.pairs(&matched("hn")).await?),
            within_train_rows: within[0],
            distinct_train_rows: within[1],
            exact_test_rows_by_class: if classes { by_class } else { BTreeMap::new() },
            ..Default::default()
        };
        let groups = match (
            &roles.group,
            &roles.group.as_ref().filter(|g| test_cols.contains(g)),
        ) {
            (Some(_), Some(_)) => {
                let r = self
                    .row(
                        "SELECT CAST(COUNT(s.g) AS BIGINT UNSIGNED), CAST(COUNT(*) AS BIGINT UNSIGNED), \
                         CAST(COALESCE(SUM(CASE WHEN s.g IS NULL THEN 0 ELSE t.n END), 0) AS BIGINT UNSIGNED) \
                         FROM (SELECT g, COUNT(*) AS n FROM test_h WHERE g IS NOT NULL GROUP BY g) t \
                         LEFT JOIN (SELECT DISTINCT g FROM train_h WHERE g IS NOT NULL) s ON t.g = s.g",
                    )
                    .await?;
                Some(GroupCounts {
                    shared_groups: r[0],
                    test_groups: r[1],
                    test_rows_in_shared_groups: r[2],
                })
            }
            _ => None,
        };
        let time_order = match roles.time.as_ref().filter(|t| test_cols.contains(t)) {
            Some(_) => {
                let last = self
                    .scalar("SELECT MAX(t) FROM train_h WHERE t IS NOT NULL AND NOT isnan(t)")
                    .await?;
                let last = match last {
                    ScalarValue::Float64(v) => v,
                    _ => None,
                };
                let before = match last {
                    Some(l) => {
                        self.row(&format!(
                            "SELECT CAST(COUNT(*) AS BIGINT UNSIGNED) FROM test_h WHERE t < {l:?}"
                        ))
                        .await?[0]
                    }
                    None => 0,
                };
                let shared = self
                    .row("SELECT CAST(COUNT(*) AS BIGINT UNSIGNED) FROM test_h WHERE t IN (SELECT DISTINCT t FROM train_h WHERE NOT isnan(t))")
                    .await?[0];
                Some(TimeOrder {
                    test_rows_before_train_end: before,
                    shared_timestamps: shared,
                    last_train_time: last,
                })
            }
            None => None,
        };
        Ok(ExactStatistics {
            duplicates,
            groups,
            time_order,
            ..Default::default()
        })
    }

    /// The features' cells over every training row: each row's cells (`lh_cells`, under
    /// `plan`) unnested and grouped, with the sums of a numeric target and of its ranks.
    async fn feature_counts(&self, plan: &CountPlan) -> Result<FeatureCounts> {
        let y = &self.target;
        let args: Vec<String> = std::iter::once(y.clone())
            .chain(plan.features.iter().map(|f| quote(&f.name)))
            .collect();
        let cells = format!("unnest(lh_cells({})) AS cell", args.join(", "));
        let sql = match plan.target {
            TargetPlan::Classes { .. } => {
                format!("SELECT cell, COUNT(*) FROM (SELECT {cells} FROM train) GROUP BY cell")
            }
            TargetPlan::Values { .. } => format!(
                "SELECT cell, COUNT(*), SUM(v), SUM(v * v), SUM(r), SUM(r * r) FROM \
                 (SELECT {cells}, lh_value({y}) AS v, lh_rank({y}) AS r FROM train) GROUP BY cell"
            ),
        };
        let mut sums = Vec::new();
        for b in self.collect(&sql).await? {
            let column = |i: usize, to: &DataType| -> Result<ArrayRef> {
                cast(b.column(i), to).map_err(engine_error)
            };
            let cell = column(0, &DataType::UInt64)?;
            let n = column(1, &DataType::UInt64)?;
            let floats: Vec<ArrayRef> = (2..b.num_columns())
                .map(|i| column(i, &DataType::Float64))
                .collect::<Result<_>>()?;
            let float = |i: usize, r: usize| {
                floats
                    .get(i)
                    .map_or(0.0, |a| a.as_primitive::<Float64Type>().value(r))
            };
            let (cell, n) = (
                cell.as_primitive::<UInt64Type>(),
                n.as_primitive::<UInt64Type>(),
            );
            for r in 0..b.num_rows() {
                sums.push(CellSums {
                    cell: cell.value(r),
                    n: n.value(r),
                    sum: float(0, r),
                    sum_sq: float(1, r),
                    rank_sum: float(2, r),
                    rank_sum_sq: float(3, r),
                });
            }
        }
        FeatureCounts::from_sums(plan.clone(), sums)
    }

    /// The target-encoding check's level aggregates over every training row, in one scan: each
    /// row's levels (`lh_level`), numbers (`lh_number`) and encoded targets (`lh_target`) read
    /// once, then grouped by each level column in turn (`GROUPING SETS`) into every numeric
    /// feature's present rows, target sums, least and greatest value.
    async fn level_counts(&self, plan: &CountPlan) -> Result<Vec<LevelSums>> {
        let enc = &plan.encodings;
        if enc.level_columns.is_empty() || enc.numeric.is_empty() {
            return Ok(Vec::new());
        }
        let y = &self.target;
        let targets = plan.encoded_targets().len();
        let mut read: Vec<String> = Vec::new();
        read.extend(
            (enc.level_columns.iter().enumerate())
                .map(|(i, c)| format!("lh_level({}) AS l{i}", quote(c))),
        );
        read.extend(
            (enc.numeric.iter().enumerate())
                .map(|(j, f)| format!("lh_number({}) AS v{j}", quote(f))),
        );
        read.extend((0..targets).map(|t| format!("lh_target({y}, {t}) AS t{t}")));
        let mut aggregates = Vec::new();
        for j in 0..enc.numeric.len() {
            aggregates.push(format!("COUNT(v{j})"));
            for t in 0..targets {
                aggregates.push(format!("SUM(CASE WHEN v{j} IS NOT NULL THEN t{t} END)"));
            }
            aggregates.push(format!("MIN(v{j})"));
            aggregates.push(format!("MAX(v{j})"));
        }
        let levels: Vec<String> = (0..enc.level_columns.len())
            .map(|i| format!("l{i}"))
            .collect();
        let sets: Vec<String> = levels.iter().map(|l| format!("({l})")).collect();
        let sql = format!(
            "SELECT {}, {} FROM (SELECT {} FROM train) WHERE t0 IS NOT NULL \
             GROUP BY GROUPING SETS ({})",
            levels.join(", "),
            aggregates.join(", "),
            read.join(", "),
            sets.join(", ")
        );
        let columns = enc.level_columns.len();
        let width = targets + 3;
        let mut out = Vec::new();
        for b in self.collect(&sql).await? {
            let texts: Vec<ArrayRef> = (0..columns)
                .map(|i| cast(b.column(i), &DataType::Utf8).map_err(engine_error))
                .collect::<Result<_>>()?;
            let floats: Vec<ArrayRef> = (columns..b.num_columns())
                .map(|i| cast(b.column(i), &DataType::Float64).map_err(engine_error))
                .collect::<Result<_>>()?;
            let value = |i: usize, r: usize| {
                let a = floats[i].as_primitive::<Float64Type>();
                (!a.is_null(r)).then(|| a.value(r))
            };
            for r in 0..b.num_rows() {
                // The set a row belongs to is its one present level (a missing level's group,
                // all levels null, is not an encoding's level).
                let Some((c, level)) = texts.iter().enumerate().find_map(|(c, t)| {
                    let t = t.as_string::<i32>();
                    (!t.is_null(r)).then(|| (c, t.value(r).to_string()))
                }) else {
                    continue;
                };
                for (j, name) in enc.numeric.iter().enumerate() {
                    let at = j * width;
                    let n = value(at, r).unwrap_or(0.0) as u64;
                    let extremes = (value(at + targets + 1, r), value(at + targets + 2, r));
                    let (Some(min), Some(max)) = extremes else {
                        continue;
                    };
                    if n == 0 || *name == enc.level_columns[c] {
                        continue;
                    }
                    out.push(LevelSums {
                        column: c as u32,
                        level: level.clone(),
                        feature: j as u32,
                        n,
                        sums: (0..targets)
                            .map(|t| value(at + 1 + t, r).unwrap_or(0.0))
                            .collect(),
                        min,
                        max,
                    });
                }
            }
        }
        Ok(out)
    }

    async fn collect(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        self.ctx
            .sql(sql)
            .await
            .map_err(engine_error)?
            .collect()
            .await
            .map_err(engine_error)
    }

    /// The first value of a one-row query.
    async fn scalar(&self, sql: &str) -> Result<ScalarValue> {
        let batches = self.collect(sql).await?;
        match batches.iter().find(|b| b.num_rows() > 0) {
            Some(b) => ScalarValue::try_from_array(b.column(0), 0).map_err(engine_error),
            None => Ok(ScalarValue::Null),
        }
    }

    /// The unsigned counts of a one-row query.
    async fn row(&self, sql: &str) -> Result<Vec<usize>> {
        let batches = self.collect(sql).await?;
        let Some(b) = batches.iter().find(|b| b.num_rows() > 0) else {
            return Ok(Vec::new());
        };
        Ok(b.columns()
            .iter()
            .map(|c| {
                let c = c.as_primitive::<UInt64Type>();
                if c.is_null(0) {
                    0
                } else {
                    c.value(0) as usize
                }
            })
            .collect())
    }

    /// (text, count) rows.
    async fn pairs(&self, sql: &str) -> Result<BTreeMap<String, usize>> {
        let mut out = BTreeMap::new();
        for b in self.collect(sql).await? {
            let keys = cast(b.column(0), &DataType::Utf8).map_err(engine_error)?;
            let keys = keys.as_string::<i32>();
            let n = cast(b.column(1), &DataType::UInt64).map_err(engine_error)?;
            let n = n.as_primitive::<UInt64Type>();
            for r in 0..b.num_rows() {
                let k = if keys.is_null(r) {
                    String::new()
                } else {
                    keys.value(r).to_string()
                };
                *out.entry(k).or_default() += n.value(r) as usize;
            }
        }
        Ok(out)
    }
}

/// A column name as an SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A text as an SQL literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn engine_error(e: impl std::fmt::Display) -> Error {
    Error::Data(first_line(&e.to_string()))
}

fn in_file(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Data(format!(
        "{}: {}",
        path.display(),
        first_line(&e.to_string())
    ))
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

/// A directory removed when dropped, for spill files and row hashes.
struct WorkDir(PathBuf);

impl WorkDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh work directory under `base` (the system's temporary directory by default): one per
/// audit, so audits running at once in one process never share row hashes.
fn tempdir_in(base: Option<&Path>) -> Result<WorkDir> {
    static AUDITS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = AUDITS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let base = base.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let dir = base.join(format!("leakhound-datafusion-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    Ok(WorkDir(dir))
}
