//! A dependency graph over indices: edges, cycle detection that names the cycle, topological
//! order, and the reverse graph for destroy.
//!
//! Node `a` depends on node `b` when `b` must finish before `a` starts. Everything is linear in
//! nodes plus edges: stacks hold thousands of resources.

use std::collections::BTreeSet;

/// A directed acyclic graph once [`Graph::check_acyclic`] has passed.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// `deps[a]` = nodes `a` waits for.
    deps: Vec<BTreeSet<usize>>,
}

impl Graph {
    pub fn new(nodes: usize) -> Graph {
        Graph {
            deps: vec![BTreeSet::new(); nodes],
        }
    }

    pub fn len(&self) -> usize {
        self.deps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.deps.is_empty()
    }

    /// Adds a node and returns its index.
    pub fn add_node(&mut self) -> usize {
        self.deps.push(BTreeSet::new());
        self.deps.len() - 1
    }

    /// `node` waits for `dependency`. Self-edges are ignored.
    pub fn add_edge(&mut self, node: usize, dependency: usize) {
        if node != dependency {
            self.deps[node].insert(dependency);
        }
    }

    pub fn dependencies(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        self.deps[node].iter().copied()
    }

    /// `dependents[b]` = nodes that wait for `b`.
    pub fn dependents(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.deps.len()];
        for (a, ds) in self.deps.iter().enumerate() {
            for &b in ds {
                out[b].push(a);
            }
        }
        out
    }

    /// The same nodes with every edge turned around (destroy order).
    pub fn reversed(&self) -> Graph {
        let mut g = Graph::new(self.deps.len());
        for (a, ds) in self.deps.iter().enumerate() {
            for &b in ds {
                g.deps[b].insert(a);
            }
        }
        g
    }

    /// `Err(cycle)` with the nodes of one cycle in order (first repeated at the end).
    pub fn check_acyclic(&self) -> Result<(), Vec<usize>> {
        // Iterative three-colour DFS, keeping the path to report the cycle.
        #[derive(Clone, Copy, PartialEq)]
        enum Colour {
            White,
            Grey,
            Black,
        }
        let n = self.deps.len();
        let mut colour = vec![Colour::White; n];
        let adj: Vec<Vec<usize>> = self.deps.iter().map(|s| s.iter().copied().collect()).collect();
        for start in 0..n {
            if colour[start] != Colour::White {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            colour[start] = Colour::Grey;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&dep) = adj[node].get(*next) {
                    *next += 1;
                    match colour[dep] {
                        Colour::White => {
                            colour[dep] = Colour::Grey;
                            stack.push((dep, 0));
                        }
                        Colour::Grey => {
                            let pos = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                            let mut cycle: Vec<usize> = stack[pos..].iter().map(|(n, _)| *n).collect();
                            cycle.push(dep);
                            return Err(cycle);
                        }
                        Colour::Black => {}
                    }
                } else {
                    colour[node] = Colour::Black;
                    stack.pop();
                }
            }
        }
        Ok(())
    }

    /// Nodes in an order where every node comes after its dependencies (Kahn's algorithm,
    /// ties broken by index so the order is stable). Assumes the graph is acyclic.
    pub fn topological_order(&self) -> Vec<usize> {
        let n = self.deps.len();
        let dependents = self.dependents();
        let mut remaining: Vec<usize> = self.deps.iter().map(BTreeSet::len).collect();
        let mut ready: BTreeSet<usize> = (0..n).filter(|&i| remaining[i] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(node) = ready.pop_first() {
            order.push(node);
            for &d in &dependents[node] {
                remaining[d] -= 1;
                if remaining[d] == 0 {
                    ready.insert(d);
                }
            }
        }
        order
    }

    /// `out[n]` is true when `from` waits, directly or not, for `n` (or `n == from`).
    pub fn reachable_from(&self, from: usize) -> Vec<bool> {
        let mut seen = vec![false; self.deps.len()];
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if std::mem::replace(&mut seen[n], true) {
                continue;
            }
            stack.extend(self.deps[n].iter().copied());
        }
        seen
    }

    /// True if `to` is reachable from `from` by following dependencies.
    pub fn depends_transitively(&self, from: usize, to: usize) -> bool {
        let mut seen = vec![false; self.deps.len()];
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if std::mem::replace(&mut seen[n], true) {
                continue;
            }
            stack.extend(self.deps[n].iter().copied());
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_the_cycle() {
        let mut g = Graph::new(4);
        g.add_edge(0, 1);
        g.add_edge(1, 2);
        g.add_edge(2, 1);
        g.add_edge(3, 0);
        let cycle = g.check_acyclic().unwrap_err();
        assert_eq!(cycle.first(), cycle.last());
        assert!(cycle.contains(&1) && cycle.contains(&2) && !cycle.contains(&3));
    }

    #[test]
    fn orders_dependencies_first() {
        let mut g = Graph::new(3);
        g.add_edge(0, 2);
        g.add_edge(2, 1);
        assert_eq!(g.topological_order(), vec![1, 2, 0]);
        assert_eq!(g.reversed().topological_order(), vec![0, 2, 1]);
        assert!(g.depends_transitively(0, 1));
        assert!(!g.depends_transitively(1, 0));
    }

    proptest! {
        // Edges only from higher to lower index: always acyclic, and the order respects them.
        #[test]
        fn topological_order_respects_edges(n in 1usize..60, edges in proptest::collection::vec((0usize..60, 0usize..60), 0..200)) {
            let mut g = Graph::new(n);
            for (a, b) in edges {
                let (a, b) = (a % n, b % n);
                if a > b { g.add_edge(a, b); }
            }
            prop_assert!(g.check_acyclic().is_ok());
            let order = g.topological_order();
            prop_assert_eq!(order.len(), n);
            let mut pos = vec![0; n];
            for (i, &x) in order.iter().enumerate() { pos[x] = i; }
            for a in 0..n {
                for b in g.dependencies(a) { prop_assert!(pos[b] < pos[a]); }
            }
        }

        #[test]
        fn a_back_edge_is_always_found(n in 2usize..40) {
            let mut g = Graph::new(n);
            for i in 1..n { g.add_edge(i, i - 1); }
            g.add_edge(0, n - 1);
            let cycle = g.check_acyclic().unwrap_err();
            prop_assert_eq!(cycle.len(), n + 1);
        }
    }
}
