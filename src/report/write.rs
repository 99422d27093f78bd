//! Atomic report writing: each file goes to a temporary name in the same directory and is
//! renamed into place, so a crash never leaves a half-written report.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Create the output directory (if needed) and prove it is writable, before any expensive work.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    let fail = |e: std::io::Error| Error::Output {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Output {
            path: dir.to_path_buf(),
            message: "exists and is not a directory".into(),
        });
    }
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(format!(".leakhound-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(fail)?;
    let _ = std::fs::remove_file(&probe);
    // A run killed mid-write (Ctrl-C, SIGKILL) leaves only a temporary file, never a partial
    // report; clear such leftovers.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.contains(".tmp-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(())
}

/// Write `contents` to `dir/name` atomically.
pub fn write_atomic(dir: &Path, name: &str, contents: &[u8]) -> Result<PathBuf> {
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let fail = |e: std::io::Error| Error::Output {
        path: target.clone(),
        message: e.to_string(),
    };
    let mut f = std::fs::File::create(&tmp).map_err(fail)?;
    f.write_all(contents).map_err(fail)?;
    f.sync_all().map_err(fail)?;
    drop(f);
    std::fs::rename(&tmp, &target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })?;
    Ok(target)
}
