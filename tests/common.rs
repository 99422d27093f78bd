//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use leakhound::audit::{audit, AuditSettings, Source};
use leakhound::data::{Dataset, Frame, Roles, Task, TaskChoice};
use leakhound::report::Report;

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

/// Audit a frame in-process.
pub fn audit_frame(frame: Frame, target: &str, settings: &AuditSettings) -> Report {
    audit_roles(
        frame,
        &Roles {
            target: target.into(),
            ..Default::default()
        },
        settings,
    )
}

/// Audit a frame in-process with the task given.
pub fn audit_frame_task(
    frame: Frame,
    target: &str,
    task: Task,
    settings: &AuditSettings,
) -> Report {
    audit_roles(
        frame,
        &Roles {
            target: target.into(),
            task: match task {
                Task::Binary => TaskChoice::Binary,
                Task::Multiclass => TaskChoice::Multiclass,
                Task::Regression => TaskChoice::Regression,
            },
            ..Default::default()
        },
        settings,
    )
}

fn audit_roles(frame: Frame, roles: &Roles, settings: &AuditSettings) -> Report {
    let ds = Dataset::from_frame(frame, roles).expect("dataset");
    audit(
        &ds,
        settings,
        &Source {
            path: "test".into(),
            columns: 0,
        },
        &|_| {},
    )
    .expect("audit")
}

/// stdout and stderr as strings.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
