//! Linking blocks: every reference is checked (so unknown names are reported all at once,
//! with their locations) and becomes an edge of the dependency graph.

use std::collections::{BTreeMap, BTreeSet};

use super::refs::{self, Reference};
use super::scope::ENV_FIELDS;
use super::{Cx, Node, NodeInfo};
use crate::load::schema::Attr;
use crate::similar;
use crate::source::Place;

impl Cx<'_> {
    /// Creates the nodes, checks every reference, and links nodes to what they use.
    pub(super) fn build_graph(&mut self) {
        let stack = self.stack;
        let mut nodes: Vec<Node> = Vec::new();
        nodes.extend((0..stack.locals.len()).map(Node::Local));
        nodes.extend((0..stack.modules.len()).map(Node::Module));
        nodes.extend((0..stack.resources.len()).map(Node::Resource));
        nodes.extend((0..stack.outputs.len()).map(Node::Output));
        let base_module = stack.locals.len();
        let base_resource = base_module + stack.modules.len();
        let local_index: BTreeMap<&str, usize> = stack
            .locals
            .iter()
            .enumerate()
            .map(|(i, l)| (l.name.as_str(), i))
            .collect();
        let module_index: BTreeMap<&str, usize> = stack
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| (m.label.as_str(), base_module + i))
            .collect();
        let resource_index: BTreeMap<&str, usize> = stack
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.label.as_str(), base_resource + i))
            .collect();
        let var_names: BTreeSet<&str> = stack.variables.iter().map(|v| v.name.as_str()).collect();

        for node in nodes {
            let mut info = NodeInfo {
                node,
                deps: Vec::new(),
                vars: BTreeSet::new(),
                modules: BTreeSet::new(),
                resources: BTreeSet::new(),
                failed: false,
            };
            let (attrs, depends_on): (Vec<&Attr>, Option<&Attr>) = match node {
                Node::Local(i) => (vec![&stack.locals[i].attr], None),
                Node::Module(i) => {
                    let m = &stack.modules[i];
                    info.failed = self.module_impls.get(i).copied().flatten().is_none();
                    if !info.failed && !self.check_inputs(i) {
                        info.failed = true;
                    }
                    (m.inputs.values().collect(), m.depends_on.as_ref())
                }
                Node::Resource(i) => {
                    let r = &stack.resources[i];
                    (r.value_attrs().collect(), r.depends_on.as_ref())
                }
                Node::Output(i) => (vec![&stack.outputs[i].value], None),
            };
            for attr in attrs {
                let mut found = Vec::new();
                refs::collect(&attr.expr, &mut found);
                for r in found {
                    let place = attr.place.with_span(r.span.clone());
                    let ok = match r.root {
                        "var" => {
                            info.vars.insert(r.name.clone());
                            var_names.contains(r.name.as_str()) || self.unknown_ref(&r, &place)
                        }
                        "env" => ENV_FIELDS.contains(&r.name.as_str()) || self.unknown_ref(&r, &place),
                        "local" => match local_index.get(r.name.as_str()) {
                            Some(&j) => {
                                info.deps.push(j);
                                true
                            }
                            None => self.unknown_ref(&r, &place),
                        },
                        "module" => match module_index.get(r.name.as_str()) {
                            Some(&j) => {
                                info.deps.push(j);
                                info.modules.insert(r.name.clone());
                                self.check_module_output(j - base_module, &r, &place)
                            }
                            None => self.unknown_ref(&r, &place),
                        },
                        _ => match resource_index.get(r.name.as_str()) {
                            Some(&j) => {
                                info.deps.push(j);
                                info.resources.insert(r.name.clone());
                                true
                            }
                            None => self.unknown_ref(&r, &place),
                        },
                    };
                    info.failed |= !ok;
                }
            }
            if let Some(attr) = depends_on {
                info.failed |= !self.depends_on(attr, &module_index, &resource_index, &mut info);
            }
            info.deps.sort_unstable();
            info.deps.dedup();
            self.nodes.push(info);
        }
    }

    /// Reports a reference to something that does not exist; always false.
    fn unknown_ref(&mut self, r: &Reference, place: &Place) -> bool {
        let stack = self.stack;
        let (what, names): (&str, Vec<&str>) = match r.root {
            "var" => (
                "variable",
                stack.variables.iter().map(|v| v.name.as_str()).collect(),
            ),
            "local" => (
                "local value",
                stack.locals.iter().map(|l| l.name.as_str()).collect(),
            ),
            "env" => ("env field", ENV_FIELDS.to_vec()),
            "module" => ("module", stack.modules.iter().map(|m| m.label.as_str()).collect()),
            _ => (
                "resource",
                stack.resources.iter().map(|r| r.label.as_str()).collect(),
            ),
        };
        let plural = match what {
            "env field" => "env fields".to_string(),
            "local value" => "local values".to_string(),
            w => format!("{w}s"),
        };
        let mut hint = similar::hint(&r.name, &plural, names.iter().copied());
        if r.root == "var" && similar::similar(&r.name, names.iter().copied()).is_empty() {
            hint = format!("declare it with variable \"{}\" {{ … }}; {hint}", r.name);
        }
        let d = self.error(format!("unknown {what} `{}.{}`", r.root, r.name), place);
        d.hint = Some(hint);
        false
    }

    /// Checks `module.X.output` against the module's declared outputs.
    fn check_module_output(&mut self, module: usize, r: &Reference, place: &Place) -> bool {
        let (Some(attr), Some(Some(imp))) = (&r.attr, self.module_impls.get(module)) else {
            return true;
        };
        let outputs: Vec<&str> = imp.outputs().iter().map(|o| o.name).collect();
        if outputs.contains(&attr.as_str()) {
            return true;
        }
        let hint = similar::hint(attr, "its outputs", outputs.iter().copied());
        let d = self.error(
            format!("module `{}` ({}) has no output `{attr}`", r.name, imp.source()),
            place,
        );
        d.hint = Some(hint);
        false
    }

    /// Reads `depends_on = [module.x, resource.y]`.
    fn depends_on(
        &mut self,
        attr: &Attr,
        modules: &BTreeMap<&str, usize>,
        resources: &BTreeMap<&str, usize>,
        info: &mut NodeInfo,
    ) -> bool {
        use hcl_edit::Span;
        use hcl_edit::expr::{Expression, TraversalOperator};
        const HINT: &str = "write depends_on = [module.network, resource.watcher]";
        let Expression::Array(items) = &attr.expr else {
            let d = self.error(
                "`depends_on` must be a list of module and resource references",
                &attr.value_place(),
            );
            d.hint = Some(HINT.into());
            return false;
        };
        let mut ok = true;
        for item in items.iter() {
            let place = attr.place.with_span(item.span());
            let target = match item {
                Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
                    (Expression::Variable(root), [op]) => match op.value() {
                        TraversalOperator::GetAttr(name) => {
                            Some((root.as_str().to_string(), name.as_str().to_string()))
                        }
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            };
            let Some((root, name)) = target else {
                let d = self.error(
                    "each `depends_on` entry must be a whole module or resource, like module.network",
                    &place,
                );
                d.hint = Some(HINT.into());
                ok = false;
                continue;
            };
            let r = Reference {
                root: if root == "module" { "module" } else { "resource" },
                name: name.clone(),
                attr: None,
                span: item.span(),
            };
            match root.as_str() {
                "module" => match modules.get(name.as_str()) {
                    Some(&j) => {
                        info.deps.push(j);
                        info.modules.insert(name);
                    }
                    None => ok &= self.unknown_ref(&r, &place),
                },
                "resource" => match resources.get(name.as_str()) {
                    Some(&j) => {
                        info.deps.push(j);
                        info.resources.insert(name);
                    }
                    None => ok &= self.unknown_ref(&r, &place),
                },
                _ => {
                    let d = self.error(
                        format!("`depends_on` can name modules and resources, not `{root}.{name}`"),
                        &place,
                    );
                    d.hint = Some(HINT.into());
                    ok = false;
                }
            }
        }
        ok
    }
}
