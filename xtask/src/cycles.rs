//! `cargo xtask cycles`: the import graph of a crate's modules, and its
//! cycles. Every file of the crate is parsed (syn); each path that starts
//! at `crate`, `super` or `self` (in `use` items, types and expressions;
//! test-only items left out) is an edge from the file it is in to the
//! file of the module it names. A crate whose modules form layers, each
//! importing only from those below, has none; CI fails on any.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module, as the path from the crate root (`["journal", "postgres"]`).
type Module = Vec<String>;

/// A crate's modules that import each other in a circle, with the edges
/// among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub edges: BTreeMap<String, BTreeSet<String>>,
}

impl std::fmt::Display for Cycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} modules import each other in a circle:",
            self.edges.len()
        )?;
        for (from, to) in &self.edges {
            let to: Vec<&str> = to.iter().map(String::as_str).collect();
            writeln!(f, "  {from} -> {}", to.join(", "))?;
        }
        Ok(())
    }
}

/// The cycles among the modules of the crate whose sources are in `src`
/// (its `lib.rs` or `main.rs` there), or why the files cannot be read.
pub fn find(src: &Path) -> Result<Vec<Cycle>, String> {
    let files = modules(src)?;
    let mut parsed = Vec::new();
    // Re-exports (`pub use a::B;` in module M): M::B is a::B.
    let mut reexports: BTreeMap<Module, Module> = BTreeMap::new();
    for (module, path) in &files {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file = syn::parse_file(&text)
            .map_err(|e| format!("{} does not parse: {e}", path.display()))?;
        let mut paths = Paths {
            here: module.clone(),
            known: &files,
            found: Vec::new(),
            reexported: Vec::new(),
        };
        paths.visit_file(&file);
        for (name, target) in paths.reexported.drain(..) {
            let mut at = module.clone();
            at.push(name);
            reexports.insert(at, target);
        }
        parsed.push((module.clone(), paths.found));
    }
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, found) in parsed {
        let edges = graph.entry(module.clone()).or_default();
        for target in found {
            if let Some(to) = defined_in(&files, &reexports, target)
                && to != module
            {
                edges.insert(to);
            }
        }
    }
    Ok(strongly_connected(&graph)
        .into_iter()
        .map(|members| Cycle {
            edges: members
                .iter()
                .map(|m| {
                    let to = graph[m].iter().filter(|t| members.contains(*t)).map(name);
                    (name(m), to.collect())
                })
                .collect(),
        })
        .collect())
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "crate".to_owned()
    } else {
        module.join("::")
    }
}

/// Every file-backed module under `src`, by its path from the root.
fn modules(src: &Path) -> Result<BTreeMap<Module, PathBuf>, String> {
    let mut found = BTreeMap::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).map_err(|e| e.to_string())?;
            let mut parts: Module = relative
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            found.insert(parts, path);
        }
    }
    Ok(found)
}

/// The file of the module where the item `path` names is defined:
/// re-exports followed (a few hops at most), then the deepest file-backed
/// module on the path.
fn defined_in(
    files: &BTreeMap<Module, PathBuf>,
    reexports: &BTreeMap<Module, Module>,
    mut path: Module,
) -> Option<Module> {
    for _ in 0..8 {
        let hop = (1..=path.len()).rev().find_map(|n| {
            reexports
                .get(&path[..n])
                .map(|to| to.iter().chain(&path[n..]).cloned().collect::<Module>())
        });
        match hop {
            Some(next) if next != path => path = next,
            _ => break,
        }
    }
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| files.contains_key(prefix))
}

/// Collects the absolute module paths a file names.
struct Paths<'f> {
    /// The module the visitor is in (inline modules included).
    here: Module,
    /// The crate's file-backed modules (to tell a child module's name).
    known: &'f BTreeMap<Module, PathBuf>,
    /// What the file's code and private imports name: its dependencies.
    found: Vec<Module>,
    /// Its public re-exports, by the name they give: a path users take,
    /// not a dependency of the file's code.
    reexported: Vec<(String, Module)>,
}

impl Paths<'_> {
    /// `segments` made absolute, if it starts at `crate`, `super`, `self`
    /// or the name of a child module of this one.
    fn absolute(&self, segments: &[String]) -> Option<Module> {
        let (first, rest) = segments.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.here.clone(),
            "super" => {
                let mut up = self.here.clone();
                up.pop()?;
                up
            }
            child => {
                let mut path = self.here.clone();
                path.push(child.to_owned());
                if !self.known.contains_key(&path) {
                    return None;
                }
                path.extend(rest.iter().cloned());
                return Some(path);
            }
        };
        let mut rest = rest;
        while let Some(("super", more)) = rest.split_first().map(|(s, m)| (s.as_str(), m)) {
            base.pop()?;
            rest = more;
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn add(&mut self, segments: &[String]) {
        if let Some(path) = self.absolute(segments) {
            self.found.push(path);
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let ident = n.ident.to_string();
                if ident == "self" {
                    self.add(prefix);
                } else {
                    prefix.push(ident);
                    self.add(prefix);
                    prefix.pop();
                }
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                self.add(prefix);
                prefix.pop();
            }
            syn::UseTree::Glob(_) => self.add(prefix),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }
}

/// The name each leaf of a `use` tree gives, in the order
/// [`Paths::use_tree`] visits them (`None` for a glob or `self`).
fn leaf_names(tree: &syn::UseTree, names: &mut Vec<Option<String>>) {
    match tree {
        syn::UseTree::Path(p) => leaf_names(&p.tree, names),
        syn::UseTree::Name(n) if n.ident == "self" => names.push(None),
        syn::UseTree::Name(n) => names.push(Some(n.ident.to_string())),
        syn::UseTree::Rename(r) => names.push(Some(r.rename.to_string())),
        syn::UseTree::Glob(_) => names.push(None),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| leaf_names(t, names)),
    }
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

impl<'ast> Visit<'ast> for Paths<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if !is_test_only(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        if module.content.is_some() {
            self.here.push(module.ident.to_string());
            syn::visit::visit_item_mod(self, module);
            self.here.pop();
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let before = self.found.len();
        self.use_tree(&mut Vec::new(), &item.tree);
        if matches!(item.vis, syn::Visibility::Inherited) {
            return;
        }
        // `pub use`: the names it gives are re-exports, not dependencies.
        let mut names = Vec::new();
        leaf_names(&item.tree, &mut names);
        let targets: Vec<Module> = self.found.drain(before..).collect();
        if names.len() == targets.len() {
            for (name, target) in names.into_iter().zip(targets) {
                if let Some(name) = name {
                    self.reexported.push((name, target));
                }
            }
        }
    }

    /// `pub(super)` names who may see an item, not what it uses.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.add(&segments);
        syn::visit::visit_path(self, path);
    }
}

/// The strongly connected components of more than one module (Tarjan).
fn strongly_connected(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<BTreeSet<Module>> {
    struct State<'g> {
        graph: &'g BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'g Module, usize>,
        low: BTreeMap<&'g Module, usize>,
        stack: Vec<&'g Module>,
        on_stack: BTreeSet<&'g Module>,
        found: Vec<BTreeSet<Module>>,
    }
    fn connect<'g>(state: &mut State<'g>, v: &'g Module) {
        let n = state.index.len();
        state.index.insert(v, n);
        state.low.insert(v, n);
        state.stack.push(v);
        state.on_stack.insert(v);
        for w in state.graph.get(v).into_iter().flatten() {
            if !state.index.contains_key(w) {
                connect(state, w);
                let low = state.low[v].min(state.low[w]);
                state.low.insert(v, low);
            } else if state.on_stack.contains(w) {
                let low = state.low[v].min(state.index[w]);
                state.low.insert(v, low);
            }
        }
        if state.low[v] == state.index[v] {
            let mut component = BTreeSet::new();
            while let Some(w) = state.stack.pop() {
                state.on_stack.remove(w);
                component.insert(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                state.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v) {
            connect(&mut state, v);
        }
    }
    state.found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    #[test]
    fn a_circle_of_imports_is_found_and_layers_are_not() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                ("lib.rs", "mod a; mod b; mod c;"),
                ("a.rs", "use crate::b::Thing; pub(super) struct Low;"),
                (
                    "b/mod.rs",
                    "mod inner; pub use inner::Thing; pub(crate) struct Hidden;",
                ),
                (
                    "b/inner.rs",
                    "pub struct Thing; fn f() -> super::super::c::High { todo!() }",
                ),
                (
                    "c.rs",
                    "pub struct High(crate::a::Low);\n#[cfg(test)]\nmod tests { use crate::b::Thing; }",
                ),
            ],
        );
        let cycles = find(dir.path()).unwrap();
        assert_eq!(cycles.len(), 1, "{cycles:?}");
        let names: Vec<&str> = cycles[0].edges.keys().map(String::as_str).collect();
        // `crate::b::Thing` is defined in b::inner (b re-exports it): the
        // circle runs through b::inner, not b.
        assert_eq!(names, ["a", "b::inner", "c"]);
        assert!(cycles[0].to_string().contains("c -> a"), "{}", cycles[0]);

        // Break it: c no longer names a.
        write(dir.path(), &[("c.rs", "pub struct High;")]);
        assert!(find(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn a_file_that_does_not_parse_is_named() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &[("lib.rs", "mod a;"), ("a.rs", "fn (")]);
        let e = find(dir.path()).unwrap_err();
        assert!(e.contains("a.rs does not parse"), "{e}");
    }
}
