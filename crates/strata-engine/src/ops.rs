//! One resource's operations: write (with recovery or purge of a soft-deleted namesake, and
//! the children a parent must keep) and delete (with purge, or nothing for what ARM cannot
//! delete on its own).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;
use strata_core::{DesiredResource, PathStep, Recover, ResourceAddr, SoftDelete};

use crate::arm::Arm;
use crate::attrs::{ACTION_PREFIX, Attributes};
use crate::error::OpError;
use crate::model::SoftDeleteAction;
use crate::serial::SerialLocks;

/// Shared by the operation tasks.
pub(crate) struct Ctx {
    pub arm: Arc<dyn Arm>,
    pub desired: HashMap<ResourceAddr, DesiredResource>,
    pub attrs: Mutex<Attributes>,
    pub locks: SerialLocks,
    /// id, api-version and soft-delete policy of resources in state (for deletes).
    pub state_targets: HashMap<ResourceAddr, (String, String, Option<SoftDelete>)>,
    /// Ids (lower case) this run deletes or replaces.
    pub deleting: HashSet<String>,
    /// The plan's soft-delete step per resource.
    pub soft_delete: HashMap<ResourceAddr, SoftDeleteAction>,
    /// The resources of each module block, for `Dependency::Module` (computed once: looking
    /// them up per resource would be quadratic in large stacks).
    pub module_members: HashMap<String, Vec<ResourceAddr>>,
}

pub(crate) enum Outcome {
    Written {
        doc: Json,
        sensitive: Vec<Vec<PathStep>>,
        digest: String,
    },
    Deleted,
}

pub(crate) async fn write(ctx: &Ctx, addr: &ResourceAddr) -> Result<Outcome, OpError> {
    let d = ctx
        .desired
        .get(addr)
        .ok_or_else(|| OpError::Other(format!("{addr} is not in the configuration")))?;
    let body = {
        let attrs = ctx
            .attrs
            .lock()
            .map_err(|_| OpError::Other("internal lock poisoned".into()))?;
        strata_expr::resolve(&d.body, &|a, p| attrs.lookup(a, p)).map_err(OpError::Resolve)?
    };
    let Some(mut json) = body.to_json() else {
        let mut waiting = Vec::new();
        body.deferred_attrs(&mut waiting);
        let names: Vec<String> = waiting
            .iter()
            .map(|(a, p)| format!("{a}.{}", strata_core::path_to_string(p)))
            .collect();
        return Err(OpError::Resolve(format!(
            "values are still unknown after their resources were applied: {}",
            names.join(", ")
        )));
    };
    let digest = crate::planner::body_digest(&json);
    let _guard = ctx.locks.lock_for(&d.id, Some(&json)).await;
    match (ctx.soft_delete.get(addr), &d.soft_delete) {
        (Some(SoftDeleteAction::Recover), Some(sd)) if sd.recover == Recover::CreateModeRecover => {
            if let Json::Object(m) = &mut json {
                let props = m
                    .entry("properties")
                    .or_insert_with(|| Json::Object(serde_json::Map::new()));
                if let Json::Object(p) = props {
                    p.insert("createMode".into(), Json::String("recover".into()));
                }
            }
        }
        (Some(SoftDeleteAction::PurgeThenCreate), Some(sd)) => {
            if let Some(deleted) = &sd.deleted_id {
                purge(ctx, deleted, &sd.api_version).await?;
            }
        }
        _ => {}
    }
    if !d.preserve.is_empty() {
        // Carry children the configuration manages elsewhere (a VNet's subnets) from the live
        // resource, read under the same lock as the children's writes.
        if let Some(live) = ctx
            .arm
            .get(d.id.as_str(), &d.api_version)
            .await
            .map_err(arm_read)?
        {
            for path in &d.preserve {
                carry(&mut json, &live, path);
            }
            // What the live document holds that a request may not (etags, provisioning
            // states): Azure ignores it, so it is not sent.
            let carried: Vec<String> = d
                .preserve
                .iter()
                .map(|p| strata_core::path_to_string(p))
                .collect();
            if let Ok(Ok(Some(schema))) =
                strata_azure::Catalogue::global().map(|c| c.schema_for(&d.resource_type(), &d.api_version))
            {
                schema.prune_where(&mut json, |at| carried.iter().any(|c| at.starts_with(c.as_str())));
            }
        }
    }
    if !d.lifecycle.ignore_changes.is_empty() {
        // `ignore_changes`: an update sends what Azure holds at those paths, not the
        // configuration's value (which may be one Azure refuses to change, such as a database's
        // geo-redundant backup after a failback).
        if let Some(live) = ctx
            .arm
            .get(d.id.as_str(), &d.api_version)
            .await
            .map_err(arm_read)?
        {
            for path in &d.lifecycle.ignore_changes {
                keep_live(&mut json, &live, path);
            }
            let kept: Vec<String> = d
                .lifecycle
                .ignore_changes
                .iter()
                .map(|p| strata_core::path_to_string(p))
                .collect();
            if let Ok(Ok(Some(schema))) =
                strata_azure::Catalogue::global().map(|c| c.schema_for(&d.resource_type(), &d.api_version))
            {
                schema.prune_where(&mut json, |at| kept.iter().any(|c| at.starts_with(c.as_str())));
            }
        }
    }
    // What the write needs first (a vault discovering the machine it is about to protect).
    for action in d.read_actions.iter().filter(|a| a.before_write) {
        let on = action.on.as_deref().unwrap_or(d.id.as_str());
        ctx.arm
            .post(on, &action.name, &action.api_version, None)
            .await
            .map_err(arm_read)?;
    }
    let mut doc = ctx.arm.put(d.id.as_str(), &d.api_version, &json).await?;
    confirm_readable(ctx, d).await?;
    let mut sensitive = body.sensitive_paths();
    for action in d.read_actions.iter().filter(|a| !a.before_write) {
        let on = action.on.as_deref().unwrap_or(d.id.as_str());
        let result = ctx
            .arm
            .post(on, &action.name, &action.api_version, None)
            .await
            .map_err(arm_read)?;
        let key = format!("{ACTION_PREFIX}{}", action.name);
        if let Json::Object(m) = &mut doc {
            m.insert(key.clone(), result);
        }
        sensitive.push(vec![PathStep::Key(key)]);
    }
    Ok(Outcome::Written {
        doc,
        sensitive,
        digest,
    })
}

/// A failed read (or a read-only action): it changed nothing, so its outcome is known.
fn arm_read(e: strata_arm::ArmError) -> OpError {
    OpError::Arm(Box::new(e))
}

/// ARM reads can miss a resource for a moment after it was written (another region's replica
/// answers). Dependents start only once a read sees it, so their writes never meet a parent
/// that seems not to exist.
async fn confirm_readable(ctx: &Ctx, d: &DesiredResource) -> Result<(), OpError> {
    let mut delay = std::time::Duration::from_millis(50);
    for _ in 0..12 {
        match ctx.arm.get(d.id.as_str(), &d.api_version).await {
            Ok(Some(_)) => return Ok(()),
            Ok(None) => {
                tracing::debug!(id = %d.id, ?delay, "written but not yet readable; waiting");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(5));
            }
            // The write succeeded; whether a read works is not its outcome.
            Err(_) => return Err(OpError::NotReadable { id: d.id.clone() }),
        }
    }
    Err(OpError::NotReadable { id: d.id.clone() })
}

pub(crate) async fn delete(ctx: &Ctx, addr: &ResourceAddr) -> Result<Outcome, OpError> {
    let (id, api, sd) = match (ctx.state_targets.get(addr), ctx.desired.get(addr)) {
        // What is deleted is what state holds (a replacement's old one), so its policy first.
        (Some((id, api, sd)), d) => (
            id.clone(),
            api.clone(),
            sd.clone().or_else(|| d.and_then(|d| d.soft_delete.clone())),
        ),
        (None, Some(d)) => (d.id.to_string(), d.api_version.clone(), d.soft_delete.clone()),
        (None, None) => {
            return Err(OpError::Other(format!(
                "{addr} is neither in state nor in the configuration"
            )));
        }
    };
    let parsed = strata_core::ArmId::parse(&id).map_err(|e| OpError::Other(e.to_string()))?;
    let resource_type = parsed.resource_type().to_ascii_lowercase();
    let sd = sd.or_else(|| crate::lookups::fallback(&resource_type).cloned());
    if crate::lookups::is_settings_singleton(&resource_type) {
        return Ok(Outcome::Deleted);
    }
    if strata_azure::behaviour::deleted_with_parent(&resource_type) {
        let parent = parsed.parent().map(|p| p.key()).unwrap_or_default();
        if ctx.deleting.contains(&parent) {
            // Deleting the vault deletes (soft-deletes) what it holds.
            return Ok(Outcome::Deleted);
        }
        return Err(OpError::DataPlaneOnly {
            resource_type: parsed.resource_type(),
        });
    }
    let _guard = ctx.locks.lock(&parsed).await;
    let purging = ctx.soft_delete.get(addr) == Some(&SoftDeleteAction::DeleteAndPurge);
    match (&sd, purging) {
        (Some(sd), true) if !crate::lookups::purge_is_post(sd) => {
            // Deleted for good in one call (a Log Analytics workspace's `force=true`).
            ctx.arm.delete(&format!("{id}?force=true"), &api).await?;
        }
        (Some(sd), true) => {
            ctx.arm.delete(&id, &api).await?;
            if let Some(deleted) = &sd.deleted_id {
                purge(ctx, deleted, &sd.api_version).await?;
            }
        }
        _ => ctx.arm.delete(&id, &api).await?,
    }
    Ok(Outcome::Deleted)
}

/// Purges a soft-deleted resource. A 404 means there is nothing (left) to purge: an earlier
/// try whose answer was lost did it, or the deletion is not listed yet right after the delete
/// (read replicas lag), which a few waits cover. If it never shows, the next plan finds the
/// namesake and recovers or purges it as the environment chooses.
async fn purge(ctx: &Ctx, deleted: &strata_core::ArmId, api_version: &str) -> Result<(), OpError> {
    let mut delay = std::time::Duration::from_millis(100);
    for _ in 0..5 {
        match ctx.arm.post(deleted.as_str(), "purge", api_version, None).await {
            Ok(_) => return Ok(()),
            Err(e) if e.status() == Some(404) && e.maybe_applied() => return Ok(()),
            Err(e) if e.status() == Some(404) => {
                tracing::debug!(id = %deleted, ?delay, "nothing to purge yet; waiting");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            Err(e) => return Err(e.into()),
        }
    }
    tracing::warn!(id = %deleted, "the deleted resource never appeared to be purged");
    Ok(())
}

/// Copies `path` from `live` into `body` when `body` does not set it.
/// Sets `path` of `body` to the live value there, or removes it when Azure holds none.
pub(crate) fn keep_live(body: &mut Json, live: &Json, path: &[PathStep]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut src = Some(live);
    for step in path {
        src = match (src, step) {
            (Some(Json::Object(m)), PathStep::Key(k)) => m.get(k).or_else(|| {
                m.iter()
                    .find(|(mk, _)| mk.eq_ignore_ascii_case(k))
                    .map(|(_, v)| v)
            }),
            (Some(Json::Array(a)), PathStep::Index(i)) => a.get(*i),
            _ => None,
        };
    }
    let mut dst = body;
    for step in parents {
        let PathStep::Key(k) = step else { return };
        let Json::Object(m) = dst else { return };
        dst = match src {
            Some(_) => m
                .entry(k.clone())
                .or_insert_with(|| Json::Object(serde_json::Map::new())),
            None => match m.get_mut(k) {
                Some(v) => v,
                None => return,
            },
        };
    }
    if let (Json::Object(m), PathStep::Key(k)) = (dst, last) {
        match src {
            Some(v) => {
                m.insert(k.clone(), v.clone());
            }
            None => {
                m.remove(k);
            }
        }
    }
}

pub(crate) fn carry(body: &mut Json, live: &Json, path: &[PathStep]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut src = live;
    for step in path {
        let next = match (src, step) {
            (Json::Object(m), PathStep::Key(k)) => m.get(k),
            (Json::Array(a), PathStep::Index(i)) => a.get(*i),
            _ => None,
        };
        let Some(next) = next else { return };
        src = next;
    }
    let mut dst = body;
    for step in parents {
        let PathStep::Key(k) = step else { return };
        let Json::Object(m) = dst else { return };
        dst = m
            .entry(k.clone())
            .or_insert_with(|| Json::Object(serde_json::Map::new()));
    }
    if let (Json::Object(m), PathStep::Key(k)) = (dst, last) {
        m.entry(k.clone()).or_insert_with(|| src.clone());
    }
}
