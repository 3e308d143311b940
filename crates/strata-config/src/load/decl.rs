//! The declarations of a stack as written: parsed and checked for shape, not evaluated.

use std::collections::BTreeMap;

use strata_core::{AddrSelector, PathStep, ResourceAddr};

use super::schema::Attr;
use crate::source::{FileId, Place};

/// `variable "name" { … }`
#[derive(Debug, Clone)]
pub(crate) struct VariableDecl {
    pub name: String,
    pub place: Place,
    pub type_attr: Option<Attr>,
    pub default: Option<Attr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
}

/// `validation { condition = …  error_message = … }`
#[derive(Debug, Clone)]
pub(crate) struct Validation {
    pub place: Place,
    pub condition: Attr,
    pub error_message: Attr,
}

/// One entry of a `locals` block.
#[derive(Debug, Clone)]
pub(crate) struct LocalDecl {
    pub name: String,
    pub attr: Attr,
}

/// `module "label" { source = "…"  inputs… }`
#[derive(Debug, Clone)]
pub(crate) struct ModuleDecl {
    pub label: String,
    pub place: Place,
    pub source: String,
    pub source_place: Place,
    pub depends_on: Option<Attr>,
    /// `diagnostics = false` keeps the automatic diagnostic settings off its resources.
    pub diagnostics: Option<Attr>,
    /// Every other attribute: the module's inputs.
    pub inputs: BTreeMap<String, Attr>,
    /// Applies to every resource of the module, over the profile's defaults.
    pub lifecycle: Option<LifecycleDecl>,
}

/// `resource "label" { type = "…@…"  name = …  parent = … }`
#[derive(Debug, Clone)]
pub(crate) struct ResourceDecl {
    pub label: String,
    pub place: Place,
    pub type_attr: Attr,
    pub name: Attr,
    pub parent: Attr,
    pub location: Option<Attr>,
    pub tags: Option<Attr>,
    pub body: Option<Attr>,
    pub depends_on: Option<Attr>,
    /// `diagnostics = false` keeps the automatic diagnostic setting off it.
    pub diagnostics: Option<Attr>,
    pub lifecycle: Option<LifecycleDecl>,
}

impl ResourceDecl {
    /// The attributes whose values make up the resource (not `depends_on`).
    pub fn value_attrs(&self) -> impl Iterator<Item = &Attr> {
        [Some(&self.type_attr), Some(&self.name), Some(&self.parent)]
            .into_iter()
            .chain([self.location.as_ref(), self.tags.as_ref(), self.body.as_ref()])
            .flatten()
    }
}

/// `output "name" { value = …  sensitive = …  description = … }`
#[derive(Debug, Clone)]
pub(crate) struct OutputDecl {
    pub name: String,
    pub place: Place,
    pub value: Attr,
    pub sensitive: bool,
    pub description: Option<String>,
}

/// `environment "name" { … }` in `envs/<name>.hcl`; evaluated when the environment is asked for.
#[derive(Debug, Clone)]
pub(crate) struct EnvDecl {
    pub name: String,
    pub file: FileId,
    pub place: Place,
    pub attrs: BTreeMap<String, Attr>,
    /// The attributes of its `soft_delete { … }` block, if any.
    pub soft_delete: Option<BTreeMap<String, Attr>>,
    /// Its `disaster_recovery { … }` block, if any: the block's place and attributes.
    pub disaster_recovery: Option<(Place, BTreeMap<String, Attr>)>,
}

/// `lifecycle { prevent_destroy = true  ignore_changes = [tags, properties.sku] }` inside a
/// module or resource block; values are literals, as in OpenTofu.
#[derive(Debug, Clone)]
pub(crate) struct LifecycleDecl {
    pub place: Place,
    /// `None` when the block does not say (a module's profile default then stands).
    pub prevent_destroy: Option<bool>,
    pub ignore_changes: Vec<Vec<PathStep>>,
}

/// `moved { from = …  to = … }`, with both ends parsed and of the same kind.
#[derive(Debug, Clone)]
pub(crate) struct MovedDecl {
    pub place: Place,
    pub from: AddrSelector,
    pub from_place: Place,
    pub to: AddrSelector,
    pub to_place: Place,
}

/// `import { to = …  id = … }`: `to` parsed, `id` evaluated per environment.
#[derive(Debug, Clone)]
pub(crate) struct ImportDecl {
    pub place: Place,
    pub to: ResourceAddr,
    pub to_place: Place,
    pub id: Attr,
}
