//! `report.html`: one self-contained page (PNGs embedded as data URIs, inline CSS, a few lines
//! of inline script that sort the tables by a click on a column header): the verdict, summary,
//! findings with evidence (`low` notes folded), the model without the likely leaks, the feature
//! table and the plots.

use std::fmt::Write;

use base64::Engine;

use super::plot::Plot;
use super::{Report, Severity};

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn badge(s: Option<Severity>) -> String {
    match s {
        Some(s) => format!("<span class=\"sev {0}\">{0}</span>", s.as_str()),
        None => String::new(),
    }
}

/// A severity cell that sorts by rank, not by name.
fn severity_cell(s: Option<Severity>) -> String {
    format!(
        "<td data-v=\"{}\">{}</td>",
        s.map_or(0, |s| s as u8 + 1),
        badge(s)
    )
}

/// Click a header to sort its table by that column (numbers numerically, `data-v` when a cell
/// has one); click again to reverse.
pub(crate) const SORT_JS: &str = "document.querySelectorAll('table.sortable th').forEach(function(th,i){th.addEventListener('click',function(){var tb=th.closest('table').tBodies[0],rows=Array.prototype.slice.call(tb.rows),asc=th.getAttribute('data-dir')!=='asc';th.setAttribute('data-dir',asc?'asc':'desc');function v(r){var c=r.cells[i],s=c.hasAttribute('data-v')?c.getAttribute('data-v'):c.textContent,n=parseFloat(s);return isNaN(n)?s.toLowerCase():n;}rows.sort(function(a,b){var x=v(a),y=v(b),c=typeof x===typeof y?(x<y?-1:x>y?1:0):(typeof x==='number'?-1:1);return asc?c:-c;});rows.forEach(function(r){tb.appendChild(r);});});});";

/// The findings table rows.
pub(crate) fn finding_rows(o: &mut String, findings: &[&super::Finding]) {
    let _ = write!(o, "<table class=\"sortable\"><thead><tr><th>severity</th><th>kind</th><th>feature</th><th>finding</th></tr></thead><tbody>");
    for f in findings {
        let who = if f.features.len() > 1 {
            f.features.join(", ")
        } else {
            f.feature.clone().unwrap_or_else(|| "(dataset)".into())
        };
        let evidence = serde_json::to_string_pretty(&f.evidence).unwrap_or_default();
        let _ = write!(
            o,
            "<tr>{}<td>{}</td><td>{}</td><td>{}<details><summary>evidence</summary><pre>{}</pre></details></td></tr>",
            severity_cell(Some(f.severity)),
            esc(f.kind.as_str()),
            esc(&who),
            esc(&f.message),
            esc(&evidence)
        );
    }
    let _ = write!(o, "</tbody></table>");
}

pub(crate) const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:24px 40px}header h1{margin:0 0 6px;font-size:26px}header p{margin:0;color:#c9d1de}
main{padding:24px 40px;max-width:1400px}section{background:#fff;border-radius:10px;padding:18px 24px;margin-bottom:22px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{margin-top:0;font-size:20px}table{border-collapse:collapse;width:100%;font-size:14px}th,td{padding:7px 10px;border-bottom:1px solid #e4e7ec;text-align:left;vertical-align:top}
th{background:#eef1f5;position:sticky;top:0;cursor:pointer;user-select:none}th::after{content:' \\2195';color:#9aa3b2;font-size:11px}
.verdict{font-size:20px;font-weight:600;padding:14px 24px}.verdict.leak{border-left:6px solid #e1463c}.verdict.clean{border-left:6px solid #3c9a5f}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr:hover td{background:#fafbfd}.sev{display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;text-transform:uppercase}
.critical{background:#a0141e}.high{background:#e1463c}.medium{background:#f0a028;color:#1d2330}.low{background:#5a8cd2}
.cards{display:flex;gap:16px;flex-wrap:wrap}.card{background:#eef1f5;border-radius:8px;padding:10px 16px;min-width:140px}.card b{display:block;font-size:22px}
details{margin-top:4px}summary{cursor:pointer;color:#4a5468;font-size:13px}pre{background:#f3f4f6;padding:8px;border-radius:6px;font-size:12px;overflow-x:auto}
figure{margin:0 0 24px}figure img{max-width:100%;border:1px solid #e4e7ec;border-radius:6px}figcaption{color:#4a5468;font-size:14px;margin-top:6px}";

/// Render the HTML report.
pub fn render(r: &Report, plots: &[Plot]) -> String {
    let mut o = String::new();
    let d = &r.dataset;
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>leakhound: {}</title><style>{CSS}</style></head><body>",
        esc(&d.path)
    );
    let _ = write!(
        o,
        "<header><h1>Leakage audit</h1><p>{} &middot; target <b>{}</b> ({:?}) &middot; leakhound {}</p></header><main>",
        esc(&d.path),
        esc(&d.target),
        d.task,
        esc(&r.tool.version)
    );
    let _ = write!(
        o,
        "<section class=\"verdict {}\">Verdict: {}</section>",
        if r.verdict.likely_leaks.is_empty() {
            "clean"
        } else {
            "leak"
        },
        esc(&r.verdict.text)
    );
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let _ = write!(o, "<section><h2>Summary</h2><div class=\"cards\">");
    let _ = write!(
        o,
        "<div class=\"card\">rows<b>{}</b></div><div class=\"card\">features<b>{}</b></div>",
        d.rows_used,
        r.features.len()
    );
    for s in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ] {
        let _ = write!(
            o,
            "<div class=\"card\">{}<b>{}</b></div>",
            badge(Some(s)),
            count(s)
        );
    }
    let _ = write!(
        o,
        "</div><p>Surrogate <b>{}</b>, out of fold: {}.",
        esc(&r.model.surrogate),
        esc(&super::metric_list(&r.model.out_of_fold, 4))
    );
    if d.sampled {
        let _ = write!(
            o,
            " Audited on a sample of {} of {} rows.",
            d.rows_used, d.rows
        );
    }
    let _ = write!(o, "</p></section>");

    let _ = write!(o, "<section><h2>Findings</h2>");
    let (notes, main): (Vec<_>, Vec<_>) =
        r.findings.iter().partition(|f| f.severity == Severity::Low);
    if r.findings.is_empty() {
        let _ = write!(o, "<p>No findings.</p>");
    } else if main.is_empty() {
        let _ = write!(o, "<p>Nothing above <code>low</code>.</p>");
    } else {
        finding_rows(&mut o, &main);
    }
    if !notes.is_empty() {
        let _ = write!(
            o,
            "<details class=\"notes\"><summary>{} low note{} (worth a look, not leaks)</summary>",
            notes.len(),
            if notes.len() == 1 { "" } else { "s" }
        );
        finding_rows(&mut o, &notes);
        let _ = write!(o, "</details>");
    }
    if let Some(h) = &r.honest_model {
        let _ = write!(
            o,
            "</section><section><h2>Without the likely leaks</h2><p>{}</p>",
            esc(&h.paragraph())
        );
    }
    let _ = write!(o, "</section><section><h2>Features</h2><table class=\"sortable\"><thead><tr><th>feature</th><th>type</th><th>missing</th><th>power alone</th><th>permutation</th><th>drop-column</th><th>share</th><th>severity</th></tr></thead><tbody>");
    for f in &r.features {
        let [ty, missing, power, perm, drop, share] = super::feature_cells(f, "&plusmn;");
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{ty}</td><td class=\"num\">{missing}</td><td class=\"num\">{power}</td><td class=\"num\">{perm}</td><td class=\"num\">{drop}</td><td class=\"num\">{share}</td>{}</tr>",
            esc(&f.name),
            severity_cell(f.severity)
        );
    }
    let _ = write!(o, "</tbody></table></section>");
    if let Some(u) = &r.user_model {
        let _ = write!(
            o,
            "<section><h2>Your model</h2><p>{}</p><p>Inputs matched by {}. {}</p>",
            esc(&super::user_model_summary(u)),
            esc(&u.features_matched_by),
            super::USER_MODEL_SOURCES
        );
        let _ = write!(o, "<table class=\"sortable\"><thead><tr><th>feature</th><th>permutation (your model)</th><th>share (your model)</th><th>share (surrogate)</th><th>power alone</th></tr></thead><tbody>");
        for i in &u.importance {
            let [perm, share, sur, power] = super::user_model_cells(i, "&plusmn;");
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"num\">{perm}</td><td class=\"num\">{share}</td><td class=\"num\">{sur}</td><td class=\"num\">{power}</td></tr>",
                esc(&i.feature)
            );
        }
        let _ = write!(o, "</tbody></table>");
        if !u.disagreements.is_empty() {
            let _ = write!(o, "<h3>Disagreements</h3><ul>");
            for d in &u.disagreements {
                let _ = write!(o, "<li>{}</li>", esc(d));
            }
            let _ = write!(o, "</ul>");
        }
        let _ = write!(o, "</section>");
    }
    if !plots.is_empty() {
        let _ = write!(o, "<section><h2>Plots</h2>");
        for p in plots {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&p.png);
            let _ = write!(o, "<figure><img alt=\"{0}\" src=\"data:image/png;base64,{b64}\"><figcaption>{0}</figcaption></figure>", esc(&p.caption));
        }
        let _ = write!(o, "</section>");
    }
    if !r.warnings.is_empty() {
        let _ = write!(o, "<section><h2>Warnings</h2><ul>");
        for w in &r.warnings {
            let _ = write!(o, "<li>{}</li>", esc(w));
        }
        let _ = write!(o, "</ul></section>");
    }
    let _ = writeln!(o, "</main><script>{SORT_JS}</script></body></html>");
    o
}
