//! The shape of `src/` (issue 25): no two modules import each other, directly or round
//! a loop, and no chart file is one a newcomer has to scroll through.
//!
//! Read from the source text, not the compiler: `use crate::…`, `super::…` and inline
//! `crate::a::b` paths of each file (tests modules left out), resolved to the module
//! file they name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path from the crate root: `["review", "metrics"]`.
type Module = Vec<String>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module file under `dir`, by module path.
fn module_files(dir: &Path, prefix: &[String], out: &mut BTreeMap<Module, PathBuf>) {
    let entries = std::fs::read_dir(dir).expect("src/ is readable");
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 file names")
            .to_string();
        if path.is_dir() {
            let mut inner = prefix.to_vec();
            inner.push(stem);
            module_files(&path, &inner, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut module = prefix.to_vec();
            match stem.as_str() {
                "mod" => {}
                "lib" | "main" if prefix.is_empty() => {}
                _ => module.push(stem),
            }
            out.insert(module, path);
        }
    }
}

/// The source that is compiled into the crate: comments and the `tests` module dropped
/// (a test may reach anywhere).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a readable source file");
    let text = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default();
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses a path after `crate`/`super`/`self` at `rest` (which starts after that word):
/// `::a::b`, `::a::{b, c::d}`; pushes each full path onto `out`.
fn paths_after(rest: &str, base: &[String], out: &mut Vec<Module>) {
    let mut path = base.to_vec();
    let mut s = rest;
    while let Some(after) = s.strip_prefix("::") {
        let after = after.trim_start();
        if let Some(group) = after.strip_prefix('{') {
            // The group's items, split at top-level commas.
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        item(&group[start..i], &path, out);
                        return;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        item(&group[start..i], &path, out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            return;
        }
        let end = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let segment = &after[..end];
        if segment.is_empty() {
            break;
        }
        if segment == "super" {
            path.pop();
        } else {
            path.push(segment.to_string());
        }
        s = &after[end..];
    }
    out.push(path);
}

/// One item of a `{…}` group under `base`: `b`, `c::d`, `e::{f, g}`, `self`.
fn item(text: &str, base: &[String], out: &mut Vec<Module>) {
    let text = text.trim();
    if text.is_empty() || text == "self" {
        out.push(base.to_vec());
        return;
    }
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let mut path = base.to_vec();
    path.push(text[..end].to_string());
    paths_after(&text[end..], &path, out);
}

/// Every module path `module`'s file names.
fn references(module: &Module, code: &str) -> Vec<Module> {
    let mut out = Vec::new();
    for (head, base) in [
        ("crate", Vec::new()),
        ("super", module[..module.len().saturating_sub(1)].to_vec()),
        ("self", module.clone()),
    ] {
        for (at, _) in code.match_indices(head) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let rest = &code[at + head.len()..];
            if rest.starts_with("::") {
                paths_after(rest, &base, &mut out);
            }
        }
    }
    out
}

/// The longest module of `modules` that `path` lies in.
fn resolve(path: &Module, modules: &BTreeMap<Module, PathBuf>) -> Module {
    let mut path = path.clone();
    while !path.is_empty() && !modules.contains_key(&path) {
        path.pop();
    }
    path
}

/// Edges between sibling modules, per parent: `a::b` naming `a::c::d` is `b → c` under
/// `a`. A module naming its own ancestor or descendant is not an edge between siblings.
fn sibling_edges(
    modules: &BTreeMap<Module, PathBuf>,
) -> BTreeMap<Module, BTreeMap<String, BTreeSet<String>>> {
    let mut edges: BTreeMap<Module, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (module, path) in modules {
        for reference in references(module, &code(path)) {
            let target = resolve(&reference, modules);
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common == module.len() || common == target.len() {
                continue;
            }
            edges
                .entry(module[..common].to_vec())
                .or_default()
                .entry(module[common].clone())
                .or_default()
                .insert(target[common].clone());
        }
    }
    edges
}

/// A cycle in `graph`, as the modules round it, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut round = stack[at..].to_vec();
            round.push(node.to_string());
            return Some(round);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(round) = visit(next, graph, done, stack) {
                return Some(round);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

/// The parser sees groups, nested groups, inline paths and `super::super`.
fn check_the_parser() {
    let module: Module = ["outputs", "charts", "line"].map(String::from).to_vec();
    let code = "use super::axis::{dashed, Axis};\nuse super::{kit::{err, px}, theme};\n\
                use crate::review::metrics::Unit;\nlet x = crate::period::Month::of(d);\n\
                use super::super::File;";
    let found: BTreeSet<String> = references(&module, code)
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    for expected in [
        "outputs::charts::axis::dashed",
        "outputs::charts::axis::Axis",
        "outputs::charts::kit::err",
        "outputs::charts::kit::px",
        "outputs::charts::theme",
        "review::metrics::Unit",
        "period::Month::of",
        "outputs::File",
    ] {
        assert!(found.contains(expected), "{expected} in {found:?}");
    }
}

#[test]
fn no_modules_of_src_import_each_other_round_a_loop() {
    check_the_parser();
    let mut modules = BTreeMap::new();
    module_files(&src(), &[], &mut modules);
    assert!(modules.len() > 20, "found the module files: {modules:?}");
    let edges = sibling_edges(&modules);
    // The parser sees what it must: the run (app.rs) calls the outputs.
    assert!(
        edges
            .get(&Vec::new())
            .and_then(|g| g.get("app"))
            .is_some_and(|to| to.contains("outputs")),
        "{edges:?}"
    );
    let cycles: Vec<String> = edges
        .iter()
        .filter_map(|(parent, graph)| {
            let round = cycle(graph)?;
            let parent = if parent.is_empty() {
                "crate".to_string()
            } else {
                parent.join("::")
            };
            Some(format!("in {parent}: {}", round.join(" → ")))
        })
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

/// charts/ is split by concern: a chart kind, the fonts, the palette, the rasteriser,
/// the catalogue — none of them a long scroll (issue 25: "no file over ~400 lines").
#[test]
fn no_file_in_the_charts_folder_is_over_400_lines() {
    let dir = src().join("outputs/charts");
    let folder = std::fs::read_dir(&dir).expect("src/outputs/charts/");
    let mut files: Vec<PathBuf> = folder.map(|e| e.expect("an entry").path()).collect();
    // The module's own file, when it is beside the folder rather than its mod.rs.
    files.push(src().join("outputs/charts.rs"));
    let mut long = Vec::new();
    for path in files.into_iter().filter(|p| p.exists()) {
        let lines = std::fs::read_to_string(&path)
            .expect("a source file")
            .lines()
            .count();
        if lines > 400 {
            long.push(format!("{}: {lines} lines", path.display()));
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n"));
}
