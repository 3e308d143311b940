//! What protects each stateful resource type against the loss of its region, read from the live
//! document Azure returns: geo-replication and its last sync time for storage accounts,
//! geo-redundant backup and read replicas for PostgreSQL flexible servers, Microsoft-managed
//! replication for Key Vault. `strata dr status` reads the documents; the judgement is here, so
//! no other crate names these types.

use std::time::Duration;

use serde_json::Value;

use super::regions;

/// The stateful types disaster recovery looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stateful {
    StorageAccount,
    PostgresServer,
    KeyVault,
}

/// The stateful kind of a type, if it is one.
pub fn stateful(resource_type: &str) -> Option<Stateful> {
    match resource_type.to_ascii_lowercase().as_str() {
        "microsoft.storage/storageaccounts" => Some(Stateful::StorageAccount),
        "microsoft.dbforpostgresql/flexibleservers" => Some(Stateful::PostgresServer),
        "microsoft.keyvault/vaults" => Some(Stateful::KeyVault),
        _ => None,
    }
}

impl Stateful {
    /// The query to add to a GET of the resource for its replication figures.
    pub fn read_query(self) -> Option<&'static str> {
        match self {
            Stateful::StorageAccount => Some("$expand=geoReplicationStats"),
            _ => None,
        }
    }

    /// A child collection to list as well (a server's read replicas).
    pub fn children(self) -> Option<&'static str> {
        match self {
            Stateful::PostgresServer => Some("replicas"),
            _ => None,
        }
    }
}

/// What the live documents say about one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assessment {
    /// What protects it (`geo-replication to northeurope (Standard_RAGZRS)`, …).
    pub protected_by: Vec<String>,
    /// Live figures Azure exposes, by name (`lastSyncTime`, `replicationState`, …).
    pub figures: Vec<(String, String)>,
    /// How much data a loss of the region now would lose at most, when Azure tells or
    /// documents it.
    pub exposure: Option<Duration>,
    /// What the declared strategy needs and the resource lacks.
    pub missing: Vec<String>,
}

/// What the caller knows of the environment.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub primary: &'a str,
    pub secondary: &'a str,
    /// `true` for a warm standby.
    pub warm: bool,
    /// Now, as seconds since the Unix epoch.
    pub now: i64,
}

/// Assesses `doc` (and `children`: a server's replicas) of a resource of kind `kind`.
pub fn assess(kind: Stateful, doc: &Value, children: &[Value], cx: Context<'_>) -> Assessment {
    match kind {
        Stateful::StorageAccount => storage(doc, cx),
        Stateful::PostgresServer => postgres(doc, children, cx),
        Stateful::KeyVault => vault(doc, cx),
    }
}

fn str_at<'a>(doc: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut at = doc;
    for k in path {
        at = at.get(*k)?;
    }
    at.as_str()
}

fn storage(doc: &Value, cx: Context<'_>) -> Assessment {
    let mut a = Assessment::default();
    let sku = str_at(doc, &["sku", "name"]).unwrap_or_default();
    let (geo, _) = regions::storage_geo_replication(sku);
    if !geo {
        a.missing.push(format!(
            "{sku} keeps no copy outside {}: use Standard_GZRS or Standard_RAGZRS",
            cx.primary
        ));
        return a;
    }
    let secondary = str_at(doc, &["properties", "secondaryLocation"])
        .map(str::to_string)
        .or_else(|| regions::pair_of(cx.primary).map(str::to_string))
        .unwrap_or_default();
    a.protected_by
        .push(format!("geo-replication to {secondary} ({sku})"));
    let stats = doc.get("properties").and_then(|p| p.get("geoReplicationStats"));
    match stats {
        Some(s) => {
            for k in ["status", "lastSyncTime", "canFailover", "canPlannedFailover"] {
                if let Some(v) = s.get(k).filter(|v| !v.is_null()) {
                    let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    a.figures.push((k.to_string(), text));
                }
            }
            let synced = s
                .get("lastSyncTime")
                .and_then(Value::as_str)
                .and_then(epoch_seconds);
            match synced {
                Some(t) => a.exposure = Some(Duration::from_secs(u64::try_from(cx.now - t).unwrap_or(0))),
                None => a
                    .missing
                    .push("Azure reports no last sync time yet: the geo copy is not usable".into()),
            }
            if s.get("canFailover").and_then(Value::as_bool) == Some(false) {
                a.missing
                    .push("Azure says the account cannot fail over now".into());
            }
        }
        None => a
            .missing
            .push("Azure reported no geo-replication figures, so the exposure is unknown".into()),
    }
    if !regions::normalize(&secondary).is_empty()
        && regions::normalize(&secondary) != regions::normalize(cx.secondary)
    {
        a.missing.push(format!(
            "its geo copy is in {secondary}, not in the secondary region {}",
            cx.secondary
        ));
    }
    a
}

fn postgres(doc: &Value, replicas: &[Value], cx: Context<'_>) -> Assessment {
    let mut a = Assessment::default();
    let geo = str_at(doc, &["properties", "backup", "geoRedundantBackup"])
        .is_some_and(|g| g.eq_ignore_ascii_case("Enabled"));
    if geo {
        a.protected_by.push(format!(
            "geo-redundant backup (restorable in {})",
            regions::pair_of(cx.primary).unwrap_or("the paired region")
        ));
        // Geo copies lag by up to an hour (documented); Azure exposes no finer figure.
        a.exposure = Some(Duration::from_secs(regions::POSTGRES_GEO_RESTORE.rpo_seconds));
    }
    if let Some(d) = str_at(doc, &["properties", "backup", "earliestRestoreDate"]) {
        a.figures.push(("earliestRestoreDate".into(), d.to_string()));
    }
    let in_secondary: Vec<&Value> = replicas
        .iter()
        .filter(|r| {
            r.get("location")
                .and_then(Value::as_str)
                .is_some_and(|l| regions::normalize(l) == regions::normalize(cx.secondary))
        })
        .collect();
    for r in &in_secondary {
        let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
        let state = str_at(r, &["properties", "replica", "replicationState"]).unwrap_or("unknown");
        a.protected_by
            .push(format!("read replica {name} in {}", cx.secondary));
        a.figures
            .push((format!("{name}.replicationState"), state.to_string()));
        if state.eq_ignore_ascii_case("Active") {
            // Replication lag is up to five minutes (documented); ARM exposes it only as a metric.
            a.exposure = Some(Duration::from_secs(regions::POSTGRES_REPLICA_PROMOTE.rpo_seconds));
        }
    }
    if cx.warm && in_secondary.is_empty() {
        a.missing
            .push(format!("a warm standby needs a read replica in {}", cx.secondary));
    }
    if !cx.warm && !geo {
        a.missing
            .push(
                "a cold recovery needs geo-redundant backup, which is fixed at creation (after a failback, restore the \
                 server into a new one with geo-redundant backup on)"
                    .into(),
            );
    }
    a
}

fn vault(doc: &Value, cx: Context<'_>) -> Assessment {
    let mut a = Assessment::default();
    let location = doc.get("location").and_then(Value::as_str).unwrap_or(cx.primary);
    if regions::KEY_VAULT_NOT_GEO_REPLICATED.contains(&regions::normalize(location).as_str()) {
        a.missing.push(format!(
            "Microsoft does not replicate Key Vault contents out of {location}: keep a vault in {}",
            cx.secondary
        ));
    } else {
        a.protected_by.push(format!(
            "Microsoft-managed replication to {} (read-only after a failover)",
            regions::pair_of(location).unwrap_or("the paired region")
        ));
    }
    if let Some(p) = doc.get("properties") {
        for k in [
            "enableSoftDelete",
            "enablePurgeProtection",
            "softDeleteRetentionInDays",
        ] {
            if let Some(v) = p.get(k).filter(|v| !v.is_null()) {
                a.figures.push((k.to_string(), v.to_string()));
            }
        }
    }
    a
}

/// Seconds since the Unix epoch of an RFC 3339 UTC time (`2026-12-06T23:00:00Z`, fractions and
/// `+00:00` accepted).
pub fn epoch_seconds(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_796_000_000;

    fn cx(warm: bool) -> Context<'static> {
        Context {
            primary: "westeurope",
            secondary: "northeurope",
            warm,
            now: NOW,
        }
    }

    fn at(seconds_ago: i64) -> String {
        chrono::DateTime::from_timestamp(NOW - seconds_ago, 0)
            .unwrap()
            .to_rfc3339()
    }

    #[test]
    fn storage_exposure_is_the_time_since_the_last_sync() {
        let doc = json!({"sku": {"name": "Standard_RAGZRS"}, "properties": {"secondaryLocation": "northeurope",
            "geoReplicationStats": {"status": "Live", "lastSyncTime": at(600), "canFailover": true}}});
        let a = assess(Stateful::StorageAccount, &doc, &[], cx(true));
        assert_eq!(a.exposure, Some(Duration::from_secs(600)));
        assert!(a.missing.is_empty(), "{a:?}");
        assert!(a.protected_by[0].contains("northeurope"));
        let lrs = json!({"sku": {"name": "Standard_LRS"}});
        let a = assess(Stateful::StorageAccount, &lrs, &[], cx(true));
        assert!(a.missing[0].contains("Standard_LRS"), "{a:?}");
        assert_eq!(a.exposure, None);
    }

    #[test]
    fn postgres_needs_a_replica_when_warm_and_geo_backup_when_cold() {
        let server = json!({"properties": {"backup": {"geoRedundantBackup": "Enabled"}}});
        let replica = json!({"name": "db-neu", "location": "North Europe",
            "properties": {"replica": {"replicationState": "Active"}}});
        let a = assess(
            Stateful::PostgresServer,
            &server,
            std::slice::from_ref(&replica),
            cx(true),
        );
        assert!(a.missing.is_empty(), "{a:?}");
        assert_eq!(a.exposure, Some(Duration::from_secs(300)));
        let a = assess(Stateful::PostgresServer, &server, &[], cx(true));
        assert!(a.missing[0].contains("read replica"), "{a:?}");
        assert_eq!(a.exposure, Some(Duration::from_secs(3600)));
        let plain = json!({"properties": {"backup": {"geoRedundantBackup": "Disabled"}}});
        let a = assess(Stateful::PostgresServer, &plain, &[], cx(false));
        assert!(a.missing[0].contains("geo-redundant backup"), "{a:?}");
    }

    #[test]
    fn vaults_in_regions_microsoft_does_not_replicate() {
        let a = assess(
            Stateful::KeyVault,
            &json!({"location": "westeurope"}),
            &[],
            cx(true),
        );
        assert!(
            a.missing.is_empty() && a.protected_by[0].contains("northeurope"),
            "{a:?}"
        );
        let a = assess(
            Stateful::KeyVault,
            &json!({"location": "brazilsouth"}),
            &[],
            cx(true),
        );
        assert!(a.missing[0].contains("brazilsouth"), "{a:?}");
    }
}
