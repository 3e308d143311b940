//! Writes that Azure requires to be one at a time.
//!
//! A VNet and its subnets (and an NSG and its rules) share one lock: Azure answers
//! `AnotherOperationInProgress` when two of them are written at once. Unrelated resources never
//! wait for each other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use strata_core::ArmId;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// Parent families whose members must be written one at a time.
const FAMILIES: &[&str] = &[
    "microsoft.network/virtualnetworks",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/routetables",
];

#[derive(Default)]
pub struct SerialLocks {
    locks: Mutex<HashMap<String, Arc<AsyncMutex<()>>>>,
}

impl SerialLocks {
    /// Waits for the family lock of `id`, if its type has one.
    pub async fn lock(&self, id: &ArmId) -> Option<OwnedMutexGuard<()>> {
        let key = family_key(id)?;
        let lock = {
            let mut map = self.locks.lock().ok()?;
            Arc::clone(map.entry(key).or_default())
        };
        Some(lock.lock_owned().await)
    }
}

/// The id of the family head (`…/virtualNetworks/v` for the VNet and each of its subnets).
pub fn family_key(id: &ArmId) -> Option<String> {
    let t = id.resource_type().to_ascii_lowercase();
    let family = FAMILIES
        .iter()
        .find(|f| t == **f || t.starts_with(&format!("{f}/")))?;
    let depth = t.matches('/').count() - family.matches('/').count();
    let mut head = id.clone();
    for _ in 0..depth {
        head = head.parent()?;
    }
    Some(head.key())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_share_their_vnet_key() {
        let rg = ArmId::resource_group("s", "rg");
        let v = ArmId::provider_resource(&rg, "Microsoft.Network/virtualNetworks", "v");
        let a = v.child("subnets", "a");
        assert_eq!(family_key(&a), family_key(&v));
        assert!(family_key(&rg).is_none());
        let other = ArmId::provider_resource(&rg, "Microsoft.Network/virtualNetworks", "w");
        assert_ne!(family_key(&other), family_key(&v));
    }
}
