//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use leakhound::{Audit, Report, Settings, Table, Task};

/// Run the leakhound binary with `args` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leakhound"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

/// A fresh temporary directory under the target dir.
pub fn tempdir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tempdir");
    d
}

/// Path of a committed fixture.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join(name)
}

/// Audit a table in-process through the library's builder.
pub fn audit_table(table: Table, target: &str, settings: &Settings) -> Report {
    Audit::new(target)
        .settings(settings.clone())
        .run(table)
        .expect("audit")
}

/// Audit a table in-process with the task given.
pub fn audit_table_task(table: Table, target: &str, task: Task, settings: &Settings) -> Report {
    Audit::new(target)
        .task(task)
        .settings(settings.clone())
        .run(table)
        .expect("audit")
}

/// stdout and stderr as strings.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
