//! What protects an environment's stateful resources against the loss of its region, read live
//! from Azure for `strata dr status`: each resource in state whose type is stateful is read
//! (with the query its replication figures need, and its read replicas), and judged by
//! strata-azure's `behaviour::recovery`. Reading only: nothing is written, no lock is taken.

use std::time::Duration;

use strata_azure::behaviour::recovery::{self, Assessment, Context};
use strata_core::ResourceAddr;
use strata_state::State;

use crate::arm::Arm;

/// One stateful resource and what protects it.
#[derive(Debug, Clone)]
pub struct Protection {
    pub addr: ResourceAddr,
    pub id: String,
    pub resource_type: String,
    pub assessment: Assessment,
    /// Why it could not be read, if it could not.
    pub unreadable: Option<String>,
}

impl Protection {
    /// Whether it meets the recovery point objective `rpo` now: nothing missing, readable, and
    /// a known exposure within the target.
    pub fn meets(&self, rpo: Duration) -> bool {
        self.unreadable.is_none()
            && self.assessment.missing.is_empty()
            && self.assessment.exposure.is_none_or(|e| e <= rpo)
    }
}

/// Reads and assesses every stateful resource of `state`, in address order.
pub async fn status(arm: &dyn Arm, state: &State, cx: Context<'_>) -> Vec<Protection> {
    let mut out = Vec::new();
    for r in state.resources.values() {
        let Some(kind) = recovery::stateful(&r.resource_type) else {
            continue;
        };
        let id = r.id.as_str().to_string();
        let read_id = match kind.read_query() {
            Some(q) => format!("{id}?{q}"),
            None => id.clone(),
        };
        let mut protection = Protection {
            addr: r.addr.clone(),
            id: id.clone(),
            resource_type: r.resource_type.clone(),
            assessment: Assessment::default(),
            unreadable: None,
        };
        let doc = match arm.get(&read_id, &r.api_version).await {
            Ok(Some(doc)) => doc,
            Ok(None) => {
                protection.unreadable = Some("it no longer exists in Azure".into());
                out.push(protection);
                continue;
            }
            Err(e) => {
                protection.unreadable = Some(e.to_string());
                out.push(protection);
                continue;
            }
        };
        let mut children = Vec::new();
        if let Some(child) = kind.children() {
            match arm.get(&format!("{id}/{child}"), &r.api_version).await {
                Ok(Some(list)) => {
                    if let Some(items) = list.get("value").and_then(|v| v.as_array()) {
                        children.clone_from(items);
                    }
                }
                Ok(None) => {}
                Err(e) => protection.unreadable = Some(format!("its {child} cannot be listed: {e}")),
            }
        }
        protection.assessment = recovery::assess(kind, &doc, &children, cx);
        out.push(protection);
    }
    out
}
