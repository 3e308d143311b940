//! Disaster recovery of flexible servers: servers created from another one (`createMode`
//! `PointInTimeRestore`, `GeoRestore`, `Replica`), the replicas of a server, and promotion.
//!
//! - Point-in-time restore: into the source's region, to a `pointInTimeUTC` inside the
//!   retention window (from `backup.earliestRestoreDate`, at most `backupRetentionDays` back)
//!   and not in the future.
//! - Geo-restore: only from a source with `geoRedundantBackup: Enabled`, only into the source's
//!   paired region ([`super::pairs`]). Geo-backups are copies that lag: the latest geo restore
//!   point is always `now − G`, and the first one exists `G` after the server was created
//!   (Azure documents G as up to an hour: RPO ≤ 1 h, first geo-restore about 1 h after
//!   creation). G is the latency of the pseudo-type [`GEO_LAG_TYPE`] (`--latency`), 2 s by
//!   default like the other latencies scaled down; none with `--latency none`. Azure exposes no
//!   latest geo restore point on the server; a client computes it from this rule.
//!   `pointInTimeUTC` is required (spec 2024-08-01) but the service restores the latest geo
//!   backup whatever it says.
//! - Replicas: in any region, of a General Purpose or Memory Optimized primary (docs
//!   reliability-database-postgresql: "The Burstable tier doesn't support read replicas"), at
//!   most five per primary, never of a replica. A replica
//!   shows `replicationRole: AsyncReplica`, `replica {role, capacity: 0, replicationState}` and
//!   `sourceServerResourceId`; its geo-redundant backup and high availability are off (and stay
//!   off when it is promoted). Its primary keeps
//!   `replicationRole: Primary`, `replica.capacity: 5`. `GET …/replicas` lists them.
//! - Promote (PATCH `properties.replica.promoteMode` standalone | switchover, `promoteOption`
//!   planned | forced, any casing): long-running; `standalone` leaves an independent server
//!   (role `None`, no source, geo-backup off); `switchover` swaps the roles with the primary
//!   (the old primary becomes a replica of the promoted server, other replicas follow).
//! - Deleting a primary leaves its replicas standalone.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::super::common::{at, normalize_location, str_of, timestamp};
use super::super::{Ctx, Target, TypeRules};
use super::servers::{Servers, TYPE};
use super::settings::bad;
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, key_of};
use strata_azure::behaviour::regions::pair_of as paired;

/// The latency type whose duration is the lag of geo-backups (see the module docs).
pub(crate) const GEO_LAG_TYPE: &str = "Microsoft.DBforPostgreSQL/flexibleServers/geoBackups";

/// Replicas a primary may have.
pub(super) const MAX_REPLICAS: usize = 5;

const REPLICA_ROLES: &[&str] = &["AsyncReplica", "GeoAsyncReplica"];

/// How a new server comes from another one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    PointInTimeRestore,
    GeoRestore,
    Replica,
}

/// A new server's origin: the mode, the source's id, the source's administrator password.
pub(super) struct Derived {
    pub mode: Mode,
    pub source_id: String,
    pub password: Option<Value>,
}

fn role_of(props: &Map<String, Value>) -> &str {
    str_of(props, "replicationRole").unwrap_or("Primary")
}

pub(super) fn is_replica(props: &Map<String, Value>) -> bool {
    REPLICA_ROLES
        .iter()
        .any(|r| r.eq_ignore_ascii_case(role_of(props)))
}

fn parse_time(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The replicas of the server `id`.
fn replicas_of<'a>(ctx: &'a Ctx<'_>, id: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
    ctx.state.of_type(TYPE).filter(move |r| {
        r.properties().is_some_and(|p| {
            is_replica(p) && str_of(p, "sourceServerResourceId").is_some_and(|s| s.eq_ignore_ascii_case(id))
        })
    })
}

/// For a new server whose `createMode` names a source: checks the source and the request as
/// the service does and fills in what a restore or replica takes from its source (sku,
/// version, storage, administrator, retention). `None` for an ordinary creation.
pub(super) fn derive(
    ctx: &Ctx<'_>,
    t: &Target,
    location: &str,
    body: &mut Map<String, Value>,
) -> Result<Option<Derived>, ArmError> {
    let props = body.get("properties").and_then(Value::as_object);
    let mode_text = props.and_then(|p| str_of(p, "createMode")).unwrap_or("Default");
    let mode = match mode_text.to_ascii_lowercase().as_str() {
        "default" | "create" | "update" => return Ok(None),
        "pointintimerestore" => Mode::PointInTimeRestore,
        "georestore" => Mode::GeoRestore,
        "replica" => Mode::Replica,
        "revivedropped" => {
            return Err(bad(
                "FeatureNotSupported",
                "createMode 'ReviveDropped' is not supported by the emulator: it keeps no dropped servers."
                    .into(),
            ));
        }
        other => {
            return Err(bad(
                "InvalidParameterValue",
                format!(
                    "Invalid value given for parameter createMode: '{other}'. Specify one of Default, Create, Update, \
                     PointInTimeRestore, GeoRestore, Replica, ReviveDropped."
                ),
            ));
        }
    };
    let props = props.cloned().unwrap_or_default();
    let Some(source_id) = str_of(&props, "sourceServerResourceId").map(str::to_string) else {
        return Err(bad(
            "SourceServerResourceIdRequired",
            format!("The parameter 'sourceServerResourceId' is required for createMode '{mode_text}'."),
        ));
    };
    let source = ctx
        .state
        .resource(&key_of(&source_id))
        .filter(|r| r.resource_type.eq_ignore_ascii_case(TYPE) && !ctx.state.is_hidden(&key_of(&source_id)))
        .cloned()
        .ok_or_else(|| {
            bad(
                "SourceServerNotFound",
                format!("The source server '{source_id}' was not found. Name an existing flexible server."),
            )
        })?;
    let sprops = source.properties().cloned().unwrap_or_default();
    let source_location = normalize_location(source.location().unwrap_or_default());
    let point = match mode {
        Mode::Replica => None,
        _ => {
            let Some(text) = str_of(&props, "pointInTimeUTC") else {
                return Err(bad(
                    "PointInTimeUTCRequired",
                    format!("The parameter 'pointInTimeUTC' is required for createMode '{mode_text}'."),
                ));
            };
            Some(parse_time(text).ok_or_else(|| {
                bad(
                    "InvalidParameterValue",
                    format!("pointInTimeUTC '{text}' is not an ISO 8601 date and time (e.g. 2025-06-01T10:00:00Z)."),
                )
            })?)
        }
    };
    let created = at(&sprops, "/backup/earliestRestoreDate")
        .and_then(Value::as_str)
        .and_then(parse_time)
        .unwrap_or(ctx.now);
    match mode {
        Mode::PointInTimeRestore => {
            if location != source_location {
                return Err(bad(
                    "InvalidRestoreLocation",
                    format!(
                        "A point-in-time restore creates the server in the source's region '{source_location}', not \
                         '{location}'. Use createMode GeoRestore to restore into the paired region."
                    ),
                ));
            }
            let days = at(&sprops, "/backup/backupRetentionDays")
                .and_then(Value::as_i64)
                .unwrap_or(7);
            let earliest = created.max(ctx.now - chrono::Duration::days(days));
            let point = point.unwrap_or(ctx.now);
            if point < earliest || point > ctx.now {
                return Err(bad(
                    "InvalidPointInTimeRestoreTime",
                    format!(
                        "pointInTimeUTC {} is outside the restore window of server '{}': choose a time between {} \
                         (earliest restore date) and now ({}).",
                        timestamp(point),
                        source.name(),
                        timestamp(earliest),
                        timestamp(ctx.now)
                    ),
                ));
            }
        }
        Mode::GeoRestore => {
            let geo = at(&sprops, "/backup/geoRedundantBackup").and_then(Value::as_str);
            if !geo.is_some_and(|g| g.eq_ignore_ascii_case("Enabled")) {
                return Err(bad(
                    "GeoRestoreNotSupported",
                    format!(
                        "Server '{}' does not have geo-redundant backup: geo-restore needs backup.geoRedundantBackup \
                         Enabled, chosen when the server is created.",
                        source.name()
                    ),
                ));
            }
            let pair = paired(&source_location);
            if pair != Some(location) {
                return Err(bad(
                    "InvalidGeoRestoreLocation",
                    match pair {
                        Some(p) => format!(
                            "Geo-restore of server '{}' ({source_location}) is only possible into its paired region \
                             '{p}', not '{location}'.",
                            source.name()
                        ),
                        None => format!(
                            "Region '{source_location}' of server '{}' has no paired region: it cannot be geo-restored.",
                            source.name()
                        ),
                    },
                ));
            }
            let lag = chrono::Duration::from_std(ctx.latency.for_type(GEO_LAG_TYPE)).unwrap_or_default();
            if ctx.now < created + lag {
                return Err(bad(
                    "GeoBackupNotAvailable",
                    format!(
                        "No geo-backup of server '{}' is available yet: the first one is copied to '{location}' at {}. \
                         Retry after that.",
                        source.name(),
                        timestamp(created + lag)
                    ),
                ));
            }
        }
        Mode::Replica => {
            if is_replica(&sprops) {
                return Err(bad(
                    "ReplicaOfReplicaNotSupported",
                    format!(
                        "Server '{}' is itself a replica: create the replica from its primary.",
                        source.name()
                    ),
                ));
            }
            let tier = at(&source.body, "/sku/tier")
                .and_then(Value::as_str)
                .unwrap_or("");
            if tier.eq_ignore_ascii_case("Burstable") {
                return Err(bad(
                    "ReplicaNotSupportedForBurstable",
                    format!(
                        "Read replicas are not supported for server '{}' in the Burstable tier: scale it to General \
                         Purpose or Memory Optimized first.",
                        source.name()
                    ),
                ));
            }
            let count = replicas_of(ctx, &source.id).filter(|r| r.key() != t.key).count();
            if count >= MAX_REPLICAS {
                return Err(bad(
                    "ReplicaCountExceeded",
                    format!(
                        "Server '{}' already has {count} replicas, the most a server can have.",
                        source.name()
                    ),
                ));
            }
        }
    }
    // What the new server takes from its source unless the request says otherwise.
    if !body.contains_key("sku")
        && let Some(sku) = source.body.get("sku")
    {
        body.insert("sku".into(), sku.clone());
    }
    if let Some(Value::Object(p)) = body.get_mut("properties") {
        for field in ["version", "administratorLogin", "authConfig"] {
            if let (false, Some(v)) = (p.contains_key(field), sprops.get(field)) {
                p.insert(field.into(), v.clone());
            }
        }
        // A point-in-time restore stays in the source's network (same region, same subnet).
        if mode == Mode::PointInTimeRestore
            && !p.contains_key("network")
            && let Some(Value::Object(n)) = sprops.get("network")
        {
            let mut n = n.clone();
            n.retain(|k, _| k == "delegatedSubnetResourceId" || k == "privateDnsZoneArmResourceId");
            p.insert("network".into(), Value::Object(n));
        }
        if !p.contains_key("storage")
            && let Some(Value::Object(s)) = sprops.get("storage")
        {
            let mut s = s.clone();
            s.retain(|k, _| k == "storageSizeGB" || k == "autoGrow");
            p.insert("storage".into(), Value::Object(s));
        }
        let mut backup = p
            .get("backup")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let (false, Some(days)) = (
            backup.contains_key("backupRetentionDays"),
            at(&sprops, "/backup/backupRetentionDays"),
        ) {
            backup.insert("backupRetentionDays".into(), days.clone());
        }
        if mode == Mode::Replica {
            backup.insert("geoRedundantBackup".into(), json!("Disabled"));
            // Replicas have no high availability (docs reliability-database-postgresql).
            p.insert("highAvailability".into(), json!({"mode": "Disabled"}));
        }
        p.insert("backup".into(), Value::Object(backup));
    }
    Ok(Some(Derived {
        mode,
        source_id: source.id.clone(),
        password: source.private.get("administratorLoginPassword").cloned(),
    }))
}

/// A server made from another (a replica, a restore) holds the other's databases: they come
/// with its data, not from requests (docs concepts-read-replicas: a replica is a copy of the
/// whole server).
pub(super) fn copy_databases(ctx: &mut Ctx<'_>, source_id: &str, new_id: &str) {
    let source_key = key_of(source_id);
    let dbs: Vec<Resource> = ctx
        .state
        .children(&source_key, "databases")
        .into_iter()
        .cloned()
        .collect();
    for mut db in dbs {
        let name = db.name().to_string();
        db.id = format!("{new_id}/databases/{name}");
        db.order = ctx.state.next_order();
        ctx.state.put_resource(db);
    }
}

/// The replication fields of a server created per `derived`.
pub(super) fn mark_new(stored: &mut Map<String, Value>, derived: &Derived) {
    stored.insert("sourceServerResourceId".into(), json!(derived.source_id));
    if derived.mode == Mode::Replica {
        stored.insert("replicationRole".into(), json!("AsyncReplica"));
        stored.insert("replicaCapacity".into(), json!(0));
        stored.insert(
            "replica".into(),
            json!({"role": "AsyncReplica", "capacity": 0, "replicationState": "Active"}),
        );
    }
}

/// A promotion asked for in a write: `(mode, option)` in the service's casing.
pub(super) fn take_promote(props: &mut Map<String, Value>) -> Result<Option<(String, String)>, ArmError> {
    let Some(Value::Object(replica)) = props.get_mut("replica") else {
        return Ok(None);
    };
    let mode = replica.remove("promoteMode");
    let option = replica.remove("promoteOption");
    let Some(mode) = mode.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let mode = super::settings::one_of(
        mode.as_str(),
        &["standalone", "switchover"],
        "standalone",
        "replica.promoteMode",
    )?;
    let option = super::settings::one_of(
        option.as_ref().and_then(Value::as_str),
        &["planned", "forced"],
        "planned",
        "replica.promoteOption",
    )?;
    Ok(Some((mode, option)))
}

/// Keeps the replication fields of an existing server (a write does not change them) and
/// applies a promotion of a replica.
pub(super) fn keep_and_promote(
    ctx: &mut Ctx<'_>,
    t: &Target,
    old: &Map<String, Value>,
    stored: &mut Map<String, Value>,
    promote: Option<(String, String)>,
) -> Result<(), ArmError> {
    for field in [
        "replicationRole",
        "replicaCapacity",
        "replica",
        "sourceServerResourceId",
    ] {
        match old.get(field) {
            Some(v) => stored.insert(field.into(), v.clone()),
            None => stored.remove(field),
        };
    }
    let Some((mode, _option)) = promote else {
        return Ok(());
    };
    if !is_replica(old) {
        return Err(bad(
            "ServerIsNotReplica",
            format!(
                "Server '{}' is not a read replica: only a replica can be promoted.",
                t.name
            ),
        ));
    }
    let source_id = str_of(old, "sourceServerResourceId")
        .unwrap_or_default()
        .to_string();
    stored.remove("sourceServerResourceId");
    if let Some(Value::Object(b)) = stored.get_mut("backup") {
        b.insert("geoRedundantBackup".into(), json!("Disabled"));
    }
    if mode == "standalone" {
        stored.insert("replicationRole".into(), json!("None"));
        stored.insert("replicaCapacity".into(), json!(MAX_REPLICAS));
        stored.insert(
            "replica".into(),
            json!({"role": "None", "capacity": MAX_REPLICAS}),
        );
        return Ok(());
    }
    // Switchover: this server becomes the primary; the old one and its other replicas follow it.
    stored.insert("replicationRole".into(), json!("Primary"));
    stored.insert("replicaCapacity".into(), json!(MAX_REPLICAS));
    stored.insert(
        "replica".into(),
        json!({"role": "Primary", "capacity": MAX_REPLICAS}),
    );
    let followers: Vec<String> = replicas_of(ctx, &source_id)
        .map(Resource::key)
        .filter(|k| *k != t.key)
        .collect();
    for key in followers {
        if let Some(r) = ctx.state.resource_mut(&key) {
            r.properties_mut()
                .insert("sourceServerResourceId".into(), json!(t.id));
        }
    }
    if let Some(primary) = ctx.state.resource_mut(&key_of(&source_id)) {
        let p = primary.properties_mut();
        p.insert("replicationRole".into(), json!("AsyncReplica"));
        p.insert("replicaCapacity".into(), json!(0));
        p.insert(
            "replica".into(),
            json!({"role": "AsyncReplica", "capacity": 0, "replicationState": "Active"}),
        );
        p.insert("sourceServerResourceId".into(), json!(t.id));
    }
    Ok(())
}

/// A primary being deleted: its replicas become standalone servers (docs
/// how-to-read-replicas-portal, "Delete a primary server").
pub(super) fn release_replicas(ctx: &mut Ctx<'_>, primary_id: &str) {
    let keys: Vec<String> = replicas_of(ctx, primary_id).map(Resource::key).collect();
    for key in keys {
        if let Some(r) = ctx.state.resource_mut(&key) {
            let p = r.properties_mut();
            p.remove("sourceServerResourceId");
            p.insert("replicationRole".into(), json!("None"));
            p.insert("replicaCapacity".into(), json!(MAX_REPLICAS));
            p.insert(
                "replica".into(),
                json!({"role": "None", "capacity": MAX_REPLICAS}),
            );
        }
    }
}

/// `GET …/flexibleServers/{name}/replicas`.
pub(crate) fn list(ctx: &mut Ctx<'_>, server: &Target) -> Result<Reply, ArmError> {
    let docs: Vec<Value> = replicas_of(ctx, &server.id)
        .filter(|r| !ctx.state.is_hidden(&r.key()))
        .map(|r| Servers.render(ctx.state, r))
        .collect();
    Ok(Reply::json(axum::http::StatusCode::OK, json!({ "value": docs })))
}
