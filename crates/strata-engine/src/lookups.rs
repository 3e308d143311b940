//! What a plan checks in Azure besides the state: whether a create's id is already taken, and
//! whether a soft-deleted namesake is waiting; and what a delete does about soft delete.

use std::collections::{HashMap, HashSet};

use futures::stream::{self, StreamExt};
use strata_core::{DesiredResource, OnCreate, OnDestroy, Purge, ResourceAddr, SoftDelete, SoftDeleteChoice};
use strata_state::State;

use crate::arm::Arm;
use crate::error::EngineError;
use crate::model::{Action, Problem, ResourceChange, SoftDeleteAction};

pub(crate) use strata_azure::behaviour::is_settings_singleton;

/// Like azurerm and azapi, a create first looks at its id: one that exists but is not in state
/// is not silently taken over. Creates are read parents first, in waves by depth; a create
/// under a parent that this plan creates and that turned out not to exist cannot exist and is
/// not read, so a new estate costs one read per top-level resource, and a lost state reports
/// every resource that is already there. Soft-deletable creates also look for a deleted
/// namesake.
pub async fn check_creates(
    arm: &dyn Arm,
    changes: &mut [ResourceChange],
    desired: &HashMap<&ResourceAddr, &DesiredResource>,
    choice: SoftDeleteChoice,
    parallelism: usize,
) -> Result<(), EngineError> {
    // Candidates by depth (number of ancestors).
    let mut waves: std::collections::BTreeMap<usize, Vec<usize>> = std::collections::BTreeMap::new();
    let mut deleted_reads: Vec<(usize, String, String, Read)> = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        if c.action != Action::Create || c.importing {
            continue;
        }
        if !is_settings_singleton(&c.resource_type) {
            let depth = std::iter::successors(c.id.parent(), |p| p.parent()).count();
            waves.entry(depth).or_default().push(i);
        }
        if let Some(sd) = desired.get(&c.addr).and_then(|d| d.soft_delete.as_ref())
            && let Some(deleted) = &sd.deleted_id
        {
            deleted_reads.push((i, deleted.to_string(), sd.api_version.clone(), Read::Deleted));
        }
    }
    // Ids (lower case) of creates found not to exist: what is under them cannot exist either.
    let mut absent: HashSet<String> = HashSet::new();
    let mut results = Vec::new();
    for (_, wave) in waves {
        let reads: Vec<(usize, String, String, Read)> = wave
            .into_iter()
            .filter(|&i| {
                // Under a create found absent: cannot exist (the check covers every ancestor).
                !std::iter::successors(changes[i].id.parent(), |p| p.parent())
                    .any(|p| absent.contains(&p.key()))
            })
            .map(|i| {
                (
                    i,
                    changes[i].id.to_string(),
                    changes[i].api_version.clone(),
                    Read::Live,
                )
            })
            .collect();
        let done = read_all(arm, reads, parallelism).await;
        for (i, what, doc) in done {
            if let Ok(None) = &doc {
                absent.insert(changes[i].id.key());
            }
            results.push((i, what, doc));
        }
    }
    results.extend(read_all(arm, deleted_reads, parallelism).await);
    for (i, what, doc) in results {
        let c = &mut changes[i];
        let doc = doc.map_err(|source| EngineError::Refresh {
            addr: c.addr.clone(),
            source: Box::new(source),
        })?;
        match (what, doc) {
            (Read::Live, Some(_)) => c.problem = Some(Problem::AlreadyExists),
            (Read::Deleted, Some(_)) => {
                let protected = desired
                    .get(&c.addr)
                    .and_then(|d| d.soft_delete.as_ref())
                    .is_some_and(|s| s.purge_protected);
                match choice.on_create {
                    OnCreate::Recover => c.soft_delete = Some(SoftDeleteAction::Recover),
                    OnCreate::Purge if protected => {
                        c.soft_delete = Some(SoftDeleteAction::Recover);
                        c.reasons.push(
                            "purge protection forbids purging the soft-deleted namesake, so it is recovered"
                                .into(),
                        );
                    }
                    OnCreate::Purge => c.soft_delete = Some(SoftDeleteAction::PurgeThenCreate),
                    OnCreate::Fail => c.problem = Some(Problem::SoftDeletedNamesake),
                }
            }
            _ => {}
        }
    }
    // A live resource wins over a deleted namesake (the create is refused anyway).
    for c in changes.iter_mut() {
        if c.problem == Some(Problem::AlreadyExists) {
            c.soft_delete = None;
        }
    }
    Ok(())
}

type ReadResult = (
    usize,
    Read,
    Result<Option<serde_json::Value>, strata_arm::ArmError>,
);

async fn read_all(
    arm: &dyn Arm,
    reads: Vec<(usize, String, String, Read)>,
    parallelism: usize,
) -> Vec<ReadResult> {
    stream::iter(reads)
        .map(|(i, id, api, what)| async move {
            let doc = arm.get(&id, &api).await;
            (i, what, doc)
        })
        .buffer_unordered(parallelism.max(1))
        .collect()
        .await
}

#[derive(Clone, Copy)]
enum Read {
    Live,
    Deleted,
}

/// What each delete (and the delete half of each replacement) does about soft delete.
pub fn soft_delete_of_deletes(
    changes: &mut [ResourceChange],
    desired: &HashMap<&ResourceAddr, &DesiredResource>,
    state: Option<&State>,
    choice: SoftDeleteChoice,
) {
    for c in changes.iter_mut() {
        let already_gone = c.action == Action::Delete && c.drifted;
        if !matches!(c.action, Action::Delete | Action::Replace) || already_gone {
            continue;
        }
        let Some(sd) = policy(&c.addr, desired, state) else {
            continue;
        };
        // A replacement under a new name does not need the old name back.
        let same_name = state
            .and_then(|s| s.resources.get(&c.addr))
            .is_none_or(|r| r.id.eq_ignore_case(&c.id));
        if c.action == Action::Replace && same_name {
            // The new one takes the name at once: the old one must be purged, not kept.
            if sd.purge_protected {
                if c.problem.is_none() {
                    c.problem = Some(Problem::SoftDeletedNamesake);
                }
                c.reasons
                    .push("purge protection keeps the deleted one's name for its whole retention".into());
            } else {
                c.soft_delete = Some(SoftDeleteAction::DeleteAndPurge);
            }
            continue;
        }
        c.soft_delete = Some(match choice.on_destroy {
            OnDestroy::Purge if !sd.purge_protected => SoftDeleteAction::DeleteAndPurge,
            _ => SoftDeleteAction::SoftDelete,
        });
    }
}

/// The soft-delete policy of what a delete removes: as recorded in state, else from the
/// configuration.
pub(crate) fn policy<'a>(
    addr: &ResourceAddr,
    desired: &HashMap<&ResourceAddr, &'a DesiredResource>,
    state: Option<&'a State>,
) -> Option<&'a SoftDelete> {
    desired
        .get(addr)
        .and_then(|d| d.soft_delete.as_ref())
        .or_else(|| {
            state
                .and_then(|s| s.resources.get(addr))
                .and_then(|r| r.soft_delete.as_ref())
        })
        .or_else(|| fallback(&state.and_then(|s| s.resources.get(addr))?.resource_type))
}

/// For states written before soft delete was recorded per resource.
pub(crate) fn fallback(resource_type: &str) -> Option<&'static SoftDelete> {
    strata_azure::behaviour::soft_delete_fallback(resource_type)
}

/// Whether purging `sd` after a delete is a separate call (as opposed to a forced delete).
pub(crate) fn purge_is_post(sd: &SoftDelete) -> bool {
    sd.purge == Purge::PostPurge
}
