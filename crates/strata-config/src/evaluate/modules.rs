//! Module blocks: checking inputs against the module's spec, evaluating them, and expanding
//! the module into resources and outputs.

use std::collections::BTreeMap;

use strata_core::{InputError, ModuleContext, PathStep, Value};

use super::locate::locate;
use super::{Cx, ModuleInfo, NodeResult, fallback_loc};
use crate::similar;
use crate::types;

impl Cx<'_> {
    /// Checks that module block `j` sets every required input and nothing unknown.
    pub(super) fn check_inputs(&mut self, j: usize) -> bool {
        let stack = self.stack;
        let decl = &stack.modules[j];
        let Some(Some(imp)) = self.module_impls.get(j).copied() else {
            return false;
        };
        let specs = imp.inputs();
        let mut ok = true;
        for (name, attr) in &decl.inputs {
            if specs.iter().any(|s| s.name == name) {
                continue;
            }
            let mut names: Vec<&str> = specs.iter().map(|s| s.name).collect();
            names.push("depends_on");
            names.push("diagnostics");
            let hint = similar::hint(name, "its inputs", names.iter().copied());
            let d = self.error(
                format!(
                    "module \"{}\" ({}) has no input `{name}`",
                    decl.label,
                    imp.source()
                ),
                &attr.place,
            );
            d.hint = Some(hint);
            ok = false;
        }
        for spec in specs.iter().filter(|s| s.required) {
            if decl.inputs.contains_key(spec.name) {
                continue;
            }
            let d = self.error(
                format!(
                    "module \"{}\" ({}) is missing the required input `{}`",
                    decl.label,
                    imp.source(),
                    spec.name
                ),
                &decl.place,
            );
            d.detail = Some(format!("{}: {} ({})", spec.name, spec.description, spec.ty));
            d.hint = Some(format!("add `{} = …` to the module block", spec.name));
            ok = false;
        }
        ok
    }

    /// Evaluates module block `j` (node `i`) and expands it.
    pub(super) fn run_module(&mut self, i: usize, j: usize) -> bool {
        let stack = self.stack;
        let decl = &stack.modules[j];
        let Some(Some(imp)) = self.module_impls.get(j).copied() else {
            return false;
        };
        let context = format!("in module \"{}\"", decl.label);
        let mut inputs = BTreeMap::new();
        let mut ok = true;
        for (name, attr) in &decl.inputs {
            let Some(value) = self.eval_attr(attr, &context) else {
                ok = false;
                continue;
            };
            // Convert by the declared type, so "3" works for a number; a type the module
            // spells in a way this parser does not know is left to the module to check.
            let spec = imp.inputs().iter().find(|s| s.name == name);
            let value = match spec.map(|s| types::parse_type_str(s.ty)) {
                Some(Ok(ty)) => match types::convert(&value, &ty) {
                    Ok(v) => v,
                    Err(e) => {
                        let place = locate(attr, &e.path);
                        let mut path = vec![PathStep::Key(name.clone())];
                        path.extend(e.path.iter().cloned());
                        let d = self.error(
                            format!(
                                "invalid value for input `{}` of module \"{}\": {}",
                                strata_core::path_to_string(&path),
                                decl.label,
                                e.message
                            ),
                            &place,
                        );
                        d.hint = Some(format!("`{name}` is a {ty}"));
                        ok = false;
                        continue;
                    }
                },
                _ => value,
            };
            inputs.insert(name.clone(), value);
        }
        if !ok {
            return false;
        }
        let ctx = ModuleContext {
            label: &decl.label,
            subscription_id: &self.env.subscription_id,
            location: &self.env.location,
            environment: &self.env.name,
            profile: &self.env.profile,
            disaster_recovery: self.env.disaster_recovery.as_ref(),
            estate: strata_core::Estate {
                role: self.env.role(),
                serving: self.env.serving,
                peer: self.peer.and_then(|p| p.block(&decl.label)),
                restore_point: self.env.restore_point.as_deref(),
                failed_over: self.env.failed_over,
            },
        };
        let mut expansion = match imp.expand(&ctx, &inputs) {
            Ok(e) => e,
            Err(errors) => {
                for e in errors {
                    self.input_error(j, &e);
                }
                return false;
            }
        };
        if let Some(sink) = expansion.diagnostics.take() {
            self.sinks.push((j, sink));
        }
        let sensitive_outputs: Vec<&str> = imp
            .outputs()
            .iter()
            .filter(|o| o.sensitive)
            .map(|o| o.name)
            .collect();
        let recorded_inputs = inputs.clone();
        let outputs: BTreeMap<String, Value> = expansion
            .outputs
            .into_iter()
            .map(|(k, v)| {
                let v = if sensitive_outputs.contains(&k.as_str()) {
                    v.sensitive()
                } else {
                    v
                };
                (k, v)
            })
            .collect();
        self.blocks.record(
            &decl.label,
            recorded_inputs,
            &expansion.resources,
            outputs.clone(),
        );
        self.scope
            .modules
            .insert(decl.label.clone(), Value::Object(outputs));

        let loc = self.loc(&decl.place);
        let deps = self.dependencies(i, Some(&decl.label));
        let mut resources = expansion.resources;
        for r in &mut resources {
            self.apply_lifecycle(r, decl.lifecycle.as_ref(), loc.as_ref());
            r.loc.clone_from(&loc);
            for d in &deps {
                if !r.depends_on.contains(d) {
                    r.depends_on.push(d.clone());
                }
            }
        }
        let info = ModuleInfo {
            label: decl.label.clone(),
            source: decl.source.clone(),
            layer: imp.layer(),
            loc: loc.unwrap_or_else(|| fallback_loc(&stack.sources, decl.place.file)),
            depends_on_modules: self.nodes[i]
                .modules
                .iter()
                .filter(|m| **m != decl.label)
                .cloned()
                .collect(),
        };
        self.results.insert(i, NodeResult::Module(info, resources));
        true
    }

    /// Reports a module's complaint about an input at the line that set it.
    fn input_error(&mut self, j: usize, e: &InputError) {
        let stack = self.stack;
        let decl = &stack.modules[j];
        let attr = match e.path.first() {
            Some(PathStep::Key(input)) => decl.inputs.get(input),
            _ => None,
        };
        let place = match attr {
            Some(attr) => locate(attr, &e.path[1..]),
            None => decl.place.clone(),
        };
        let d = self.error(e.message.clone(), &place);
        d.detail = Some(if e.path.is_empty() {
            format!("in module \"{}\" ({})", decl.label, decl.source)
        } else {
            format!(
                "in input `{}` of module \"{}\" ({})",
                strata_core::path_to_string(&e.path),
                decl.label,
                decl.source
            )
        });
        d.hint.clone_from(&e.hint);
    }
}
