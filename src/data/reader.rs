//! File readers: CSV/TSV (optionally gzip-compressed) and Parquet, streamed row by row into
//! column builders (or into the sampler when `--max-rows` is set).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::builder::ColumnBuilder;
use super::chunks;
use super::sample::Sampler;
use super::Frame;
use crate::error::{suggest, Error, Result};

/// Reading progress, called now and then: bytes read so far, the file's size in bytes (0 when
/// unknown, as for gzip) and data rows so far.
pub type ReadProgress = dyn Fn(u64, u64, u64) + Send + Sync;

/// How to read an input file.
#[derive(Clone, Default)]
pub struct ReadOptions {
    /// Field delimiter; sniffed from the header line when `None`.
    pub delimiter: Option<u8>,
    /// Keep at most this many rows (reproducible sample).
    pub max_rows: Option<usize>,
    /// Seed for the sample.
    pub seed: u64,
    /// Column whose raw values define strata for the sample (the target).
    pub stratify_by: Option<String>,
    /// Stop reading when the audit would need more than this many bytes: about
    /// twice what the typed columns hold. `None` for no limit.
    pub memory_limit: Option<u64>,
    /// Called as the file is read (see [`ReadProgress`]).
    pub progress: Option<std::sync::Arc<ReadProgress>>,
}

impl std::fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOptions")
            .field("delimiter", &self.delimiter)
            .field("max_rows", &self.max_rows)
            .field("seed", &self.seed)
            .field("stratify_by", &self.stratify_by)
            .field("memory_limit", &self.memory_limit)
            .field("progress", &self.progress.as_ref().map(|_| "callback"))
            .finish()
    }
}

/// Peak memory of an audit relative to the bytes its typed columns hold (measured on the 1M x 100
/// `perfdata` table: 0.68 GB for 404 MB held as decimal digits, 1.69x; 1.17 GB for 808 MB held as
/// doubles, 1.45x; kept above both for margin).
pub const MEMORY_FACTOR: f64 = 2.0;

impl ReadOptions {
    /// Three quarters of the machine's memory (`/proc/meminfo`), the default memory limit;
    /// `None` where it cannot be read.
    pub fn default_memory_limit() -> Option<u64> {
        default_memory_limit()
    }
}

/// Three quarters of the machine's memory (`/proc/meminfo`), the default memory limit.
pub fn default_memory_limit() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024 / 4 * 3)
}

enum Format {
    Delimited { gzip: bool, tab: bool },
    Parquet,
}

fn format_of(path: &Path) -> Result<Format> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let (stem, gzip) = match name.strip_suffix(".gz") {
        Some(s) => (s.to_string(), true),
        None => (name.clone(), false),
    };
    let ext = Path::new(&stem)
        .extension()
        .map(|e| e.to_string_lossy().to_string())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" | "dat" => Ok(Format::Delimited { gzip, tab: false }),
        "tsv" | "tab" => Ok(Format::Delimited { gzip, tab: true }),
        "parquet" | "pq" if !gzip => Ok(Format::Parquet),
        _ => Err(Error::UnsupportedExtension {
            path: path.to_path_buf(),
            ext: if name.contains('.') {
                name[name.find('.').unwrap_or(0)..].to_string()
            } else {
                "(none)".into()
            },
        }),
    }
}

/// Read a whole file into typed columns.
pub fn read_frame(path: &Path, opts: &ReadOptions) -> Result<Frame> {
    let format = format_of(path)?;
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::Malformed {
            path: path.into(),
            message: "is a directory, not a data file".into(),
        });
    }
    match format {
        Format::Delimited { gzip, tab } => {
            let mut sink = Sink::new(path, opts);
            if !gzip {
                sink.size = meta.len();
            }
            read_delimited(path, gzip, tab, opts, &mut sink)?;
            sink.finish()
        }
        Format::Parquet => read_parquet(path, opts),
    }
}

/// Receives the header and rows from any reader; types columns or samples.
struct Sink {
    memory_limit: Option<u64>,
    path: PathBuf,
    headers: Vec<String>,
    builders: Vec<ColumnBuilder>,
    sampler: Option<Sampler>,
    stratify_by: Option<String>,
    stratum_idx: Option<usize>,
    rows: u64,
    progress: Option<std::sync::Arc<ReadProgress>>,
    /// The file's size (0: unknown).
    size: u64,
}

impl Sink {
    fn new(path: &Path, opts: &ReadOptions) -> Self {
        Sink {
            path: path.to_path_buf(),
            headers: Vec::new(),
            builders: Vec::new(),
            sampler: opts.max_rows.map(|m| Sampler::new(m, opts.seed)),
            stratify_by: opts.stratify_by.clone(),
            stratum_idx: None,
            rows: 0,
            memory_limit: opts.memory_limit,
            progress: opts.progress.clone(),
            size: 0,
        }
    }

    /// Tell the progress callback how far reading is.
    fn report(&self, bytes: u64) {
        if let Some(p) = &self.progress {
            p(bytes, self.size, self.rows);
        }
    }

    fn header(&mut self, names: Vec<String>) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        let mut headers = Vec::with_capacity(names.len());
        for (i, n) in names.into_iter().enumerate() {
            let n = n.trim().to_string();
            let n = if n.is_empty() {
                format!("column_{}", i + 1)
            } else {
                n
            };
            if !seen.insert(n.clone()) {
                return Err(Error::DuplicateColumn {
                    path: self.path.clone(),
                    column: n,
                });
            }
            headers.push(n);
        }
        if let Some(t) = &self.stratify_by {
            // Fail before streaming a large file when the target does not exist.
            match headers.iter().position(|h| h == t) {
                Some(i) => self.stratum_idx = Some(i),
                None => {
                    return Err(Error::UnknownColumn {
                        column: t.clone(),
                        role: "`target`".into(),
                        suggestion: suggest(t, &headers),
                    })
                }
            }
        }
        self.builders = (0..headers.len()).map(|_| ColumnBuilder::new()).collect();
        self.headers = headers;
        Ok(())
    }

    fn row(&mut self, line: u64, fields: &[&str]) -> Result<()> {
        if fields.len() != self.headers.len() {
            return Err(Error::RaggedRow {
                path: self.path.clone(),
                line,
                expected: self.headers.len(),
                found: fields.len(),
            });
        }
        self.rows += 1;
        if self.sampler.is_none() && self.rows.is_multiple_of(65_536) {
            self.check_memory()?;
        }
        match &mut self.sampler {
            Some(s) => {
                let stratum = self.stratum_idx.map_or("", |i| fields[i]);
                s.offer(stratum, fields.iter().map(|f| f.to_string()).collect());
            }
            None => self
                .builders
                .iter_mut()
                .zip(fields)
                .for_each(|(b, f)| b.push(f)),
        }
        Ok(())
    }

    /// Stop with advice before the loaded table outgrows the memory limit (rather than be killed
    /// by the kernel later in the audit).
    fn check_memory(&self) -> Result<()> {
        // What the columns hold a row so far: a column still untyped counts as 8 bytes, and one
        // that widens later is caught by the next check.
        let row_bytes = if self.builders.is_empty() {
            8 * self.headers.len()
        } else {
            self.builders.iter().map(ColumnBuilder::value_bytes).sum()
        };
        match memory_error(
            &self.path,
            self.memory_limit,
            self.rows,
            (self.headers.len(), row_bytes as u64),
        ) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn finish(mut self) -> Result<Frame> {
        if self.headers.is_empty() {
            return Err(Error::EmptyFile { path: self.path });
        }
        if self.rows == 0 {
            return Err(Error::HeaderOnly { path: self.path });
        }
        let rows_total = self.rows as usize;
        let mut sampled = false;
        if let Some(s) = self.sampler.take() {
            let kept = s.finish();
            sampled = kept.len() < rows_total;
            for r in &kept {
                self.builders.iter_mut().zip(r).for_each(|(b, f)| b.push(f));
            }
        }
        let mut warnings = Vec::new();
        let columns: Vec<_> = self
            .builders
            .into_iter()
            .zip(self.headers)
            .map(|(b, name)| {
                if b.infinite() > 0 {
                    warnings.push(format!(
                        "column '{name}': {} infinite values treated as missing",
                        b.infinite()
                    ));
                }
                b.finish(name)
            })
            .collect();
        let rows = columns.first().map_or(0, |c| c.len());
        Ok(Frame {
            columns,
            rows,
            rows_total,
            sampled,
            warnings,
            source_rows: None,
        })
    }
}

/// The error for `rows` rows of `columns` columns holding `row_bytes` a row when the audit of
/// them would outgrow `limit` bytes: it stops with advice before the kernel kills the process
/// later.
fn memory_error(
    path: &Path,
    limit: Option<u64>,
    rows: u64,
    (columns, row_bytes): (usize, u64),
) -> Option<Error> {
    let limit = limit?;
    let need = (rows * row_bytes.max(1)) as f64 * MEMORY_FACTOR;
    if need <= limit as f64 {
        return None;
    }
    let fit = (limit as f64 / MEMORY_FACTOR / row_bytes.max(1) as f64) as u64;
    Some(Error::OverMemory {
        path: path.to_path_buf(),
        message: format!(
            "after {rows} rows of {columns} columns the audit would need about {:.1} GB, over the memory limit of {:.1} GB; rerun with `max_rows` {} (a seeded sample) or raise `memory_limit`{}",
            need / 1e9,
            limit as f64 / 1e9,
            fit.max(1000) / 1000 * 1000,
            if path.extension().is_some_and(|e| e == "parquet") {
                ", or count every row without loading it (`engine` datafusion)"
            } else {
                ""
            }
        ),
    })
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| Error::io(path, e))
}

/// Map an I/O error during streaming to a message naming what is wrong with the file.
fn stream_error(path: &Path, gzip: bool, e: &std::io::Error) -> Error {
    let message = if gzip {
        format!("corrupt or truncated gzip stream ({e})")
    } else {
        format!("read failed ({e})")
    };
    Error::Malformed {
        path: path.to_path_buf(),
        message,
    }
}

fn read_delimited(
    path: &Path,
    gzip: bool,
    tab: bool,
    opts: &ReadOptions,
    sink: &mut Sink,
) -> Result<()> {
    let file = open(path)?;
    read_delimited_from(Box::new(file), path, gzip, tab, opts, sink)
}

/// Read delimited text (gzip-compressed or not) from memory: the fuzzing entry point, and for
/// callers that already hold the bytes. `name` stands for the path in error messages.
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
pub fn read_delimited_bytes(
    bytes: &[u8],
    name: &str,
    gzip: bool,
    opts: &ReadOptions,
) -> Result<Frame> {
    let path = Path::new(name);
    let mut sink = Sink::new(path, opts);
    read_delimited_from(
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        path,
        gzip,
        false,
        opts,
        &mut sink,
    )?;
    sink.finish()
}

fn read_delimited_from(
    file: Box<dyn Read + Send>,
    path: &Path,
    gzip: bool,
    tab: bool,
    opts: &ReadOptions,
    sink: &mut Sink,
) -> Result<()> {
    let inner: Box<dyn Read + Send> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        file
    };
    let mut reader = BufReader::with_capacity(1 << 16, inner);
    let head = reader
        .fill_buf()
        .map_err(|e| stream_error(path, gzip, &e))?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let start = if bom { 3 } else { 0 };
    if head[start..].iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::EmptyFile { path: path.into() });
    }
    let delimiter = match opts.delimiter {
        Some(d) => d,
        None if tab => b'\t',
        None => sniff_delimiter(&head[start..]),
    };
    if bom {
        reader.consume(3);
    }
    if !gzip && sink.sampler.is_none() {
        return read_blocks(reader, path, delimiter, chunks::BLOCK, sink);
    }
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let mut first = true;
    loop {
        let more = csv
            .read_byte_record(&mut record)
            .map_err(|e| match e.kind() {
                csv::ErrorKind::Io(io) => stream_error(path, gzip, io),
                _ => Error::Malformed {
                    path: path.into(),
                    message: e.to_string(),
                },
            })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        let fields = chunks::decode(&record, path, line)?;
        if first {
            sink.header(fields.iter().map(|s| s.to_string()).collect())?;
            first = false;
        } else if !chunks::is_blank(&fields, sink.headers.len()) {
            sink.row(line, &fields)?;
            if sink.rows.is_multiple_of(65_536) {
                sink.report(record.position().map_or(0, |p| p.byte()));
            }
        }
    }
    Ok(())
}

/// Blocks of whole records parsed and typed in parallel (see [`super::chunks`]): the same
/// columns as the sequential reader, faster on more than one core.
fn read_blocks(
    reader: impl Read + Send,
    path: &Path,
    delimiter: u8,
    block: usize,
    sink: &mut Sink,
) -> Result<()> {
    let io = |e: std::io::Error| stream_error(path, false, &e);
    let mut blocks = chunks::Blocks::new(reader, block, delimiter, 1);
    let Some((first, _)) = blocks.next_block().map_err(io)? else {
        return Ok(());
    };
    // The header is the first record; the data start after it.
    let mut csv = chunks::Records::new(&first, delimiter);
    let mut record = csv::ByteRecord::new();
    if !csv.next(&mut record, path)? {
        return Ok(());
    }
    let header: Vec<String> = chunks::decode(&record, path, 1)?
        .iter()
        .map(|s| s.to_string())
        .collect();
    sink.header(header)?;
    let offset = csv.offset();
    let first_line = 1 + first[..offset].iter().filter(|&&b| b == b'\n').count() as u64;
    let columns = sink.headers.len();
    let wave = 2 * rayon::current_num_threads().max(1);
    let mut next = vec![(first[offset..].to_vec(), first_line)];
    drop(first);
    let mut reserved = false;
    let read_wave = |blocks: &mut chunks::Blocks<_>, pending: &mut Vec<(Vec<u8>, u64)>| {
        while pending.len() < wave {
            match blocks.next_block().map_err(io)? {
                Some(b) => pending.push(b),
                None => break,
            }
        }
        Ok::<(), Error>(())
    };
    read_wave(&mut blocks, &mut next)?;
    while !next.is_empty() {
        // Parse this wave on the pool while the next one is read.
        let current = std::mem::take(&mut next);
        let (parsed, read) = rayon::join(
            || chunks::parse_wave(current, delimiter, path, columns),
            || read_wave(&mut blocks, &mut next),
        );
        for block in parsed {
            let block = block?;
            sink.rows += block.rows;
            chunks::append(&mut sink.builders, block, delimiter, path)?;
        }
        read?;
        sink.check_memory()?;
        let done = blocks.bytes_read - next.iter().map(|b| b.0.len() as u64).sum::<u64>();
        sink.report(done);
        if !reserved && sink.size > 0 && done > 0 {
            // Room for the rows the rest of the file holds at the rate seen so far (2% over),
            // so the columns do not grow by doubling (and keep up to twice the memory).
            let per_byte = sink.rows as f64 / done as f64;
            let rest = (sink.size.saturating_sub(done) as f64 * per_byte * 1.02) as usize;
            sink.builders.iter_mut().for_each(|b| b.reserve(rest));
            reserved = true;
        }
    }
    Ok(())
}

/// Pick the delimiter that splits the first line into the most fields, ignoring quoted text.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let candidates = [b',', b'\t', b';', b'|'];
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in head {
        if !quoted && (b == b'\n' || b == b'\r') {
            break;
        }
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = candidates.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
    }
    let (best, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|&(i, n)| (*n, std::cmp::Reverse(i)))
        .unwrap_or((0, &0));
    if *n == 0 {
        b','
    } else {
        candidates[best]
    }
}

/// Parquet through the Arrow reader: columns arrive typed (numbers stay numbers), batch by
/// batch, each column decoded on its own thread. With `max_rows`, a first pass reads only the
/// stratifying column to choose the sample (the same choice as for a CSV file) and the second
/// reads only the chosen rows.
#[cfg(feature = "parquet")]
fn read_parquet(path: &Path, opts: &ReadOptions) -> Result<Frame> {
    use parquet::arrow::arrow_reader::{
        ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
    };
    use parquet::arrow::ProjectionMask;

    let bad = |e: parquet::errors::ParquetError| Error::Malformed {
        path: path.into(),
        message: format!("not a readable Parquet file ({e})"),
    };
    let builder = || -> Result<ParquetRecordBatchReaderBuilder<File>> {
        ParquetRecordBatchReaderBuilder::try_new(open(path)?).map_err(bad)
    };
    let first = builder()?;
    let names: Vec<String> = first
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(Error::DuplicateColumn {
                path: path.into(),
                column: n.clone(),
            });
        }
    }
    if names.is_empty() {
        return Err(Error::EmptyFile { path: path.into() });
    }
    let rows_total = usize::try_from(first.metadata().file_metadata().num_rows()).unwrap_or(0);
    if rows_total == 0 {
        return Err(Error::HeaderOnly { path: path.into() });
    }
    let stratum = match &opts.stratify_by {
        Some(t) => Some(
            names
                .iter()
                .position(|h| h == t)
                .ok_or_else(|| Error::UnknownColumn {
                    column: t.clone(),
                    role: "`target`".into(),
                    suggestion: suggest(t, &names),
                })?,
        ),
        None => None,
    };
    let read = |b: ParquetRecordBatchReaderBuilder<File>, rows: usize| -> Result<Frame> {
        let reader = b.with_batch_size(65_536).build().map_err(bad)?;
        let mut acc = super::arrow::Accumulator::with_capacity(rows);
        for batch in reader {
            let batch = batch.map_err(|e| Error::Malformed {
                path: path.into(),
                message: format!("not a readable Parquet file ({e})"),
            })?;
            acc.push(batch).map_err(|e| in_file(path, e))?;
        }
        acc.finish().map_err(|e| in_file(path, e))
    };
    // The sample: row numbers kept, chosen from the stratifying column alone.
    let kept: Option<Vec<usize>> = match opts.max_rows {
        Some(max) if max < rows_total => {
            let mut sampler: Sampler<()> = Sampler::new(max, opts.seed);
            match stratum {
                Some(i) => {
                    let b = builder()?;
                    let mask = ProjectionMask::roots(b.parquet_schema(), [i]);
                    let col = read(b.with_projection(mask), rows_total)?;
                    let c = &col.columns[0];
                    for r in 0..col.rows {
                        sampler.offer(&c.text(r).unwrap_or_default(), ());
                    }
                }
                None => (0..rows_total).for_each(|_| sampler.offer("", ())),
            }
            Some(
                sampler
                    .finish_rows()
                    .into_iter()
                    .map(|(r, _)| r as usize)
                    .collect(),
            )
        }
        _ => None,
    };
    let rows = kept.as_ref().map_or(rows_total, Vec::len);
    // Parquet columns are held as doubles or 4-byte codes: 8 bytes a value at most.
    let row_bytes = 8 * names.len() as u64;
    if let Some(e) = memory_error(
        path,
        opts.memory_limit,
        rows as u64,
        (names.len(), row_bytes),
    ) {
        return Err(e);
    }
    if kept.is_none() && names.len() > 1 {
        // Every row: the columns are decoded and typed in parallel, one column each (a
        // column's typing depends on its own values only, so each is the column a single pass
        // gives, and the columns keep their order).
        use rayon::prelude::*;
        let parts: Vec<Frame> = (0..names.len())
            .into_par_iter()
            .map(|j| {
                let b = builder()?;
                let mask = ProjectionMask::roots(b.parquet_schema(), [j]);
                read(b.with_projection(mask), rows)
            })
            .collect::<Result<_>>()?;
        let mut frame = Frame {
            columns: Vec::with_capacity(names.len()),
            rows: parts[0].rows,
            rows_total,
            sampled: false,
            warnings: Vec::new(),
            source_rows: None,
        };
        for part in parts {
            frame.columns.extend(part.columns);
            frame.warnings.extend(part.warnings);
        }
        frame.sampled = frame.rows < rows_total;
        return Ok(frame);
    }
    let mut b = builder()?;
    if let Some(kept) = &kept {
        let mut selectors = Vec::new();
        let mut next = 0;
        for &r in kept {
            if r > next {
                selectors.push(RowSelector::skip(r - next));
            }
            selectors.push(RowSelector::select(1));
            next = r + 1;
        }
        b = b.with_row_selection(RowSelection::from(selectors));
    }
    let mut frame = read(b, rows)?;
    frame.rows_total = rows_total;
    frame.sampled = frame.rows < rows_total;
    Ok(frame)
}

/// The record-API Parquet reader leakhound used before the Arrow reader: every value goes
/// through text and is typed again. Kept only as the baseline of the Parquet benchmark.
#[cfg(all(feature = "parquet", feature = "internals"))]
pub fn read_parquet_records(path: &Path) -> Result<Frame> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let bad = |e: parquet::errors::ParquetError| Error::Malformed {
        path: path.into(),
        message: format!("not a readable Parquet file ({e})"),
    };
    let text = |f: &Field| match f {
        Field::Null => String::new(),
        Field::Str(s) => s.clone(),
        Field::Date(d) => super::time::format_iso(f64::from(*d) * 86_400.0),
        Field::TimestampMillis(ms) => super::time::format_iso(*ms as f64 / 1e3),
        Field::TimestampMicros(us) => super::time::format_iso(*us as f64 / 1e6),
        other => other.to_string(),
    };
    let reader = SerializedFileReader::new(open(path)?).map_err(bad)?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let names: Vec<String> = schema
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    let mut sink = Sink::new(path, &ReadOptions::default());
    sink.header(names)?;
    let mut strings: Vec<String> = Vec::new();
    for (i, row) in reader.get_row_iter(None).map_err(bad)?.enumerate() {
        let row = row.map_err(bad)?;
        strings.clear();
        strings.extend(row.get_column_iter().map(|(_, f)| text(f)));
        let refs: Vec<&str> = strings.iter().map(String::as_str).collect();
        sink.row(i as u64 + 1, &refs)?;
    }
    sink.finish()
}

/// An error about the table's content, said about the file.
#[cfg(feature = "parquet")]
fn in_file(path: &Path, e: Error) -> Error {
    match e {
        Error::Data(message) => Error::Malformed {
            path: path.into(),
            message,
        },
        other => other,
    }
}

#[cfg(not(feature = "parquet"))]
fn read_parquet(path: &Path, _opts: &ReadOptions) -> Result<Frame> {
    Err(Error::Malformed {
        path: path.into(),
        message: "this build has no Parquet support (feature 'parquet')".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"x,y\";b\n"), b';');
        assert_eq!(sniff_delimiter(b"single\n"), b',');
    }

    #[test]
    fn formats_by_extension() {
        assert!(matches!(
            format_of(Path::new("a.csv.gz")),
            Ok(Format::Delimited {
                gzip: true,
                tab: false
            })
        ));
        assert!(matches!(
            format_of(Path::new("a.TSV")),
            Ok(Format::Delimited {
                gzip: false,
                tab: true
            })
        ));
        assert!(matches!(
            format_of(Path::new("a.parquet")),
            Ok(Format::Parquet)
        ));
        assert!(format_of(Path::new("a.xlsx")).is_err());
    }

    /// Columns as comparable text: type, missing count and each value.
    fn fingerprint(f: &Frame) -> Vec<String> {
        f.columns
            .iter()
            .map(|c| {
                let values: Vec<String> = (0..c.len())
                    .map(|r| match &c.values {
                        super::super::Values::Numeric(v) => format!("{:?}", v.get(r).to_bits()),
                        _ => c.text(r).unwrap_or_default(),
                    })
                    .collect();
                format!("{} {:?} {} {}", c.name, c.ty, c.missing, values.join("|"))
            })
            .collect()
    }

    /// A character split by a delimiter is invalid in both fields, though the two halves join
    /// into valid text: both readers refuse the file with the same message.
    #[test]
    fn a_character_split_by_a_delimiter_is_refused() {
        let bytes = b"a,b\n\xC3,\xA9\n";
        let opts = ReadOptions::default();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, bytes).unwrap();
        let one_pass = read_delimited_bytes(&gz.finish().unwrap(), "split.csv", true, &opts)
            .unwrap_err()
            .to_string();
        let blocks = read_delimited_bytes(bytes, "split.csv", false, &opts)
            .unwrap_err()
            .to_string();
        assert!(one_pass.contains("invalid UTF-8"), "{one_pass}");
        assert_eq!(blocks, one_pass);
    }

    /// Blocks of every size, cut anywhere a record can end, give the sequential reader's columns
    /// value for value: quoted line breaks and escaped quotes across block ends, a column that
    /// turns from numbers to text (and dates to text) in a later block, a column missing in the
    /// first blocks, CRLF line ends, blank lines, infinities.
    #[test]
    fn blocks_read_what_one_pass_reads() {
        let mut text = String::from("id,x,when,note,late,empty\r\n");
        for i in 0..400 {
            let x = if i == 333 {
                "n/a".to_string()
            } else if i == 350 {
                "abc".into()
            } else {
                format!("{}.{}", i, i % 7)
            };
            let when = if i == 200 {
                "soon".to_string()
            } else {
                format!("2024-01-{:02}", i % 28 + 1)
            };
            let note = match i % 5 {
                0 => "\"a, \"\"quoted\"\"\nline\"".to_string(),
                1 => "plain".into(),
                2 => "".into(),
                3 => "5\" tall".into(),
                _ => "inf".into(),
            };
            let late = if i < 250 {
                String::new()
            } else {
                format!("{}", i % 3)
            };
            text.push_str(&format!("{i},{x},{when},{note},{late},\r\n"));
            if i % 97 == 0 {
                text.push_str("\r\n");
            }
        }
        let bytes = text.as_bytes();
        let path = Path::new("blocks.csv");
        let opts = ReadOptions::default();
        // The sequential reader (through gzip, which is read in one pass).
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, bytes).unwrap();
        let one_pass = read_delimited_bytes(&gz.finish().unwrap(), "blocks.csv.gz", true, &opts)
            .expect("sequential");
        let want = fingerprint(&one_pass);
        for block in [1, 7, 64, 333, 4096, 1 << 20] {
            let mut sink = Sink::new(path, &opts);
            read_blocks(bytes, path, b',', block, &mut sink).expect("blocks");
            assert_eq!(
                fingerprint(&sink.finish().expect("frame")),
                want,
                "block {block}"
            );
        }
        // Errors name the same line.
        let ragged = format!("{text}1,2\n");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, ragged.as_bytes()).unwrap();
        let want = read_delimited_bytes(&gz.finish().unwrap(), "blocks.csv", true, &opts)
            .unwrap_err()
            .to_string();
        // The csv crate's own line count can be one short after blank CRLF lines; a block's
        // first line is counted exactly, so the line named is that of the one-pass reader or
        // the true one.
        let true_line = format!("line {}:", text.matches('\n').count() + 1);
        for block in [1, 100, 1 << 20] {
            let mut sink = Sink::new(path, &opts);
            let e = read_blocks(ragged.as_bytes(), path, b',', block, &mut sink)
                .unwrap_err()
                .to_string();
            assert!(
                e == want || e.contains(&true_line),
                "block {block}: {e} / {want}"
            );
            assert!(e.ends_with("expected 6 fields, found 2"), "{e}");
        }
    }
    /// The memory check counts what the columns hold: two decimal columns take 8 bytes a row,
    /// the same rows written with 13 significant digits (held as doubles) take 16.
    #[test]
    fn the_memory_check_counts_what_the_columns_hold() {
        let table = |fmt: &dyn Fn(usize) -> String| -> Vec<u8> {
            let mut t = String::from("a,b\n");
            (0..20_000).for_each(|i| t.push_str(&format!("{},{}\n", fmt(i), fmt(i + 1))));
            t.into_bytes()
        };
        let short = table(&|i| format!("{i}.25"));
        let long = table(&|i| format!("{i}.123456789012"));
        // 12 bytes a row: room for decimals (8), not for doubles (16).
        let opts = ReadOptions {
            memory_limit: Some((20_000.0 * 12.0 * MEMORY_FACTOR) as u64),
            ..ReadOptions::default()
        };
        assert!(read_delimited_bytes(&short, "short.csv", false, &opts).is_ok());
        let e = read_delimited_bytes(&long, "long.csv", false, &opts)
            .unwrap_err()
            .to_string();
        assert!(e.contains("long.csv") && e.contains("`max_rows`"), "{e}");
    }
}
