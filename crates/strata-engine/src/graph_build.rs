//! Builds the resource dependency graph of one run from the configuration and the state.
//!
//! Edges come from, in order of precedence:
//! 1. references: a body that waits for another resource's attribute, explicit `depends_on`,
//!    and a module block that references another module (through a per-module barrier node,
//!    so a module of many resources adds edges linear in its size);
//! 2. ARM containment: a resource waits for the nearest resource whose id contains its id
//!    (subnets wait for their VNet, everything waits for its resource group);
//! 3. the seed's layer order between modules (resource groups → networking → storage and
//!    Key Vault → compute → edge → monitoring), only where references do not already order
//!    two modules the other way;
//! 4. for resources only in state (to be deleted), the dependencies recorded when they were
//!    applied.

use std::collections::{BTreeMap, HashMap};

use strata_core::ModuleInfo;
use strata_core::{ArmId, Dependency, DesiredResource, ResourceAddr};
use strata_state::State;

use crate::error::EngineError;
use crate::graph::Graph;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Resource(ResourceAddr),
    /// Done when every resource of the module is.
    ModuleBarrier(String),
}

pub struct ResourceGraph {
    pub nodes: Vec<Node>,
    pub index: HashMap<ResourceAddr, usize>,
    pub graph: Graph,
}

impl ResourceGraph {
    pub fn resource(&self, node: usize) -> Option<&ResourceAddr> {
        match &self.nodes[node] {
            Node::Resource(a) => Some(a),
            Node::ModuleBarrier(_) => None,
        }
    }
}

pub fn build(
    desired: &[DesiredResource],
    modules: &[ModuleInfo],
    state: Option<&State>,
) -> Result<ResourceGraph, EngineError> {
    let mut nodes = Vec::new();
    let mut index = HashMap::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut add = |addr: &ResourceAddr, id: &ArmId, nodes: &mut Vec<Node>| {
        if let Some(&i) = index.get(addr) {
            return i;
        }
        nodes.push(Node::Resource(addr.clone()));
        let i = nodes.len() - 1;
        index.insert(addr.clone(), i);
        ids.entry(id.key()).or_insert(i);
        i
    };
    for d in desired {
        add(&d.addr, &d.id, &mut nodes);
    }
    if let Some(state) = state {
        for r in state.resources.values() {
            add(&r.addr, &r.id, &mut nodes);
        }
    }
    let mut barriers: BTreeMap<String, usize> = BTreeMap::new();
    for m in modules {
        nodes.push(Node::ModuleBarrier(m.label.clone()));
        barriers.insert(m.label.clone(), nodes.len() - 1);
    }
    let mut graph = Graph::new(nodes.len());

    // Barriers wait for their module's resources.
    for (addr, &i) in &index {
        if let Some(b) = addr.module.as_ref().and_then(|m| barriers.get(m)) {
            graph.add_edge(*b, i);
        }
    }

    // 1. references
    let desired_addrs: HashMap<&ResourceAddr, &DesiredResource> =
        desired.iter().map(|d| (&d.addr, d)).collect();
    for d in desired {
        let i = index[&d.addr];
        for dep in &d.depends_on {
            match dep {
                Dependency::Resource(a) => {
                    if let Some(&j) = index.get(a) {
                        graph.add_edge(i, j);
                    }
                }
                Dependency::Module(m) if d.addr.module.as_deref() != Some(m.as_str()) => {
                    if let Some(&b) = barriers.get(m) {
                        graph.add_edge(i, b);
                    }
                }
                Dependency::Module(_) => {}
            }
        }
        let mut attrs = Vec::new();
        d.body.deferred_attrs(&mut attrs);
        for (a, _) in attrs {
            if let Some(&j) = index.get(&a) {
                graph.add_edge(i, j);
            }
        }
    }

    // 2. containment
    for (i, node) in nodes.iter().enumerate() {
        let Node::Resource(addr) = node else { continue };
        let id = match desired_addrs.get(addr) {
            Some(d) => d.id.clone(),
            None => match state.and_then(|s| s.resources.get(addr)) {
                Some(r) => r.id.clone(),
                None => continue,
            },
        };
        let mut cur = id.parent();
        while let Some(p) = cur {
            if let Some(&j) = ids.get(&p.key()) {
                graph.add_edge(i, j);
                break;
            }
            cur = p.parent();
        }
    }

    // 4. recorded dependencies of resources that are only in state
    if let Some(state) = state {
        for r in state.resources.values() {
            if desired_addrs.contains_key(&r.addr) {
                continue;
            }
            let i = index[&r.addr];
            for dep in &r.dependencies {
                if let Some(&j) = index.get(dep) {
                    graph.add_edge(i, j);
                }
            }
        }
    }

    // Cycles from references are the user's to fix; report them before layer edges.
    if let Err(cycle) = graph.check_acyclic() {
        return Err(EngineError::Cycle(
            cycle.iter().map(|&n| node_name(&nodes[n])).collect(),
        ));
    }

    // 3. layer order between modules, where references do not already decide.
    let mut by_layer: Vec<&ModuleInfo> = modules.iter().collect();
    by_layer.sort_by_key(|m| m.layer);
    let module_members: BTreeMap<&str, Vec<usize>> = {
        let mut map: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (addr, &i) in &index {
            if let Some(m) = addr.module.as_deref() {
                map.entry(m).or_default().push(i);
            }
        }
        map
    };
    for (ai, a) in by_layer.iter().enumerate() {
        for b in &by_layer[ai + 1..] {
            if a.layer == b.layer {
                continue;
            }
            let (Some(&ba), Some(&bb)) = (barriers.get(&a.label), barriers.get(&b.label)) else {
                continue;
            };
            // b (higher layer) should follow a, unless a already waits for b or any of its
            // resources: then the edge would close a cycle.
            let members = module_members
                .get(b.label.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default();
            let reach = graph.reachable_from(ba);
            if reach[bb] || members.iter().any(|&r| reach[r]) {
                continue;
            }
            for &r in members {
                graph.add_edge(r, ba);
            }
        }
    }
    Ok(ResourceGraph { nodes, index, graph })
}

fn node_name(n: &Node) -> String {
    match n {
        Node::Resource(a) => a.to_string(),
        Node::ModuleBarrier(m) => format!("module.{m}"),
    }
}
