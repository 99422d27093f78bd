//! `report.json`: the serialized [`Report`] (see the module docs of [`crate::report`]).

use super::Report;

/// Pretty JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
