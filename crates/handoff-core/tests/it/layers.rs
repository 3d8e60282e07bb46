//! The core's layers, kept: each top-level module of `src/` belongs to one
//! layer (docs/ARCHITECTURE.md names them), and a module may use modules of
//! its own layer or lower ones, never a higher one; no two modules may use
//! each other, directly or round a loop. The arrows and loops that are
//! still there are listed below by name: the test fails on any new one, and
//! on a listed one that is gone (so the list only shrinks).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first.
const LAYERS: &[&[&str]] = &[
    // Words and tools that know no flow of the product.
    &[
        "words",
        "clock",
        "size",
        "text_enum",
        "random",
        "naming",
        "mime",
        "file_uri",
        "template",
        "home",
        "process",
        "runtime",
        "logging",
    ],
    // The person's settings; folders held open by handle.
    &["settings", "safe_dir"],
    // Where files go; the database.
    &["destination", "store"],
    // The flows: uploads, remote machines, agents, publishing, sharing,
    // the disk watched and reconciled, and what turns errors into kinds.
    &[
        "ingest",
        "remote",
        "agent",
        "publish",
        "share",
        "reconcile",
        "recovery",
        "watch",
        "expiry",
        "remove",
        "untracked",
        "preview",
        "mentions",
        "conversation",
        "thumbs",
        "outputs",
        "mcp",
        "mcp_http",
        "mcp_stdio",
        "demo_agent",
    ],
    // The use cases the app and the CLI call.
    &["api"],
];

/// Arrows against the layers that are still there (none: keep it so).
const KNOWN_AGAINST: &[(&str, &str)] = &[];

/// Modules still in a loop of uses.
const KNOWN_IN_LOOPS: &[&str] = &["ingest", "remote"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Top-level module → the top-level modules it uses (tests left out).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = src();
    let mut modules = BTreeSet::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name != "lib" {
            modules.insert(name);
        }
    }
    let roots = root_reexports(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut graph = BTreeMap::new();
    for module in &modules {
        let mut files = Vec::new();
        let file = src.join(format!("{module}.rs"));
        if file.is_file() {
            files.push(file);
        }
        let folder = src.join(module);
        if folder.is_dir() {
            files.extend(
                walkdir::WalkDir::new(&folder)
                    .into_iter()
                    .map(|e| e.unwrap().into_path())
                    .filter(|p| p.extension().is_some_and(|e| e == "rs")),
            );
        }
        let mut uses = BTreeSet::new();
        for file in files {
            if file.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            let text = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or_default();
            for name in crate_paths(text) {
                let target = roots.get(&name).cloned().unwrap_or(name);
                if modules.contains(&target) && &target != module {
                    uses.insert(target);
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

/// `pub use module::{A, B};` in lib.rs: A and B → module.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, names)) = rest.trim_end_matches(';').split_once("::") else {
            continue;
        };
        for name in names.trim_matches(['{', '}']).split(',') {
            out.insert(name.trim().to_owned(), module.to_owned());
        }
    }
    out
}

/// The first name after each `crate::` in code (not comments), each name
/// of a `crate::{a, b::c}` group.
fn crate_paths(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => {
                        out.push(ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    out.push(ident(&item));
                    break;
                }
                item.push(c);
            }
        } else {
            out.push(ident(rest));
        }
    }
    out.retain(|n| !n.is_empty());
    out
}

/// The modules that are in a loop of uses (strongly connected, more than one).
fn in_loops(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<String> {
    let reaches = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(m) = todo.pop() {
            for next in graph.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    graph
        .keys()
        .filter(|m| reaches(m).contains(*m))
        .cloned()
        .collect()
}

#[test]
fn the_core_keeps_its_layers() {
    let graph = graph();
    let layer: BTreeMap<&str, usize> = LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.iter().map(move |m| (*m, i)))
        .collect();
    let unplaced: Vec<&String> = graph
        .keys()
        .filter(|m| !layer.contains_key(m.as_str()))
        .collect();
    assert!(
        unplaced.is_empty(),
        "give these modules a layer (here and in docs/ARCHITECTURE.md): {unplaced:?}"
    );

    let against: BTreeSet<(String, String)> = graph
        .iter()
        .flat_map(|(from, uses)| uses.iter().map(move |to| (from.clone(), to.clone())))
        .filter(|(from, to)| layer[to.as_str()] > layer[from.as_str()])
        .collect();
    let known: BTreeSet<(String, String)> = KNOWN_AGAINST
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    let new: Vec<_> = against.difference(&known).collect();
    assert!(
        new.is_empty(),
        "a lower layer uses a higher one: {new:?} (move the shared word down instead)"
    );
    let gone: Vec<_> = known.difference(&against).collect();
    assert!(
        gone.is_empty(),
        "fixed, so take them off KNOWN_AGAINST: {gone:?}"
    );

    let looped = in_loops(&graph);
    let known: BTreeSet<String> = KNOWN_IN_LOOPS.iter().map(|m| (*m).to_owned()).collect();
    let new: Vec<_> = looped.difference(&known).collect();
    assert!(
        new.is_empty(),
        "these modules joined a loop of uses: {new:?}"
    );
    let gone: Vec<_> = known.difference(&looped).collect();
    assert!(
        gone.is_empty(),
        "out of every loop now, so take them off KNOWN_IN_LOOPS: {gone:?}"
    );
}

#[test]
fn crate_paths_are_read_from_code_only() {
    let text = "use crate::store::{Files, Store};\n\
                use crate::{clock, words::{Origin, hex}};\n\
                // crate::api in a comment\n\
                let x = crate::ErrorKind::Internal;";
    assert_eq!(crate_paths(text), ["store", "clock", "words", "ErrorKind"]);
}
