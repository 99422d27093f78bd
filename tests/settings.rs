//! Every audit option, threshold and finding kind is defined once (`leakhound::OPTIONS`,
//! `Thresholds::SPECS`, `FindingKind::ALL`); the command line, the Python signature, its stubs
//! and the README are checked against those definitions, so one added to one front end and not
//! the others fails here.

use std::path::Path;

use leakhound::{OptionKind, Thresholds, OPTIONS};

use crate::common::{run, tempdir, text};

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The text of the first `start` ... `end` block of `text`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let a = text.find(start).unwrap_or_else(|| panic!("no '{start}'"));
    let b = a + text[a..]
        .find(end)
        .unwrap_or_else(|| panic!("no '{end}' after '{start}'"));
    &text[a..b]
}

fn one_line(doc: &str) -> String {
    doc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The README row of each option.
fn option_rows() -> Vec<String> {
    OPTIONS
        .iter()
        .map(|o| {
            format!(
                "| `{}` | {} | {} | {} | {} |",
                o.name,
                o.cli.map_or("—".into(), |c| format!("`--{c}`")),
                o.python.map_or("—".into(), |p| format!("`{p}`")),
                o.default.map_or("—".into(), |d| format!("`{d}`")),
                one_line(o.doc)
            )
        })
        .collect()
}

/// The README row of each threshold.
fn threshold_rows() -> Vec<String> {
    Thresholds::SPECS
        .iter()
        .map(|t| {
            format!(
                "| `{}` | `{}` | {} to {} | {} |",
                t.name,
                t.default,
                t.min,
                t.max,
                one_line(t.doc)
            )
        })
        .collect()
}

#[test]
fn the_readme_tables_are_the_definitions() {
    let readme = read("README.md");
    for (what, rows) in [("options", option_rows()), ("thresholds", threshold_rows())] {
        let missing: Vec<&String> = rows
            .iter()
            .filter(|r| !readme.contains(r.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "README's table of {what} is out of date; its rows are:\n{}",
            rows.join("\n")
        );
    }
}

#[test]
fn the_command_line_offers_every_option_with_its_default() {
    let o = run(&tempdir("settings-help"), &["audit", "--help"]);
    let help = text(&o).0;
    for opt in OPTIONS {
        let Some(flag) = opt.cli else { continue };
        let at = help
            .find(&format!("--{flag} "))
            .or_else(|| help.find(&format!("--{flag}\n")))
            .unwrap_or_else(|| panic!("`leakhound audit --help` has no --{flag}"));
        let block = &help[at..];
        let block = &block[..block[2..].find("\n      -").map_or(block.len(), |e| e + 2)];
        assert!(
            one_line(block).contains(&one_line(opt.doc)),
            "--{flag}'s help is not the definition's:\n{block}"
        );
        if let (Some(d), false) = (opt.default, opt.kind == OptionKind::Flag) {
            assert!(
                block.contains(&format!("[default: {d}]")),
                "--{flag}: default is not {d}:\n{block}"
            );
        }
    }
}

#[test]
fn python_and_its_stubs_take_every_option() {
    let public = read("python/leakhound/__init__.py");
    let public = between(&public, "def audit(", ") -> Report:");
    let stubs = read("python/leakhound/_leakhound.pyi");
    let stubs = between(&stubs, "def audit(", ") -> NativeReport");
    let native = read("python/src/lib.rs");
    let native = between(&native, "fn audit(", "-> PyResult<NativeReport>");
    for opt in OPTIONS {
        let Some(p) = opt.python else { continue };
        // Every keyword of the public signature is annotated (editors complete it); older names
        // are not in the signature but taken through its `**legacy`.
        assert!(
            public.contains(&format!("    {p}:")),
            "leakhound.audit lacks '{p}'"
        );
        for alias in opt.python_aliases {
            assert!(
                !public.contains(&format!("    {alias}:")),
                "leakhound.audit lists the old name '{alias}'"
            );
        }
    }
    // The extension takes the options as one dict of library names and applies each through
    // `Audit::set`: neither it nor its stubs list them, so neither can lack one.
    assert!(
        stubs.contains("options: Optional[Dict[str, Any]]"),
        "the stubs' audit takes no options dict"
    );
    assert!(
        native.contains("options: Option<&Bound<'_, PyDict>>"),
        "the extension's audit takes no options dict"
    );
    let body = read("python/src/lib.rs");
    assert!(
        body.contains("a.set(spec.name, value)"),
        "the extension no longer applies options through Audit::set"
    );
    // The Python package reads the definitions at import time (aliases, names), and its tests
    // compare `inspect.signature(leakhound.audit)` with them (python/tests).
    let init = read("python/leakhound/__init__.py");
    assert!(init.contains("_leakhound.options()"));
}

/// Every finding kind has its row in one of the README's tables of kinds (`| `kind` |` or
/// `| `kind` (when) |`).
#[test]
fn every_finding_kind_has_a_readme_row() {
    let readme = read("README.md");
    let missing: Vec<&str> = leakhound::FindingKind::ALL
        .iter()
        .map(|k| k.as_str())
        .filter(|k| !readme.lines().any(|l| l.starts_with(&format!("| `{k}` "))))
        .collect();
    assert!(missing.is_empty(), "README has no row for {missing:?}");
}

/// `leakhound.toml` takes the options the definitions say it takes, and refuses the others by
/// name.
#[test]
fn leakhound_toml_takes_the_options_defined_for_it() {
    let d = tempdir("settings-toml");
    for opt in OPTIONS {
        let text = match (opt.name, opt.toml) {
            ("thresholds", _) => "[thresholds]\nnear_perfect_power = 0.97\n".to_string(),
            (name, true) => format!("{name} = [\"x\"]\n"),
            (name, false) => format!("{name} = 1\n"),
        };
        std::fs::write(d.join("leakhound.toml"), text).unwrap();
        let o = run(&d, &["audit", "missing.csv", "--target", "y"]);
        let err = text_of(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        if opt.toml {
            assert!(
                err.contains("missing.csv"),
                "leakhound.toml refused `{}`: {err}",
                opt.name
            );
        } else {
            assert!(
                err.contains("leakhound.toml") && err.contains(opt.name),
                "leakhound.toml took `{}`, which the definitions do not give it: {err}",
                opt.name
            );
        }
    }
}

fn text_of(o: &std::process::Output) -> String {
    text(o).1
}

/// `Audit::set` takes every option of an audit by its name (what Python hands over), so an
/// option added to the definitions and not to the library's setter fails here.
#[test]
fn the_library_sets_every_audit_option_by_name() {
    use leakhound::{Audit, OptionValue};
    // Options about the inputs, which each front end reads itself.
    let inputs = [
        "target",
        "test",
        "model",
        "threads",
        "memory_limit",
        "delimiter",
        "engine",
        "sample_rows",
    ];
    for opt in OPTIONS {
        if inputs.contains(&opt.name) {
            continue;
        }
        let value = match opt.kind {
            OptionKind::Column => OptionValue::Text("c".into()),
            OptionKind::Columns => OptionValue::Texts(vec!["c".into()]),
            OptionKind::Count { min, .. } => OptionValue::Number(min.max(2) as f64),
            OptionKind::Number { .. } => OptionValue::Number(0.01),
            OptionKind::Flag => OptionValue::Flag(false),
            OptionKind::Choice(names) => OptionValue::Text(names[0].into()),
            OptionKind::Thresholds => OptionValue::Thresholds(vec![("strong_power".into(), 0.8)]),
            OptionKind::File | OptionKind::Text => continue,
        };
        let a = Audit::new("y").set(opt.name, value);
        assert!(
            a.is_ok(),
            "Audit::set refuses '{}': {:?}",
            opt.name,
            a.err()
        );
    }
    let e = Audit::new("y").set("time_column", OptionValue::Text("t".into()));
    assert!(matches!(e, Err(leakhound::Error::Setting { .. })));
}
