//! Saved plans: `plan -out FILE`, then `apply FILE`.
//!
//! The file holds the masked [`Plan`] (never a secret). Applying it re-evaluates the
//! configuration and re-plans; it is refused when the configuration, the desired resources,
//! the state or the estate moved on since the plan was made.

use std::path::Path;

use crate::error::EngineError;
use crate::model::{PLAN_FORMAT_VERSION, Plan};

/// Writes `plan` to `path` atomically.
pub fn save(plan: &Plan, path: &Path) -> Result<(), EngineError> {
    let text = serde_json::to_vec_pretty(plan)
        .map_err(|e| EngineError::Other(format!("cannot encode the plan: {e}")))?;
    let tmp = path.with_extension("tmp-strata");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| EngineError::Other(format!("cannot write the plan to {}: {e}", path.display())))
}

/// Reads a saved plan.
pub fn load(path: &Path) -> Result<Plan, EngineError> {
    let text = std::fs::read(path)
        .map_err(|e| EngineError::Other(format!("cannot read the plan {}: {e}", path.display())))?;
    let plan: Plan = serde_json::from_slice(&text)
        .map_err(|e| EngineError::Other(format!("{} is not a strata plan file: {e}", path.display())))?;
    if plan.format_version > PLAN_FORMAT_VERSION {
        return Err(EngineError::Other(format!(
            "{} was written by a newer strata (plan format {}); this one reads format {PLAN_FORMAT_VERSION}",
            path.display(),
            plan.format_version
        )));
    }
    Ok(plan)
}

/// Checks that a saved plan still applies: same stack and environment, same configuration,
/// same state (lineage and serial), and the same changes when planned again now.
pub fn check_fresh(saved: &Plan, fresh: &Plan) -> Result<(), EngineError> {
    if saved.stack != fresh.stack || saved.environment != fresh.environment {
        return Err(EngineError::StalePlan(format!(
            "it was made for {}/{}, not {}/{}",
            saved.stack, saved.environment, fresh.stack, fresh.environment
        )));
    }
    if saved.destroy != fresh.destroy {
        return Err(EngineError::StalePlan(
            "a destroy plan must be applied as a destroy plan".into(),
        ));
    }
    if saved.lineage.is_some() && saved.lineage != fresh.lineage {
        return Err(EngineError::StalePlan(
            "it was made for a different state (lineage differs)".into(),
        ));
    }
    if saved.serial != fresh.serial || (saved.lineage.is_none() && fresh.lineage.is_some()) {
        return Err(EngineError::StalePlan(format!(
            "the state has moved on since the plan was made (serial {} then, {} now); run plan again",
            saved.serial, fresh.serial
        )));
    }
    if saved.config_digest != fresh.config_digest || saved.variables_digest != fresh.variables_digest {
        return Err(EngineError::StalePlan(
            "the configuration changed since the plan was made; run plan again".into(),
        ));
    }
    let actions = |p: &Plan| {
        p.changes
            .iter()
            .map(|c| (c.addr.to_string(), c.action))
            .collect::<Vec<_>>()
    };
    // What the reviewed plan said would wait for the other estate may be in the fresh plan now
    // that the other estate was applied first: the rest must be the same.
    let reviewed_waiting = |c: &(String, crate::Action)| {
        saved.waiting.contains(&c.0) && !actions(saved).iter().any(|s| s.0 == c.0)
    };
    let fresh_actions: Vec<_> = actions(fresh)
        .into_iter()
        .filter(|c| !reviewed_waiting(c))
        .collect();
    if actions(saved) != fresh_actions {
        return Err(EngineError::StalePlan(
            "the estate in Azure changed since the plan was made (the same plan now has other changes); run plan again".into(),
        ));
    }
    Ok(())
}
