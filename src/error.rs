//! One error type for the library. Every variant names the file, column or line a user needs
//! to fix the problem; the binary prints it as a single line and exits 2.

use std::path::PathBuf;

/// Everything that can go wrong in an audit, each naming what to fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input file does not exist.
    #[error("{}: no such file", path.display())]
    FileNotFound {
        /// The file concerned.
        path: PathBuf,
    },
    /// Reading or opening failed for another reason.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file has no bytes (or only whitespace).
    #[error("{}: file is empty", path.display())]
    EmptyFile {
        /// The file concerned.
        path: PathBuf,
    },
    /// A header line but no data rows.
    #[error("{}: header only, no data rows", path.display())]
    HeaderOnly {
        /// The file concerned.
        path: PathBuf,
    },
    /// A data row with the wrong number of fields.
    #[error("{}: line {line}: expected {expected} fields, found {found}", path.display())]
    RaggedRow {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line number in the file.
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// Bytes that are not UTF-8, a NUL byte, or other undecodable content.
    #[error("{}: line {line}: {what}", path.display())]
    Undecodable {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line number in the file.
        line: u64,
        /// What could not be decoded.
        what: String,
    },
    /// A structural problem in the file (bad gzip stream, corrupt Parquet, bad quoting, ...).
    #[error("{}: {message}", path.display())]
    Malformed {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The file extension is not one we read.
    #[error("{}: unsupported file type '{ext}' (expected .csv, .tsv, .txt, .csv.gz, .tsv.gz or .parquet)", path.display())]
    UnsupportedExtension {
        /// The file concerned.
        path: PathBuf,
        /// The extension found.
        ext: String,
    },
    /// Two columns share a name, so roles would be ambiguous.
    #[error("{}: duplicate column name '{column}'", path.display())]
    DuplicateColumn {
        /// The file concerned.
        path: PathBuf,
        /// The column concerned.
        column: String,
    },
    /// A column named on the command line or in the config does not exist.
    #[error("unknown column '{column}' given to {role}{suggestion}")]
    UnknownColumn {
        /// The column concerned.
        column: String,
        /// The option it was given in, as the library names it in backticks (`` `target` ``,
        /// `` `allow` ``, ...), which each front end words its own way.
        role: String,
        /// A close name, or the available columns, formatted as a hint.
        suggestion: String,
    },
    /// The target cannot be learned from (one class, all missing, ...).
    #[error("target column '{column}' {problem}")]
    BadTarget {
        /// The column concerned.
        column: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A model file that cannot be loaded.
    #[error("{}: {message}", path.display())]
    Model {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The config file is unreadable or has unknown keys.
    #[error("{}: config: {message}", path.display())]
    Config {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The output directory cannot be created or written.
    #[error("{}: cannot write report: {message}", path.display())]
    Output {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An audit setting out of range or unknown (a threshold name, folds, repeats, ...).
    #[error("invalid setting `{name}`: {problem}")]
    Setting {
        /// The setting (a field of `Settings`, or a threshold name).
        name: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Invalid combination of options or values.
    #[error("{0}")]
    Usage(String),
    /// The audit was stopped from outside (Ctrl-C in a notebook).
    #[error("the audit was cancelled")]
    Cancelled,
    /// Not enough usable data to audit.
    #[error("{0}")]
    Data(String),
    /// Loading the table would outgrow the memory limit: the message says what would fit.
    #[error("{}: {message}", path.display())]
    OverMemory {
        /// The file.
        path: PathBuf,
        /// What it would need, and the advice.
        message: String,
    },
}

/// Library result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::FileNotFound { path }
        } else {
            Error::Io { path, source }
        }
    }
}

impl Error {
    /// The same error, saying that it concerns the test data `name`.
    pub(crate) fn in_test(self, name: &str) -> Error {
        match self {
            Error::UnknownColumn {
                column,
                role,
                suggestion,
            } => Error::UnknownColumn {
                column,
                role: format!("{role} (in test file {name})"),
                suggestion,
            },
            Error::BadTarget { column, problem } => Error::BadTarget {
                column,
                problem: format!("{problem} in test file {name}"),
            },
            other => other,
        }
    }
}

/// Closest name among `candidates` to `name`, formatted as a hint (" (did you mean 'x'?)"),
/// or the list of available columns when nothing is close.
pub(crate) fn suggest(name: &str, candidates: &[String]) -> String {
    let lower = name.to_lowercase();
    let best = candidates
        .iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), c))
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    match best {
        Some((d, c)) if d <= (name.chars().count().max(3) / 2).max(2) => {
            format!(" (did you mean '{c}'?)")
        }
        _ => {
            let mut shown: Vec<&str> = candidates.iter().take(12).map(String::as_str).collect();
            if candidates.len() > 12 {
                shown.push("...");
            }
            format!(" (available: {})", shown.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_name() {
        let cols = vec!["income".to_string(), "default".to_string()];
        assert_eq!(suggest("defualt", &cols), " (did you mean 'default'?)");
        assert!(suggest("zzzzzzzz", &cols).starts_with(" (available: income, default"));
    }
}
