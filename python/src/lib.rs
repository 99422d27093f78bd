//! The Python extension `leakhound._leakhound`, a crate of its own built by maturin (see
//! `pyproject.toml`) on the `leakhound` library. Frames cross in through the Arrow C stream
//! interface (`__arrow_c_stream__`) without a CSV round trip; the audit runs on a worker thread
//! with the interpreter released, re-entering it only to call the user's live model; Ctrl-C
//! stops it. The Python package (`python/leakhound`) wraps these functions in the documented
//! API.
//!
//! The `leakhound` command that `pip install` brings is the binary's own code: the command
//! line's files (`src/cli.rs`, `src/commands/`, `src/demo.rs`) are compiled into this crate
//! too, as `src/main.rs` compiles them into the binary; the library has none of them.

#[path = "../../src/cli.rs"]
mod cli;
#[path = "../../src/commands/mod.rs"]
mod commands;
#[path = "../../src/demo.rs"]
mod demo;
mod predictor;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::RecordBatchReader;
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

use leakhound::compare::{self, Comparison, Side, Timeline};
use leakhound::report::PlotKind;
use leakhound::{Audit, Error, Report, Table, Thresholds};

/// A leakhound error as the exception a Python user catches: a class of `leakhound._errors`
/// deriving from `LeakhoundError` and the builtin it stands for (a missing column is a
/// `KeyError`, a bad setting a `ValueError`), with the library's one line in Python's words.
fn to_py(e: Error) -> PyErr {
    let msg = leakhound::settings::error_in_words_of(leakhound::settings::Front::Python, &e);
    let class = match e {
        Error::Cancelled => return PyKeyboardInterrupt::new_err(msg),
        Error::FileNotFound { .. } => "MissingFileError",
        Error::Io { .. } | Error::Output { .. } => "OutputError",
        Error::UnknownColumn { .. } => "ColumnNotFoundError",
        Error::Setting { .. } | Error::Config { .. } | Error::Usage(_) => "SettingError",
        Error::Model { .. } => "ModelError",
        _ => "DataError",
    };
    error(class, msg)
}

/// The exception `class` of `leakhound._errors` with `msg`.
fn error(class: &str, msg: String) -> PyErr {
    Python::attach(|py| {
        let made = py
            .import("leakhound._errors")
            .and_then(|m| m.getattr(class))
            .and_then(|c| c.call1((msg.clone(),)));
        match made {
            Ok(v) => PyErr::from_value(v),
            Err(_) => PyValueError::new_err(msg),
        }
    })
}

/// A bad setting, as `SettingError`.
fn setting_error(msg: impl Into<String>) -> PyErr {
    error("SettingError", msg.into())
}

/// A table from a path (read as the command line reads it, with `opts`) or any object
/// exporting an Arrow C stream (`__arrow_c_stream__`).
fn table(obj: &Bound<'_, PyAny>, name: &str, opts: &leakhound::ReadOptions) -> PyResult<Table> {
    if let Ok(path) = obj.extract::<PathBuf>() {
        return Table::read(&path, opts).map_err(to_py);
    }
    if !obj.hasattr("__arrow_c_stream__")? {
        return Err(error(
            "DataError",
            format!(
                "{name}: expected a pandas or polars DataFrame, a pyarrow Table, an object with __arrow_c_stream__, or a path; got {}",
                obj.get_type().name()?
            ),
        ));
    }
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.downcast::<PyCapsule>()?;
    let expected = c"arrow_array_stream";
    if capsule.name()? != Some(expected) {
        return Err(error(
            "DataError",
            format!("{name}: __arrow_c_stream__ did not return an 'arrow_array_stream' capsule"),
        ));
    }
    // SAFETY: the capsule holds an ArrowArrayStream (its name says so, per the Arrow PyCapsule
    // interface); `from_raw` moves it out and marks the original released, so the capsule's
    // destructor does not release it twice.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(capsule.pointer() as *mut _) };
    let reader = ArrowArrayStreamReader::try_new(stream)
        .map_err(|e| error("DataError", format!("{name}: not an Arrow stream ({e})")))?;
    if reader.schema().fields().is_empty() {
        return Err(error(
            "DataError",
            format!("{name}: the table has no columns"),
        ));
    }
    Table::from_record_batches(reader.map(|b| b.map_err(|e| Error::Data(format!("{name}: {e}")))))
        .map_err(to_py)
}

/// An audit report (see `leakhound.Report` for the documented wrapper).
#[pyclass(frozen, name = "NativeReport", module = "leakhound._leakhound")]
pub struct NativeReport {
    report: Report,
}

fn plot_kinds(plots: Option<Vec<String>>) -> PyResult<Vec<PlotKind>> {
    match plots {
        None => Ok(PlotKind::ALL.to_vec()),
        Some(names) => names
            .iter()
            .map(|n| {
                n.parse::<PlotKind>()
                    .map_err(|e| setting_error(format!("invalid setting `plots`: {e}")))
            })
            .collect(),
    }
}

#[pymethods]
impl NativeReport {
    /// `report.json`.
    fn json(&self) -> String {
        self.report.to_json()
    }

    /// The terminal summary.
    #[pyo3(signature = (color = false))]
    fn terminal(&self, color: bool) -> String {
        self.report.to_terminal(color)
    }

    /// The self-contained HTML page with the plots embedded.
    #[pyo3(signature = (plots = None))]
    fn html(&self, py: Python<'_>, plots: Option<Vec<String>>) -> PyResult<String> {
        let kinds = plot_kinds(plots)?;
        py.detach(|| {
            let p = self.report.plots(&kinds)?;
            Ok(self.report.to_html(&p))
        })
        .map_err(to_py)
    }

    /// Write the report folder; the paths written.
    #[pyo3(signature = (dir, plots = None))]
    fn save(
        &self,
        py: Python<'_>,
        dir: PathBuf,
        plots: Option<Vec<String>>,
    ) -> PyResult<Vec<PathBuf>> {
        let kinds = plot_kinds(plots)?;
        py.detach(|| self.report.save(&dir, &kinds)).map_err(to_py)
    }

    /// The worst severity, or None.
    fn max_severity(&self) -> Option<&'static str> {
        self.report.max_severity().map(|s| s.as_str())
    }

    /// A report read back from `report.json` text.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        serde_json::from_str(text)
            .map(|report| NativeReport { report })
            .map_err(|e| error("DataError", format!("not a leakhound report ({e})")))
    }
}

/// A comparison of two versions (see `leakhound.Comparison`).
#[pyclass(frozen, name = "NativeComparison", module = "leakhound._leakhound")]
pub struct NativeComparison {
    comparison: Comparison,
}

#[pymethods]
impl NativeComparison {
    /// `comparison.json`.
    fn json(&self) -> String {
        self.comparison.to_json()
    }

    /// The terminal table.
    fn terminal(&self) -> String {
        self.comparison.to_terminal()
    }

    /// `comparison.md`.
    fn markdown(&self) -> String {
        self.comparison.to_markdown(None)
    }

    /// `comparison.html`, with the picture embedded when `plot`.
    #[pyo3(signature = (plot = true))]
    fn html(&self, py: Python<'_>, plot: bool) -> PyResult<String> {
        py.detach(|| {
            let png = if plot {
                Some(self.comparison.png()?)
            } else {
                None
            };
            Ok(self.comparison.to_html(png.as_deref()))
        })
        .map_err(to_py)
    }

    /// `comparison.png` bytes.
    fn png(&self, py: Python<'_>) -> PyResult<Vec<u8>> {
        py.detach(|| self.comparison.png()).map_err(to_py)
    }

    /// Write `comparison.json`, `comparison.md`, `comparison.html` and (with `plot`) `comparison.png`.
    #[pyo3(signature = (dir, plot = true))]
    fn save(&self, py: Python<'_>, dir: PathBuf, plot: bool) -> PyResult<Vec<PathBuf>> {
        py.detach(|| self.comparison.save(&dir, plot))
            .map_err(to_py)
    }

    /// The worst severity, or None.
    fn max_severity(&self) -> Option<&'static str> {
        self.comparison.max_severity().map(|s| s.as_str())
    }
}

/// Model versions over time (see `leakhound.Timeline`).
#[pyclass(frozen, name = "NativeTimeline", module = "leakhound._leakhound")]
pub struct NativeTimeline {
    timeline: Timeline,
}

#[pymethods]
impl NativeTimeline {
    /// `timeline.json`.
    fn json(&self) -> String {
        self.timeline.to_json()
    }

    /// The terminal table.
    fn terminal(&self) -> String {
        self.timeline.to_terminal()
    }

    /// `timeline.md`.
    fn markdown(&self) -> String {
        self.timeline.to_markdown(None)
    }

    /// `timeline.html`, with the picture embedded when `plot`.
    #[pyo3(signature = (plot = true))]
    fn html(&self, py: Python<'_>, plot: bool) -> PyResult<String> {
        py.detach(|| {
            let png = if plot {
                Some(self.timeline.png()?)
            } else {
                None
            };
            Ok(self.timeline.to_html(png.as_deref()))
        })
        .map_err(to_py)
    }

    /// `timeline.png` bytes.
    fn png(&self, py: Python<'_>) -> PyResult<Vec<u8>> {
        py.detach(|| self.timeline.png()).map_err(to_py)
    }

    /// Write `timeline.json`, `timeline.md`, `timeline.html` and (with `plot`) `timeline.png`.
    #[pyo3(signature = (dir, plot = true))]
    fn save(&self, py: Python<'_>, dir: PathBuf, plot: bool) -> PyResult<Vec<PathBuf>> {
        py.detach(|| self.timeline.save(&dir, plot)).map_err(to_py)
    }

    /// The worst severity of the newest step, or None.
    fn max_severity(&self) -> Option<&'static str> {
        self.timeline.max_severity().map(|s| s.as_str())
    }
}

fn side(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Side> {
    if let Ok(r) = obj.downcast::<NativeReport>() {
        return Ok(Side::from_report(r.get().report.clone(), name));
    }
    let path: PathBuf = obj.extract().map_err(|_| {
        error(
            "DataError",
            format!("{name}: expected a Report or a path to report.json or an importance CSV"),
        )
    })?;
    compare::load(&path).map_err(to_py)
}

/// Compare two reports (or paths).
#[pyfunction]
#[pyo3(signature = (old, new, thresholds = None))]
fn compare_reports(
    old: &Bound<'_, PyAny>,
    new: &Bound<'_, PyAny>,
    thresholds: Option<&Bound<'_, PyDict>>,
) -> PyResult<NativeComparison> {
    let t = compare_thresholds(thresholds)?;
    let comparison = compare::compare(&side(old, "old")?, &side(new, "new")?, &t);
    Ok(NativeComparison { comparison })
}

/// The timeline of reports (or paths), oldest first.
#[pyfunction]
#[pyo3(signature = (versions, thresholds = None))]
fn compare_versions(
    versions: Vec<Bound<'_, PyAny>>,
    thresholds: Option<&Bound<'_, PyDict>>,
) -> PyResult<NativeTimeline> {
    let t = compare_thresholds(thresholds)?;
    let sides = versions
        .iter()
        .enumerate()
        .map(|(i, v)| side(v, &format!("v{}", i + 1)))
        .collect::<PyResult<Vec<_>>>()?;
    let timeline = Timeline::new(&sides, &t).map_err(to_py)?;
    Ok(NativeTimeline { timeline })
}

fn compare_thresholds(thresholds: Option<&Bound<'_, PyDict>>) -> PyResult<Thresholds> {
    let mut t = Thresholds::default();
    if let Some(d) = thresholds {
        for (k, v) in d.iter() {
            let key: String = k.extract()?;
            let value: f64 = v.extract()?;
            t.set_value(&key, value).map_err(to_py)?;
        }
    }
    t.validate().map_err(to_py)?;
    Ok(t)
}

/// An option's value from Python, by what the option takes.
fn option_value(
    spec: &leakhound::OptionSpec,
    v: &Bound<'_, PyAny>,
) -> PyResult<leakhound::OptionValue> {
    use leakhound::{OptionKind as K, OptionValue as V};
    let keyword = spec.python.unwrap_or(spec.name);
    let wrong = |what: &str| {
        setting_error(format!(
            "invalid setting `{keyword}`: expected {what}, got {}",
            v.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    };
    Ok(match spec.kind {
        K::Column | K::Choice(_) | K::Text => V::Text(v.extract().map_err(|_| wrong("a string"))?),
        K::Columns => {
            if v.is_instance_of::<pyo3::types::PyString>() {
                V::Texts(vec![v.extract()?])
            } else {
                V::Texts(v.extract().map_err(|_| wrong("a list of column names"))?)
            }
        }
        K::Count { .. } | K::Number { .. } => {
            if v.is_instance_of::<pyo3::types::PyBool>() {
                return Err(wrong("a number"));
            }
            V::Number(v.extract().map_err(|_| wrong("a number"))?)
        }
        K::Flag => V::Flag(v.extract().map_err(|_| wrong("True or False"))?),
        K::Thresholds => {
            let d = v
                .downcast::<PyDict>()
                .map_err(|_| wrong("a dict of thresholds"))?;
            let mut out = Vec::new();
            for (k, x) in d.iter() {
                let name: String = k.extract().map_err(|_| wrong("a dict of thresholds"))?;
                let value: f64 = x.extract().map_err(|_| {
                    setting_error(format!("invalid setting `{name}`: expected a number"))
                })?;
                out.push((name, value));
            }
            V::Thresholds(out)
        }
        K::File => return Err(wrong("a file")),
    })
}

/// Every option, for the Python package: its signature is checked against these, its aliases
/// come from them.
#[pyfunction]
fn options(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    leakhound::OPTIONS
        .iter()
        .map(|o| {
            let d = PyDict::new(py);
            d.set_item("name", o.name)?;
            d.set_item("cli", o.cli)?;
            d.set_item("python", o.python)?;
            d.set_item("aliases", o.python_aliases.to_vec())?;
            d.set_item("default", o.default)?;
            d.set_item("doc", o.doc)?;
            Ok(d)
        })
        .collect()
}

/// The names of every detection threshold.
#[pyfunction]
fn threshold_names() -> Vec<&'static str> {
    Thresholds::SPECS.iter().map(|s| s.name).collect()
}

/// Run an audit. The Python wrapper documents and checks the arguments and gives the options by
/// their library names; this applies them through `Audit::set`, so no option is listed here.
#[pyfunction]
#[pyo3(signature = (
    data, target, *, test = None, options = None, model = None, model_frame = None,
    model_kind = None, model_file = None, name = None, test_name = None, exact = None,
    feature_counts = None
))]
#[allow(clippy::too_many_arguments)]
fn audit(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    target: String,
    test: Option<&Bound<'_, PyAny>>,
    options: Option<&Bound<'_, PyDict>>,
    model: Option<Py<PyAny>>,
    model_frame: Option<Py<PyAny>>,
    model_kind: Option<String>,
    model_file: Option<String>,
    name: Option<String>,
    test_name: Option<String>,
    exact: Option<String>,
    feature_counts: Option<String>,
) -> PyResult<NativeReport> {
    let mut a = Audit::new(target.clone());
    let (mut threads, mut memory_limit, mut delimiter) = (None, None, None);
    let mut opts = leakhound::ReadOptions {
        stratify_by: Some(target),
        memory_limit: leakhound::ReadOptions::default_memory_limit(),
        ..Default::default()
    };
    for (k, v) in options.into_iter().flat_map(|d| d.iter()) {
        let key: String = k.extract()?;
        let spec = leakhound::OPTIONS
            .iter()
            .find(|o| o.name == key)
            .ok_or_else(|| setting_error(format!("invalid setting `{key}`: not an option")))?;
        if v.is_none() {
            continue;
        }
        match spec.name {
            "threads" => {
                threads = Some(v.extract::<usize>().map_err(|_| {
                    setting_error("invalid setting `n_jobs`: expected a whole number")
                })?)
            }
            "memory_limit" => {
                memory_limit = Some(v.extract::<f64>().map_err(|_| {
                    setting_error("invalid setting `memory_limit`: expected a number of GB")
                })?)
            }
            "delimiter" => {
                delimiter = Some(v.extract::<String>().map_err(|_| {
                    setting_error("invalid setting `delimiter`: expected one character or 'tab'")
                })?)
            }
            _ => {
                let value = option_value(spec, &v)?;
                if let (leakhound::OptionValue::Number(x), "max_rows") = (&value, spec.name) {
                    opts.max_rows = Some(*x as usize);
                }
                if let (leakhound::OptionValue::Number(x), "seed") = (&value, spec.name) {
                    opts.seed = *x as u64;
                }
                a = a.set(spec.name, value).map_err(to_py)?;
            }
        }
    }
    if let Some(gb) = memory_limit {
        leakhound::OptionSpec::of("memory_limit")
            .check(gb)
            .map_err(to_py)?;
        opts.memory_limit = Some((gb * 1e9) as u64);
    }
    if let Some(d) = delimiter {
        opts.delimiter = Some(leakhound::settings::parse_delimiter(&d).map_err(to_py)?);
    }
    // Counts over every row from an engine outside (Spark), as JSON: the tables given are then
    // its samples, and the seconds it took to draw them.
    let exact: Option<(leakhound::ExactStatistics, f64)> = match exact {
        Some(json) => {
            let stats = serde_json::from_str(&json)
                .map_err(|e| PyValueError::new_err(format!("exact statistics: {e}")))?;
            let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
            let seconds = value["sample_seconds"].as_f64().unwrap_or(0.0);
            Some((stats, seconds))
        }
        None => None,
    };
    // The features' cells an engine outside counted over every row: its plan, the summed
    // cells as (cell, n, sum, sum_sq, rank_sum, rank_sum_sq) rows, and the seconds it took.
    if let Some(json) = feature_counts {
        #[derive(serde::Deserialize)]
        struct Counted {
            plan: leakhound::CountPlan,
            cells: Vec<(u64, u64, f64, f64, f64, f64)>,
            #[serde(default)]
            levels: Vec<LevelRow>,
            seconds: f64,
        }
        let c: Counted = serde_json::from_str(&json)
            .map_err(|e| PyValueError::new_err(format!("feature counts: {e}")))?;
        let sums = c
            .cells
            .into_iter()
            .map(|(cell, n, s, ss, r, rr)| leakhound::CellSums {
                cell,
                n,
                sum: s,
                sum_sq: ss,
                rank_sum: r,
                rank_sum_sq: rr,
            });
        let levels = c
            .levels
            .into_iter()
            .map(
                |(column, level, feature, n, sums, min, max)| leakhound::LevelSums {
                    column,
                    level,
                    feature,
                    n,
                    sums,
                    min,
                    max,
                },
            );
        let counts = leakhound::FeatureCounts::from_sums(c.plan, sums)
            .and_then(|c| c.with_levels(levels))
            .map_err(to_py)?;
        a = a.feature_counts(leakhound::FeatureCounts {
            seconds: c.seconds,
            ..counts
        });
    }
    // Settings are checked before any data is read.
    a.check().map_err(to_py)?;
    let mut data = table(data, "data", &opts)?;
    if let Some(n) = name {
        data = data.with_name(n);
    }
    if let Some((stats, seconds)) = &exact {
        data = data.as_sample_of(stats.train_rows, *seconds);
    }
    if let Some(t) = test {
        let test_opts = leakhound::ReadOptions {
            max_rows: None,
            stratify_by: opts.stratify_by.clone(),
            memory_limit: opts.memory_limit,
            delimiter: opts.delimiter,
            seed: opts.seed,
            progress: None,
        };
        let mut t = table(t, "test", &test_opts)?;
        if let Some(n) = test_name {
            t = t.with_name(n);
        }
        if let Some((stats, _)) = exact {
            t = t.as_sample_of(stats.test_rows, 0.0);
            a = a.exact_statistics(stats);
        }
        a = a.test(t);
    }
    if let Some(m) = model {
        let p = predictor::PyPredictor::new(py, m, model_frame, model_kind)?;
        a = a.external_model(Box::new(p));
    }
    if let Some(path) = model_file {
        // An exported model file, read (never executed) as the command line reads it.
        let m = py
            .detach(|| leakhound::UserModel::load(std::path::Path::new(&path)))
            .map_err(to_py)?;
        a = a.model(m);
    }
    let pool = {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(n) = threads {
            leakhound::OptionSpec::of("threads")
                .check(n as f64)
                .map_err(to_py)?;
            b = b.num_threads(n);
        }
        b.build()
            .map_err(|e| PyOSError::new_err(format!("thread pool: {e}")))?
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let a = a.cancel_flag(cancel.clone());
    let worker = std::thread::spawn(move || pool.install(|| a.run(data)));
    // Wait with the interpreter released, waking to let Python see Ctrl-C.
    loop {
        if worker.is_finished() {
            break;
        }
        py.detach(|| std::thread::sleep(Duration::from_millis(20)));
        if let Err(e) = py.check_signals() {
            cancel.store(true, Ordering::Relaxed);
            return Err(e);
        }
    }
    let report = py
        .detach(|| worker.join())
        .map_err(|_| PyValueError::new_err("leakhound: the audit stopped unexpectedly"))?
        .map_err(to_py)?;
    Ok(NativeReport { report })
}

/// How an engine outside (Spark) bins every row for the features' counts: the plan, as JSON, of
/// an audit with `options` running on `sample` (the seeded sample it drew).
#[pyfunction]
#[pyo3(signature = (sample, target, *, options = None))]
fn count_plan(
    py: Python<'_>,
    sample: &Bound<'_, PyAny>,
    target: String,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let mut a = Audit::new(target);
    for (k, v) in options.into_iter().flat_map(|d| d.iter()) {
        let key: String = k.extract()?;
        let Some(spec) = leakhound::OPTIONS.iter().find(|o| o.name == key) else {
            continue;
        };
        if v.is_none() || matches!(spec.name, "threads" | "memory_limit" | "delimiter") {
            continue;
        }
        a = a.set(spec.name, option_value(spec, &v)?).map_err(to_py)?;
    }
    let table = table(sample, "data", &leakhound::ReadOptions::default())?;
    let plan = py.detach(|| a.count_plan(&table)).map_err(to_py)?;
    serde_json::to_string(&plan).map_err(|e| PyValueError::new_err(format!("count plan: {e}")))
}

/// A count plan (JSON, from [`count_plan`]) and the part of a table an engine hands over.
fn plan_and_part(plan: &str, part: &Bound<'_, PyAny>) -> PyResult<(leakhound::CountPlan, Table)> {
    let plan = serde_json::from_str(plan)
        .map_err(|e| PyValueError::new_err(format!("count plan: {e}")))?;
    Ok((
        plan,
        table(part, "part", &leakhound::ReadOptions::default())?,
    ))
}

/// The cells one part of a table holds under `plan` (JSON, from [`count_plan`]), summed per
/// cell: `(cell, n, sum, sum_sq, rank_sum, rank_sum_sq)` lists, what an engine then adds up
/// over the parts (Spark's `mapInArrow` and `groupBy`).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn feature_cells(
    py: Python<'_>,
    part: &Bound<'_, PyAny>,
    plan: &str,
) -> PyResult<(Vec<u64>, Vec<u64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>)> {
    let (plan, part) = plan_and_part(plan, part)?;
    let sums = py
        .detach(|| plan.cells(part).map(|c| c.sums()))
        .map_err(to_py)?;
    let mut out = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for c in sums {
        out.0.push(c.cell);
        out.1.push(c.n);
        out.2.push(c.sum);
        out.3.push(c.sum_sq);
        out.4.push(c.rank_sum);
        out.5.push(c.rank_sum_sq);
    }
    Ok(out)
}

/// One level aggregate as the engine outside hands it over: (column, level, feature, n, sums,
/// min, max).
type LevelRow = (u32, String, u32, u64, Vec<f64>, f64, f64);

/// The target-encoding check's level aggregates one part of a table holds under `plan` (JSON,
/// from [`count_plan`]): `(column, level, feature, n, sums, min, max)` lists, `sums` one list
/// per row (a sum per encoded target), what an engine then adds up over the parts.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn level_sums(
    py: Python<'_>,
    part: &Bound<'_, PyAny>,
    plan: &str,
) -> PyResult<(
    Vec<u32>,
    Vec<String>,
    Vec<u32>,
    Vec<u64>,
    Vec<Vec<f64>>,
    Vec<f64>,
    Vec<f64>,
)> {
    let (plan, part) = plan_and_part(plan, part)?;
    let sums = py.detach(|| plan.level_sums(part)).map_err(to_py)?;
    let mut out = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for l in sums {
        out.0.push(l.column);
        out.1.push(l.level);
        out.2.push(l.feature);
        out.3.push(l.n);
        out.4.push(l.sums);
        out.5.push(l.min);
        out.6.push(l.max);
    }
    Ok(out)
}

/// The `leakhound` command: run it with `argv` (program name first); returns the exit code.
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| crate::commands::main(argv))
}

/// The extension module.
#[pymodule]
fn _leakhound(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<NativeReport>()?;
    m.add_class::<NativeComparison>()?;
    m.add_class::<NativeTimeline>()?;
    m.add_function(wrap_pyfunction!(audit, m)?)?;
    m.add_function(wrap_pyfunction!(options, m)?)?;
    m.add_function(wrap_pyfunction!(threshold_names, m)?)?;
    m.add_function(wrap_pyfunction!(compare_reports, m)?)?;
    m.add_function(wrap_pyfunction!(compare_versions, m)?)?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add_function(wrap_pyfunction!(count_plan, m)?)?;
    m.add_function(wrap_pyfunction!(feature_cells, m)?)?;
    m.add_function(wrap_pyfunction!(level_sums, m)?)?;
    Ok(())
}
