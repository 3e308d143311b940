//! The estate the emulator serves: resource groups, resources and long-running operations.
//!
//! Everything is keyed by the lowercase id (ARM compares ids case-insensitively) and kept in
//! ordered maps, so that "everything under this id" is a range scan rather than a pass over the
//! whole estate. Child resources (subnets, security rules) are stored as resources of their own;
//! the per-type rules compose them into their parent's document when rendering.
//!
//! The store knows nothing of HTTP. It offers primitives (insert, replace, remove a subtree,
//! schedule and settle operations) and keeps two derived indexes up to date: which resources
//! refer to which ids ([`State::referrers`]) and which operations are due when.

mod ops;
mod persist;
mod tombstones;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub(crate) use ops::{ErrorBody, OpAction, OpStatus, Operation};
pub(crate) use persist::{DataDir, Snapshot};
pub(crate) use tombstones::Tombstone;

/// The lowercase form of an id, used as the map key.
pub(crate) fn key_of(id: &str) -> String {
    id.to_ascii_lowercase()
}

/// A resource group.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Group {
    /// `/subscriptions/{s}/resourceGroups/{name}` in the casing of the first create.
    pub id: String,
    pub name: String,
    pub subscription: String,
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
    /// The operation deleting the group, while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleting: Option<String>,
}

/// A resource (top-level, child or generic) as stored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Resource {
    /// The id in the casing of the first create.
    pub id: String,
    /// The full type (`Microsoft.Network/virtualNetworks/subnets`).
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The document without the server-set `id`, `name`, `type` and `etag`: `location`, `tags`,
    /// `sku`, `properties`, …
    pub body: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Position among its siblings, so that inline lists keep the order they were written in.
    pub order: u64,
    /// What the provider knows but never returns (account keys, secret values, passwords). Kept
    /// out of `body` so that no rendering can leak it by accident.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub private: Map<String, Value>,
}

impl Resource {
    pub fn key(&self) -> String {
        key_of(&self.id)
    }

    pub fn name(&self) -> &str {
        self.id.rsplit('/').next().unwrap_or_default()
    }

    pub fn properties(&self) -> Option<&Map<String, Value>> {
        self.body.get("properties").and_then(Value::as_object)
    }

    pub fn properties_mut(&mut self) -> &mut Map<String, Value> {
        let slot = self
            .body
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        match slot {
            Value::Object(map) => map,
            // Just made an object above.
            _ => unreachable!("properties is an object"),
        }
    }

    pub fn location(&self) -> Option<&str> {
        self.body.get("location").and_then(Value::as_str)
    }

    /// A resource without the field counts as succeeded, as ARM's clients assume.
    pub fn provisioning_state(&self) -> &str {
        self.properties()
            .and_then(|p| p.get("provisioningState"))
            .and_then(Value::as_str)
            .unwrap_or("Succeeded")
    }

    pub fn set_provisioning_state(&mut self, state: &str) {
        self.properties_mut()
            .insert("provisioningState".into(), Value::String(state.into()));
    }

    /// The ids this resource's document refers to, lowercase, excluding its own subtree: full
    /// resource ids held by a key named like an id (`id`, `workspaceId`, `serverFarmId`,
    /// `delegatedSubnetResourceId`, …) anywhere in it.
    pub fn references(&self) -> BTreeSet<String> {
        let own = self.key();
        let mut out = BTreeSet::new();
        collect_ids(&self.body, &mut out);
        out.retain(|k| *k != own && !k.starts_with(&format!("{own}/")));
        out
    }
}

/// `id`, or a camel-case name ending in `Id` (`workspaceId`, `WorkspaceResourceId`).
fn is_id_key(k: &str) -> bool {
    k.eq_ignore_ascii_case("id") || k.ends_with("Id") || k.ends_with("ID")
}

fn collect_ids(map: &Map<String, Value>, out: &mut BTreeSet<String>) {
    for (k, v) in map {
        match v {
            Value::String(s)
                if is_id_key(k) && s.starts_with('/') && strata_core::ArmId::parse(s).is_ok() =>
            {
                out.insert(key_of(s.trim_end_matches('/')));
            }
            Value::Object(inner) => collect_ids(inner, out),
            Value::Array(items) => {
                for item in items {
                    if let Value::Object(inner) = item {
                        collect_ids(inner, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The whole estate. Mutations go through methods that keep the indexes right and bump
/// [`State::generation`], which tells the persister that there is something to write.
#[derive(Debug, Default)]
pub(crate) struct State {
    groups: BTreeMap<String, Group>,
    resources: BTreeMap<String, Resource>,
    /// Derived: target key → keys of the resources whose documents mention it.
    referrers: BTreeMap<String, BTreeSet<String>>,
    /// Derived: (lowercase type, lowercase name) → keys, for names unique across the estate.
    by_name: BTreeMap<(String, String), BTreeSet<String>>,
    /// Soft-deleted resources, by the key they had.
    tombstones: BTreeMap<String, Tombstone>,
    ops: ops::Operations,
    next_order: u64,
    generation: u64,
    /// The regions out and the origins marked down: run-time drill settings, never persisted.
    pub outages: crate::regions::Outages,
    /// When tracked (Resource Graph with a lag): the keys of the groups and resources changed
    /// since the last [`State::take_changes`], and of those their references point at.
    changed: Option<BTreeSet<String>>,
}

impl State {
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn touch(&mut self) {
        self.generation += 1;
    }

    /// Starts marking what changes (see [`State::take_changes`]).
    pub fn track_changes(&mut self) {
        self.changed.get_or_insert_with(BTreeSet::new);
    }

    /// The keys changed since the last call, when tracking.
    pub fn take_changes(&mut self) -> BTreeSet<String> {
        self.changed.as_mut().map(std::mem::take).unwrap_or_default()
    }

    fn mark<'a>(&mut self, keys: impl IntoIterator<Item = &'a String>) {
        if let Some(changed) = &mut self.changed {
            changed.extend(keys.into_iter().cloned());
        }
    }

    // ---- resource groups ----

    pub fn group(&self, key: &str) -> Option<&Group> {
        self.groups.get(key)
    }

    pub fn group_mut(&mut self, key: &str) -> Option<&mut Group> {
        self.touch();
        self.mark([&key.to_string()]);
        self.groups.get_mut(key)
    }

    pub fn insert_group(&mut self, group: Group) {
        self.touch();
        self.mark([&key_of(&group.id)]);
        self.groups.insert(key_of(&group.id), group);
    }

    /// The groups of a subscription, by name.
    pub fn groups_of<'a>(&'a self, subscription: &str) -> impl Iterator<Item = &'a Group> + use<'a> {
        let prefix = format!(
            "/subscriptions/{}/resourcegroups/",
            subscription.to_ascii_lowercase()
        );
        self.groups
            .range::<String, _>((Bound::Included(prefix.clone()), Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(_, g)| g)
    }

    /// Every subscription that holds a resource group, in the casing first seen.
    pub fn subscriptions(&self) -> Vec<String> {
        let mut seen = BTreeMap::new();
        for g in self.groups.values() {
            seen.entry(g.subscription.to_ascii_lowercase())
                .or_insert_with(|| g.subscription.clone());
        }
        seen.into_values().collect()
    }

    // ---- resources ----

    /// A resource clients can see: one still being created the legacy way (202) is not there
    /// yet for them.
    pub fn resource(&self, key: &str) -> Option<&Resource> {
        if self.ops.is_hidden(key) {
            return None;
        }
        self.resources.get(key)
    }

    /// The stored id of the resource or group at `key`, even a resource still hidden by its
    /// creation: what tells a create from an update.
    pub fn stored_id(&self, key: &str) -> Option<&str> {
        self.resources
            .get(key)
            .map(|r| r.id.as_str())
            .or_else(|| self.groups.get(key).map(|g| g.id.as_str()))
    }

    /// True for a resource still being created the legacy way.
    pub fn is_hidden(&self, key: &str) -> bool {
        self.ops.is_hidden(key)
    }

    /// Every resource of a full type (case-insensitive), hidden ones included.
    pub fn of_type<'a>(&'a self, resource_type: &str) -> impl Iterator<Item = &'a Resource> + use<'a> {
        let t = resource_type.to_ascii_lowercase();
        self.by_name
            .range((t.clone(), String::new())..)
            .take_while(move |((kind, _), _)| *kind == t)
            .flat_map(|(_, keys)| keys.iter())
            .filter_map(|k| self.resources.get(k))
    }

    /// The resources of a type with a name, anywhere in the estate, hidden ones included: what
    /// global name uniqueness is checked against.
    pub fn named<'a>(
        &'a self,
        resource_type: &str,
        name: &str,
    ) -> impl Iterator<Item = &'a Resource> + use<'a> {
        let key = (resource_type.to_ascii_lowercase(), name.to_ascii_lowercase());
        self.by_name
            .get(&key)
            .into_iter()
            .flat_map(|keys| keys.iter())
            .filter_map(|k| self.resources.get(k))
    }

    /// Mutable access for changes that do not touch references (state, etag, tags).
    pub fn resource_mut(&mut self, key: &str) -> Option<&mut Resource> {
        self.touch();
        self.mark([&key.to_string()]);
        self.resources.get_mut(key)
    }

    /// The next position for a new child in its parent's inline list.
    pub fn next_order(&mut self) -> u64 {
        self.next_order += 1;
        self.next_order
    }

    /// Inserts or replaces a resource, keeping the reference index right.
    pub fn put_resource(&mut self, resource: Resource) {
        self.touch();
        let key = resource.key();
        if let Some(old) = self.resources.get(&key) {
            let old_refs = old.references();
            self.unlink(&key, &old_refs);
            self.mark(&old_refs);
        }
        self.mark([&key]);
        self.by_name
            .entry(name_key(&resource))
            .or_default()
            .insert(key.clone());
        let refs = resource.references();
        self.mark(&refs);
        for target in refs {
            self.referrers.entry(target).or_default().insert(key.clone());
        }
        self.next_order = self.next_order.max(resource.order);
        self.resources.insert(key, resource);
    }

    fn unlink(&mut self, key: &str, refs: &BTreeSet<String>) {
        for target in refs {
            if let Some(set) = self.referrers.get_mut(target) {
                set.remove(key);
                if set.is_empty() {
                    self.referrers.remove(target);
                }
            }
        }
    }

    /// Removes a resource and everything below it (children, extension resources).
    /// Returns how many resources were removed.
    pub fn remove_tree(&mut self, key: &str) -> usize {
        let mut doomed: Vec<String> = self.descendants(key).map(Resource::key).collect();
        if self.resources.contains_key(key) {
            doomed.push(key.to_string());
        }
        for k in &doomed {
            if let Some(old) = self.resources.remove(k) {
                let refs = old.references();
                self.unlink(k, &refs);
                self.mark(refs.iter().chain([k]));
                let nk = name_key(&old);
                if let Some(set) = self.by_name.get_mut(&nk) {
                    set.remove(k);
                    if set.is_empty() {
                        self.by_name.remove(&nk);
                    }
                }
            }
        }
        if !doomed.is_empty() {
            self.touch();
        }
        doomed.len()
    }

    /// Every resource whose id starts with `prefix` (lowercase), in key order.
    pub fn under_prefix<'a>(&'a self, prefix: &str) -> impl Iterator<Item = &'a Resource> + use<'a> {
        let prefix = prefix.to_string();
        self.resources
            .range::<String, _>((Bound::Included(prefix.clone()), Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(_, r)| r)
    }

    /// Everything strictly below `key`.
    pub fn descendants<'a>(&'a self, key: &str) -> impl Iterator<Item = &'a Resource> + use<'a> {
        self.under_prefix(&format!("{key}/"))
    }

    /// The direct children of `key` of one child type (`subnets`), in their inline order.
    pub fn children(&self, key: &str, child_type: &str) -> Vec<&Resource> {
        let prefix = format!("{key}/{}/", child_type.to_ascii_lowercase());
        let mut out: Vec<&Resource> = self
            .under_prefix(&prefix)
            .filter(|r| !r.key()[prefix.len()..].contains('/') && !self.ops.is_hidden(&r.key()))
            .collect();
        out.sort_by_key(|r| r.order);
        out
    }

    /// The existing resources whose documents refer to `key`, leaving out those below
    /// `except_under` (a resource's own subtree does not keep it in use).
    pub fn referrers(&self, key: &str, except_under: Option<&str>) -> Vec<&Resource> {
        let Some(set) = self.referrers.get(key) else {
            return Vec::new();
        };
        set.iter()
            .filter(|k| match except_under {
                Some(root) => *k != root && !k.starts_with(&format!("{root}/")),
                None => true,
            })
            .filter(|k| !self.ops.is_hidden(k))
            .filter_map(|k| self.resources.get(k))
            .collect()
    }

    // ---- operations ----

    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.ops.get(id)
    }

    /// The running operation holding the lock on `lock_key`, if any.
    pub fn lock_holder(&self, lock_key: &str) -> Option<&Operation> {
        self.ops.lock_holder(lock_key)
    }

    pub fn schedule(&mut self, op: Operation) {
        self.touch();
        self.ops.insert(op);
    }

    /// Completes every operation due at `now`, in the order they fall due, forgets operations
    /// that finished long ago and tombstones past their purge date. Completion is computed
    /// lazily, on the next request, which makes the outcome depend only on the clock, never on
    /// a timer's scheduling.
    ///
    /// Returns the resources that resource group deletions removed, for the types that keep
    /// something of them (a Key Vault deleted with its group is soft-deleted).
    pub fn settle(&mut self, now: DateTime<Utc>) -> Vec<Resource> {
        let mut removed = Vec::new();
        let outages = std::mem::take(&mut self.outages);
        while let Some(op) = self.ops.pop_due(now, &|op| outages.stalls(op)) {
            self.touch();
            removed.extend(self.complete(&op));
        }
        if self.ops.prune(now) {
            self.touch();
        }
        self.expire_tombstones(now);
        self.outages = outages;
        removed
    }

    /// Operations for which `resumed` holds and that fell due before `now` become due at
    /// `now`: what stalled during a regional outage completes at the restore.
    pub fn resume(&mut self, now: DateTime<Utc>, resumed: &dyn Fn(&Operation) -> bool) {
        if self.ops.postpone(now, resumed) {
            self.touch();
        }
    }

    fn complete(&mut self, op: &Operation) -> Vec<Resource> {
        match &op.action {
            OpAction::Provision { targets } | OpAction::Create { targets } => {
                self.mark(targets);
                for key in targets {
                    if let Some(r) = self.resources.get_mut(key) {
                        r.set_provisioning_state("Succeeded");
                    }
                }
            }
            OpAction::Delete { target, settle, also } => {
                self.remove_tree(target);
                for key in also {
                    self.remove_tree(key);
                }
                self.mark(settle);
                for key in settle {
                    if let Some(r) = self.resources.get_mut(key) {
                        r.set_provisioning_state("Succeeded");
                    }
                }
            }
            OpAction::DeleteGroup { group } => {
                // Children before parents, as ARM's cascade does; in memory the order only
                // matters for the reference index, which `remove_tree` keeps right either way.
                let doomed: Vec<Resource> = self.under_prefix(&format!("{group}/")).cloned().collect();
                for r in doomed.iter().rev() {
                    self.remove_tree(&r.key());
                }
                self.groups.remove(group);
                self.mark([group]);
                return doomed;
            }
            OpAction::Purge { tombstone } => {
                self.tombstones.remove(tombstone);
            }
            OpAction::Patch { target, patch } => {
                self.mark([target]);
                if let Some(r) = self.resources.get_mut(target) {
                    let mut body = Value::Object(std::mem::take(&mut r.body));
                    ops::merge_patch(&mut body, patch);
                    if let Value::Object(m) = body {
                        r.body = m;
                    }
                }
            }
            OpAction::Hold => {}
        }
        Vec::new()
    }

    // ---- persistence ----

    pub fn snapshot(&self) -> Snapshot {
        Snapshot::new(
            self.groups.values().cloned().collect(),
            self.resources.values().cloned().collect(),
            self.ops.all().cloned().collect(),
            self.tombstones.values().cloned().collect(),
        )
    }

    pub fn from_snapshot(snapshot: Snapshot) -> State {
        let mut state = State::default();
        let (groups, resources, operations, tombstones) = snapshot.into_parts();
        for g in groups {
            state.groups.insert(key_of(&g.id), g);
        }
        for t in tombstones {
            state.tombstones.insert(t.resource.key(), t);
        }
        for r in resources {
            state.put_resource(r);
        }
        for op in operations {
            state.ops.insert(op);
        }
        state.generation = 0;
        state
    }
}

/// The name-index key of a resource: its lowercase type and name.
fn name_key(r: &Resource) -> (String, String) {
    (
        r.resource_type.to_ascii_lowercase(),
        r.name().to_ascii_lowercase(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(id: &str, body: Value) -> Resource {
        Resource {
            id: id.into(),
            resource_type: "Microsoft.Test/things".into(),
            body: body.as_object().cloned().unwrap_or_default(),
            ..Resource::default()
        }
    }

    const RG: &str = "/subscriptions/s/resourceGroups/rg";

    #[test]
    fn references_are_indexed_and_unlinked() {
        let mut st = State::default();
        let nsg = format!("{RG}/providers/Microsoft.Network/networkSecurityGroups/nsg");
        let subnet = format!("{RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/a");
        st.put_resource(res(&nsg, json!({})));
        st.put_resource(res(
            &subnet,
            json!({"properties": {"networkSecurityGroup": {"id": nsg.to_uppercase()}}}),
        ));
        let users = st.referrers(&key_of(&nsg), None);
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].id, subnet);
        st.put_resource(res(&subnet, json!({"properties": {}})));
        assert!(st.referrers(&key_of(&nsg), None).is_empty());

        // Keys named like ids count too; GUIDs and plain strings do not.
        let site = format!("{RG}/providers/Microsoft.Web/sites/app");
        st.put_resource(res(
            &site,
            json!({"properties": {"virtualNetworkSubnetId": subnet, "customerId": "00000000-0000-0000-0000-000000000000", "name": nsg}}),
        ));
        assert_eq!(st.referrers(&key_of(&subnet), None).len(), 1);
        assert!(st.referrers(&key_of(&nsg), None).is_empty());
    }

    #[test]
    fn names_are_indexed_across_the_estate() {
        let mut st = State::default();
        let a = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Test/things/Same";
        let b = "/subscriptions/s2/resourceGroups/other/providers/Microsoft.Test/things/same";
        st.put_resource(res(a, json!({})));
        st.put_resource(res(b, json!({})));
        let mut child = res(&format!("{a}/children/same"), json!({}));
        child.resource_type = "Microsoft.Test/things/children".into();
        st.put_resource(child);
        assert_eq!(st.named("microsoft.test/THINGS", "SAME").count(), 2);
        assert_eq!(st.of_type("Microsoft.Test/things").count(), 2);
        st.remove_tree(&key_of(a));
        assert_eq!(st.named("Microsoft.Test/things", "same").count(), 1);
    }

    #[test]
    fn remove_tree_takes_children_and_keeps_siblings() {
        let mut st = State::default();
        let v = format!("{RG}/providers/Microsoft.Network/virtualNetworks/v");
        let v2 = format!("{RG}/providers/Microsoft.Network/virtualNetworks/v2");
        st.put_resource(res(&v, json!({})));
        st.put_resource(res(&format!("{v}/subnets/a"), json!({})));
        st.put_resource(res(&v2, json!({})));
        assert_eq!(st.remove_tree(&key_of(&v)), 2);
        assert!(st.resource(&key_of(&v2)).is_some());
        assert_eq!(st.remove_tree(&key_of(&v)), 0);
    }

    #[test]
    fn children_keep_their_order() {
        let mut st = State::default();
        let v = format!("{RG}/providers/Microsoft.Network/virtualNetworks/v");
        st.put_resource(res(&v, json!({})));
        for (name, order) in [("b", 1), ("a", 2), ("c", 3)] {
            let mut r = res(&format!("{v}/subnets/{name}"), json!({}));
            r.order = order;
            st.put_resource(r);
        }
        st.put_resource(res(&format!("{v}/subnets/b/deeper/x"), json!({})));
        let names: Vec<&str> = st
            .children(&key_of(&v), "SUBNETS")
            .iter()
            .map(|r| r.name())
            .collect();
        assert_eq!(names, ["b", "a", "c"]);
    }
}
