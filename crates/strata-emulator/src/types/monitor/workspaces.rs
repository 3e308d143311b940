//! Microsoft.OperationalInsights/workspaces.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::super::common::{
    assemble, keep_or, merge_patch, new_guid, read_location, read_tags, render_doc, str_of, take_properties,
    timestamp,
};
use super::super::longrun::{NewOp, schedule};
use super::super::{Ctx, Target, TypeRules};
use crate::protocol::{ArmError, Reply};
use crate::store::{OpAction, Resource, State, Tombstone};

pub(crate) const TYPE: &str = "Microsoft.OperationalInsights/workspaces";
pub(crate) const NAMESPACE: &str = "Microsoft.OperationalInsights";

/// Published versions.
pub(crate) const VERSIONS: &[&str] = &[
    "2025-02-01",
    "2023-09-01",
    "2022-10-01",
    "2021-12-01-preview",
    "2021-06-01",
    "2020-10-01",
    "2020-08-01",
    "2020-03-01-preview",
    "2015-11-01-preview",
];

/// How long a deleted workspace is kept [V LAW].
const SOFT_DELETE_DAYS: i64 = 14;

const SKUS: &[&str] = &[
    "PerGB2018",
    "Free",
    "Standalone",
    "PerNode",
    "Standard",
    "Premium",
    "CapacityReservation",
    "LACluster",
];

const READ_ONLY: &[&str] = &["provisioningState", "customerId", "createdDate", "modifiedDate"];

fn invalid(message: String) -> ArmError {
    ArmError::bad_request("InvalidParameter", message)
}

/// Checks sku and retention and completes them with the service's defaults.
fn complete(props: &mut Map<String, Value>) -> Result<(), ArmError> {
    let sku = match props.get("sku") {
        None | Some(Value::Null) => "PerGB2018".to_string(),
        Some(Value::Object(s)) => {
            let Some(name) = str_of(s, "name") else {
                return Err(invalid(
                    "The property 'sku.name' is required when 'sku' is given.".into(),
                ));
            };
            SKUS.iter()
                .find(|k| k.eq_ignore_ascii_case(name))
                .map(|k| (*k).to_string())
                .ok_or_else(|| {
                    invalid(format!(
                        "The sku '{name}' is not valid; use one of {}.",
                        SKUS.join(", ")
                    ))
                })?
        }
        Some(other) => {
            return Err(invalid(format!(
                "The property 'sku' must be an object, not {other}."
            )));
        }
    };
    let mut sku_out = props
        .get("sku")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    sku_out.insert("name".into(), json!(sku));
    sku_out.entry("lastSkuUpdate").or_insert_with(|| json!(""));
    props.insert("sku".into(), Value::Object(sku_out));
    let (min, max, default) = if sku == "Free" { (7, 7, 7) } else { (30, 730, 30) };
    let retention = match props.get("retentionInDays") {
        None | Some(Value::Null) => default,
        Some(v) => v.as_i64().unwrap_or(-1),
    };
    if !(min..=max).contains(&retention) {
        return Err(invalid(format!(
            "'RetentionInDays' must be between {min} and {max} for pricing tier '{sku}'; it is {retention}."
        )));
    }
    props.insert("retentionInDays".into(), json!(retention));
    let mut capping = props
        .get("workspaceCapping")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    capping.entry("dailyQuotaGb").or_insert_with(|| json!(-1.0));
    capping.entry("quotaNextResetTime").or_insert_with(|| json!(""));
    capping
        .entry("dataIngestionStatus")
        .or_insert_with(|| json!("RespectQuota"));
    props.insert("workspaceCapping".into(), Value::Object(capping));
    let mut features = props
        .get("features")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    features.entry("legacy").or_insert_with(|| json!(0));
    features.entry("searchVersion").or_insert_with(|| json!(1));
    features
        .entry("enableLogAccessUsingOnlyResourcePermissions")
        .or_insert_with(|| json!(true));
    props.insert("features".into(), Value::Object(features));
    props
        .entry("publicNetworkAccessForIngestion")
        .or_insert_with(|| json!("Enabled"));
    props
        .entry("publicNetworkAccessForQuery")
        .or_insert_with(|| json!("Enabled"));
    Ok(())
}

/// Soft-deletes a workspace its resource group took away.
pub(crate) fn soft_delete_removed(state: &mut State, now: DateTime<Utc>, ws: &Resource) {
    state.keep(Tombstone {
        resource: ws.clone(),
        children: Vec::new(),
        deleted: now,
        purge_at: now + Duration::days(SOFT_DELETE_DAYS),
        purging: None,
    });
}

/// `GET …/providers/Microsoft.OperationalInsights/deletedWorkspaces` (subscription or group).
pub(crate) fn list_deleted(ctx: &mut Ctx<'_>, sub: &str, group: Option<&str>) -> Result<Reply, ArmError> {
    crate::protocol::check_provider(
        ctx.api_version,
        Some(VERSIONS),
        "Microsoft.OperationalInsights/deletedWorkspaces",
        "global",
    )?;
    let value: Vec<Value> = ctx
        .state
        .tombstones_of(TYPE)
        .filter(|t| {
            strata_core::ArmId::parse(&t.resource.id).is_ok_and(|id| {
                id.subscription_id().eq_ignore_ascii_case(sub)
                    && group.is_none_or(|g| {
                        id.resource_group_name()
                            .is_some_and(|n| n.eq_ignore_ascii_case(g))
                    })
            })
        })
        .map(|t| Value::Object(render_doc(&t.resource)))
        .collect();
    Ok(Reply::json(StatusCode::OK, json!({ "value": value })))
}

pub(crate) struct Workspaces;

impl TypeRules for Workspaces {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let location = read_location(&body, true)?.unwrap_or_default();
        let tags = read_tags(&body)?;
        let mut props = take_properties(&mut body)?;
        for k in READ_ONLY {
            props.remove(*k);
        }
        complete(&mut props)?;
        let mut existing = ctx.state.resource(&t.key).cloned();
        // Re-creating a soft-deleted workspace in its group and location recovers it.
        if existing.is_none()
            && let Some(grave) = ctx.state.tombstone(&t.key)
        {
            let old = grave.resource.location().unwrap_or_default().to_string();
            if old != location {
                return Err(ArmError::new(
                    StatusCode::CONFLICT,
                    "Conflict",
                    format!(
                        "The workspace '{}' was deleted recently in location '{old}' and is kept for {SOFT_DELETE_DAYS} \
                         days; re-create it there to recover it, or delete it with force=true.",
                        t.name
                    ),
                ));
            }
            existing = ctx.state.recover(&t.key);
        }
        let now = timestamp(ctx.now);
        let mut stored = Map::new();
        stored.insert(
            "customerId".into(),
            keep_or(existing.as_ref(), "customerId", || json!(new_guid())),
        );
        stored.insert(
            "createdDate".into(),
            keep_or(existing.as_ref(), "createdDate", || json!(now)),
        );
        stored.insert("modifiedDate".into(), json!(now));
        stored.extend(props);
        let created = existing.is_none();
        stored.insert(
            "provisioningState".into(),
            json!(if created { "Creating" } else { "Succeeded" }),
        );
        let doc = assemble(body, Some(&location), tags, stored);
        let rendered = crate::types::common::store(ctx, self, t, TYPE, doc, existing.as_ref(), |_| {});
        if !created {
            return Ok(Reply::json(StatusCode::OK, rendered));
        }
        let new = NewOp::on(
            t,
            NAMESPACE,
            &location,
            OpAction::Provision {
                targets: vec![t.key.clone()],
            },
        );
        schedule(ctx, new);
        Ok(Reply::json(StatusCode::CREATED, rendered))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let tags = read_tags(&body)?;
        let Some(mut updated) = ctx.state.resource(&t.key).cloned() else {
            return Err(ArmError::resource_not_found(
                &t.path.type_and_names(1),
                &t.group_name,
            ));
        };
        if body.contains_key("tags") {
            match tags {
                Some(tags) => updated.body.insert("tags".into(), Value::Object(tags)),
                None => updated.body.remove("tags"),
            };
        }
        let mut patch = take_properties(&mut body)?;
        for k in READ_ONLY {
            patch.remove(*k);
        }
        let mut props = Value::Object(updated.properties().cloned().unwrap_or_default());
        merge_patch(&mut props, &Value::Object(patch));
        let mut props = match props {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        complete(&mut props)?;
        props.insert("modifiedDate".into(), json!(timestamp(ctx.now)));
        updated.body.insert("properties".into(), Value::Object(props));
        let rendered = self.render(ctx.state, &updated);
        ctx.state.put_resource(updated);
        Ok(Reply::json(StatusCode::OK, rendered))
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        if ctx.state.resource(&t.key).is_none() {
            // `force=true` also purges a workspace already soft-deleted.
            if ctx.flag("force") && ctx.state.exhume(&t.key).is_some() {
                return Ok(Reply::empty(StatusCode::OK));
            }
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        if ctx.flag("force") {
            ctx.state.remove_tree(&t.key);
        } else {
            ctx.state
                .bury(&t.key, ctx.now, ctx.now + Duration::days(SOFT_DELETE_DAYS));
        }
        Ok(Reply::empty(StatusCode::OK))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(render_doc(res))
    }
}
