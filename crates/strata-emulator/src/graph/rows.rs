//! What the graph's tables hold: one row per resource, resource group and subscription, made
//! from the document a GET returns (rendered by the type's rules, never raw storage).
//!
//! The rule for which resources are rows of `Resources`: top-level resources
//! (`…/providers/{ns}/{type}/{name}`) are; child resources are not (a subnet is only seen in its
//! virtual network's `properties.subnets`, a Key Vault secret or a storage container not at
//! all), except the child types Resource Graph indexes as rows of their own (strata-azure's `behaviour::graph::CHILD_ROWS`);
//! extension resources (diagnostic settings: `{id}/providers/Microsoft.Insights/…`) never are.
//! Resources still being created the legacy way (hidden from GET) are not rows yet.
//!
//! Columns follow Resource Graph: `type` lower-cased, `resourceGroup` lower-cased, the empty
//! string for a missing `kind`, `location` or `managedBy`, null for a missing object.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::eval::{ColType, Row};
use super::kql::Table;
use crate::store::{Group, Resource, State};
use crate::types;

/// The columns of both tables, in Resource Graph's order.
pub(crate) const COLUMNS: &[(&str, ColType)] = &[
    ("id", ColType::String),
    ("name", ColType::String),
    ("type", ColType::String),
    ("tenantId", ColType::String),
    ("kind", ColType::String),
    ("location", ColType::String),
    ("resourceGroup", ColType::String),
    ("subscriptionId", ColType::String),
    ("managedBy", ColType::String),
    ("sku", ColType::Object),
    ("plan", ColType::Object),
    ("properties", ColType::Object),
    ("tags", ColType::Object),
    ("identity", ColType::Object),
    ("zones", ColType::Object),
    ("extendedLocation", ColType::Object),
];

pub(crate) fn columns() -> Vec<(String, ColType)> {
    COLUMNS.iter().map(|(n, t)| ((*n).to_string(), *t)).collect()
}

/// A row of a table.
pub(crate) type Entry = (Table, Row);

/// Whether a stored resource is a row of `Resources` (see the module docs).
fn is_row(state: &State, r: &Resource) -> bool {
    let providers =
        r.id.split('/')
            .filter(|s| s.eq_ignore_ascii_case("providers"))
            .count();
    if providers != 1 || state.is_hidden(&r.key()) {
        return false;
    }
    let depth = strata_core::ArmId::parse(&r.id).map_or(0, |id| id.segments().len());
    depth == 1 || (depth == 2 && strata_azure::behaviour::graph::is_child_row(&r.resource_type))
}

/// `/subscriptions/{s}/resourceGroups/{g}/…` → (`s`, `g`).
fn scope_of(id: &str) -> (String, String) {
    let parts: Vec<&str> = id.trim_start_matches('/').split('/').collect();
    (
        parts.get(1).copied().unwrap_or_default().to_string(),
        parts.get(3).copied().unwrap_or_default().to_string(),
    )
}

fn row_from(doc: &Map<String, Value>, id: &str, kind: &str, tenant: &str) -> Row {
    let (sub, group) = scope_of(id);
    let text = |k: &str| doc.get(k).filter(|v| !v.is_null()).cloned().unwrap_or(json!(""));
    let object = |k: &str| doc.get(k).cloned().unwrap_or(Value::Null);
    let mut row = Row::new();
    row.insert("id".into(), json!(id));
    row.insert("name".into(), text("name"));
    row.insert("type".into(), json!(kind.to_ascii_lowercase()));
    row.insert("tenantId".into(), json!(tenant));
    row.insert("kind".into(), text("kind"));
    row.insert("location".into(), text("location"));
    row.insert("resourceGroup".into(), json!(group.to_ascii_lowercase()));
    row.insert("subscriptionId".into(), json!(sub));
    row.insert("managedBy".into(), text("managedBy"));
    for k in [
        "sku",
        "plan",
        "properties",
        "tags",
        "identity",
        "zones",
        "extendedLocation",
    ] {
        row.insert(k.into(), object(k));
    }
    row
}

fn resource_row(state: &State, r: &Resource, tenant: &str) -> Row {
    let doc = types::render(state, r);
    let doc = doc.as_object().cloned().unwrap_or_default();
    row_from(&doc, &r.id, &r.resource_type, tenant)
}

fn group_row(g: &Group, tenant: &str) -> Row {
    let doc = types::resource_groups::render(g);
    let doc = doc.as_object().cloned().unwrap_or_default();
    row_from(
        &doc,
        &g.id,
        "microsoft.resources/subscriptions/resourcegroups",
        tenant,
    )
}

/// A subscription's row of `ResourceContainers`.
pub(crate) fn subscription_row(sub: &str, tenant: &str) -> Row {
    let doc = json!({
        "name": format!("strata emulator ({sub})"),
        "properties": {
            "state": "Enabled",
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "PayAsYouGo_2014-09-01",
                "spendingLimit": "Off"
            },
            "managementGroupAncestorsChain": []
        }
    });
    let mut row = row_from(
        doc.as_object().unwrap_or(&Map::new()),
        &format!("/subscriptions/{sub}"),
        "microsoft.resources/subscriptions",
        tenant,
    );
    row.insert("resourceGroup".into(), json!(""));
    row
}

/// The rows of the estate now (subscriptions aside), by lowercase id: of one table, or of
/// both.
pub(crate) fn live(state: &State, tenant: &str, only: Option<Table>) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    if only != Some(Table::Resources) {
        for sub in state.subscriptions() {
            for g in state.groups_of(&sub) {
                out.insert(
                    g.id.to_ascii_lowercase(),
                    (Table::ResourceContainers, group_row(g, tenant)),
                );
            }
        }
    }
    if only != Some(Table::ResourceContainers) {
        for r in state.under_prefix("") {
            if is_row(state, r) {
                out.insert(r.key(), (Table::Resources, resource_row(state, r, tenant)));
            }
        }
    }
    out
}

/// The row at `key` now, if there is one.
pub(crate) fn row_at(state: &State, key: &str, tenant: &str) -> Option<Entry> {
    if let Some(g) = state.group(key) {
        return Some((Table::ResourceContainers, group_row(g, tenant)));
    }
    let r = state.resource(key)?;
    is_row(state, r).then(|| (Table::Resources, resource_row(state, r, tenant)))
}

/// The keys of the rows a change at `key` (lowercase) may alter: its resource group, its
/// top-level resource and, for child types with rows, the child.
pub(crate) fn affected(key: &str) -> Vec<String> {
    let parts: Vec<&str> = key.trim_start_matches('/').split('/').collect();
    let prefix = |n: usize| format!("/{}", parts[..n].join("/"));
    let mut out = Vec::new();
    if parts.len() >= 4 && parts[2] == "resourcegroups" {
        out.push(prefix(4));
    }
    if parts.len() >= 8 && parts[4] == "providers" {
        out.push(prefix(8));
        if parts.len() >= 10 && parts[8] != "providers" {
            out.push(prefix(10));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_map_to_rows() {
        let v = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v";
        assert_eq!(
            affected(&format!("{v}/subnets/a")),
            ["/subscriptions/s/resourcegroups/rg", v, &format!("{v}/subnets/a")]
        );
        assert_eq!(
            affected("/subscriptions/s/resourcegroups/rg"),
            ["/subscriptions/s/resourcegroups/rg"]
        );
        assert_eq!(
            affected(&format!("{v}/providers/microsoft.insights/diagnosticsettings/d")).len(),
            2
        );
    }
}
