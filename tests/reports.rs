//! The files a reviewer opens: PNGs that decode and are not blank, a Markdown report (snapshot),
//! a self-contained HTML page, the JSON report (snapshot with timings removed), and plot
//! selection flags.

use std::path::Path;

use crate::common::{fixture, run, tempdir, text};

fn decode(path: &Path) -> image::RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

fn not_blank(img: &image::RgbImage) -> bool {
    let first = img.get_pixel(0, 0);
    let differing = img.pixels().filter(|p| *p != first).count();
    differing > (img.width() * img.height() / 50) as usize
}

#[test]
fn demo_writes_pngs_markdown_and_self_contained_html() {
    let d = tempdir("reports");
    let out = d.join("out");
    let o = run(
        &d,
        &[
            "demo",
            "--rows",
            "2000",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let pngs: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    let names: Vec<String> = pngs
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "importance.png",
        "single_feature_power.png",
        "suspect_days_in_collections.png",
        "suspect_recovery_agent_notes_len.png",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    for p in &pngs {
        let img = decode(p);
        assert!(
            img.width() >= 900 && img.height() >= 300,
            "{}: {}x{}",
            p.display(),
            img.width(),
            img.height()
        );
        assert!(not_blank(&img), "{} is blank", p.display());
    }
    assert_eq!(decode(&out.join("importance.png")).width(), 1100);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("## Findings")
            && md.contains("| critical | near_perfect_predictor | days_in_collections |")
    );
    assert!(md.contains("![") && md.contains("(importance.png)"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        html.matches("data:image/png;base64,").count(),
        pngs.len(),
        "every plot embedded"
    );
    for external in ["src=\"http", "href=\"http", "<script src", "<link"] {
        assert!(
            !html.contains(external),
            "HTML must be self-contained: found {external}"
        );
    }
    // The verdict opens every human format; the model without the leaks follows the findings.
    assert!(md.contains("**Verdict: ") && md.contains("## Without the likely leaks"));
    assert!(html.contains("Verdict: ") && html.contains("<h2>Without the likely leaks</h2>"));
    assert!(names.iter().any(|n| n == "peeling.png"), "{names:?}");
    // The column headers sort: the script is inline and bound to the sortable tables.
    assert!(html.contains("<table class=\"sortable\">") && html.contains("<script>"));
}

#[test]
fn plot_selection_flags() {
    let d = tempdir("plotflags");
    let only = d.join("only");
    let o = run(
        &d,
        &[
            "demo",
            "--rows",
            "1000",
            "-q",
            "--png",
            "importance",
            "--out",
            only.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(only.join("importance.png").exists());
    assert!(!only.join("single_feature_power.png").exists());
    let none = d.join("none");
    run(
        &d,
        &[
            "demo",
            "--rows",
            "1000",
            "-q",
            "--no-plots",
            "--out",
            none.to_str().unwrap(),
        ],
    );
    assert!(std::fs::read_dir(&none).unwrap().all(|e| e
        .unwrap()
        .path()
        .extension()
        .is_none_or(|x| x != "png")));
    assert!(none.join("report.html").exists());
}

#[test]
fn markdown_and_json_snapshots() {
    let d = tempdir("snapshots");
    let out = d.join("out");
    let iris = fixture("iris.csv");
    let o = run(
        &d,
        &[
            "audit",
            iris.to_str().unwrap(),
            "--target",
            "target",
            "--json",
            "-q",
            "--no-plots",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let mut json: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    json["timings"] = serde_json::Value::Null;
    json["dataset"]["path"] = serde_json::Value::String("iris.csv".into());
    insta::assert_snapshot!(
        "iris_report_json",
        serde_json::to_string_pretty(&json).unwrap()
    );
    let md = std::fs::read_to_string(out.join("report.md"))
        .unwrap()
        .replace(iris.to_str().unwrap(), "iris.csv");
    insta::assert_snapshot!("iris_report_md", md);
}

/// Renders report.html in headless Chromium and checks the screenshot is not blank. Skipped,
/// with a message, where Chromium is not installed (`apt-get install chromium`).
#[test]
fn html_renders_in_a_real_browser() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium)");
        return;
    };
    let d = tempdir("browser");
    let out = d.join("out");
    run(
        &d,
        &[
            "demo",
            "--rows",
            "1000",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let shot = d.join("shot.png");
    let profile = d.join("profile");
    let status = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.display()),
            "--window-size=1400,2000",
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}", out.join("report.html").display()),
        ])
        .output()
        .expect("chromium runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let img = decode(&shot);
    assert!(not_blank(&img), "screenshot is blank");
}

/// Column names and category values come from files users did not write: an escape sequence in
/// a column name must not reach the terminal raw, and HTML in a category value must not reach
/// report.md (or report.html) as markup.
#[test]
fn hostile_names_and_values_stay_inert_in_every_format() {
    let d = tempdir("hostile");
    let evil_col = "spend\u{1b}]0;pwned\u{7}\u{1b}[31m";
    let evil_val = "<img src=x onerror=alert(1)>";
    let mut csv = format!("\"{evil_col}\",note,noise,y\n");
    for i in 0..600u64 {
        let h = leakhound::internals::splitmix64(i);
        let y = u64::from(h % 10 < 4);
        // The spend column is zero exactly when y = 0 (a sentinel segment, flagged high).
        let spend = if y == 1 { 10 + h % 90 } else { 0 };
        let note = if y == 1 && (h >> 8).is_multiple_of(2) {
            evil_val
        } else {
            "ok"
        };
        csv.push_str(&format!("{spend},\"{note}\",{},{y}\n", (h >> 16) % 100));
    }
    std::fs::write(d.join("hostile.csv"), csv).unwrap();
    let o = run(
        &d,
        &["audit", "hostile.csv", "--target", "y", "--out", "out"],
    );
    let (stdout, stderr) = text(&o);
    assert!(o.status.code().is_some_and(|c| c < 2), "{stderr}");
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
    assert!(stdout.contains("spend\\x1b]0;pwned\\x07"), "{stdout}");
    assert!(
        stdout.contains(evil_val),
        "values stay readable in the terminal: {stdout}"
    );
    let md = std::fs::read_to_string(d.join("out/report.md")).unwrap();
    assert!(
        !md.contains("<img") && md.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{md}"
    );
    assert!(!md.contains('\u{1b}'));
    let html = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    assert!(!html.contains("<img src=x"));
    // The JSON keeps the exact text (it is data, escaped by the JSON encoder).
    let json = std::fs::read_to_string(d.join("out/report.json")).unwrap();
    let r: leakhound::Report = serde_json::from_str(&json).unwrap();
    assert!(r.features.iter().any(|f| f.name == evil_col));
}
