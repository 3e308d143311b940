//! The shared vocabulary of strata.
//!
//! - [`ArmId`]: Azure resource ids, compared case-insensitively as ARM does.
//! - [`ResourceAddr`]: where a resource lives in a stack (`module.network.subnet["app"]`).
//! - [`Value`] and [`Deferred`]: configuration values, including "known after apply" values and
//!   sensitive marks.
//! - [`DesiredResource`], [`Layer`], [`Dependency`]: the engine's single model of what the
//!   configuration wants, produced by built-in modules and generic `resource` blocks alike.
//!   Which layer a type goes in, like every other per-type Azure fact (naming rules, soft
//!   delete, replace-on-change paths), is strata-azure's, not this crate's.
//! - [`Evaluated`] ([`EvaluatedOutput`], [`ModuleInfo`]): a stack evaluated for one
//!   environment, as strata-config produces it and the engine consumes it.
//! - [`Module`] / [`ModuleRegistry`]: the contract of built-in modules.
//! - [`Diagnostic`]: a problem with the input, with file, line and a hint.
//! - [`Moved`], [`Import`], [`AddrSelector`], [`SoftDeleteChoice`] ([`refactor`]): moving and
//!   adopting resources without touching Azure, and what happens to soft-deleted namesakes.
//! - [`Lifecycle`], [`SoftDelete`]: per-resource `prevent_destroy` / `ignore_changes`, and how a
//!   type's soft delete is recovered or purged.
//! - [`DisasterRecovery`], [`DrStrategy`] ([`recovery`]): an environment's secondary region,
//!   strategy and recovery targets.
//! - [`Secret`]: keys and tokens that cannot be printed.
//!
//! This crate depends on nothing of ours; every other crate depends on it.

pub mod address;
pub mod arm_id;
pub mod diag;
pub mod evaluated;
pub mod module;
pub mod recovery;
pub mod refactor;
pub mod resource;
pub mod secret;
pub mod value;

pub use address::ResourceAddr;
pub use arm_id::{ArmId, ArmIdError};
pub use diag::{Diagnostic, Diagnostics, Severity, SourceLoc};
pub use evaluated::{Evaluated, EvaluatedOutput, ModuleInfo};
pub use module::{Expansion, InputError, InputSpec, Module, ModuleContext, ModuleRegistry, OutputSpec};
pub use recovery::{DisasterRecovery, DrStrategy, Estate, EstateRole, Peer};
pub use refactor::{AddrSelector, Import, Moved, OnCreate, OnDestroy, SoftDeleteChoice};
pub use resource::{
    Dependency, DesiredResource, Layer, Lifecycle, Purge, ReadAction, Recover, SoftDelete, id_for,
};
pub use secret::Secret;
pub use value::{Deferred, PathStep, Value, parse_path, path_to_string};
