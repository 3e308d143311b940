//! Private IP addresses in subnets, and the emulator's public IP pool.
//!
//! Azure reserves five addresses of every subnet: the network address, the default gateway
//! (`.1`), two for Azure DNS (`.2`, `.3`) and the broadcast address. Dynamic allocation hands
//! out the lowest free address after those; a static address must lie in the subnet, outside
//! the reserved ones, and be free.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};
use serde_json::{Map, Value};

use super::subnet::prefixes_of;
use crate::protocol::ArmError;
use crate::store::{Resource, State, key_of};

/// The public addresses the emulator hands out: 198.18.0.0/15, the benchmarking range, so
/// that no address it gives can be mistaken for a real Azure one.
const PUBLIC_POOL: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const PUBLIC_POOL_SIZE: u32 = (1 << 17) - 2;

/// The IPv4 prefixes of a subnet.
fn v4_prefixes(subnet: &Resource) -> Vec<Ipv4Net> {
    prefixes_of(subnet)
        .into_iter()
        .filter_map(|p| match p {
            IpNet::V4(v4) => Some(v4),
            IpNet::V6(_) => None,
        })
        .collect()
}

/// The addresses of `prefix` Azure lets resources use (empty for prefixes too small to have
/// any).
fn usable(prefix: &Ipv4Net) -> impl Iterator<Item = Ipv4Addr> + use<> {
    let start = u32::from(prefix.network()).saturating_add(4);
    let end = u32::from(prefix.broadcast()).saturating_sub(1);
    (start..=end).map(Ipv4Addr::from)
}

fn is_reserved(ip: Ipv4Addr, prefix: &Ipv4Net) -> bool {
    let n = u32::from(ip);
    let first = u32::from(prefix.network());
    n < first.saturating_add(4) || n == u32::from(prefix.broadcast())
}

/// Addresses held in `subnet` by resources other than those under `except_under`: every
/// object in their documents that names the subnet next to a `privateIPAddress`.
pub(crate) fn used_in(state: &State, subnet: &Resource, except_under: &str) -> Vec<(IpAddr, String)> {
    let subnet_key = subnet.key();
    let mut out = Vec::new();
    for user in state.referrers(&subnet_key, Some(except_under)) {
        collect(&user.body, &subnet_key, &user.id, &mut out);
    }
    out
}

fn collect(map: &Map<String, Value>, subnet_key: &str, owner: &str, out: &mut Vec<(IpAddr, String)>) {
    let names_subnet = map
        .get("subnet")
        .and_then(|s| s.get("id"))
        .and_then(Value::as_str)
        .is_some_and(|id| key_of(id) == subnet_key);
    if names_subnet
        && let Some(ip) = map
            .get("privateIPAddress")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<IpAddr>().ok())
    {
        out.push((ip, owner.to_string()));
    }
    for v in map.values() {
        match v {
            Value::Object(inner) => {
                let owner = inner.get("id").and_then(Value::as_str).unwrap_or(owner);
                collect(inner, subnet_key, owner, out);
            }
            Value::Array(items) => {
                for item in items {
                    if let Value::Object(inner) = item {
                        let owner = inner.get("id").and_then(Value::as_str).unwrap_or(owner);
                        collect(inner, subnet_key, owner, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The lowest free address of `subnet`, avoiding `used` and `also_taken` (addresses handed out
/// earlier in the same request). `SubnetIsFull` when there is none.
pub(crate) fn allocate(
    subnet: &Resource,
    used: &HashSet<IpAddr>,
    also_taken: &HashSet<IpAddr>,
) -> Result<IpAddr, ArmError> {
    let prefixes = v4_prefixes(subnet);
    for prefix in &prefixes {
        if let Some(ip) = usable(prefix)
            .map(IpAddr::V4)
            .find(|ip| !used.contains(ip) && !also_taken.contains(ip))
        {
            return Ok(ip);
        }
    }
    let shown = prefixes.first().map_or_else(String::new, ToString::to_string);
    Err(ArmError::bad_request(
        "SubnetIsFull",
        format!(
            "Subnet {} with address prefix {shown} does not have enough capacity for 1 IP addresses.",
            subnet.name()
        ),
    ))
}

/// Checks a static address asked for by the IP configuration `ip_config_id`.
pub(crate) fn check_static(
    ip_config_id: &str,
    ip: &str,
    subnet: &Resource,
    used: &[(IpAddr, String)],
) -> Result<IpAddr, ArmError> {
    let not_in_subnet = || {
        ArmError::bad_request(
            "PrivateIPAddressNotInSubnet",
            format!(
                "IP configuration {ip_config_id} is referencing a private IP address {ip} that is not in the \
                 address range of subnet {}.",
                subnet.id
            ),
        )
    };
    let Ok(IpAddr::V4(v4)) = ip.trim().parse::<IpAddr>() else {
        return Err(not_in_subnet());
    };
    let Some(prefix) = v4_prefixes(subnet).into_iter().find(|p| p.contains(&v4)) else {
        return Err(not_in_subnet());
    };
    if is_reserved(v4, &prefix) {
        return Err(ArmError::bad_request(
            "PrivateIPAddressInReservedRange",
            format!(
                "Private static IP address {v4} falls within reserved IP range of subnet prefix {prefix}."
            ),
        ));
    }
    if let Some((_, owner)) = used.iter().find(|(u, _)| *u == IpAddr::V4(v4)) {
        return Err(ArmError::bad_request(
            "PrivateIPAddressIsAllocated",
            format!(
                "IP configuration {ip_config_id} is using the private IP address {v4} which is already allocated \
                 to resource {owner}."
            ),
        ));
    }
    Ok(IpAddr::V4(v4))
}

/// The next free public address of the emulator's pool.
pub(crate) fn allocate_public(state: &State) -> Result<IpAddr, ArmError> {
    let used: HashSet<IpAddr> = state
        .of_type(super::public_ip::TYPE)
        .filter_map(|r| r.properties()?.get("ipAddress")?.as_str()?.parse().ok())
        .collect();
    let base = u32::from(PUBLIC_POOL);
    (0..PUBLIC_POOL_SIZE)
        .map(|i| IpAddr::V4(Ipv4Addr::from(base + i)))
        .find(|ip| !used.contains(ip))
        .ok_or_else(|| {
            ArmError::new(
                axum::http::StatusCode::CONFLICT,
                "PublicIPCountLimitReached",
                "The emulator's public IP pool (198.18.0.0/15) is exhausted.",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subnet(prefix: &str) -> Resource {
        Resource {
            id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a"
                .into(),
            resource_type: super::super::subnet::TYPE.into(),
            body: json!({"properties": {"addressPrefix": prefix}})
                .as_object()
                .cloned()
                .unwrap(),
            ..Resource::default()
        }
    }

    #[test]
    fn skips_the_five_reserved_addresses() {
        let s = subnet("10.0.1.0/24");
        let none = HashSet::new();
        assert_eq!(allocate(&s, &none, &none).unwrap().to_string(), "10.0.1.4");
        let used: HashSet<IpAddr> = ["10.0.1.4".parse().unwrap()].into();
        assert_eq!(allocate(&s, &used, &none).unwrap().to_string(), "10.0.1.5");
        // A /29 has 8 addresses, 3 of them usable.
        let tiny = subnet("10.0.2.0/29");
        let used: HashSet<IpAddr> = ["10.0.2.4", "10.0.2.5", "10.0.2.6"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(allocate(&tiny, &used, &none).unwrap_err().code(), "SubnetIsFull");
    }

    #[test]
    fn static_addresses_are_checked() {
        let s = subnet("10.0.1.0/24");
        let taken = vec![("10.0.1.9".parse().unwrap(), "/nic/ipConfigurations/x".to_string())];
        assert!(check_static("c", "10.0.1.10", &s, &taken).is_ok());
        assert_eq!(
            check_static("c", "10.0.2.10", &s, &taken).unwrap_err().code(),
            "PrivateIPAddressNotInSubnet"
        );
        for reserved in ["10.0.1.0", "10.0.1.1", "10.0.1.3", "10.0.1.255"] {
            assert_eq!(
                check_static("c", reserved, &s, &taken).unwrap_err().code(),
                "PrivateIPAddressInReservedRange"
            );
        }
        assert_eq!(
            check_static("c", "10.0.1.9", &s, &taken).unwrap_err().code(),
            "PrivateIPAddressIsAllocated"
        );
    }
}
