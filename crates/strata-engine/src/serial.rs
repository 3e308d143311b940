//! Writes that Azure requires to be one at a time.
//!
//! Azure refuses a write while another operation holds the same resource or its parent
//! (`AnotherOperationInProgress`), so the writes of one family wait for each other here
//! instead of racing there. The families, each named by its head's id:
//! - a **virtual network** with its subnets and peerings: the Network RP runs one operation at
//!   a time on a VNet and its children. A peering also changes the remote VNet (its peering
//!   state goes from `Initiated` to `Connected`), so a peering write holds the remote VNet too;
//! - a **network security group** with its security rules, a **route table** with its routes;
//! - a **private DNS zone** with its virtual network links and record sets: the private DNS
//!   provider queues the operations of one zone ("Operation group …/privateDnsZones/<zone>
//!   already has 1 operations … queued"). A link is the zone's child only: it is not held
//!   with the VNet it names, whose own operations do not refuse it;
//! - a **private endpoint** with its DNS zone groups, a **load balancer** with its pools and
//!   rules (children written through the parent's operation).
//!
//! A subnet that names a network security group or a route table changes it too (the
//! association is recorded on both sides), so its write also holds those families. Writes
//! that need several families take them in one fixed (sorted) order: two of them never wait
//! for each other in a circle. Unrelated resources never wait for each other.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use strata_core::ArmId;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use strata_azure::behaviour::{SERIAL_ALSO_CHANGES as ALSO_CHANGES, SERIAL_FAMILIES as FAMILIES};

#[derive(Default)]
pub struct SerialLocks {
    locks: Mutex<HashMap<String, Arc<AsyncMutex<()>>>>,
}

/// The family locks one write holds; released when dropped.
#[derive(Debug, Default)]
pub struct SerialGuard {
    held: Vec<OwnedMutexGuard<()>>,
}

impl SerialGuard {
    /// How many family locks are held (none for a resource outside every family).
    pub fn len(&self) -> usize {
        self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

impl SerialLocks {
    /// Waits for the family lock of `id`, if its type has one (a delete, or a write whose body
    /// is not at hand).
    pub async fn lock(&self, id: &ArmId) -> SerialGuard {
        self.lock_for(id, None).await
    }

    /// Waits for every family lock a write of `body` to `id` needs: its own family's, and
    /// those of the resources the body makes it change (a subnet's NSG and route table, a
    /// peering's remote VNet).
    pub async fn lock_for(&self, id: &ArmId, body: Option<&Value>) -> SerialGuard {
        let keys = family_keys(id, body);
        let locks: Vec<Arc<AsyncMutex<()>>> = {
            let Ok(mut map) = self.locks.lock() else {
                return SerialGuard::default();
            };
            keys.into_iter()
                .map(|key| Arc::clone(map.entry(key).or_default()))
                .collect()
        };
        let mut held = Vec::with_capacity(locks.len());
        for lock in locks {
            held.push(lock.lock_owned().await);
        }
        SerialGuard { held }
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

/// Every family a write of `body` to `id` holds, in the order they are taken.
pub fn family_keys(id: &ArmId, body: Option<&Value>) -> BTreeSet<String> {
    let mut keys: BTreeSet<String> = family_key(id).into_iter().collect();
    let t = id.resource_type().to_ascii_lowercase();
    let pointers = ALSO_CHANGES
        .iter()
        .find(|(writer, _)| *writer == t)
        .map_or(&[][..], |(_, pointers)| *pointers);
    for pointer in pointers {
        let named = body
            .and_then(|b| b.pointer(pointer))
            .and_then(Value::as_str)
            .and_then(|s| ArmId::parse(s).ok());
        keys.extend(named.as_ref().and_then(family_key));
    }
    keys
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use serde_json::json;

    use super::*;

    fn rg() -> ArmId {
        ArmId::resource_group("s", "rg")
    }

    fn net(kind: &str, name: &str) -> ArmId {
        ArmId::provider_resource(&rg(), &format!("Microsoft.Network/{kind}"), name)
    }

    #[test]
    fn children_share_their_parents_key() {
        let v = net("virtualNetworks", "v");
        assert_eq!(family_key(&v.child("subnets", "a")), family_key(&v));
        assert_eq!(
            family_key(&v.child("virtualNetworkPeerings", "p")),
            family_key(&v)
        );
        let nsg = net("networkSecurityGroups", "n");
        assert_eq!(family_key(&nsg.child("securityRules", "r")), family_key(&nsg));
        let rt = net("routeTables", "t");
        assert_eq!(family_key(&rt.child("routes", "r")), family_key(&rt));
        let zone = net("privateDnsZones", "privatelink.blob.core.windows.net");
        assert_eq!(
            family_key(&zone.child("virtualNetworkLinks", "l")),
            family_key(&zone)
        );
        let pe = net("privateEndpoints", "pe");
        assert_eq!(
            family_key(&pe.child("privateDnsZoneGroups", "default")),
            family_key(&pe)
        );
        assert!(family_key(&rg()).is_none());
        assert!(family_key(&net("publicIPAddresses", "ip")).is_none());
        assert_ne!(family_key(&net("virtualNetworks", "w")), family_key(&v));
        assert_ne!(family_key(&nsg), family_key(&v));
    }

    #[test]
    fn a_write_also_holds_what_its_body_makes_it_change() {
        let v = net("virtualNetworks", "v");
        let nsg = net("networkSecurityGroups", "n");
        let rt = net("routeTables", "t");
        let subnet = v.child("subnets", "a");
        let body = json!({"properties": {
            "addressPrefix": "10.0.1.0/24",
            "networkSecurityGroup": {"id": nsg.as_str()},
            "routeTable": {"id": rt.as_str()},
        }});
        let keys = family_keys(&subnet, Some(&body));
        let want: BTreeSet<String> = [&v, &nsg, &rt].iter().filter_map(|id| family_key(id)).collect();
        assert_eq!(keys, want);
        assert_eq!(family_keys(&subnet, None).len(), 1);
        let remote = net("virtualNetworks", "hub");
        let peering = v.child("virtualNetworkPeerings", "to-hub");
        let keys = family_keys(
            &peering,
            Some(&json!({"properties": {"remoteVirtualNetwork": {"id": remote.as_str()}}})),
        );
        assert_eq!(keys.len(), 2);
        // A VNet link is the zone's, not the VNet's.
        let link = net("privateDnsZones", "z.example").child("virtualNetworkLinks", "l");
        let keys = family_keys(
            &link,
            Some(&json!({"properties": {"virtualNetwork": {"id": v.as_str()}}})),
        );
        assert_eq!(keys.len(), 1);
        // Garbage in a body is ignored, not trusted.
        let keys = family_keys(
            &subnet,
            Some(&json!({"properties": {"networkSecurityGroup": {"id": "nope"}}})),
        );
        assert_eq!(keys.len(), 1);
    }

    /// Runs `ids` concurrently, each holding its locks for a moment; returns the most that
    /// were inside at once.
    async fn most_at_once(ids: Vec<(ArmId, Option<Value>)>) -> usize {
        let locks = Arc::new(SerialLocks::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = ids
            .into_iter()
            .map(|(id, body)| {
                let (locks, inside, most) = (locks.clone(), inside.clone(), most.clone());
                tokio::spawn(async move {
                    let _guard = locks.lock_for(&id, body.as_ref()).await;
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        most.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn one_family_writes_one_at_a_time() {
        let v = net("virtualNetworks", "v");
        let ids = vec![
            (v.clone(), None),
            (v.child("subnets", "a"), None),
            (v.child("subnets", "b"), None),
            (v.child("virtualNetworkPeerings", "p"), None),
        ];
        assert_eq!(most_at_once(ids).await, 1);
        let nsg = net("networkSecurityGroups", "n");
        // A rule of the NSG, and a subnet of another VNet that names the NSG.
        let other = net("virtualNetworks", "w").child("subnets", "x");
        let body = json!({"properties": {"networkSecurityGroup": {"id": nsg.as_str()}}});
        let ids = vec![(nsg.child("securityRules", "r"), None), (other, Some(body))];
        assert_eq!(most_at_once(ids).await, 1);
    }

    #[tokio::test]
    async fn crossing_peerings_do_not_wait_in_a_circle() {
        let a = net("virtualNetworks", "a");
        let b = net("virtualNetworks", "b");
        let to = |from: &ArmId, remote: &ArmId| {
            (
                from.child("virtualNetworkPeerings", remote.name()),
                Some(json!({"properties": {"remoteVirtualNetwork": {"id": remote.as_str()}}})),
            )
        };
        let ids = vec![to(&a, &b), to(&b, &a), to(&a, &b), to(&b, &a)];
        let most = tokio::time::timeout(Duration::from_secs(30), most_at_once(ids))
            .await
            .expect("the writes finished");
        assert_eq!(most, 1);
    }

    #[tokio::test]
    async fn unrelated_writes_do_not_wait_for_each_other() {
        let locks = SerialLocks::default();
        let a = net("virtualNetworks", "a").child("subnets", "x");
        let b = net("virtualNetworks", "b").child("subnets", "x");
        let held = locks.lock(&a).await;
        assert_eq!(held.len(), 1);
        // Taken while the other is held: it would never return if they were serialised.
        let other = tokio::time::timeout(Duration::from_secs(30), locks.lock(&b))
            .await
            .expect("an unrelated family is free");
        assert_eq!(other.len(), 1);
        assert!(locks.lock(&net("publicIPAddresses", "ip")).await.is_empty());
    }
}
