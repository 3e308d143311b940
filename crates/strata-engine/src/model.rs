//! The plan: what will change, why, and in what order. Serialisable as a saved plan file.
//!
//! A [`Plan`] holds only masked values: sensitive values render as `<sensitive>` and are never
//! written to the plan file. Applying a saved plan re-evaluates the configuration (whose digest
//! must match) to get the bodies back.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use strata_core::{ArmId, Layer, ResourceAddr};

/// The saved-plan format version.
pub const PLAN_FORMAT_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    NoOp,
    Create,
    Update,
    /// Delete, then create.
    Replace,
    Delete,
}

impl Action {
    /// OpenTofu's marker: `+`, `~`, `-/+`, `-`.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }

    /// "created", "updated in-place", …
    pub fn verb(self) -> &'static str {
        match self {
            Action::NoOp => "unchanged",
            Action::Create => "created",
            Action::Update => "updated in-place",
            Action::Replace => "replaced",
            Action::Delete => "destroyed",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        })
    }
}

/// A value as the plan shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Shown {
    Absent,
    Known(Json),
    /// "(known after apply)"
    Unknown,
    /// `<sensitive>`
    Sensitive,
}

/// One property that changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PropertyChange {
    /// `properties.addressPrefix`
    pub path: String,
    pub before: Shown,
    pub after: Shown,
    /// This property cannot change in place: it is why the resource is replaced.
    pub forces_replacement: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    pub addr: ResourceAddr,
    pub id: ArmId,
    pub resource_type: String,
    pub api_version: String,
    pub layer: Layer,
    pub action: Action,
    /// Why, in words: "deleted outside strata", "`location` cannot change in place", …
    pub reasons: Vec<String>,
    /// For create: every property set; for update/replace: what differs; for delete: empty.
    pub changes: Vec<PropertyChange>,
    /// The resource changed outside strata since the last apply.
    pub drifted: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    pub before: Shown,
    pub after: Shown,
}

/// A plan for one environment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub strata_version: String,
    pub stack: String,
    pub environment: String,
    /// Digest of the configuration files the plan was made from.
    pub config_digest: String,
    /// Digest of the variable values (not the values: they may be secret).
    pub variables_digest: String,
    /// The state the plan was made from: `None` when there was none.
    pub lineage: Option<String>,
    pub serial: u64,
    pub destroy: bool,
    /// In apply order.
    pub changes: Vec<ResourceChange>,
    pub outputs: Vec<OutputChange>,
    pub created_at: String,
}

/// Counts for "Plan: X to add, Y to change, Z to destroy."
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Replace => {
                    s.add += 1;
                    s.destroy += 1;
                }
                Action::Delete => s.destroy += 1,
                Action::NoOp => {}
            }
        }
        s
    }

    /// True when applying would change any resource or output.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
            || self.outputs.iter().any(|o| o.action != Action::NoOp)
    }
}
