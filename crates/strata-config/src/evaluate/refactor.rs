//! `lifecycle`, `moved` and `import` blocks for one environment: lifecycle settings laid over
//! a block's resources, and moves and imports checked against the addresses this environment
//! produces.
//!
//! A move's `to` must name something the configuration has and its `from` something it no
//! longer has; an import's `to` must be an address the configuration produces, and its `id`,
//! known at plan time, an ARM id of the same type.

use std::collections::BTreeSet;

use strata_core::{AddrSelector, ArmId, DesiredResource, Import, Moved, ResourceAddr, SourceLoc, Value};

use super::Cx;
use crate::load::decl::LifecycleDecl;
use crate::similar;

/// What a moved or import check needs to know of a produced resource.
pub(super) struct Produced {
    pub addr: ResourceAddr,
    pub id: ArmId,
}

impl Cx<'_> {
    /// Lays a block's `lifecycle` over `r`. `call` is the module block that set the defaults
    /// `r` came with: a defaulted `prevent_destroy` points there.
    pub(super) fn apply_lifecycle(
        &self,
        r: &mut DesiredResource,
        decl: Option<&LifecycleDecl>,
        call: Option<&SourceLoc>,
    ) {
        let block = decl.and_then(|d| self.loc(&d.place));
        let set_here = decl.and_then(|d| d.prevent_destroy);
        if let Some(p) = set_here {
            r.lifecycle.prevent_destroy = p;
        }
        if let Some(d) = decl {
            for path in &d.ignore_changes {
                if !r.lifecycle.ignore_changes.contains(path) {
                    r.lifecycle.ignore_changes.push(path.clone());
                }
            }
        }
        r.lifecycle.loc = if set_here.is_none() && r.lifecycle.prevent_destroy {
            r.lifecycle.loc.clone().or_else(|| call.cloned())
        } else {
            block.or_else(|| r.lifecycle.loc.clone())
        };
    }

    /// The moved blocks whose `to` exists in this environment and whose `from` does not.
    pub(super) fn check_moved(&mut self, produced: &[Produced]) -> Vec<Moved> {
        let stack = self.stack;
        let mut out = Vec::new();
        for m in &stack.moved {
            let loc = self.loc(&m.place);
            let mut ok = true;
            if self.exists(&m.from, produced) {
                let d = self.error(
                    format!(
                        "`{}` still exists in the configuration, so it cannot be moved",
                        m.from
                    ),
                    &m.from_place,
                );
                d.detail = Some(format!("this moved block moves it to `{}`", m.to));
                d.hint = Some(format!(
                    "a moved block records that `{}` was renamed: rename or remove its block, or remove this moved block",
                    m.from
                ));
                ok = false;
            }
            if !self.exists(&m.to, produced) {
                let candidates = self.candidates(&m.to, produced);
                let hint = similar::hint(
                    &m.to.to_string(),
                    "addresses of that kind here",
                    candidates.iter().map(String::as_str),
                );
                let d = self.error(format!("`{}` is not in the configuration", m.to), &m.to_place);
                d.detail = Some(format!("this moved block moves `{}` there", m.from));
                d.hint = Some(hint);
                ok = false;
            }
            if !ok {
                continue;
            }
            out.push(Moved {
                from: m.from.clone(),
                to: m.to.clone(),
                loc,
            });
        }
        out
    }

    /// The import blocks, with their ids evaluated and checked against the resource at `to`.
    pub(super) fn check_imports(&mut self, produced: &[Produced]) -> Vec<Import> {
        let stack = self.stack;
        let mut out: Vec<Import> = Vec::new();
        for imp in &stack.imports {
            let Some(target) = produced.iter().find(|p| p.addr == imp.to) else {
                let candidates = self.candidates(&AddrSelector::Instance(imp.to.clone()), produced);
                let hint = similar::hint(
                    &imp.to.to_string(),
                    "addresses of that block",
                    candidates.iter().map(String::as_str),
                );
                let d = self.error(
                    format!("`{}` is not an address the configuration produces", imp.to),
                    &imp.to_place,
                );
                d.hint = Some(hint);
                continue;
            };
            let context = format!("in the import block for `{}`", imp.to);
            let Some(value) = self.eval_attr(&imp.id, &context) else {
                continue;
            };
            let text = match value.unmarked() {
                Value::String(s) => s.clone(),
                Value::Unknown(_) => {
                    let d = self.error(
                        format!("{context}: `id` must be known at plan time"),
                        &imp.id.value_place(),
                    );
                    d.hint = Some(
                        "build it from variables, locals, env and module ids, not from values known only after apply"
                            .into(),
                    );
                    continue;
                }
                other => {
                    let msg = format!("{context}: `id` must be a string, not a {}", other.type_name());
                    self.error(msg, &imp.id.value_place());
                    continue;
                }
            };
            let id = match ArmId::parse(&text) {
                Ok(id) => id,
                Err(e) => {
                    let d = self.error(format!("{context}: {e}"), &imp.id.value_place());
                    d.hint = Some(format!(
                        "give the resource's full id, like {}; `az resource show --query id` prints it",
                        target.id
                    ));
                    continue;
                }
            };
            if let Some(first) = out.iter().find(|i| i.id.eq_ignore_case(&id)) {
                let d = self.error(
                    format!("{context}: `{id}` is already imported to `{}`", first.to),
                    &imp.id.value_place(),
                );
                d.hint =
                    Some("one Azure resource belongs at one address: remove one of the import blocks".into());
                continue;
            }
            let (have, want) = (id.resource_type(), target.id.resource_type());
            if !have.eq_ignore_ascii_case(&want) {
                let d = self.error(
                    format!("{context}: `id` is a {have}, but `{}` is a {want}", imp.to),
                    &imp.id.value_place(),
                );
                d.hint = Some(format!(
                    "import a {want} there, or point `to` at the resource of type {have}"
                ));
                continue;
            }
            if !id.eq_ignore_case(&target.id) {
                let d = strata_core::Diagnostic::warning(format!(
                    "{context}: `id` is not the id the configuration gives `{}`",
                    imp.to
                ))
                .at(self.loc(&imp.id.value_place()))
                .detail(format!("the configuration computes {}", target.id))
                .hint("after the import, the plan replaces the imported resource with the configured one; import the resource the configuration names, or change its name in the configuration");
                self.diags.push(d);
            }
            out.push(Import {
                to: imp.to.clone(),
                id,
                loc: self.loc(&imp.place),
            });
        }
        out
    }

    /// Whether the configuration has what `sel` names in this environment.
    fn exists(&self, sel: &AddrSelector, produced: &[Produced]) -> bool {
        match sel {
            AddrSelector::Module(m) => self.stack.modules.iter().any(|d| &d.label == m),
            // A generic block, or the diagnostic settings of generic blocks.
            AddrSelector::Resource { module: None, name } => {
                self.stack.resources.iter().any(|d| &d.label == name)
                    || produced.iter().any(|p| sel.matches(&p.addr))
            }
            _ => produced.iter().any(|p| sel.matches(&p.addr)),
        }
    }

    /// Addresses of the same kind as `sel`, under the same module, for hints.
    fn candidates(&self, sel: &AddrSelector, produced: &[Produced]) -> Vec<String> {
        let set: BTreeSet<String> = match sel {
            AddrSelector::Module(_) => self
                .stack
                .modules
                .iter()
                .map(|m| format!("module.{}", m.label))
                .collect(),
            AddrSelector::Resource { module, .. } => produced
                .iter()
                .filter(|p| &p.addr.module == module)
                .map(|p| {
                    AddrSelector::Resource {
                        module: p.addr.module.clone(),
                        name: p.addr.name.clone(),
                    }
                    .to_string()
                })
                .collect(),
            AddrSelector::Instance(a) => produced
                .iter()
                .filter(|p| p.addr.module == a.module)
                .map(|p| p.addr.to_string())
                .collect(),
        };
        set.into_iter().collect()
    }
}
