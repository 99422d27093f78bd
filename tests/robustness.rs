//! The bad-input catalogue of the robustness issue: each input either audits cleanly (valid
//! but awkward data) or stops with exit 2 and one line naming the problem; never a panic and
//! never a partial report. Plus the memory limit and an interrupted run.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{fixture, run, tempdir, text};

fn write(dir: &Path, name: &str, contents: &[u8]) -> String {
    std::fs::write(dir.join(name), contents).unwrap();
    name.to_string()
}

/// `rows` rows of a small learnable table, with a header.
fn table(rows: usize) -> String {
    let mut s = String::from("a,b,c,y\n");
    for i in 0..rows {
        s.push_str(&format!(
            "{},{},{},{}\n",
            i % 13,
            (i * 7) % 11,
            i % 3,
            i % 2
        ));
    }
    s
}

fn audit(dir: &Path, file: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "audit",
        file,
        "--target",
        "y",
        "--out",
        "out",
        "-q",
        "--no-plots",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

fn assert_error(o: &std::process::Output, dir: &Path, needles: &[&str]) {
    let (_, err) = text(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("leakhound: error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected '{n}' in: {err}");
    }
    assert!(
        !dir.join("out/report.json").exists(),
        "report written: {err}"
    );
}

fn assert_ok(o: &std::process::Output, dir: &Path) -> serde_json::Value {
    let (_, err) = text(o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let r = std::fs::read_to_string(dir.join("out/report.json")).expect("report");
    serde_json::from_str(&r).expect("complete JSON")
}

fn warnings(r: &serde_json::Value) -> String {
    r["warnings"].to_string()
}

#[test]
fn awkward_but_valid_inputs_audit_cleanly() {
    let d = tempdir("robust-valid");
    // A 10 MB single field.
    let mut s = String::from("note,a,y\n");
    for i in 0..60 {
        let note = if i == 5 {
            "x".repeat(10 << 20)
        } else {
            format!("n{i}")
        };
        s.push_str(&format!("{note},{},{}\n", i % 9, i % 2));
    }
    let f = write(&d, "big_field.csv", s.as_bytes());
    let r = assert_ok(&audit(&d, &f, &[]), &d);
    assert_eq!(r["dataset"]["rows"], 60);
    // Quoted newlines, mixed types, an all-missing column, infinite values, flag-like names.
    let mut s = String::from("\"multi\nline\",mixed,empty,inf,--json,-y\n");
    for i in 0..60 {
        let mixed = if i == 30 {
            "oops".to_string()
        } else {
            i.to_string()
        };
        let inf = if i % 10 == 0 {
            "inf".to_string()
        } else {
            format!("{}", i % 4)
        };
        s.push_str(&format!("\"a\nb{i}\",{mixed},,{inf},{},{}\n", i % 5, i % 2));
    }
    let f = write(&d, "awkward.csv", s.as_bytes());
    let o = run(
        &d,
        &[
            "audit",
            &f,
            "--target=-y",
            "--out",
            "out",
            "-q",
            "--no-plots",
        ],
    );
    let r = assert_ok(&o, &d);
    assert_eq!(r["dataset"]["rows"], 60, "quoted newlines split rows");
    let features = r["features"].as_array().unwrap();
    let ty = |n: &str| {
        features
            .iter()
            .find(|f| f["name"] == n)
            .map(|f| f["type"].as_str().unwrap().to_string())
    };
    assert_ne!(
        ty("mixed").as_deref(),
        Some("numeric"),
        "one text value demotes the column"
    );
    assert!(
        ty("--json").is_some(),
        "a column named like a flag is a column"
    );
    assert!(
        warnings(&r).contains("infinite values treated as missing"),
        "{}",
        warnings(&r)
    );
    assert!(ty("multi\nline").is_some());
}

#[test]
fn ten_thousand_columns_are_screened_not_stuck() {
    let d = tempdir("robust-wide");
    let cols = 10_000;
    let mut s: String = (0..cols).map(|i| format!("c{i},")).collect();
    s.push_str("y\n");
    for r in 0..40u64 {
        for c in 0..cols as u64 {
            let v = leakhound::internals::splitmix64(r << 20 | c) % 1000;
            s.push_str(&format!("{v},"));
        }
        s.push_str(&format!("{}\n", r % 2));
    }
    let f = write(&d, "wide.csv", s.as_bytes());
    let r = assert_ok(&audit(&d, &f, &[]), &d);
    assert_eq!(r["features"].as_array().unwrap().len(), cols);
    assert!(
        warnings(&r).contains("the surrogate models the 500"),
        "{}",
        warnings(&r)
    );
}

#[test]
fn a_million_distinct_categories() {
    let d = tempdir("robust-levels");
    let mut s = String::with_capacity(24 << 20);
    s.push_str("code,a,y\n");
    for i in 0..1_000_000u64 {
        let h = leakhound::internals::splitmix64(i);
        s.push_str(&format!("k{h:x},{},{}\n", i % 17, (h >> 7) % 2));
    }
    let f = write(&d, "levels.csv", s.as_bytes());
    let r = assert_ok(&audit(&d, &f, &["--max-rows", "50000", "--no-peel"]), &d);
    assert_eq!(r["dataset"]["rows"], 1_000_000);
    assert_eq!(r["dataset"]["rows_used"], 50_000);
}

#[test]
fn broken_and_degenerate_files_are_refused_by_name() {
    let d = tempdir("robust-broken");
    let one = write(&d, "one.csv", b"a,y\n1,0\n");
    assert_error(
        &audit(&d, &one, &[]),
        &d,
        &["target column 'y'", "only one value"],
    );
    // A valid gzip stream cut in half.
    let mut gz = Vec::new();
    {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::fast());
        e.write_all(table(5000).as_bytes()).unwrap();
        e.finish().unwrap();
    }
    let cut = write(&d, "cut.csv.gz", &gz[..gz.len() / 2]);
    assert_error(&audit(&d, &cut, &[]), &d, &["cut.csv.gz", "gzip"]);
    // A Parquet file cut short.
    let pq = std::fs::read(fixture("iris.parquet")).unwrap();
    let cut = write(&d, "cut.parquet", &pq[..pq.len() * 2 / 3]);
    let o = run(
        &d,
        &["audit", &cut, "--target", "species", "--out", "out", "-q"],
    );
    assert_error(&o, &d, &["cut.parquet", "Parquet"]);
}

#[test]
fn the_memory_limit_stops_early_with_advice() {
    let d = tempdir("robust-memory");
    let f = write(&d, "rows.csv", table(70_000).as_bytes());
    let o = audit(&d, &f, &["--memory-limit", "0.001"]);
    assert_error(&o, &d, &["rows.csv", "memory limit", "--max-rows"]);
    // The advice works.
    let o = audit(&d, &f, &["--memory-limit", "0.001", "--max-rows", "20000"]);
    assert_ok(&o, &d);
}

/// Ctrl-C at any moment leaves the previous report intact or a complete new one, and no
/// partial files.
/// The child's state letter and CPU time so far (clock ticks, user + system), from
/// `/proc/<pid>/stat`; `None` once it is gone.
fn proc_stat(pid: u32) -> Option<(char, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: the fields that follow it come after the last ')'.
    let rest: Vec<&str> = stat[stat.rfind(')')? + 2..].split(' ').collect();
    let state = rest.first()?.chars().next()?;
    let ticks = rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?;
    Some((state, ticks))
}

fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill").args([sig, &pid.to_string()]).status();
}

#[test]
fn an_interrupted_run_never_leaves_a_partial_report() {
    let d = tempdir("robust-interrupt");
    let f = write(&d, "t.csv", table(60_000).as_bytes());
    let o = audit(&d, &f, &[]);
    let before = std::fs::read(d.join("out/report.json")).expect("first report");
    assert_eq!(o.status.code(), Some(0));
    // Each child is interrupted once it has used a given amount of CPU, not after a wall-clock
    // delay: how far a run gets in a given time depends on what else the machine is doing. It is
    // stopped first (SIGSTOP), so that a stopped state proves it was still mid-run when SIGINT
    // was sent; SIGCONT then lets the interrupt land.
    let mut interrupted = 0;
    for ticks in [0u64, 2, 5, 10] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_leakhound"))
            .args([
                "audit", &f, "--target", "y", "--out", "out", "-q", "--seed", "7",
            ])
            .current_dir(&d)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut mid_run = false;
        while let Some((state, used)) = proc_stat(pid) {
            if state == 'Z' {
                break;
            }
            if used >= ticks {
                signal(pid, "-STOP");
                // The stop lands asynchronously: wait until the state says so (or it exited).
                while let Some((s, _)) = proc_stat(pid) {
                    if s == 'T' || s == 'Z' {
                        mid_run = s == 'T';
                        break;
                    }
                    std::thread::yield_now();
                }
                if mid_run {
                    signal(pid, "-INT");
                    signal(pid, "-CONT");
                }
                break;
            }
            std::thread::yield_now();
        }
        let status = child.wait().unwrap();
        if mid_run {
            assert_eq!(status.code(), None, "an interrupted run ends by the signal");
            interrupted += 1;
        }
        let now = std::fs::read(d.join("out/report.json")).expect("a report is always there");
        if now != before {
            let r: serde_json::Value = serde_json::from_slice(&now).expect("complete JSON");
            assert_eq!(r["settings"]["seed"], 7);
        }
        let stray: Vec<_> = std::fs::read_dir(d.join("out"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                !n.starts_with('.')
                    && !n.ends_with(".json")
                    && !n.ends_with(".md")
                    && !n.ends_with(".html")
                    && !n.ends_with(".png")
            })
            .collect();
        assert!(stray.is_empty(), "{stray:?}");
    }
    // A run of 60,000 rows takes far more CPU than the largest mark: every child is caught
    // mid-run, however loaded the machine.
    assert_eq!(interrupted, 4, "every child was stopped mid-run");
}
