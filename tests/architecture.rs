//! The house in order: no top-level module of the library imports one that imports it back
//! (directly or through others), and the front ends' modules (the command line, the Python
//! extension) stay out of the library.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every Rust file under `src/`: its path from `src/` (with `/`) and its text.
fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .map(|f| {
            let rel = f
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&f).unwrap())
        })
        .collect()
}

/// Top-level library modules and the others each one names as `crate::<module>`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let modules: Vec<String> = lib
        .lines()
        .filter_map(|l| {
            let l = l.trim().trim_start_matches("pub ");
            l.strip_prefix("mod ")
                .map(|m| m.trim_end_matches(';').trim().to_string())
                .filter(|m| !m.contains(' '))
        })
        .collect();
    let mut graph = BTreeMap::new();
    for m in &modules {
        let mut files = Vec::new();
        let dir = src.join(m);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        } else {
            files.push(src.join(format!("{m}.rs")));
        }
        let mut deps = BTreeSet::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, _) in text.match_indices("crate::") {
                let rest = &text[i + 7..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if modules.contains(&name) && &name != m {
                    deps.insert(name);
                }
            }
        }
        graph.insert(m.clone(), deps);
    }
    graph
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = imports();
    assert!(graph.len() >= 10, "modules found: {graph:?}");
    // Depth-first search for a back edge, reporting the cycle.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut cycle = path[i..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for d in &graph[m] {
            if let Some(c) = visit(d, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        if let Some(cycle) = visit(m, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_binary_modules_are_not_in_the_library() {
    let graph = imports();
    for m in ["cli", "commands", "demo"] {
        assert!(!graph.contains_key(m), "{m} is a library module");
    }
    // lib.rs declares none of them under any feature: the binary and the Python extension's
    // crate (python/) compile the command line's files themselves.
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for l in lib.lines() {
        let l = l
            .trim()
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ");
        for m in ["cli", "commands", "demo", "python"] {
            assert_ne!(
                l,
                format!("mod {m};"),
                "lib.rs declares the front end's module {m}"
            );
        }
        assert!(!l.contains("extern crate self"), "{l}");
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let main = std::fs::read_to_string(src.join("main.rs")).unwrap();
    assert!(main.lines().count() < 60, "main.rs stays thin");
}

/// Modules read each other's findings through `Finding`'s typed accessors and amend them through
/// its typed methods, never by a JSON key of its evidence; a finding's evidence is a typed
/// struct, never a `json!` literal; and the program parses JSON only from user files (model
/// files, a `report.json` given to `compare`).
#[test]
fn no_module_reads_another_modules_evidence_by_key() {
    let user_file_readers = ["model/file.rs", "model/catboost.rs", "compare/mod.rs"];
    let makes_findings = ["checks/", "compare/", "model/audit.rs"];
    for (rel, text) in sources() {
        // Calls split over lines read the same.
        let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if rel != "finding.rs" {
            for pattern in [
                ".evidence.get(",
                ".evidence.contains_key(",
                ".evidence[",
                ".evidence.insert(",
                ".evidence.entry(",
                ".evidence.remove(",
            ] {
                assert!(
                    !squeezed.contains(pattern),
                    "{rel} uses evidence by key ({pattern}); add a typed accessor or method to Finding"
                );
            }
        }
        if makes_findings.iter().any(|m| rel.starts_with(m)) {
            assert!(
                !squeezed.contains("json!("),
                "{rel} builds JSON by hand; give the finding's evidence a struct deriving Serialize"
            );
        }
        if !user_file_readers.contains(&rel.as_str()) {
            assert!(
                !text.contains("serde_json::from_"),
                "{rel} parses JSON of the program's own values"
            );
        }
    }
}

/// Every number a check compares against is a threshold (`checks/thresholds.rs`) or a named
/// constant whose comment says why it is not one: no literal other than 0, 1 and 2 (and halving) in a
/// comparison of the code that makes findings (tests, comments and constant definitions aside).
#[test]
fn checks_compare_against_named_numbers() {
    let makers = ["model/audit.rs", "compare/mod.rs", "compare/models.rs"];
    let mut found = Vec::new();
    for (rel, text) in sources() {
        if !rel.starts_with("checks/") && !makers.contains(&rel.as_str()) {
            continue;
        }
        let code = text.split("\n#[cfg(test)]").next().unwrap();
        for (i, line) in code.lines().enumerate() {
            let l = line.trim_start();
            if l.starts_with("//") || l.starts_with("const ") || l.starts_with("pub const ") {
                continue;
            }
            let l = l.split("//").next().unwrap();
            let compares = [">=", "<=", " > ", " < ", "==", "!="]
                .iter()
                .any(|op| l.contains(op));
            if !compares || l.contains("thresholds!") {
                continue;
            }
            let chars: Vec<char> = l.chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let starts = chars[j].is_ascii_digit()
                    && (j == 0
                        || !(chars[j - 1].is_alphanumeric()
                            || chars[j - 1] == '_'
                            || chars[j - 1] == '.'));
                if !starts {
                    j += 1;
                    continue;
                }
                let mut k = j;
                while k < chars.len()
                    && (chars[k].is_ascii_digit() || chars[k] == '.' || chars[k] == '_')
                {
                    k += 1;
                }
                // A float's precision (1e-9) is an epsilon of arithmetic, not a threshold.
                if k < chars.len() && chars[k] == 'e' {
                    k += 1;
                    while k < chars.len() && (chars[k] == '-' || chars[k].is_ascii_digit()) {
                        k += 1;
                    }
                    j = k;
                    continue;
                }
                let lit: String = chars[j..k].iter().collect();
                let lit = lit.trim_end_matches('.');
                // Halving a threshold (a midpoint, "medium at half") is arithmetic the threshold's
                // doc states, not a number of its own.
                let halving = lit == "2.0"
                    && chars[..j]
                        .iter()
                        .collect::<String>()
                        .trim_end()
                        .ends_with('/');
                let whole: Option<u64> = lit.replace('_', "").parse().ok();
                let number = if lit.contains('.') {
                    !["0.0", "1.0"].contains(&lit) && !halving
                } else {
                    whole.is_some_and(|n| n > 2)
                };
                if number {
                    found.push(format!("{}:{}: {lit} in `{}`", rel, i + 1, line.trim()));
                }
                j = k;
            }
        }
    }
    assert!(
        found.is_empty(),
        "unnamed numbers in comparisons (make them thresholds or named constants saying why they are not):\n{}",
        found.join("\n")
    );
}

/// The library speaks in its own words: no text of it names a command-line flag (`--target`),
/// which Rust and Python users never typed; the front ends render options in theirs.
#[test]
fn the_library_names_no_command_line_flag() {
    let front_ends = ["cli.rs", "main.rs", "demo.rs", "commands/"];
    for (rel, text) in sources() {
        if front_ends.iter().any(|m| rel.starts_with(m)) {
            continue;
        }
        let code = text.split("\n#[cfg(test)]").next().unwrap();
        for (i, line) in code.lines().enumerate() {
            let l = line.trim_start();
            if l.starts_with("//") || !l.contains('"') {
                continue;
            }
            let flag = l.match_indices("--").any(|(at, _)| {
                l[at + 2..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase())
            });
            assert!(
                !flag,
                "{rel}:{}: library text names a flag: {}",
                i + 1,
                line.trim()
            );
        }
    }
}

/// The README stays a page for users (what it does, quick start, usage, how it decides, formats,
/// the current performance): details live beside what they describe (`python/README.md`,
/// `models/README.md`, `benches/README.md`, `benches/HISTORY.md`), and every link to them holds.
#[test]
fn the_readme_stays_short_and_its_links_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines < 450,
        "README.md has {lines} lines; move details beside what they describe"
    );
    for (at, _) in readme.match_indices("](") {
        let target: String = readme[at + 2..].chars().take_while(|&c| c != ')').collect();
        let path = target.split('#').next().unwrap();
        if path.is_empty() || path.starts_with("http") {
            continue;
        }
        assert!(
            root.join(path).exists(),
            "README links to {path}, which is missing"
        );
    }
}
