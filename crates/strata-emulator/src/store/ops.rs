//! Long-running operations: what they do when they finish, when that is, and which resource
//! they hold busy meanwhile.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long a finished operation stays queryable.
const KEEP_FINISHED: Duration = Duration::hours(1);

/// The ARM error shape, as served in envelopes and kept in failed operations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorBody>,
}

/// What happens when the operation completes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub(crate) enum OpAction {
    /// A PUT: these resources (lowercase keys) reach `Succeeded`.
    Provision { targets: Vec<String> },
    /// A DELETE: the resource and its subtree go away, and `settle` (a parent kept busy by the
    /// deletion of its child) reaches `Succeeded`.
    Delete {
        target: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        settle: Vec<String>,
        /// Resources that go with it (a private endpoint's network interface).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        also: Vec<String>,
    },
    /// A resource group DELETE: its resources, then the group, go away.
    DeleteGroup { group: String },
    /// A PUT answered the legacy way (202 + `Location`): the new resources stay hidden (ARM
    /// answers 404 for them) until the operation completes, then reach `Succeeded`.
    Create { targets: Vec<String> },
    /// The purge of a soft-deleted resource: its tombstone (keyed like the resource was) goes.
    Purge { tombstone: String },
    /// Someone else's operation on a resource (an injected `AnotherOperationInProgress`):
    /// it changes nothing, and holds the resource's lock until it ends.
    Hold,
    /// An action that changes a resource when it completes (a storage account failover): the
    /// JSON merge patch is applied to the resource's document (lowercase key).
    Patch {
        target: String,
        patch: serde_json::Value,
    },
}

/// RFC 7396 JSON merge patch: objects merge, `null` removes, anything else replaces.
pub(crate) fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    use serde_json::Value;
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in patch {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum OpStatus {
    InProgress,
    Succeeded,
    Failed,
}

impl OpStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OpStatus::InProgress => "InProgress",
            OpStatus::Succeeded => "Succeeded",
            OpStatus::Failed => "Failed",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Operation {
    pub id: String,
    pub subscription: String,
    /// The provider whose `locations/{loc}/operations` URL serves its status.
    pub namespace: String,
    pub location: String,
    pub api_version: String,
    pub action: OpAction,
    /// The provider's name for what runs (`PutSubnetOperation`), quoted in messages about it.
    #[serde(default)]
    pub name: String,
    pub status: OpStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
    /// The HTTP status the `Location` poll answers with when the operation failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_status: Option<u16>,
    pub start: DateTime<Utc>,
    pub due: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
    /// The resource (lowercase key) this operation keeps busy: writes to it or its children
    /// answer `AnotherOperationInProgress` until it finishes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<String>,
    /// The resource the `Location` poll returns once a PUT finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// All operations, indexed by due time (running) and end time (finished).
#[derive(Debug, Default)]
pub(super) struct Operations {
    all: HashMap<String, Operation>,
    pending: BTreeSet<(DateTime<Utc>, String)>,
    finished: BTreeSet<(DateTime<Utc>, String)>,
    locks: HashMap<String, String>,
    /// Resources being created by a running `Create`: they exist for their owner only.
    hidden: HashSet<String>,
}

impl Operations {
    pub fn get(&self, id: &str) -> Option<&Operation> {
        self.all.get(id)
    }

    pub fn all(&self) -> impl Iterator<Item = &Operation> {
        self.all.values()
    }

    pub fn lock_holder(&self, lock_key: &str) -> Option<&Operation> {
        self.locks.get(lock_key).and_then(|id| self.all.get(id))
    }

    /// True while a running `Create` is bringing the resource `key` into being.
    pub fn is_hidden(&self, key: &str) -> bool {
        self.hidden.contains(key)
    }

    pub fn insert(&mut self, op: Operation) {
        match (op.status, op.end) {
            (OpStatus::InProgress, _) => {
                self.pending.insert((op.due, op.id.clone()));
                if let Some(lock) = &op.lock {
                    self.locks.insert(lock.clone(), op.id.clone());
                }
                if let OpAction::Create { targets } = &op.action {
                    self.hidden.extend(targets.iter().cloned());
                }
            }
            (_, end) => {
                self.finished.insert((end.unwrap_or(op.due), op.id.clone()));
            }
        }
        self.all.insert(op.id.clone(), op);
    }

    /// Marks the earliest operation due at `now` that is not `stalled` as succeeded and
    /// returns it.
    pub fn pop_due(&mut self, now: DateTime<Utc>, stalled: &dyn Fn(&Operation) -> bool) -> Option<Operation> {
        let first = self
            .pending
            .iter()
            .take_while(|(due, _)| *due <= now)
            .find(|(_, id)| self.all.get(id).is_none_or(|op| !stalled(op)))?
            .clone();
        self.pending.remove(&first);
        let op = self.all.get_mut(&first.1)?;
        op.status = OpStatus::Succeeded;
        // The operation ended when it was due, not when someone happened to look.
        op.end = Some(op.due);
        if let Some(lock) = &op.lock
            && self.locks.get(lock) == Some(&op.id)
        {
            self.locks.remove(lock);
        }
        if let OpAction::Create { targets } = &op.action {
            for t in targets {
                self.hidden.remove(t);
            }
        }
        self.finished.insert((op.due, op.id.clone()));
        Some(op.clone())
    }

    /// Running operations for which `which` holds and that fell due before `now` become due
    /// at `now`. True if any did.
    pub fn postpone(&mut self, now: DateTime<Utc>, which: &dyn Fn(&Operation) -> bool) -> bool {
        let late: Vec<(DateTime<Utc>, String)> = self
            .pending
            .iter()
            .take_while(|(due, _)| *due < now)
            .filter(|(_, id)| self.all.get(id).is_some_and(which))
            .cloned()
            .collect();
        for entry in &late {
            self.pending.remove(entry);
            if let Some(op) = self.all.get_mut(&entry.1) {
                op.due = now;
            }
            self.pending.insert((now, entry.1.clone()));
        }
        !late.is_empty()
    }

    /// Forgets operations that finished more than an hour before `now`. True if any went.
    pub fn prune(&mut self, now: DateTime<Utc>) -> bool {
        let mut pruned = false;
        while let Some(first) = self.finished.first() {
            if first.0 + KEEP_FINISHED > now {
                break;
            }
            let first = first.clone();
            self.finished.remove(&first);
            self.all.remove(&first.1);
            pruned = true;
        }
        pruned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str, due: DateTime<Utc>, lock: Option<&str>) -> Operation {
        Operation {
            id: id.into(),
            subscription: "s".into(),
            namespace: "Microsoft.Network".into(),
            location: "westeurope".into(),
            api_version: "2024-07-01".into(),
            action: OpAction::Delete {
                target: "x".into(),
                settle: Vec::new(),
                also: Vec::new(),
            },
            name: String::new(),
            status: OpStatus::InProgress,
            error: None,
            error_status: None,
            start: due,
            due,
            end: None,
            lock: lock.map(Into::into),
            resource: None,
        }
    }

    #[test]
    fn operations_complete_in_due_order_and_release_locks() {
        let t0 = Utc::now();
        let mut ops = Operations::default();
        ops.insert(op("late", t0 + Duration::seconds(2), Some("v")));
        ops.insert(op("early", t0 + Duration::seconds(1), None));
        assert!(ops.pop_due(t0, &|_| false).is_none());
        assert_eq!(ops.lock_holder("v").map(|o| o.id.as_str()), Some("late"));
        let now = t0 + Duration::seconds(5);
        assert_eq!(ops.pop_due(now, &|_| false).map(|o| o.id), Some("early".into()));
        assert_eq!(ops.pop_due(now, &|_| false).map(|o| o.id), Some("late".into()));
        assert!(ops.pop_due(now, &|_| false).is_none());
        assert!(ops.lock_holder("v").is_none());
        assert_eq!(ops.get("late").map(|o| o.status), Some(OpStatus::Succeeded));
        assert!(!ops.prune(now));
        assert!(ops.prune(now + Duration::hours(2)));
        assert!(ops.get("late").is_none());
    }

    #[test]
    fn creations_hide_their_targets_until_done() {
        let t0 = Utc::now();
        let mut ops = Operations::default();
        let mut create = op("c", t0 + Duration::seconds(1), None);
        create.action = OpAction::Create {
            targets: vec!["a".into(), "a/b".into()],
        };
        ops.insert(create);
        assert!(ops.is_hidden("a") && ops.is_hidden("a/b"));
        assert!(!ops.is_hidden("x"));
        assert!(ops.pop_due(t0 + Duration::seconds(2), &|_| false).is_some());
        assert!(!ops.is_hidden("a"));
    }

    #[test]
    fn stalled_operations_wait_and_resume() {
        let t0 = Utc::now();
        let mut ops = Operations::default();
        ops.insert(op("stuck", t0 + Duration::seconds(1), Some("v")));
        ops.insert(op("free", t0 + Duration::seconds(2), None));
        let stalled = |o: &Operation| o.id == "stuck";
        let later = t0 + Duration::seconds(10);
        assert_eq!(ops.pop_due(later, &stalled).map(|o| o.id), Some("free".into()));
        assert!(ops.pop_due(later, &stalled).is_none());
        assert_eq!(ops.lock_holder("v").map(|o| o.id.as_str()), Some("stuck"));
        assert!(ops.postpone(later, &|o| o.id == "stuck"));
        let done = ops.pop_due(later, &|_| false).unwrap();
        assert_eq!(done.end, Some(later), "it ends at the restore");
    }

    #[test]
    fn merge_patches() {
        let mut doc = serde_json::json!({"a": 1, "p": {"x": 1, "y": 2}});
        merge_patch(&mut doc, &serde_json::json!({"a": null, "p": {"x": 3}, "s": "n"}));
        assert_eq!(doc, serde_json::json!({"p": {"x": 3, "y": 2}, "s": "n"}));
    }
}
