//! Soft-deleted resources.
//!
//! Some providers keep what was deleted for a while (Key Vault for its retention period, Log
//! Analytics for 14 days): the name stays taken, the resource can be recovered or purged. A
//! tombstone holds the resource and its children as they were, keyed by the id they had.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Resource, State};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Tombstone {
    pub resource: Resource,
    /// Its children, restored with it on recovery.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Resource>,
    pub deleted: DateTime<Utc>,
    /// When the provider purges it by itself.
    pub purge_at: DateTime<Utc>,
    /// The running purge operation, if one was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purging: Option<String>,
}

impl State {
    /// Removes `key` and its subtree from the estate and keeps them as a tombstone until
    /// `purge_at`.
    pub fn bury(&mut self, key: &str, now: DateTime<Utc>, purge_at: DateTime<Utc>) {
        let Some(resource) = self.resources.get(key).cloned() else {
            return;
        };
        let children: Vec<Resource> = self.descendants(key).cloned().collect();
        self.remove_tree(key);
        self.keep(Tombstone {
            resource,
            children,
            deleted: now,
            purge_at,
            purging: None,
        });
    }

    /// Keeps a tombstone for a resource that is already gone from the estate.
    pub fn keep(&mut self, tombstone: Tombstone) {
        self.touch();
        self.tombstones.insert(tombstone.resource.key(), tombstone);
    }

    pub fn tombstone(&self, key: &str) -> Option<&Tombstone> {
        self.tombstones.get(key)
    }

    pub fn tombstone_mut(&mut self, key: &str) -> Option<&mut Tombstone> {
        self.touch();
        self.tombstones.get_mut(key)
    }

    /// The tombstones of a full type (case-insensitive), in key order.
    pub fn tombstones_of<'a>(&'a self, resource_type: &str) -> impl Iterator<Item = &'a Tombstone> + use<'a> {
        let t = resource_type.to_string();
        self.tombstones
            .values()
            .filter(move |ts| ts.resource.resource_type.eq_ignore_ascii_case(&t))
    }

    /// Takes a tombstone out (to recover the resource, or because it is purged).
    pub fn exhume(&mut self, key: &str) -> Option<Tombstone> {
        let t = self.tombstones.remove(key);
        if t.is_some() {
            self.touch();
        }
        t
    }

    /// Recovers a tombstone: the resource and its children are back as they were.
    pub fn recover(&mut self, key: &str) -> Option<Resource> {
        let t = self.exhume(key)?;
        let resource = t.resource.clone();
        self.put_resource(t.resource);
        for child in t.children {
            self.put_resource(child);
        }
        Some(resource)
    }

    /// Providers purge what is past its retention by themselves.
    pub(super) fn expire_tombstones(&mut self, now: DateTime<Utc>) {
        if self.tombstones.is_empty() {
            return;
        }
        let before = self.tombstones.len();
        self.tombstones.retain(|_, t| t.purge_at > now);
        if self.tombstones.len() != before {
            self.touch();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::key_of;
    use chrono::Duration;

    fn res(id: &str) -> Resource {
        Resource {
            id: id.into(),
            resource_type: "Microsoft.KeyVault/vaults".into(),
            ..Resource::default()
        }
    }

    #[test]
    fn bury_recover_and_expire() {
        let now = Utc::now();
        let mut st = State::default();
        let v = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";
        st.put_resource(res(v));
        let mut secret = res(&format!("{v}/secrets/a"));
        secret.resource_type = "Microsoft.KeyVault/vaults/secrets".into();
        st.put_resource(secret);
        st.bury(&key_of(v), now, now + Duration::days(7));
        assert!(st.resource(&key_of(v)).is_none());
        assert_eq!(st.tombstones_of("microsoft.keyvault/VAULTS").count(), 1);
        assert_eq!(st.tombstone(&key_of(v)).map(|t| t.children.len()), Some(1));

        assert!(st.recover(&key_of(v)).is_some());
        assert!(st.resource(&key_of(&format!("{v}/secrets/a"))).is_some());
        assert!(st.tombstone(&key_of(v)).is_none());

        st.bury(&key_of(v), now, now + Duration::days(7));
        st.expire_tombstones(now + Duration::days(6));
        assert!(st.tombstone(&key_of(v)).is_some());
        st.expire_tombstones(now + Duration::days(8));
        assert!(st.tombstone(&key_of(v)).is_none());
    }
}
