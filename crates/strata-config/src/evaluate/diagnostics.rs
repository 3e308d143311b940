//! Automatic diagnostic settings: once a monitoring module collects the stack's diagnostics,
//! every resource of the stack whose type supports it gets a diagnostic setting sending its
//! logs and metrics to that module's workspace.
//!
//! A setting belongs to the block of the resource it watches (`module.storage.diagnostics
//! ["account"]`, `resource.diagnostics["hub"]` for a generic resource) and waits for that
//! resource and for the workspace. A block opts out with `diagnostics = false`. The blocks
//! the monitoring module itself depends on cannot be wired (their settings would wait for a
//! workspace that waits for them), so they are left out with a warning.

use std::collections::BTreeSet;

use strata_core::module::DiagnosticsSink;
use strata_core::{Diagnostic, ResourceAddr, Value};

use super::{Cx, Node, NodeResult};
use crate::load::schema::Attr;

/// The name of the setting resources a block's settings are kept under.
const SETTING: &str = "diagnostics";

impl Cx<'_> {
    /// Adds the diagnostic settings to the evaluated blocks (see the module docs).
    pub(super) fn wire_diagnostics(&mut self) {
        let Some((sink_module, sink)) = self.sinks.first().cloned() else {
            return;
        };
        let stack = self.stack;
        for (j, _) in self.sinks.iter().skip(1) {
            let first = &stack.modules[sink_module].label;
            let d = Diagnostic::error(format!(
                "modules \"{first}\" and \"{}\" both collect the stack's diagnostics",
                stack.modules[*j].label
            ))
            .at(self.loc(&stack.modules[*j].place))
            .hint("a stack sends its diagnostics to one workspace: set `collect_diagnostics = false` on one of them");
            self.diags.push(d);
        }
        if self.sinks.len() > 1 {
            return;
        }
        let (upstream_modules, upstream_resources) = self.upstream_of(self.module_node(sink_module));
        let generic_clash = stack.resources.iter().any(|r| r.label == SETTING);

        let keys: Vec<usize> = self.results.keys().copied().collect();
        for i in keys {
            match self.nodes.get(i).map(|n| n.node) {
                Some(Node::Module(j)) => {
                    let decl = &stack.modules[j];
                    if !self.wanted(decl.diagnostics.as_ref(), &format!("module \"{}\"", decl.label)) {
                        continue;
                    }
                    let upstream = upstream_modules.contains(&decl.label);
                    self.wire_node(i, &sink, upstream, &decl.label, |r| {
                        let key = match &r.addr.key {
                            Some(k) => format!("{}.{k}", r.addr.name),
                            None => r.addr.name.clone(),
                        };
                        ResourceAddr::module(&decl.label, SETTING, Some(&key))
                    });
                }
                Some(Node::Resource(j)) => {
                    let decl = &stack.resources[j];
                    if generic_clash
                        || !self.wanted(decl.diagnostics.as_ref(), &format!("resource \"{}\"", decl.label))
                    {
                        continue;
                    }
                    let upstream = upstream_resources.contains(&decl.label);
                    self.wire_node(i, &sink, upstream, &decl.label, |_| ResourceAddr {
                        module: None,
                        name: SETTING.to_string(),
                        key: Some(decl.label.clone()),
                    });
                }
                _ => {}
            }
        }
    }

    fn module_node(&self, j: usize) -> usize {
        self.stack.locals.len() + j
    }

    /// Whether a block wants settings: its `diagnostics` attribute, true when absent.
    fn wanted(&mut self, attr: Option<&Attr>, block: &str) -> bool {
        let Some(attr) = attr else {
            return true;
        };
        let context = format!("in {block}");
        match self.eval_attr(attr, &context) {
            Some(v) => match v.unmarked() {
                Value::Bool(b) => *b,
                other => {
                    let d = self.error(
                        format!(
                            "{context}: `diagnostics` must be true or false, not {}",
                            other.type_name()
                        ),
                        &attr.value_place(),
                    );
                    d.hint =
                        Some("write `diagnostics = false` to keep diagnostic settings off this block".into());
                    false
                }
            },
            None => false,
        }
    }

    /// Adds settings for the resources of node `i`, named by `addr_of`.
    fn wire_node(
        &mut self,
        i: usize,
        sink: &DiagnosticsSink,
        upstream: bool,
        label: &str,
        addr_of: impl Fn(&strata_core::DesiredResource) -> ResourceAddr,
    ) {
        let registry = self.registry;
        let settings: Vec<strata_core::DesiredResource> = match self.results.get(&i) {
            Some(NodeResult::Module(_, resources)) => resources
                .iter()
                .filter_map(|r| registry.diagnostic_setting(addr_of(r), r, sink))
                .collect(),
            Some(NodeResult::Resource(r)) => registry
                .diagnostic_setting(addr_of(r), r, sink)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        };
        if settings.is_empty() {
            return;
        }
        if upstream {
            let place = self.node_place(i);
            let d = Diagnostic::warning(format!(
                "{} gets no diagnostic settings: the monitoring module depends on it",
                self.node_name(i)
            ))
            .at(self.loc(&place))
            .detail(format!(
                "its settings would wait for the workspace, which waits for {label}"
            ))
            .hint("have the monitoring module depend only on the resource group, or set `diagnostics = false` here");
            self.diags.push(d);
            return;
        }
        match self.results.get_mut(&i) {
            Some(NodeResult::Module(_, resources)) => resources.extend(settings),
            Some(NodeResult::Resource(_)) => {
                // A generic block produces one resource; its setting is a result of its own,
                // right after it.
                if let Some(s) = settings.into_iter().next() {
                    self.extra.push((i, s));
                }
            }
            _ => {}
        }
    }

    /// The module labels and generic resource labels node `i` depends on, transitively.
    fn upstream_of(&self, i: usize) -> (BTreeSet<String>, BTreeSet<String>) {
        let stack = self.stack;
        let mut modules = BTreeSet::new();
        let mut resources = BTreeSet::new();
        let mut todo = vec![i];
        let mut seen = BTreeSet::new();
        while let Some(n) = todo.pop() {
            if !seen.insert(n) {
                continue;
            }
            let Some(info) = self.nodes.get(n) else { continue };
            for m in &info.modules {
                if let Some(j) = stack.modules.iter().position(|d| &d.label == m) {
                    todo.push(self.module_node(j));
                }
                modules.insert(m.clone());
            }
            for r in &info.resources {
                if let Some(j) = stack.resources.iter().position(|d| &d.label == r) {
                    todo.push(stack.locals.len() + stack.modules.len() + j);
                }
                resources.insert(r.clone());
            }
        }
        (modules, resources)
    }
}
