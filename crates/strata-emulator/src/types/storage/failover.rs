//! Customer-managed account failover and the geo-replication statistics it is decided on.
//!
//! - `POST …/storageAccounts/{name}/failover` (unplanned) and `…?failoverType=Planned` answer
//!   202 + `Location` (Storage's `…/operations/{id}` poll, 202 until done, then 200), as the
//!   spec's `StorageAccounts_Failover` (final state via `location`). Meanwhile the account
//!   shows `failoverInProgress: true` and other writes to it answer
//!   `AnotherOperationInProgress`. The operation takes the latency of
//!   `Microsoft.Storage/storageAccounts/failover` (about an hour in Azure).
//! - Unplanned: the secondary region becomes the primary and the account becomes locally
//!   redundant (`Standard_LRS`, from GRS, RA-GRS, GZRS and RA-GZRS alike, as Learn states and
//!   the docs team confirmed for GZRS); no secondary until geo-redundancy is configured again
//!   (a PATCH of the sku, which pairs the new primary with its own pair). It works while the
//!   primary region is out, which is its purpose; it is refused while the secondary is.
//! - Planned: primary and secondary swap and the sku stays; only while both regions answer.
//! - `location` never changes: the resource provider does not move. `lastGeoFailoverTime` is
//!   the operation's end.
//! - Accounts without geo-replication (LRS, ZRS, premium) have no secondary: the failover is
//!   refused with 400 `FailoverNotSupported` ([U] code; the prerequisite is Learn's "make sure
//!   that your storage account is configured for geo-replication").
//! - `GET …?$expand=geoReplicationStats` adds `properties.geoReplicationStats` to
//!   geo-replicated accounts: `status` (`Live`, or `Unavailable` while the secondary region is
//!   out; `Bootstrap` is not modelled), `lastSyncTime` = the emulator's clock minus
//!   [`SYNC_LAG`] (whole seconds), frozen at the start of an outage of the primary region
//!   minus the same lag, `canFailover`, `canPlannedFailover`, `postFailoverRedundancy`
//!   (`Standard_LRS`) and `postPlannedFailoverRedundancy` (the sku). A drill's data-loss
//!   exposure is `now − lastSyncTime`.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Map, Value, json};

use super::super::common::timestamp;
use super::super::longrun::{NewOp, schedule};
use super::super::{Ctx, Target};
use super::{NAMESPACE, endpoints};
use crate::protocol::{self, ArmError, Reply};
use crate::store::{OpAction, Resource, State};

/// How far the secondary trails the primary: Azure documents "typically less than 15
/// minutes" with no SLA; the emulator keeps a fixed five minutes, so that drills compute a
/// deterministic RPO.
pub(crate) const SYNC_LAG: Duration = Duration::minutes(5);

/// The latency type of a failover (`--latency Microsoft.Storage/storageAccounts/failover=2s`).
const LATENCY_TYPE: &str = "Microsoft.Storage/storageAccounts/failover";

fn sku_of(res: &Resource) -> String {
    res.body
        .get("sku")
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn prop<'a>(res: &'a Resource, name: &str) -> Option<&'a str> {
    res.properties().and_then(|p| p.get(name)).and_then(Value::as_str)
}

fn in_progress(res: &Resource) -> bool {
    res.properties()
        .and_then(|p| p.get("failoverInProgress"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The account's primary and secondary regions, when it is geo-replicated.
fn regions(res: &Resource) -> Option<(String, String)> {
    let primary = prop(res, "primaryLocation").or_else(|| res.location())?;
    let secondary = prop(res, "secondaryLocation")?;
    endpoints::is_geo(&sku_of(res)).then(|| (primary.to_string(), secondary.to_string()))
}

fn refused(code: &str, message: String) -> ArmError {
    ArmError::bad_request(code, message)
}

/// 409 `AnotherOperationInProgress` for a write to an account while its failover runs ([U]
/// wording).
pub(super) fn check_not_busy(ctx: &Ctx<'_>, t: &Target) -> Result<(), ArmError> {
    let busy = ctx.state.resource(&t.key).is_some_and(in_progress);
    match ctx.state.lock_holder(&t.key) {
        Some(op) if busy || op.name == "FailoverStorageAccountOperation" => Err(ArmError::new(
            StatusCode::CONFLICT,
            "AnotherOperationInProgress",
            format!(
                "A failover of the storage account {} is in progress; retry when it has completed.",
                t.name
            ),
        )
        .retry_after(protocol::retry_after(op, ctx.now))),
        _ => Ok(()),
    }
}

/// `POST …/failover[?failoverType=Planned]`.
pub(super) fn start(ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
    let planned = match ctx.param("failoverType") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("Planned") => true,
        Some(v) => {
            return Err(refused(
                "InvalidValuesForRequestParameters",
                format!(
                    "Values for request parameters are invalid: failoverType '{v}'; the only value is Planned."
                ),
            ));
        }
    };
    let Some(account) = ctx.state.resource(&t.key).cloned() else {
        return Err(ArmError::resource_not_found(
            &t.path.type_and_names(1),
            &t.group_name,
        ));
    };
    if in_progress(&account) || ctx.state.lock_holder(&t.key).is_some() {
        return Err(ArmError::new(
            StatusCode::CONFLICT,
            "AnotherOperationInProgress",
            format!(
                "A failover of the storage account {} is already in progress.",
                t.name
            ),
        ));
    }
    let sku = sku_of(&account);
    let Some((primary, secondary)) = regions(&account) else {
        let why = if endpoints::is_geo(&sku) {
            format!(
                "its region {} has no paired region",
                account.location().unwrap_or_default()
            )
        } else {
            format!("its sku {sku} does not replicate to one")
        };
        return Err(refused(
            "FailoverNotSupported",
            format!(
                "The storage account {} has no secondary region ({why}): failover needs a geo-redundant \
                 account (Standard_GRS, Standard_RAGRS, Standard_GZRS or Standard_RAGZRS) in a paired region.",
                t.name
            ),
        ));
    };
    let outages = &ctx.state.outages;
    if outages.is_out(&secondary) {
        return Err(refused(
            "FailoverNotSupported",
            format!(
                "The secondary region {secondary} of the storage account {} is not available: the account cannot \
                 fail over now.",
                t.name
            ),
        ));
    }
    if planned && outages.is_out(&primary) {
        return Err(refused(
            "FailoverNotSupported",
            format!(
                "A planned failover needs both regions of the storage account {} available, and {primary} is not; \
                 an unplanned failover (without failoverType) is possible.",
                t.name
            ),
        ));
    }
    let new_sku = if planned {
        sku.clone()
    } else {
        "Standard_LRS".to_string()
    };
    let latency = ctx.latency_of(LATENCY_TYPE);
    let end = ctx.now + latency;
    let patch = json!({
        "sku": {"name": new_sku, "tier": endpoints::tier(&new_sku)},
        "properties": {
            "primaryLocation": secondary,
            "secondaryLocation": if planned { json!(primary) } else { Value::Null },
            "statusOfPrimary": "available",
            "statusOfSecondary": if planned { json!("available") } else { Value::Null },
            "secondaryEndpoints": if planned {
                account.properties().and_then(|p| p.get("secondaryEndpoints")).cloned().unwrap_or(Value::Null)
            } else {
                Value::Null
            },
            "lastGeoFailoverTime": timestamp(end),
            "failoverInProgress": Value::Null,
        }
    });
    if let Some(r) = ctx.state.resource_mut(&t.key) {
        r.properties_mut()
            .insert("failoverInProgress".into(), json!(true));
    }
    // The work happens in the region that becomes primary: it completes while the old
    // primary is out.
    let new = NewOp {
        subscription: &t.path.subscription,
        namespace: NAMESPACE,
        location: &secondary,
        latency_type: LATENCY_TYPE,
        action: OpAction::Patch {
            target: t.key.clone(),
            patch,
        },
        name: "FailoverStorageAccountOperation".into(),
        lock: Some(t.key.clone()),
        resource: None,
    };
    let op = schedule(ctx, new);
    Ok(protocol::accepted(ctx.base_url, &op, ctx.now, false))
}

/// What an outage changes in a rendered account: `statusOfPrimary` / `statusOfSecondary`
/// `unavailable` while their region is out.
pub(super) fn show_status(state: &State, res: &Resource, props: &mut Map<String, Value>) {
    for (region, status) in [
        ("primaryLocation", "statusOfPrimary"),
        ("secondaryLocation", "statusOfSecondary"),
    ] {
        if let Some(r) = prop(res, region)
            && props.contains_key(status)
            && state.outages.is_out(r)
        {
            props.insert(status.into(), json!("unavailable"));
        }
    }
}

/// `properties.geoReplicationStats` of a geo-replicated account, at `now`.
pub(super) fn stats(state: &State, res: &Resource, now: DateTime<Utc>) -> Option<Value> {
    let (primary, secondary) = regions(res)?;
    let outages = &state.outages;
    let synced_until = outages.out_since(&primary).map_or(now, |start| start.min(now));
    let last_sync = (synced_until - SYNC_LAG)
        .duration_trunc(Duration::seconds(1))
        .unwrap_or(synced_until - SYNC_LAG);
    let busy = in_progress(res);
    let secondary_up = !outages.is_out(&secondary);
    let primary_up = !outages.is_out(&primary);
    Some(json!({
        "status": if secondary_up { "Live" } else { "Unavailable" },
        "lastSyncTime": timestamp(last_sync),
        "canFailover": secondary_up && !busy,
        "canPlannedFailover": secondary_up && primary_up && !busy,
        "postFailoverRedundancy": "Standard_LRS",
        "postPlannedFailoverRedundancy": sku_of(res),
    }))
}

/// True when `$expand` asks for the geo-replication statistics.
pub(super) fn wants_stats(ctx: &Ctx<'_>) -> bool {
    ctx.param("$expand").is_some_and(|e| {
        e.split(',')
            .any(|x| x.trim().eq_ignore_ascii_case("geoReplicationStats"))
    })
}
