//! The contract between the configuration and the built-in modules.
//!
//! A [`Module`] is Rust code with typed inputs and outputs. The configuration checks that the
//! block sets every required input and nothing unknown ([`Module::inputs`]), evaluates the
//! inputs to [`Value`]s (which may hold unknowns), and calls [`Module::expand`], which validates
//! them and returns the ARM resources and the outputs. Errors name the input path so the
//! configuration can point at the right line.

use std::collections::BTreeMap;

use crate::address::ResourceAddr;
use crate::resource::{DesiredResource, Layer, SoftDelete};
use crate::value::{PathStep, Value};

/// The environment profiles, from cheapest to most redundant. An environment picks one
/// (`profile = "prod"`); modules take their defaults (SKUs, replication, zones, instance
/// counts, retention) from it wherever a block does not say.
pub const PROFILES: &[&str] = &["dev", "staging", "prod"];

/// One input of a module.
#[derive(Clone, Copy, Debug)]
pub struct InputSpec {
    pub name: &'static str,
    /// The type in the language's notation: `string`, `number`, `bool`, `list(string)`,
    /// `map(string)`, `map(object)`, `object`, `any`.
    pub ty: &'static str,
    pub required: bool,
    pub description: &'static str,
}

/// One output of a module.
#[derive(Clone, Copy, Debug)]
pub struct OutputSpec {
    pub name: &'static str,
    pub sensitive: bool,
    pub description: &'static str,
}

/// What a module knows about where it is expanded.
#[derive(Clone, Debug)]
pub struct ModuleContext<'a> {
    /// The module block's label (`network` in `module "network"`).
    pub label: &'a str,
    pub subscription_id: &'a str,
    /// The environment's default location.
    pub location: &'a str,
    /// The environment's name (`dev`).
    pub environment: &'a str,
    /// The environment's profile, one of [`PROFILES`].
    pub profile: &'a str,
    /// The environment's disaster recovery, when it declares one: modules then keep geo
    /// copies of what they store (geo-redundant storage, geo-redundant database backups).
    pub disaster_recovery: Option<&'a crate::DisasterRecovery>,
    /// Which estate of the environment this is, which one serves, and the block's peer in the
    /// other one (the default: the primary, serving, without a peer).
    pub estate: crate::Estate<'a>,
}

/// What a module produced.
#[derive(Clone, Debug, Default)]
pub struct Expansion {
    pub resources: Vec<DesiredResource>,
    pub outputs: BTreeMap<String, Value>,
    /// Set by a monitoring module that collects the stack's diagnostics: the configuration
    /// then gives every other resource that supports them a diagnostic setting sending to it.
    pub diagnostics: Option<DiagnosticsSink>,
}

/// Where a stack's automatic diagnostic settings send resource logs and metrics.
#[derive(Clone, Debug, PartialEq)]
pub struct DiagnosticsSink {
    /// The Log Analytics workspace id (known at plan time: it is computed from names).
    pub workspace_id: String,
    /// The resource that creates the workspace: every setting waits for it.
    pub workspace: ResourceAddr,
}

/// A problem with one input value.
#[derive(Clone, Debug, PartialEq)]
pub struct InputError {
    /// The path to the offending value; the first step is the input name
    /// (`subnets`, `app`, `address_prefix`).
    pub path: Vec<PathStep>,
    pub message: String,
    pub hint: Option<String>,
}

impl InputError {
    pub fn new(path: &[&str], message: impl Into<String>) -> InputError {
        InputError {
            path: path.iter().map(|s| PathStep::Key((*s).to_string())).collect(),
            message: message.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn hint(mut self, h: impl Into<String>) -> InputError {
        self.hint = Some(h.into());
        self
    }
}

/// A built-in module.
pub trait Module: Send + Sync {
    /// The `source` that selects it (`networking`).
    fn source(&self) -> &'static str;
    fn description(&self) -> &'static str;
    fn inputs(&self) -> &'static [InputSpec];
    fn outputs(&self) -> &'static [OutputSpec];
    fn layer(&self) -> Layer;
    /// Validates the inputs and produces resources and outputs. Inputs are present for every
    /// required name (the configuration checked), absent or `Null` for unset optional ones,
    /// and may be unknown: validations skip what is not known yet.
    fn expand(
        &self,
        ctx: &ModuleContext<'_>,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<Expansion, Vec<InputError>>;
}

/// Finds modules by `source`.
pub trait ModuleRegistry: Send + Sync {
    fn get(&self, source: &str) -> Option<&dyn Module>;
    fn sources(&self) -> Vec<&'static str>;

    /// The diagnostic setting, at `addr`, that sends `target`'s logs and metrics to `sink`, or
    /// `None` when the target's type has no diagnostic settings (subnets, secrets, resource
    /// groups…). The registry knows which categories each type offers; the default knows none.
    fn diagnostic_setting(
        &self,
        addr: ResourceAddr,
        target: &DesiredResource,
        sink: &DiagnosticsSink,
    ) -> Option<DesiredResource> {
        let _ = (addr, target, sink);
        None
    }

    /// How Azure soft-deletes `target` (Key Vault vaults, Log Analytics workspaces), or `None`
    /// when its type is not soft-deleted. The configuration asks this for generic `resource`
    /// blocks; built-in modules fill [`DesiredResource::soft_delete`] themselves from the same
    /// table. The default knows no types.
    fn soft_delete(&self, target: &DesiredResource) -> Option<SoftDelete> {
        let _ = target;
        None
    }
}
