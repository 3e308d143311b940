//! Ordering blocks by their dependencies, and finding cycles.

/// A topological order (dependencies first) of nodes `0..edges.len()`, where `edges[n]` are
/// the nodes `n` depends on, and every cycle found (each as its path, first node repeated at
/// the end). Deterministic: ties go by node index.
pub(crate) fn order(edges: &[Vec<usize>]) -> (Vec<usize>, Vec<Vec<usize>>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let n = edges.len();
    let mut mark = vec![Mark::New; n];
    let mut order = Vec::with_capacity(n);
    let mut cycles: Vec<Vec<usize>> = Vec::new();
    for start in 0..n {
        if mark[start] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, next edge to visit). The stack is the current path.
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        mark[start] = Mark::Active;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let deps = edges.get(node).map_or(&[][..], Vec::as_slice);
            if let Some(&dep) = deps.get(*next) {
                *next += 1;
                match mark.get(dep).copied() {
                    Some(Mark::New) => {
                        mark[dep] = Mark::Active;
                        stack.push((dep, 0));
                    }
                    Some(Mark::Active) => {
                        // A back edge: the path from `dep` to here, then `dep` again.
                        if let Some(pos) = stack.iter().position(|(s, _)| *s == dep) {
                            let mut cycle: Vec<usize> = stack[pos..].iter().map(|(s, _)| *s).collect();
                            cycle.push(dep);
                            let mut key = cycle[..cycle.len() - 1].to_vec();
                            key.sort_unstable();
                            let seen = cycles.iter().any(|c| {
                                let mut k = c[..c.len() - 1].to_vec();
                                k.sort_unstable();
                                k == key
                            });
                            if !seen {
                                cycles.push(cycle);
                            }
                        }
                    }
                    _ => {}
                }
            } else {
                mark[node] = Mark::Done;
                order.push(node);
                stack.pop();
            }
        }
    }
    (order, cycles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_dependencies_first() {
        // 0 depends on 1, 1 on 2.
        let (order, cycles) = order(&[vec![1], vec![2], vec![]]);
        assert_eq!(order, vec![2, 1, 0]);
        assert!(cycles.is_empty());
    }

    #[test]
    fn finds_cycles() {
        let (order, cycles) = order(&[vec![1], vec![0], vec![2], vec![]]);
        assert_eq!(order.len(), 4);
        assert_eq!(cycles, vec![vec![0, 1, 0], vec![2, 2]]);
    }
}
