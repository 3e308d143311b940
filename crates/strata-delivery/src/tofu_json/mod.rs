//! OpenTofu's plan JSON (`tofu show -json PLANFILE`), as typed structs.
//!
//! The same types serve both directions: [`to_tofu_json`] writes a strata [`Plan`] in this shape
//! for existing consumers (policy engines, diff viewers, cost tools), and the tests parse
//! OpenTofu's own sample plans with them and hold both to the rules in [`TofuPlan::validate`].
//!
//! Fields strata has no equivalent for (`configuration`, `prior_state`, `checks`, …) are kept
//! as raw JSON when parsing and left out when writing.

mod convert;
mod shape;
mod timestamp;
mod tree;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

pub use convert::{PROVIDER_NAME, to_tofu_json, to_tofu_plan};
pub use shape::ShapeError;

#[cfg(doc)]
use strata_engine::Plan;

/// The plan format version strata writes: the one OpenTofu 1.6 and later write.
pub const FORMAT_VERSION: &str = "1.2";

/// A whole plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TofuPlan {
    pub format_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terraform_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_values: Option<TofuValues>,
    /// Changes made outside the tool since the last apply.
    #[serde(default)]
    pub resource_drift: Vec<TofuResourceChange>,
    #[serde(default)]
    pub resource_changes: Vec<TofuResourceChange>,
    #[serde(default)]
    pub output_changes: BTreeMap<String, TofuChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_state: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_attributes: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<Json>,
    /// RFC 3339, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub errored: bool,
}

/// `planned_values`: what the estate looks like after apply, as far as known at plan time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TofuValues {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, TofuOutput>,
    #[serde(default)]
    pub root_module: TofuModule,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TofuModule {
    /// `module.network`; absent for the root module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<TofuResource>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub child_modules: Vec<TofuModule>,
}

/// One resource instance in `planned_values`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TofuResource {
    pub address: String,
    pub mode: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Json>,
    pub provider_name: String,
    #[serde(default)]
    pub schema_version: u64,
    #[serde(default)]
    pub values: Json,
    #[serde(default)]
    pub sensitive_values: Json,
}

/// One output in `planned_values`. `value` is absent when unknown or sensitive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TofuOutput {
    pub sensitive: bool,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub value_type: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Json>,
}

/// One entry of `resource_changes` or `resource_drift`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TofuResourceChange {
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_address: Option<String>,
    pub mode: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    /// The instance key: a number for `count`, a string for `for_each` (and strata's keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Json>,
    pub provider_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
    pub change: TofuChange,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_reason: Option<String>,
}

/// The change itself. `*_unknown` and `*_sensitive` mirror the shape of the value next to
/// them, with `true` at the leaves that are unknown or sensitive (or a plain bool for the
/// whole value).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TofuChange {
    pub actions: Vec<TofuAction>,
    #[serde(default)]
    pub before: Json,
    #[serde(default)]
    pub after: Json,
    #[serde(default)]
    pub after_unknown: Json,
    #[serde(default)]
    pub before_sensitive: Json,
    #[serde(default)]
    pub after_sensitive: Json,
    /// Paths (lists of keys and indexes) whose change forces the replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_paths: Option<Vec<Vec<Json>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importing: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_config: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_identity: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_identity: Option<Json>,
}

/// OpenTofu's action words. A replace is two of them: `["delete","create"]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TofuAction {
    NoOp,
    Create,
    Read,
    Update,
    Delete,
    /// OpenTofu only: drop from state without destroying.
    Forget,
}

impl TofuChange {
    /// OpenTofu's advice to consumers: any list containing `delete` is destructive.
    pub fn is_destructive(&self) -> bool {
        self.actions.contains(&TofuAction::Delete)
    }
}

impl TofuPlan {
    /// Parses plan JSON text (OpenTofu's or ours).
    pub fn from_json(text: &str) -> Result<TofuPlan, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Every structural problem: required keys with sensible values, action lists from the
    /// allowed set, and `after_unknown` / `*_sensitive` shaped like the values they describe.
    /// Empty when the plan is well formed.
    pub fn validate(&self) -> Vec<ShapeError> {
        shape::validate(self)
    }

    /// Paths marked sensitive whose value is not `null`. OpenTofu writes sensitive values in
    /// clear next to the marks; strata never does, so for our plans this must be empty.
    pub fn unmasked_sensitive_paths(&self) -> Vec<String> {
        shape::unmasked_sensitive_paths(self)
    }
}
