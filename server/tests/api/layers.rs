//! The server's shape, read from its source: no import cycle among its modules, and
//! the web and socket adapters reach the store and the hub only through the
//! application layer (`chat`). Run alone: `cargo test -p natter-server --test api layers`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's module path (`http::error`; `mod.rs` is its folder), or `None` for the
/// crate roots.
fn module_of(path: &Path) -> Option<Vec<String>> {
    let rel = path.strip_prefix(SRC).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    (parts != ["lib"] && parts != ["main"]).then_some(parts)
}

/// The code of a file without its unit tests (which may use anything).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The identifiers of a path that starts right after `prefix` (`crate::a::b` → a, b).
fn path_after<'a>(text: &'a str, prefix: &str) -> Vec<Vec<&'a str>> {
    text.match_indices(prefix)
        .filter(|(at, _)| {
            // `crate::`, not `mycrate::`.
            text[..*at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
        .map(|(at, _)| {
            let rest = &text[at + prefix.len()..];
            let end = rest
                .find(|c: char| {
                    !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == ':')
                })
                .unwrap_or(rest.len());
            rest[..end].split("::").filter(|s| !s.is_empty()).collect()
        })
        .collect()
}

/// Module → the other modules it names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(Path::new(SRC), &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .into_iter()
        .filter_map(|f| Some((module_of(&f)?, f)))
        .collect();
    let known: BTreeSet<Vec<String>> = modules.keys().cloned().collect();
    // The longest known module a path starts with.
    let resolve = |mut path: Vec<String>| {
        while !path.is_empty() && !known.contains(&path) {
            path.pop();
        }
        (!path.is_empty()).then_some(path)
    };
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let text = code(file);
        let mut deps = BTreeSet::new();
        for path in path_after(&text, "crate::") {
            deps.extend(resolve(path.iter().map(|s| s.to_string()).collect()));
        }
        let parent = &module[..module.len() - 1];
        for path in path_after(&text, "super::") {
            let mut full = parent.to_vec();
            full.extend(path.iter().map(|s| s.to_string()));
            deps.extend(resolve(full));
        }
        deps.remove(module);
        graph.insert(
            module.join("::"),
            deps.into_iter().map(|d| d.join("::")).collect(),
        );
    }
    graph
}

/// The strongly connected components with more than one module (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in &self.graph[v] {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    component.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn the_server_modules_import_each_other_without_a_cycle() {
    let graph = imports();
    assert!(graph.contains_key("chat::messages") && graph["http"].contains("chat::websites"));
    assert_eq!(cycles(&graph), Vec::<Vec<String>>::new(), "import cycles");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", &["b"][..]),
        ("b", &["c"][..]),
        ("c", &["a"][..]),
        ("d", &["a"][..]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.iter().map(|s| s.to_string()).collect()))
    .collect();
    assert_eq!(cycles(&graph), [["a", "b", "c"]]);
}

#[test]
fn adapters_reach_the_store_and_hub_only_through_the_application_layer() {
    let mut files = Vec::new();
    for dir in ["http", "ws"] {
        sources(&Path::new(SRC).join(dir), &mut files);
    }
    let mut found = Vec::new();
    for file in files {
        for (n, line) in code(&file).lines().enumerate() {
            if ["state.store", "state.hub", ".store."]
                .iter()
                .any(|needle| line.contains(needle))
            {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
