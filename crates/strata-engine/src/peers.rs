//! The other estate of an environment with disaster recovery. A value of one estate that
//! waits on the other's resources refers to them by peer address
//! ([`strata_core::ResourceAddr::peer`]); the caller hands the other estate's state in
//! [`crate::PlanOptions::peers`], and the planner resolves those values from it.
//!
//! A resource whose body waits on a peer resource that the other estate's state does not hold
//! yet (the standby is applied after its primary, so the primary's Front Door cannot name the
//! standby's app on the very first apply) is left out of the run, with everything that
//! depends on it, and the plan says so: the run after the other estate's picks it up.

use std::collections::BTreeMap;

use strata_core::{DesiredResource, ResourceAddr};

use crate::attrs::Attributes;
use crate::graph_build::ResourceGraph;

/// The resources that wait on a peer resource `known` does not hold, with the first such
/// peer resource they wait on (`module.app.app of prod-dr`), their dependents included.
pub fn waiting(
    graph: &ResourceGraph,
    desired: &[DesiredResource],
    known: &Attributes,
) -> BTreeMap<ResourceAddr, String> {
    let mut out = BTreeMap::new();
    for d in desired {
        let mut refs = Vec::new();
        d.body.deferred_attrs(&mut refs);
        let missing = refs.iter().find_map(|(a, _)| {
            let (env, local) = a.split_peer()?;
            known.get(a).is_none().then(|| format!("{local} of {env}"))
        });
        if let Some(on) = missing {
            out.insert(d.addr.clone(), on);
        }
    }
    if out.is_empty() {
        return out;
    }
    // Everything that depends on a waiting resource waits too.
    let dependents = graph.graph.dependents();
    let mut stack: Vec<(usize, String)> = out
        .iter()
        .filter_map(|(a, on)| graph.index.get(a).map(|&i| (i, on.clone())))
        .collect();
    while let Some((i, on)) = stack.pop() {
        for &j in &dependents[i] {
            if let Some(a) = graph.resource(j)
                && !out.contains_key(a)
            {
                out.insert(a.clone(), on.clone());
                stack.push((j, on.clone()));
            }
        }
    }
    out
}

/// Whether `addr` is a peer address (in the other estate).
pub fn is_peer(addr: &ResourceAddr) -> bool {
    addr.split_peer().is_some()
}
