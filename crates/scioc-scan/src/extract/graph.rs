//! Dependency paths for flat lockfiles.
//!
//! Flat formats (yarn, pnpm, bun, poetry, uv, Gemfile.lock, Cargo.lock, SBOMs) list every
//! package once with the names of what it depends on. The path a finding shows (`via a > b > c`)
//! is the shortest chain from a root: a package the project itself depends on, or, when the
//! file does not say, one nothing else depends on.

use std::collections::{HashMap, VecDeque};

/// Packages by key, with edges to the keys they depend on.
///
/// A file may list one key twice (fuzzing found such lockfiles), so a package is never assumed
/// to be the node of its own index: [`Graph::package`] records which node each package of the
/// file is, and paths are handed out per package ([`Graph::package_paths`]).
#[derive(Debug, Default)]
pub(crate) struct Graph {
    ids: HashMap<String, usize>,
    names: Vec<String>,
    edges: Vec<Vec<String>>,
    roots: Vec<String>,
    /// The node of each package of the file, in the file's order.
    members: Vec<usize>,
}

impl Graph {
    /// Adds package `key` (displayed as `name`); returns its index.
    pub(crate) fn node(&mut self, key: &str, name: &str) -> usize {
        if let Some(&i) = self.ids.get(key) {
            return i;
        }
        let i = self.names.len();
        self.ids.insert(key.to_owned(), i);
        self.names.push(name.to_owned());
        self.edges.push(Vec::new());
        i
    }

    /// How many nodes there are: the index the next new key gets.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// Adds the file's next package, keyed `key` (entries with one key share a node); returns
    /// its node.
    pub(crate) fn package(&mut self, key: &str, name: &str) -> usize {
        let node = self.node(key, name);
        self.members.push(node);
        node
    }

    /// Records that the file's next package is node `node` (made with [`Graph::node`]).
    pub(crate) fn mark_package(&mut self, node: usize) {
        self.members.push(node);
    }

    /// Records that node `from` depends on the package keyed `to` (which may come later).
    pub(crate) fn edge(&mut self, from: usize, to: String) {
        self.edges[from].push(to);
    }

    /// Marks the package keyed `key` as one the project depends on directly.
    pub(crate) fn root(&mut self, key: String) {
        self.roots.push(key);
    }

    /// For every package added with [`Graph::package`] or [`Graph::mark_package`], in that
    /// order, its node's chain.
    pub(crate) fn package_paths(&self) -> Vec<Vec<String>> {
        let paths = self.paths();
        self.members.iter().map(|&n| paths[n].clone()).collect()
    }

    /// Sets each package's path to its node's chain: `packages[i]` is the `i`-th package added.
    pub(crate) fn assign_paths(&self, packages: &mut [crate::Package]) {
        debug_assert_eq!(packages.len(), self.members.len(), "every package was added to the graph");
        for (p, chain) in packages.iter_mut().zip(self.package_paths()) {
            p.path = chain;
        }
    }

    /// For every node, in index order, the shortest chain of names from a root to it. A node no
    /// root reaches (a cycle, or a file that names no roots) is its own root.
    pub(crate) fn paths(&self) -> Vec<Vec<String>> {
        let n = self.names.len();
        let resolved: Vec<Vec<usize>> =
            self.edges.iter().map(|es| es.iter().filter_map(|k| self.ids.get(k).copied()).collect()).collect();
        let mut roots: Vec<usize> = self.roots.iter().filter_map(|k| self.ids.get(k).copied()).collect();
        if roots.is_empty() {
            let mut incoming = vec![false; n];
            for es in &resolved {
                for &t in es {
                    incoming[t] = true;
                }
            }
            roots = (0..n).filter(|&i| !incoming[i]).collect();
        }
        let mut parent: Vec<Option<usize>> = vec![None; n];
        let mut seen = vec![false; n];
        let mut queue = VecDeque::new();
        let mut next = 0;
        for r in roots {
            if !seen[r] {
                seen[r] = true;
                queue.push_back(r);
            }
        }
        loop {
            while let Some(i) = queue.pop_front() {
                for &t in &resolved[i] {
                    if !seen[t] {
                        seen[t] = true;
                        parent[t] = Some(i);
                        queue.push_back(t);
                    }
                }
            }
            // Whatever is left is only reachable through a cycle: start from its first node.
            while next < n && seen[next] {
                next += 1;
            }
            match (next < n).then_some(next) {
                Some(i) => {
                    seen[i] = true;
                    queue.push_back(i);
                }
                None => break,
            }
        }
        (0..n)
            .map(|i| {
                let mut chain = vec![self.names[i].clone()];
                let mut at = i;
                while let Some(p) = parent[at] {
                    chain.push(self.names[p].clone());
                    at = p;
                }
                chain.reverse();
                chain
            })
            .collect()
    }
}

/// Dependency paths for node-style install trees (npm's `package-lock.json`, bun's `bun.lock`),
/// where a package is keyed by its install path and a dependency `d` of the package at
/// `a/b` resolves as Node does: `a/b/d`, else `a/d`, else `d`.
///
/// `packages` holds each package's install path and the names it depends on; `roots` the
/// project's own dependencies. Returns each package's shortest path from the project.
pub(crate) fn node_paths(packages: &[(Vec<String>, Vec<String>)], roots: &[String]) -> Vec<Vec<String>> {
    let key = |chain: &[String]| chain.join("\u{0}");
    let mut graph = Graph::default();
    // Two entries may name one install path (`node_modules/a` and `node_modules/a/`): they are
    // one node, so every package is mapped to its node rather than assumed to be one.
    let nodes: Vec<usize> =
        packages.iter().map(|(chain, _)| graph.package(&key(chain), chain.last().map_or("", String::as_str))).collect();
    for (i, (chain, deps)) in packages.iter().enumerate() {
        // A package installed inside another is there because that one needs it.
        if chain.len() > 1
            && let Some(&parent) = graph.ids.get(&key(&chain[..chain.len() - 1]))
        {
            graph.edge(parent, key(chain));
        }
        for d in deps {
            let target = (0..=chain.len()).rev().map(|n| {
                let mut c = chain[..n].to_vec();
                c.push(d.clone());
                key(&c)
            });
            if let Some(t) = target.into_iter().find(|k| graph.ids.contains_key(k)) {
                graph.edge(nodes[i], t);
            }
        }
    }
    for r in roots {
        graph.root(key(std::slice::from_ref(r)));
    }
    graph.package_paths()
}

#[cfg(test)]
mod tests {
    use super::{Graph, node_paths};

    /// Found by fuzzing (`fuzz/fuzz_targets/npm_package_lock.rs`): two entries naming one
    /// install path indexed past the end of the graph and panicked.
    #[test]
    fn entries_naming_one_install_path_share_a_node() {
        let c = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let packages = vec![(c(&["a"]), c(&["b"])), (c(&["a"]), c(&[])), (c(&["a", "b"]), c(&[])), (c(&["b"]), c(&[]))];
        let paths = node_paths(&packages, &c(&["a"]));
        assert_eq!(paths, vec![c(&["a"]), c(&["a"]), c(&["a", "b"]), c(&["b"])]);
    }

    #[test]
    fn node_resolution_prefers_the_nearest_install() {
        let c = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let packages =
            vec![(c(&["a"]), c(&["ms"])), (c(&["a", "ms"]), c(&[])), (c(&["ms"]), c(&[])), (c(&["b"]), c(&["ms"]))];
        let paths = node_paths(&packages, &c(&["a", "b"]));
        assert_eq!(paths, vec![c(&["a"]), c(&["a", "ms"]), c(&["b", "ms"]), c(&["b"])]);
    }

    #[test]
    fn shortest_paths_from_roots_or_from_unreferenced_nodes() {
        let mut g = Graph::default();
        let a = g.node("a@1", "a");
        let b = g.node("b@1", "b");
        let c = g.node("c@1", "c");
        g.edge(a, "b@1".into());
        g.edge(b, "c@1".into());
        g.edge(c, "b@1".into());
        g.edge(a, "missing@1".into());
        assert_eq!(g.paths(), vec![vec!["a"], vec!["a", "b"], vec!["a", "b", "c"]]);
        g.root("c@1".into());
        assert_eq!(g.paths()[1], vec!["c", "b"]);
        let mut cyc = Graph::default();
        let x = cyc.node("x", "x");
        let y = cyc.node("y", "y");
        cyc.edge(x, "y".into());
        cyc.edge(y, "x".into());
        assert_eq!(cyc.paths(), vec![vec!["x"], vec!["x", "y"]]);
    }
}
