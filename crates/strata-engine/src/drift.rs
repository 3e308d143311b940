//! Drift: what changed outside strata since the last apply, from a plan, and who changed it
//! and when, from Azure Resource Graph's change history (`resourcechanges`, 14 days).
//!
//! [`DriftReport::from_plan`] lists each resource the plan found changed outside strata: one
//! deleted, or one whose properties (those the configuration sets) no longer hold what strata
//! recorded ([`crate::model::DriftedProperty`]). [`DriftReport::attribute`] then reads the
//! change history of those resources: the latest change after strata's own last write that
//! touched a drifted property (or deleted the resource), with who made it, from which client,
//! with which operation and when. Where Resource Graph has no history (the emulator's lasts as
//! long as it runs; Azure keeps 14 days) the report says so rather than guess.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use strata_arm::GraphQuery;
use strata_core::{ArmId, ResourceAddr};
use strata_state::State;

use crate::arm::Arm;
use crate::model::{Action, DriftedProperty, Plan};
use crate::refresh::RefreshSummary;

/// Ids per history query.
const BATCH: usize = 100;

/// What changed outside strata in one environment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    pub environment: String,
    /// Resources compared.
    pub checked: usize,
    pub resources: Vec<DriftedResource>,
    /// How the refresh read what exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<RefreshSummary>,
    /// Why the change history could not be read, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_error: Option<String>,
}

/// How a resource drifted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// Deleted outside strata.
    Deleted,
    /// Properties changed outside strata.
    Changed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftedResource {
    pub addr: ResourceAddr,
    pub id: ArmId,
    pub resource_type: String,
    pub kind: DriftKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<DriftedProperty>,
    /// The change Resource Graph's history credits it to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<ChangeRecord>,
}

/// A change from Resource Graph's `resourcechanges`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeRecord {
    /// RFC 3339.
    pub at: String,
    /// A user's name or an application's id; empty when Azure does not say.
    pub changed_by: String,
    /// `Azure Portal`, `Azure CLI`, … ; empty when Azure does not say.
    pub client_type: String,
    /// `microsoft.network/networksecuritygroups/write`.
    pub operation: String,
    /// `Create`, `Update` or `Delete`.
    pub change_type: String,
}

impl DriftReport {
    /// The resources `plan` found changed outside strata.
    pub fn from_plan(plan: &Plan) -> DriftReport {
        let resources = plan
            .changes
            .iter()
            .filter(|c| c.drifted)
            .map(|c| DriftedResource {
                addr: c.addr.clone(),
                id: c.id.clone(),
                resource_type: c.resource_type.clone(),
                kind: if c.drift.is_empty()
                    && (matches!(c.action, Action::Create) || matches!(c.action, Action::Delete))
                {
                    DriftKind::Deleted
                } else {
                    DriftKind::Changed
                },
                properties: c.drift.clone(),
                change: None,
            })
            .collect();
        DriftReport {
            environment: plan.environment.clone(),
            checked: plan.changes.len(),
            resources,
            refresh: plan.refresh.clone(),
            history_error: None,
        }
    }

    pub fn has_drift(&self) -> bool {
        !self.resources.is_empty()
    }

    /// Reads the change history of the drifted resources and credits each with the change
    /// that made it drift, when the history has one. `state` says when strata last wrote each.
    pub async fn attribute(&mut self, arm: &dyn Arm, state: Option<&State>) {
        if self.resources.is_empty() {
            return;
        }
        let mut by_sub: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
        for (i, r) in self.resources.iter().enumerate() {
            if !r.id.as_str().contains(['\'', '\\', '"']) {
                by_sub
                    .entry(r.id.subscription_id().to_ascii_lowercase())
                    .or_default()
                    .push(i);
            }
        }
        let mut records: Vec<Json> = Vec::new();
        for (sub, members) in by_sub {
            for chunk in members.chunks(BATCH) {
                let ids = chunk
                    .iter()
                    .map(|&i| format!("'{}'", self.resources[i].id))
                    .collect::<Vec<_>>()
                    .join(", ");
                let q = GraphQuery {
                    query: format!(
                        "resourcechanges | where properties.targetResourceId in~ ({ids}) | project id, properties"
                    ),
                    subscriptions: vec![sub.clone()],
                };
                match arm.graph(&q).await {
                    Ok(rows) => records.extend(rows.rows),
                    Err(e) => {
                        self.history_error.get_or_insert_with(|| e.to_string());
                    }
                }
            }
        }
        for r in &mut self.resources {
            let since = state
                .and_then(|s| s.resources.get(&r.addr))
                .and_then(|s| s.written_at)
                .and_then(|t| DateTime::<Utc>::from_timestamp(i64::try_from(t).ok()?, 0));
            r.change = credit(r, &records, since);
        }
    }
}

/// The latest change of `r` after `since` that explains its drift: a delete for a deleted
/// resource; for changed properties, one whose changes touch a drifted path, else the latest
/// update.
fn credit(r: &DriftedResource, records: &[Json], since: Option<DateTime<Utc>>) -> Option<ChangeRecord> {
    let mut candidates: Vec<(DateTime<Utc>, &Json)> = records
        .iter()
        .filter_map(|row| {
            let p = row.get("properties")?;
            let target = p.get("targetResourceId")?.as_str()?;
            if !target.eq_ignore_ascii_case(r.id.as_str()) {
                return None;
            }
            let at = p
                .pointer("/changeAttributes/timestamp")
                .and_then(Json::as_str)
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())?
                .with_timezone(&Utc);
            since.is_none_or(|s| at >= s).then_some((at, p))
        })
        .collect();
    candidates.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let change_type = |p: &Json| {
        p.get("changeType")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let touches = |p: &Json| {
        p.get("changes").and_then(Json::as_object).is_some_and(|changes| {
            changes.keys().any(|k| {
                r.properties
                    .iter()
                    .any(|d| k.starts_with(&d.path) || d.path.starts_with(k.as_str()))
            })
        })
    };
    let chosen = match r.kind {
        DriftKind::Deleted => candidates.iter().find(|(_, p)| change_type(p) == "Delete"),
        DriftKind::Changed => candidates
            .iter()
            .find(|(_, p)| touches(p))
            .or_else(|| candidates.iter().find(|(_, p)| change_type(p) == "Update")),
    }?;
    let attr = |name: &str| {
        chosen
            .1
            .pointer(&format!("/changeAttributes/{name}"))
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Some(ChangeRecord {
        at: chosen.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        changed_by: attr("changedBy"),
        client_type: attr("clientType"),
        operation: attr("operation"),
        change_type: change_type(chosen.1),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::Shown;

    fn resource(kind: DriftKind, path: &str) -> DriftedResource {
        DriftedResource {
            addr: ResourceAddr::resource("nsg"),
            id: ArmId::parse(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n",
            )
            .unwrap(),
            resource_type: "Microsoft.Network/networkSecurityGroups".into(),
            kind,
            properties: vec![DriftedProperty {
                path: path.into(),
                recorded: Shown::Known(json!("a")),
                live: Shown::Known(json!("b")),
            }],
            change: None,
        }
    }

    fn record(at: &str, change_type: &str, path: &str, by: &str) -> Json {
        json!({"properties": {
            "targetResourceId": "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/networksecuritygroups/n",
            "changeType": change_type,
            "changes": {path: {"previousValue": "a", "newValue": "b"}},
            "changeAttributes": {"timestamp": at, "changedBy": by, "clientType": "Azure CLI", "operation": "op"}
        }})
    }

    #[test]
    fn the_latest_change_touching_a_drifted_path_after_strata_wrote_is_credited() {
        let records = vec![
            record("2026-12-01T10:00:00Z", "Update", "tags.owner", "early"),
            record("2026-12-02T10:00:00Z", "Update", "tags.owner", "alice"),
            record("2026-12-03T10:00:00Z", "Update", "properties.flowLogs", "bob"),
        ];
        let r = resource(DriftKind::Changed, "tags.owner");
        let c = credit(&r, &records, None).unwrap();
        assert_eq!(
            (c.changed_by.as_str(), c.at.as_str()),
            ("alice", "2026-12-02T10:00:00Z")
        );
        // Changes before strata's last write are not the drift.
        let since = DateTime::parse_from_rfc3339("2026-12-02T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = credit(&r, &records, Some(since)).unwrap();
        assert_eq!(
            c.changed_by, "bob",
            "the latest update stands when none touches the path"
        );
        let gone = resource(DriftKind::Deleted, "tags.owner");
        assert!(credit(&gone, &records, None).is_none());
    }
}
