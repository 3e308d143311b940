//! Moves: re-keying state so that a renamed block keeps its Azure resources.
//!
//! Explicit `moved` blocks are applied first, in order. Then, independently, the planner never
//! deletes and creates one ARM id in the same run: a desired resource whose address is new but
//! whose id is held in state by an address that left the configuration is that same resource,
//! moved. Only `-replace` or a property that cannot change in place recreates a resource.

use std::collections::{BTreeMap, HashMap, HashSet};

use strata_core::{DesiredResource, Moved, ResourceAddr};
use strata_state::State;

use crate::error::EngineError;

/// Where each moved resource came from: new address → old address.
pub type MovedFrom = BTreeMap<ResourceAddr, ResourceAddr>;

/// Applies `moved` blocks, then implicit moves by ARM id, to `state`. `desired` is empty for a
/// destroy (implicit moves only make sense against a configuration).
pub fn apply_moves(
    state: &mut State,
    blocks: &[Moved],
    desired: &[DesiredResource],
) -> Result<MovedFrom, EngineError> {
    let mut moved = MovedFrom::new();
    for block in blocks {
        let matching: Vec<ResourceAddr> = state
            .resources
            .keys()
            .filter(|a| block.from.matches(a))
            .cloned()
            .collect();
        for old in matching {
            let Some(new) = block.apply(&old) else { continue };
            if new == old {
                continue;
            }
            if state.resources.contains_key(&new) {
                return Err(EngineError::moving(
                    format!("cannot move {old} to {new}: {new} is already in state"),
                    "remove the `moved` block if it has been applied already, or `strata state rm` the stale one",
                    block.loc.clone(),
                ));
            }
            rekey(state, &old, &new, &mut moved);
        }
    }
    if desired.is_empty() {
        follow_dependencies(state, &moved);
        return Ok(moved);
    }
    let wanted: HashSet<&ResourceAddr> = desired.iter().map(|d| &d.addr).collect();
    let orphans: HashMap<String, ResourceAddr> = state
        .resources
        .values()
        .filter(|r| !wanted.contains(&r.addr))
        .map(|r| (r.id.key(), r.addr.clone()))
        .collect();
    if orphans.is_empty() {
        follow_dependencies(state, &moved);
        return Ok(moved);
    }
    for d in desired {
        if state.resources.contains_key(&d.addr) {
            continue;
        }
        if let Some(old) = orphans.get(&d.id.key())
            && state.resources.contains_key(old)
        {
            let old = old.clone();
            rekey(state, &old, &d.addr, &mut moved);
        }
    }
    follow_dependencies(state, &moved);
    Ok(moved)
}

/// Dependencies recorded by other resources follow the moves (one pass for all of them).
fn follow_dependencies(state: &mut State, moved: &MovedFrom) {
    if moved.is_empty() {
        return;
    }
    let renamed: HashMap<&ResourceAddr, &ResourceAddr> = moved.iter().map(|(new, old)| (old, new)).collect();
    for r in state.resources.values_mut() {
        for dep in &mut r.dependencies {
            if let Some(new) = renamed.get(dep) {
                *dep = (*new).clone();
            }
        }
    }
}

fn rekey(state: &mut State, old: &ResourceAddr, new: &ResourceAddr, moved: &mut MovedFrom) {
    let Some(mut r) = state.resources.remove(old) else {
        return;
    };
    r.addr = new.clone();
    state.resources.insert(new.clone(), r);
    // A chain of moves reports the original address.
    let origin = moved.remove(old).unwrap_or_else(|| old.clone());
    moved.insert(new.clone(), origin);
}

/// `strata state mv`: moves every address `from` names to `to`, refusing to overwrite.
/// Returns the moves made.
pub fn state_mv(
    state: &mut State,
    from: &strata_core::AddrSelector,
    to: &strata_core::AddrSelector,
) -> Result<Vec<(ResourceAddr, ResourceAddr)>, EngineError> {
    if !from.same_kind(to) {
        return Err(EngineError::moving(
            format!(
                "cannot move {from} to {to}: one names a module, a resource or an instance, the other does not"
            ),
            "move a module to a module (module.a → module.b), a resource to a resource, an instance to an instance",
            None,
        ));
    }
    let block = Moved {
        from: from.clone(),
        to: to.clone(),
        loc: None,
    };
    let mut moved = MovedFrom::new();
    let before = state.clone();
    let matching: Vec<ResourceAddr> = state
        .resources
        .keys()
        .filter(|a| from.matches(a))
        .cloned()
        .collect();
    if matching.is_empty() {
        return Err(EngineError::moving(
            format!("nothing in state matches {from}"),
            "`strata state list -e ENV` shows the addresses in state",
            None,
        ));
    }
    for old in matching {
        let Some(new) = block.apply(&old) else { continue };
        if new != old && state.resources.contains_key(&new) {
            *state = before;
            return Err(EngineError::moving(
                format!("cannot move {old} to {new}: {new} is already in state"),
                "remove or move the resource at the destination first",
                None,
            ));
        }
        rekey(state, &old, &new, &mut moved);
    }
    follow_dependencies(state, &moved);
    Ok(moved.into_iter().map(|(new, old)| (old, new)).collect())
}

#[cfg(test)]
mod tests {
    use strata_core::{AddrSelector, ArmId, Layer};
    use strata_state::ResourceState;

    use super::*;

    fn rs(addr: ResourceAddr, id: &str) -> ResourceState {
        ResourceState {
            addr,
            id: ArmId::parse(id).unwrap(),
            resource_type: "Microsoft.Storage/storageAccounts".into(),
            api_version: "2024-01-01".into(),
            layer: Layer::Data,
            attributes: serde_json::json!({}),
            sensitive_paths: Vec::new(),
            dependencies: Vec::new(),
            desired_digest: None,
            outcome_unknown: false,
            prevent_destroy: false,
            soft_delete: None,
            written_at: None,
        }
    }

    const ID: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st";

    #[test]
    fn blocks_then_ids() {
        let mut state = State::new("dev");
        let old = ResourceAddr::module("storage", "account", None);
        state.resources.insert(old.clone(), rs(old.clone(), ID));
        let block = Moved {
            from: AddrSelector::parse("module.storage").unwrap(),
            to: AddrSelector::parse("module.store").unwrap(),
            loc: None,
        };
        let moved = apply_moves(&mut state, &[block], &[]).unwrap();
        let new = ResourceAddr::module("store", "account", None);
        assert_eq!(moved.get(&new), Some(&old));
        assert!(state.resources.contains_key(&new));

        // Implicit: the same id under a new address.
        let renamed = ResourceAddr::module("data", "account", None);
        let d = DesiredResource::new(
            renamed.clone(),
            ArmId::parse(&ID.to_uppercase()).unwrap(),
            "2024-01-01",
            strata_core::Value::Null,
            strata_core::Layer::Data,
        );
        let moved = apply_moves(&mut state, &[], &[d]).unwrap();
        assert_eq!(moved.get(&renamed), Some(&new));
        assert_eq!(state.resources.len(), 1);
    }

    #[test]
    fn a_move_never_overwrites() {
        let mut state = State::new("dev");
        let a = ResourceAddr::resource("a");
        let b = ResourceAddr::resource("b");
        state.resources.insert(a.clone(), rs(a.clone(), ID));
        state
            .resources
            .insert(b.clone(), rs(b.clone(), &format!("{ID}2")));
        let err = state_mv(
            &mut state,
            &AddrSelector::parse("resource.a").unwrap(),
            &AddrSelector::parse("resource.b").unwrap(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("already in state"), "{err}");
        assert!(state.resources.contains_key(&a));
    }
}
