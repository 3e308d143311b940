//! `-target`: the part of the graph a partial run covers.

use std::collections::HashSet;

use strata_core::{AddrSelector, ResourceAddr};

use crate::error::EngineError;
use crate::graph_build::ResourceGraph;

/// The addresses a run with `targets` covers: the targets and everything they depend on, or,
/// for a destroy, the targets and everything that depends on them.
pub fn selected(
    graph: &ResourceGraph,
    targets: &[AddrSelector],
    destroy: bool,
) -> Result<HashSet<ResourceAddr>, EngineError> {
    let mut stack: Vec<usize> = Vec::new();
    for t in targets {
        let before = stack.len();
        stack.extend(
            graph
                .nodes
                .iter()
                .enumerate()
                .filter(|(i, _)| graph.resource(*i).is_some_and(|a| t.matches(a)))
                .map(|(i, _)| i),
        );
        if stack.len() == before {
            return Err(EngineError::Address(format!(
                "-target {t} names nothing in the configuration or the state; `strata state list` and `strata plan` show the addresses"
            )));
        }
    }
    let dependents = if destroy {
        Some(graph.graph.dependents())
    } else {
        None
    };
    let mut seen = vec![false; graph.nodes.len()];
    let mut out = HashSet::new();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        if let Some(a) = graph.resource(i) {
            out.insert(a.clone());
        }
        match &dependents {
            Some(d) => stack.extend(d[i].iter().copied()),
            None => stack.extend(graph.graph.dependencies(i)),
        }
    }
    Ok(out)
}
