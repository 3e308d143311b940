//! The `resourcechanges` table: a row per create, update and delete of a row of `Resources` or
//! `ResourceContainers` (a `Microsoft.Resources/changes` extension of the changed resource),
//! with who made it, from which client, with which operation, and each property changed.
//!
//! Shape (Learn, governance/resource-graph "Get resource changes"): `properties` holds
//! `targetResourceId`, `targetResourceType`, `changeType` (`Create` | `Update` | `Delete`),
//! `changeAttributes` (`timestamp`, `changedBy`, `changedByType`, `clientType`, `operation`,
//! `correlationId`, `changesCount`, `previousResourceSnapshotId`, `newResourceSnapshotId`) and,
//! for an update, `changes`: by dotted path (`tags.owner`,
//! `properties.securityRules[0].access`), `previousValue`, `newValue`, `propertyChangeType`
//! (`Update` | `Insert` | `Remove`), `changeCategory` (`User`, or `System` for what Azure sets
//! itself) and `isTruncated`.
//!
//! How the emulator knows the previous row: before a write is served, the rows it may alter
//! are kept ([`ChangeLog::before_write`]) with who sent it; after, each changed row is compared
//! with what was kept. A change that completes later (a long-running operation settling) is
//! credited to whoever started it. Changes to rows no request has touched since the emulator
//! started (its seeded estate settling) have no previous row and are not recorded. Bounded:
//! [`MAX_RECORDS`] records and 14 days, as Azure keeps.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::eval::Row;
use super::kql::Table;
use super::rows::Entry;

/// Records kept at most (the oldest go first).
pub(crate) const MAX_RECORDS: usize = 10_000;
/// How long Azure keeps change history.
const RETENTION_DAYS: i64 = 14;
/// A row's last writer is credited with changes that complete within this long.
const ACTOR_MEMORY_SECS: i64 = 3600;

/// Who sent a request.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Actor {
    /// The principal's client (app) id with authentication on; empty without.
    pub changed_by: String,
    /// `User` or `Application` (a service principal), empty when not known.
    pub changed_by_type: &'static str,
    /// From the User-Agent: `Azure CLI`, `Azure PowerShell`, `strata`, an SDK, or its first
    /// product token.
    pub client_type: String,
    /// `x-ms-correlation-request-id`, when sent.
    pub correlation_id: String,
}

impl Actor {
    pub fn from_request(
        user_agent: Option<&str>,
        principal: Option<&str>,
        correlation: Option<&str>,
    ) -> Actor {
        Actor {
            changed_by: principal.unwrap_or_default().to_string(),
            changed_by_type: if principal.is_some() { "Application" } else { "" },
            client_type: client_type(user_agent.unwrap_or_default()),
            correlation_id: correlation.unwrap_or_default().to_string(),
        }
    }
}

/// What Azure calls the client that sent a request, from its User-Agent.
fn client_type(ua: &str) -> String {
    let lower = ua.to_ascii_lowercase();
    let known = [
        ("azurecli", "Azure CLI"),
        ("azure-cli", "Azure CLI"),
        ("azurepowershell", "Azure PowerShell"),
        ("terraform", "Terraform"),
        ("opentofu", "OpenTofu"),
        ("strata/", "strata"),
        ("azsdk-python", "Azure SDK for Python"),
        ("azsdk-rust", "Azure SDK for Rust"),
        ("azsdk-net", "Azure SDK for .NET"),
        ("azsdk-js", "Azure SDK for JavaScript"),
        ("azsdk-go", "Azure SDK for Go"),
        ("azsdk-java", "Azure SDK for Java"),
        ("mozilla/", "Azure Portal"),
    ];
    for (needle, name) in known {
        if lower.contains(needle) {
            return name.to_string();
        }
    }
    ua.split_whitespace()
        .next()
        .map(|t| t.split('/').next().unwrap_or(t).to_string())
        .unwrap_or_default()
}

#[derive(Debug, Default)]
pub(crate) struct ChangeLog {
    /// The last row seen at each key touched since start (`None`: no row).
    last: HashMap<String, Option<Row>>,
    /// Who last wrote each key, and when.
    actors: HashMap<String, (Actor, DateTime<Utc>, String)>,
    records: VecDeque<(DateTime<Utc>, Row)>,
    counter: u64,
}

impl ChangeLog {
    /// Before a write by `actor` with `operation` (`microsoft.network/networksecuritygroups/write`):
    /// keeps the rows it may alter as they are now.
    pub fn before_write(
        &mut self,
        rows: Vec<(String, Option<Entry>)>,
        actor: &Actor,
        operation: &str,
        now: DateTime<Utc>,
    ) {
        for (key, entry) in rows {
            self.last
                .entry(key.clone())
                .or_insert_with(|| entry.map(|(_, r)| r));
            self.actors
                .insert(key, (actor.clone(), now, operation.to_string()));
        }
    }

    /// What `key` holds after a change: records the change when the previous row is known.
    pub fn observe(&mut self, key: &str, entry: Option<&Entry>, tenant: &str, now: DateTime<Utc>) {
        let new = entry.map(|(_, r)| r.clone());
        let Some(previous) = self.last.get(key) else {
            return;
        };
        if *previous == new {
            return;
        }
        let previous = previous.clone();
        let table = entry.map(|(t, _)| *t);
        let actor = self
            .actors
            .get(key)
            .filter(|(_, at, _)| (now - *at).num_seconds() < ACTOR_MEMORY_SECS)
            .cloned();
        self.counter += 1;
        let record = change_row(
            key,
            previous.as_ref(),
            new.as_ref(),
            actor.as_ref(),
            table,
            tenant,
            now,
            self.counter,
        );
        self.records.push_back((now, record));
        while self.records.len() > MAX_RECORDS {
            self.records.pop_front();
        }
        let horizon = now - chrono::Duration::days(RETENTION_DAYS);
        while self.records.front().is_some_and(|(t, _)| *t < horizon) {
            self.records.pop_front();
        }
        self.last.insert(key.to_string(), new);
    }

    /// The records a query at `horizon` (now − lag) sees.
    pub fn rows(&self, horizon: DateTime<Utc>) -> Vec<Row> {
        self.records
            .iter()
            .filter(|(t, _)| *t <= horizon)
            .map(|(_, r)| r.clone())
            .collect()
    }
}

#[allow(clippy::too_many_arguments)]
fn change_row(
    key: &str,
    previous: Option<&Row>,
    new: Option<&Row>,
    actor: Option<&(Actor, DateTime<Utc>, String)>,
    table: Option<Table>,
    tenant: &str,
    now: DateTime<Utc>,
    n: u64,
) -> Row {
    let source = new.or(previous);
    let field = |name: &str| -> String {
        source
            .and_then(|r| r.get(name))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let target_id = {
        let id = field("id");
        if id.is_empty() { key.to_string() } else { id }
    };
    let target_type = field("type");
    let change_type = match (previous, new) {
        (None, Some(_)) => "Create",
        (Some(_), None) => "Delete",
        _ => "Update",
    };
    let mut changes = Map::new();
    if let (Some(p), Some(n)) = (previous, new) {
        diff(
            "",
            &Value::Object(p.clone()),
            &Value::Object(n.clone()),
            &mut changes,
        );
    }
    let change_id = format!("{:020}_{:08x}", now.timestamp_micros(), n);
    let (who, when_op) = match actor {
        Some((a, _, op)) => (a.clone(), op.clone()),
        None => (
            Actor::default(),
            format!("{target_type}/{}", if new.is_some() { "write" } else { "delete" }),
        ),
    };
    let mut attributes = json!({
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "changedBy": who.changed_by,
        "changedByType": who.changed_by_type,
        "clientType": who.client_type,
        "operation": when_op,
        "correlationId": who.correlation_id,
        "changesCount": changes.len(),
    });
    if previous.is_some() {
        attributes["previousResourceSnapshotId"] = json!(format!("{change_id}_before"));
    }
    if new.is_some() {
        attributes["newResourceSnapshotId"] = json!(format!("{change_id}_after"));
    }
    let mut properties = json!({
        "targetResourceId": target_id,
        "targetResourceType": target_type,
        "changeType": change_type,
        "changeAttributes": attributes,
    });
    if change_type == "Update" {
        properties["changes"] = Value::Object(changes);
    }
    let mut row = Map::new();
    row.insert(
        "id".into(),
        json!(format!(
            "{target_id}/providers/Microsoft.Resources/changes/{change_id}"
        )),
    );
    row.insert("name".into(), json!(change_id));
    row.insert("type".into(), json!("microsoft.resources/changes"));
    row.insert("tenantId".into(), json!(tenant));
    row.insert("kind".into(), json!(""));
    row.insert("location".into(), json!(""));
    let group = if table == Some(Table::ResourceContainers) && target_type.ends_with("resourcegroups") {
        field("name").to_ascii_lowercase()
    } else {
        field("resourceGroup")
    };
    row.insert("resourceGroup".into(), json!(group));
    row.insert("subscriptionId".into(), json!(field("subscriptionId")));
    row.insert("managedBy".into(), json!(""));
    for k in ["sku", "plan", "tags", "identity", "zones", "extendedLocation"] {
        row.insert(k.into(), Value::Null);
    }
    row.insert("properties".into(), properties);
    row
}

/// What Azure sets itself rather than the caller.
fn category(path: &str) -> &'static str {
    if path.ends_with("provisioningState") || path == "etag" || path.starts_with("systemData") {
        "System"
    } else {
        "User"
    }
}

/// Leaf by leaf: `tags.owner`, `properties.rules[0].name`.
fn diff(path: &str, a: &Value, b: &Value, out: &mut Map<String, Value>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, av) in x {
                if matches!(
                    k.as_str(),
                    "id" | "name" | "type" | "tenantId" | "subscriptionId" | "resourceGroup"
                ) {
                    continue;
                }
                diff(&join(k), av, y.get(k).unwrap_or(&Value::Null), out);
            }
            for (k, bv) in y {
                if !x.contains_key(k) {
                    diff(&join(k), &Value::Null, bv, out);
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                diff(
                    &format!("{path}[{i}]"),
                    x.get(i).unwrap_or(&Value::Null),
                    y.get(i).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        _ if a == b => {}
        _ => {
            let kind = match (a.is_null(), b.is_null()) {
                (true, false) => "Insert",
                (false, true) => "Remove",
                _ => "Update",
            };
            let mut c = Map::new();
            if !a.is_null() {
                c.insert("previousValue".into(), a.clone());
            }
            if !b.is_null() {
                c.insert("newValue".into(), b.clone());
            }
            c.insert("propertyChangeType".into(), json!(kind));
            c.insert("changeCategory".into(), json!(category(path)));
            c.insert("isTruncated".into(), json!("false"));
            out.insert(path.to_string(), Value::Object(c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(tags: Value) -> Entry {
        let mut r = Map::new();
        r.insert(
            "id".into(),
            json!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n"),
        );
        r.insert("type".into(), json!("microsoft.network/networksecuritygroups"));
        r.insert("resourceGroup".into(), json!("rg"));
        r.insert("subscriptionId".into(), json!("s"));
        r.insert("tags".into(), tags);
        r.insert("properties".into(), json!({"provisioningState": "Succeeded"}));
        (Table::Resources, r)
    }

    #[test]
    fn a_write_is_recorded_with_its_author_and_each_property() {
        let mut log = ChangeLog::default();
        let key = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/networksecuritygroups/n"
            .to_string();
        let now = Utc::now();
        let cli = Actor::from_request(
            Some("AZURECLI/2.60.0 (DEB) azsdk-python-core/1.28"),
            Some("app-1"),
            Some("c-1"),
        );
        log.before_write(
            vec![(key.clone(), None)],
            &cli,
            "microsoft.network/networksecuritygroups/write",
            now,
        );
        let created = row(json!({"owner": "platform"}));
        log.observe(&key, Some(&created), "t", now);
        log.before_write(
            vec![(key.clone(), Some(created.clone()))],
            &cli,
            "microsoft.network/networksecuritygroups/write",
            now,
        );
        log.observe(&key, Some(&row(json!({"owner": "someone"}))), "t", now);
        // Nothing changed: nothing recorded.
        log.observe(&key, Some(&row(json!({"owner": "someone"}))), "t", now);
        let rows = log.rows(now);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["properties"]["changeType"], "Create");
        let p = &rows[1]["properties"];
        assert_eq!(p["changeType"], "Update");
        assert_eq!(p["changeAttributes"]["clientType"], "Azure CLI");
        assert_eq!(p["changeAttributes"]["changedBy"], "app-1");
        assert_eq!(p["changeAttributes"]["changesCount"], 1);
        assert_eq!(p["changes"]["tags.owner"]["previousValue"], "platform");
        assert_eq!(p["changes"]["tags.owner"]["newValue"], "someone");
        assert_eq!(p["changes"]["tags.owner"]["changeCategory"], "User");
        assert!(
            rows[1]["id"]
                .as_str()
                .unwrap()
                .contains("/providers/Microsoft.Resources/changes/")
        );
        // A query a lag behind sees none of it yet.
        assert!(log.rows(now - chrono::Duration::seconds(5)).is_empty());
    }

    #[test]
    fn rows_never_touched_by_a_request_are_not_recorded() {
        let mut log = ChangeLog::default();
        log.observe("/k", Some(&row(json!({}))), "t", Utc::now());
        assert!(log.rows(Utc::now()).is_empty());
    }
}
