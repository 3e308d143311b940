//! A drill that changes nothing the environment runs on: copies restored into a resource
//! group of their own in the secondary region, checked, and deleted with it. For each
//! PostgreSQL flexible server, a geo-restore of its geo-redundant backup into a network of the
//! drill's own (a server with private access must be restored into a different network than
//! its source's, with its own private DNS zone), as Azure documents for geo-restore
//! (concepts-business-continuity, how-to-restore-server-portal).

use serde_json::{Value, json};

use super::api_versions::{NETWORK, POSTGRESQL, PRIVATE_DNS, RESOURCES};

/// The drill's address range: the drill's network is peered with nothing, so it may repeat a
/// range used elsewhere.
const DRILL_RANGE: &str = "10.254.0.0/16";
const DRILL_SUBNET: &str = "10.254.1.0/24";

/// One request of the drill's copy.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyRequest {
    /// Stable within the drill (`restore psql-shop-prod`).
    pub key: String,
    pub title: String,
    pub id: String,
    pub api_version: &'static str,
    pub body: Value,
    /// The request restores data (its duration is the geo-restore's).
    pub restores: bool,
}

/// The drill's resource group: `rg-<env>-drill` in `subscription`.
pub fn group_id(subscription: &str, environment: &str) -> String {
    format!("/subscriptions/{subscription}/resourceGroups/rg-{environment}-drill")
}

/// The api-version of resource groups, for creating and deleting the drill's.
pub const GROUP_API_VERSION: &str = RESOURCES;

/// The api-version of the restored servers.
pub const SERVER_API_VERSION: &str = POSTGRESQL;

/// The drill's group, network and DNS, then a geo-restore of each of `servers` (their ids) to
/// `point` (RFC 3339) in `location`.
pub fn copy_requests(
    group: &str,
    location: &str,
    environment: &str,
    servers: &[String],
    point: &str,
) -> Vec<CopyRequest> {
    let mut out = vec![CopyRequest {
        key: "drill group".into(),
        title: format!("create the drill's resource group in {location}"),
        id: group.to_string(),
        api_version: RESOURCES,
        body: json!({"location": location, "tags": {"strata-drill": environment}}),
        restores: false,
    }];
    if servers.is_empty() {
        return out;
    }
    let vnet = format!("{group}/providers/Microsoft.Network/virtualNetworks/vnet-drill");
    out.push(CopyRequest {
        key: "drill network".into(),
        title: "create the drill's network, its subnet delegated to PostgreSQL".into(),
        id: vnet.clone(),
        api_version: NETWORK,
        body: json!({
            "location": location,
            "properties": {
                "addressSpace": {"addressPrefixes": [DRILL_RANGE]},
                "subnets": [{
                    "name": "data",
                    "properties": {
                        "addressPrefix": DRILL_SUBNET,
                        "delegations": [{"name": "postgres", "properties": {"serviceName": "Microsoft.DBforPostgreSQL/flexibleServers"}}]
                    }
                }]
            }
        }),
        restores: false,
    });
    for source in servers {
        let name = source.rsplit('/').next().unwrap_or("server");
        let copy = format!("{}-drill", name.chars().take(57).collect::<String>());
        let zone = format!(
            "{group}/providers/Microsoft.Network/privateDnsZones/{copy}.private.postgres.database.azure.com"
        );
        out.push(CopyRequest {
            key: format!("zone {name}"),
            title: format!("create the private DNS zone of {copy}"),
            id: zone.clone(),
            api_version: PRIVATE_DNS,
            body: json!({"location": "global"}),
            restores: false,
        });
        out.push(CopyRequest {
            key: format!("link {name}"),
            title: "link it to the drill's network".to_string(),
            id: format!("{zone}/virtualNetworkLinks/vnet-drill"),
            api_version: PRIVATE_DNS,
            body: json!({"location": "global", "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": false}}),
            restores: false,
        });
        out.push(CopyRequest {
            key: format!("restore {name}"),
            title: format!("geo-restore {name} into {copy} in {location}"),
            id: format!("{group}/providers/Microsoft.DBforPostgreSQL/flexibleServers/{copy}"),
            api_version: POSTGRESQL,
            body: json!({
                "location": location,
                "properties": {
                    "createMode": "GeoRestore",
                    "sourceServerResourceId": source,
                    "pointInTimeUTC": point,
                    "network": {
                        "delegatedSubnetResourceId": format!("{vnet}/subnets/data"),
                        "privateDnsZoneArmResourceId": zone
                    }
                }
            }),
            restores: true,
        });
    }
    out
}

/// Whether a restored server's document says it is ready to take connections.
pub fn server_ready(doc: &Value) -> bool {
    doc.get("properties")
        .and_then(|p| p.get("state"))
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("Ready"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_a_geo_restore_into_a_network_of_its_own() {
        let group = group_id("sub", "prod");
        let reqs = copy_requests(
            &group,
            "northeurope",
            "prod",
            &["/x/flexibleServers/psql-shop-prod".into()],
            "2026-12-07T02:00:00Z",
        );
        let keys: Vec<&str> = reqs.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "drill group",
                "drill network",
                "zone psql-shop-prod",
                "link psql-shop-prod",
                "restore psql-shop-prod"
            ]
        );
        let restore = reqs.last().unwrap();
        assert!(restore.restores);
        assert_eq!(restore.body["properties"]["createMode"], "GeoRestore");
        assert!(restore.id.ends_with("/flexibleServers/psql-shop-prod-drill"));
        assert!(
            restore.body["properties"]["network"]["delegatedSubnetResourceId"]
                .as_str()
                .unwrap()
                .starts_with(&group)
        );
        assert_eq!(copy_requests(&group, "northeurope", "prod", &[], "t").len(), 1);
    }
}
