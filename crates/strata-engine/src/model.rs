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

/// A property changed outside strata: what strata last recorded, and what Azure holds now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftedProperty {
    pub path: String,
    pub recorded: Shown,
    pub live: Shown,
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
    /// The properties the configuration sets that Azure no longer holds as strata last
    /// recorded them: changed outside strata.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<DriftedProperty>,
    /// The address this resource had in state before this run (a `moved` block, or the same
    /// ARM id found under an address that left the configuration): state is re-keyed, Azure is
    /// not touched for the move itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<ResourceAddr>,
    /// Adopted into state by this run (an `import` block or `strata import`): the resource
    /// exists in Azure and is read, not created.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub importing: bool,
    /// What happens to a soft-deleted namesake (create) or to the deleted resource (delete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_delete: Option<SoftDeleteAction>,
    /// Why apply refuses this plan because of this resource (it already exists in Azure and is
    /// not managed by this state; `prevent_destroy` forbids its deletion; …). A plan with any
    /// problem cannot be applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

impl ResourceChange {
    /// A change with no reasons, property changes, move, import, soft-delete step or problem.
    pub fn new(
        addr: ResourceAddr,
        id: ArmId,
        api_version: &str,
        layer: Layer,
        action: Action,
    ) -> ResourceChange {
        ResourceChange {
            resource_type: id.resource_type(),
            addr,
            id,
            api_version: api_version.to_string(),
            layer,
            action,
            reasons: Vec::new(),
            changes: Vec::new(),
            drifted: false,
            drift: Vec::new(),
            moved_from: None,
            importing: false,
            soft_delete: None,
            problem: None,
        }
    }
}

/// What a soft-deletable resource's create or delete does about soft delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SoftDeleteAction {
    /// A soft-deleted namesake exists: it is recovered (with its data) instead of created.
    Recover,
    /// A soft-deleted namesake exists and is purged first, then a new one is created.
    PurgeThenCreate,
    /// Deleted, then purged for good (the name is free at once).
    DeleteAndPurge,
    /// Deleted into soft delete (recoverable until its retention ends).
    SoftDelete,
}

impl SoftDeleteAction {
    pub fn describe(self) -> &'static str {
        match self {
            SoftDeleteAction::Recover => "a soft-deleted namesake will be recovered, with its contents",
            SoftDeleteAction::PurgeThenCreate => "a soft-deleted namesake will be purged first",
            SoftDeleteAction::DeleteAndPurge => "it will be purged after deletion (not recoverable)",
            SoftDeleteAction::SoftDelete => "it stays recoverable in soft delete after deletion",
        }
    }
}

/// Why a resource stops the plan from being applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// Create of an id that exists in Azure but not in this state.
    AlreadyExists,
    /// Delete (or replace) of a resource with `lifecycle { prevent_destroy = true }`.
    PreventDestroy,
    /// Two addresses of the plan resolve to the same ARM id.
    SameId { other: ResourceAddr },
    /// A soft-deleted namesake blocks the create and the environment allows neither recovery
    /// nor purge.
    SoftDeletedNamesake,
}

impl Problem {
    /// One line for the plan.
    pub fn message(&self) -> String {
        match self {
            Problem::AlreadyExists => "already exists in Azure and is not managed by this state".into(),
            Problem::PreventDestroy => "lifecycle.prevent_destroy forbids destroying it".into(),
            Problem::SameId { other } => format!("has the same Azure id as {other}"),
            Problem::SoftDeletedNamesake => {
                "a soft-deleted resource of the same name exists, and this environment neither recovers nor purges it".into()
            }
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Problem::AlreadyExists => {
                "adopt it with an `import { to = ADDR  id = \"…\" }` block or `strata import`, or choose another name"
            }
            Problem::PreventDestroy => {
                "remove `prevent_destroy` from its lifecycle block first if destroying it is really intended"
            }
            Problem::SameId { .. } => {
                "give one of them another name, or add a `moved` block if one replaces the other"
            }
            Problem::SoftDeletedNamesake => {
                "set `soft_delete { recover = true }` (or `purge_on_create = true`) in the environment, or choose another name"
            }
        }
    }
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
    /// `-target` addresses: the plan covers only them and what they depend on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// Things the reviewer should know that do not stop the apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Resources left out because they wait on the other estate of the environment (see
    /// [`crate::peers`]): the run after that estate's apply covers them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting: Vec<String>,
    /// A saved plan of an environment with a warm standby carries the standby's plan, made in
    /// the same run, applied after the primary's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standby: Option<Box<Plan>>,
    /// How the plan's refresh read what exists (`None`: nothing was read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<crate::refresh::RefreshSummary>,
}

/// Counts for "Plan: X to add, Y to change, Z to destroy."
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    pub import: usize,
    pub moved: usize,
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
            s.import += usize::from(c.importing);
            s.moved += usize::from(c.moved_from.is_some());
        }
        s
    }

    /// The changes that stop this plan from being applied.
    pub fn problems(&self) -> impl Iterator<Item = (&ResourceChange, &Problem)> {
        self.changes
            .iter()
            .filter_map(|c| c.problem.as_ref().map(|p| (c, p)))
    }

    /// True when applying would change any resource or output.
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.action != Action::NoOp || c.importing || c.moved_from.is_some())
            || self.outputs.iter().any(|o| o.action != Action::NoOp)
    }
}
