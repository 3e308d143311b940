//! What a failover and a failback do to each type, as Azure documents it: the request that
//! promotes a PostgreSQL read replica (a PATCH of `replica.promoteMode` / `promoteOption`), the
//! one that rebuilds a server as a replica of another (`createMode: Replica`), a storage
//! account's customer-managed failover (`POST …/failover`, `failoverType=Planned` while both
//! regions answer) and the sku that restores its geo-redundancy, Front Door origin priorities,
//! and an App Service's host name. The engine's runbook builds its steps from these, so it
//! names no type; the documented durations are [`super::regions`]'s figures.

use serde_json::{Value, json};

use super::regions::{self, Figure};

/// The part a resource plays in a failover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// A PostgreSQL flexible server: promoted, or rebuilt as a replica.
    Database,
    /// A storage account: failed over, its geo-redundancy restored.
    Storage,
    /// A Front Door origin: its priority moved.
    Origin,
    /// A web app: its host name is what an origin points at.
    Site,
    /// A resource group: what a drill deletes to remove what it built.
    Group,
}

/// The part a resource of `resource_type` plays, if any.
pub fn part(resource_type: &str) -> Option<Part> {
    match resource_type.to_ascii_lowercase().as_str() {
        "microsoft.dbforpostgresql/flexibleservers" => Some(Part::Database),
        "microsoft.storage/storageaccounts" => Some(Part::Storage),
        "microsoft.cdn/profiles/origingroups/origins" => Some(Part::Origin),
        "microsoft.web/sites" => Some(Part::Site),
        "microsoft.resources/resourcegroups" => Some(Part::Group),
        _ => None,
    }
}

fn str_at<'a>(doc: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = doc;
    for p in path {
        cur = cur.get(*p)?;
    }
    cur.as_str()
}

/// Whether a server's document says it is a read replica.
pub fn is_replica(doc: &Value) -> bool {
    str_at(doc, &["properties", "replicationRole"])
        .is_some_and(|r| r.eq_ignore_ascii_case("AsyncReplica") || r.eq_ignore_ascii_case("GeoAsyncReplica"))
}

/// The server a replica copies, from its document.
pub fn replica_source(doc: &Value) -> Option<&str> {
    str_at(doc, &["properties", "sourceServerResourceId"])
}

/// The PATCH that promotes a replica: a switchover (the roles swap; only while the primary
/// answers) when `planned`, else a forced promotion to a standalone server (works while the
/// primary's region is out; what the replica had not received is lost).
pub fn promote_body(planned: bool) -> Value {
    if planned {
        json!({"properties": {"replica": {"promoteMode": "switchover", "promoteOption": "planned"}}})
    } else {
        json!({"properties": {"replica": {"promoteMode": "standalone", "promoteOption": "forced"}}})
    }
}

/// The PUT that creates a server at `location` as a replica of `source_id`, in the network
/// `live` (the server it replaces) was in: how a failback re-seeds the original region from the
/// server that serves.
pub fn replica_body(location: &str, source_id: &str, live: &Value) -> Value {
    let mut props = serde_json::Map::new();
    props.insert("createMode".into(), json!("Replica"));
    props.insert("sourceServerResourceId".into(), json!(source_id));
    if let Some(n) = live
        .get("properties")
        .and_then(|p| p.get("network"))
        .and_then(Value::as_object)
    {
        let mut n = n.clone();
        n.retain(|k, _| k == "delegatedSubnetResourceId" || k == "privateDnsZoneArmResourceId");
        props.insert("network".into(), Value::Object(n));
    }
    let mut body = json!({"location": location, "properties": Value::Object(props)});
    if let Some(sku) = live.get("sku") {
        body["sku"] = sku.clone();
    }
    if let Some(tags) = live.get("tags") {
        body["tags"] = tags.clone();
    }
    body
}

/// A storage account's sku (`Standard_RAGZRS`).
pub fn storage_sku(doc: &Value) -> Option<&str> {
    str_at(doc, &["sku", "name"])
}

/// The failover action of a storage account.
pub fn storage_failover_action(planned: bool) -> &'static str {
    if planned {
        "failover?failoverType=Planned"
    } else {
        "failover"
    }
}

/// Whether the account's live document says it is geo-replicated now.
pub fn storage_is_geo(doc: &Value) -> bool {
    storage_sku(doc).is_some_and(|s| regions::storage_geo_replication(s).0)
}

/// The region the account's primary endpoint is in now (after a failover, the old secondary).
pub fn storage_primary_location(doc: &Value) -> Option<&str> {
    str_at(doc, &["properties", "primaryLocation"])
}

/// The PATCH that makes an account geo-redundant again after an unplanned failover left it
/// locally redundant.
pub fn restore_sku_body(sku: &str) -> Value {
    json!({"sku": {"name": sku}})
}

/// A Front Door endpoint's resource group, profile and name, from its id, when `resource_type`
/// is an endpoint.
pub fn front_door_endpoint(resource_type: &str, id: &str) -> Option<(String, String, String)> {
    if !resource_type.eq_ignore_ascii_case("Microsoft.Cdn/profiles/afdEndpoints") {
        return None;
    }
    let parts: Vec<&str> = id.split('/').collect();
    let find = |key: &str| {
        parts
            .iter()
            .position(|p| p.eq_ignore_ascii_case(key))
            .and_then(|i| parts.get(i + 1))
            .map(|s| (*s).to_string())
    };
    Some((find("resourceGroups")?, find("profiles")?, find("afdEndpoints")?))
}

/// The path Front Door probes an origin group's origins on.
pub fn probe_path(origin_group: &Value) -> Option<&str> {
    str_at(origin_group, &["properties", "healthProbeSettings", "probePath"])
}

/// The host name an origin sends traffic to.
pub fn origin_host(doc: &Value) -> Option<&str> {
    str_at(doc, &["properties", "hostName"])
}

/// An origin's priority (1 is tried first).
pub fn origin_priority(doc: &Value) -> Option<u64> {
    doc.get("properties")?.get("priority")?.as_u64()
}

/// The PATCH that gives an origin priority `p`.
pub fn priority_body(p: u64) -> Value {
    json!({"properties": {"priority": p}})
}

/// A web app's default host name.
pub fn site_host(doc: &Value) -> Option<&str> {
    str_at(doc, &["properties", "defaultHostName"])
}

/// How long Azure documents a promotion of a cross-region replica to take, and its source.
pub fn promote_figure() -> Figure {
    regions::POSTGRES_REPLICA_PROMOTE
}

/// A storage account failover's documented figure.
pub fn storage_failover_figure() -> Figure {
    regions::STORAGE_FAILOVER
}

/// A geo-restore's documented figure (the cold strategy's database).
pub fn geo_restore_figure() -> Figure {
    regions::POSTGRES_GEO_RESTORE
}

/// Front Door: health probes move traffic off an unhealthy origin by themselves (probe
/// interval 30 s by default, times the samples the origin group requires); a change of origin
/// priorities is a configuration change that Microsoft describes only as reaching the edge in
/// minutes. Ten minutes is assumed here, and the source says so.
pub const FRONT_DOOR_PRIORITY: Figure = Figure {
    mechanism: "Front Door origin priorities moved",
    rpo_seconds: 0,
    rto_seconds: 600,
    source: "Learn: Azure Front Door, origins and origin groups (priority, health probes every 30 s by default); propagation documented only as minutes, 10 min assumed",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_bodies() {
        assert_eq!(
            part("Microsoft.DBforPostgreSQL/flexibleServers"),
            Some(Part::Database)
        );
        assert_eq!(
            part("microsoft.cdn/profiles/originGroups/origins"),
            Some(Part::Origin)
        );
        assert_eq!(part("Microsoft.Network/virtualNetworks"), None);
        let replica =
            json!({"properties": {"replicationRole": "AsyncReplica", "sourceServerResourceId": "/x"}});
        assert!(is_replica(&replica));
        assert_eq!(replica_source(&replica), Some("/x"));
        assert!(!is_replica(
            &json!({"properties": {"replicationRole": "Primary"}})
        ));
        assert_eq!(
            promote_body(false)["properties"]["replica"]["promoteOption"],
            "forced"
        );
        assert_eq!(
            promote_body(true)["properties"]["replica"]["promoteMode"],
            "switchover"
        );
        let live = json!({"sku": {"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"},
            "properties": {"network": {"delegatedSubnetResourceId": "/s", "publicNetworkAccess": "Disabled"}}});
        let b = replica_body("westeurope", "/src", &live);
        assert_eq!(b["properties"]["createMode"], "Replica");
        assert_eq!(
            b["properties"]["network"],
            json!({"delegatedSubnetResourceId": "/s"})
        );
        assert_eq!(b["sku"]["tier"], "GeneralPurpose");
        assert!(storage_is_geo(&json!({"sku": {"name": "Standard_RAGZRS"}})));
        assert!(!storage_is_geo(&json!({"sku": {"name": "Standard_LRS"}})));
        assert_eq!(storage_failover_action(true), "failover?failoverType=Planned");
    }
}
