//! Stacks, environments, variables and the expression language of strata.
//!
//! - [`Stack`]: a folder of `*.hcl` files plus `envs/<name>.hcl`, parsed with spans
//!   ([`Stack::load`]) and checked for shape; not evaluated.
//! - [`Environment`] / [`Target`]: one `envs/<name>.hcl`, with `inherits` resolved
//!   ([`Stack::environment`]), including its profile (`dev`, `staging`, `prod`) that
//!   built-in modules take their defaults from.
//! - [`evaluate`]: a stack for one environment, with [`EvalOptions`] (the module registry and
//!   `-var` overrides), gives an [`Evaluated`]: the [`DesiredResource`]s of every module and
//!   generic `resource` block, the outputs ([`EvaluatedOutput`]) and the modules
//!   ([`ModuleInfo`]). Every problem is a [`Diagnostic`] with file, line and column. When a
//!   monitoring module collects the stack's diagnostics, every resource whose type supports
//!   them also gets a diagnostic setting sending to its workspace (`diagnostics = false` on a
//!   block opts out).
//! - Refactoring and protection: `moved { from  to }` and `import { to  id }` blocks come out
//!   as [`Evaluated::moved`] and [`Evaluated::imports`], checked against the addresses the
//!   environment produces; `lifecycle { prevent_destroy  ignore_changes }` in resource and
//!   module blocks fills [`DesiredResource::lifecycle`]; an environment's `soft_delete { … }`
//!   is [`Environment::soft_delete`]; resources of types Azure soft-deletes carry
//!   [`DesiredResource::soft_delete`] (from the registry for generic blocks).
//! - [`resolve`]: finishes "known after apply" values ([`Deferred`]) once the attributes they
//!   wait for exist.
//!
//! Inside, `load` reads files into declarations (`load::refactor` the moved, import and
//! lifecycle blocks), `types` parses type expressions, `eval` evaluates HCL expressions over
//! strata-expr's `ops` (operators, indexing, templates) and `funcs` (the function library), and
//! `evaluate` orders blocks by their references and runs them (`evaluate::refactor` checks
//! moves and imports). [`Evaluated`], [`EvaluatedOutput`] and [`ModuleInfo`] are strata-core's
//! and [`resolve`] is strata-expr's, re-exported here.
//!
//! ```
//! use std::collections::BTreeMap;
//! use strata_config::{EvalOptions, Stack, evaluate};
//! use strata_core::{Module, ModuleRegistry};
//!
//! struct NoModules;
//! impl ModuleRegistry for NoModules {
//!     fn get(&self, _source: &str) -> Option<&dyn Module> { None }
//!     fn sources(&self) -> Vec<&'static str> { Vec::new() }
//! }
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::create_dir(dir.path().join("envs"))?;
//! std::fs::write(dir.path().join("strata.hcl"), r#"
//! stack "demo" {}
//! resource "rg" {
//!   type     = "Microsoft.Resources/resourceGroups@2024-03-01"
//!   name     = "rg-demo-${env.name}"
//!   parent   = "/subscriptions/${env.subscription_id}"
//!   location = env.location
//! }
//! "#)?;
//! std::fs::write(dir.path().join("envs/dev.hcl"), r#"
//! environment "dev" {
//!   target   = "emulator"
//!   location = "westeurope"
//! }
//! "#)?;
//!
//! let stack = Stack::load(dir.path())?;
//! let env = stack.environment("dev")?;
//! let opts = EvalOptions { registry: &NoModules, var_overrides: BTreeMap::new() };
//! let evaluated = evaluate(&stack, &env, &opts)?;
//! assert_eq!(
//!     evaluated.resources[0].id.as_str(),
//!     "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-demo-dev"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`DesiredResource`]: strata_core::DesiredResource
//! [`Diagnostic`]: strata_core::Diagnostic
//! [`Deferred`]: strata_core::Deferred

mod eval;
mod evaluate;
mod load;
mod source;
mod types;

use strata_expr::{funcs, ops, similar};

pub use evaluate::{EvalOptions, evaluate};
pub use load::Stack;
pub use load::backend::{Backend, BackendKind, SECRET_SETTINGS};
pub use load::env::{EMULATOR_SUBSCRIPTION_ID, Environment, STANDBY_SUFFIX, StandbyOf, Target};
pub use strata_core::{Evaluated, EvaluatedOutput, ModuleInfo};
pub use strata_expr::resolve;
