//! Stacks, environments, variables and the expression language of strata.
//!
//! - [`Stack`]: a folder of `*.hcl` files plus `envs/<name>.hcl`, parsed with spans
//!   ([`Stack::load`]) and checked for shape; not evaluated.
//! - [`Environment`] / [`Target`]: one `envs/<name>.hcl`, with `inherits` resolved
//!   ([`Stack::environment`]).
//! - [`evaluate`]: a stack for one environment, with [`EvalOptions`] (the module registry and
//!   `-var` overrides), gives an [`Evaluated`]: the [`DesiredResource`]s of every module and
//!   generic `resource` block, the outputs ([`EvaluatedOutput`]) and the modules
//!   ([`ModuleInfo`]). Every problem is a [`Diagnostic`] with file, line and column.
//! - [`resolve`]: finishes "known after apply" values ([`Deferred`]) once the attributes they
//!   wait for exist.
//!
//! Inside, `load` reads files into declarations, `types` holds type constraints, `eval`
//! evaluates expressions over `ops` (operators, indexing, templates) and `funcs` (the
//! function library), and `evaluate` orders blocks by their references and runs them.
//!
//! [`DesiredResource`]: strata_core::DesiredResource
//! [`Diagnostic`]: strata_core::Diagnostic
//! [`Deferred`]: strata_core::Deferred

mod eval;
mod evaluate;
mod funcs;
mod load;
mod ops;
mod resolve;
mod similar;
mod source;
mod types;

pub use evaluate::{EvalOptions, Evaluated, EvaluatedOutput, ModuleInfo, evaluate};
pub use load::Stack;
pub use load::env::{EMULATOR_SUBSCRIPTION_ID, Environment, Target};
pub use resolve::resolve;
