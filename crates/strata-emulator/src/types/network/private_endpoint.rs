//! Microsoft.Network/privateEndpoints.
//!
//! A private endpoint takes an address in its subnet through a network interface the provider
//! creates for it (`{endpoint}.nic.{guid}`, or `customNetworkInterfaceName`) in the same
//! resource group; that NIC shows the endpoint read-only and cannot be deleted or changed on its
//! own. The endpoint appears in its subnet's `privateEndpoints` and keeps the subnet from being
//! deleted (`InUseSubnetCannotBeDeleted`). Connections to a service in the same tenant are
//! approved at once (`Auto-Approved`); `customDnsConfigs` give the service's name and the
//! private address, for a private DNS zone.

use std::collections::HashSet;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{
    assemble, keep_or, new_etag, new_guid, read_location, read_tags, render_doc, take_properties,
};
use super::super::{Ctx, Target, TypeRules};
use super::{
    app_gateway, begin, begin_delete_with, check_not_busy, check_reference, inline_list, inline_name, ipam,
    nic, patch_tags, put_reply,
};
use crate::protocol::{ArmError, NETWORK_VERSIONS, Reply};
use crate::store::{OpAction, Resource, State, key_of};

pub(crate) const TYPE: &str = "Microsoft.Network/privateEndpoints";

const READ_ONLY: &[&str] = &[
    "provisioningState",
    "resourceGuid",
    "networkInterfaces",
    "customDnsConfigs",
];

/// The name a service answers to behind a private endpoint, per sub-resource (`groupIds`).
fn service_fqdn(target: &Resource, group: &str) -> Option<String> {
    let name = target.name().to_ascii_lowercase();
    let t = target.resource_type.to_ascii_lowercase();
    let g = group.to_ascii_lowercase();
    match t.as_str() {
        "microsoft.storage/storageaccounts"
            if ["blob", "file", "queue", "table", "web", "dfs"].contains(&g.as_str()) =>
        {
            Some(format!("{name}.{g}.core.windows.net"))
        }
        "microsoft.keyvault/vaults" if g == "vault" => Some(format!("{name}.vault.azure.net")),
        "microsoft.dbforpostgresql/flexibleservers" if g == "postgresqlserver" => {
            Some(format!("{name}.postgres.database.azure.com"))
        }
        "microsoft.web/sites" if g == "sites" => Some(format!("{name}.azurewebsites.net")),
        _ => None,
    }
}

/// The network interface the endpoint owns, if any.
fn owned_nic(res: &Resource) -> Option<String> {
    res.properties()?
        .get("networkInterfaces")?
        .as_array()?
        .first()?
        .get("id")?
        .as_str()
        .map(str::to_string)
}

pub(crate) struct PrivateEndpoints;

impl TypeRules for PrivateEndpoints {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(NETWORK_VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let location = read_location(&body, true)?.unwrap_or_default();
        let tags = read_tags(&body)?;
        let existing = ctx.state.resource(&t.key).cloned();
        check_not_busy(ctx, &t.key)?;
        let mut props = take_properties(&mut body)?;
        for k in READ_ONLY {
            props.remove(*k);
        }
        let Some(subnet_ref) = props.get("subnet").filter(|v| !v.is_null()).cloned() else {
            return Err(ArmError::bad_request(
                "InvalidRequestFormat",
                format!(
                    "Cannot parse the request. Private endpoint {} must reference a subnet.",
                    t.id
                ),
            ));
        };
        check_reference(ctx, &t.id, &subnet_ref)?;
        let subnet_id = subnet_ref
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();

        // Connections: the service must exist; they are approved at once.
        let mut connections = Vec::new();
        let mut dns = Vec::new();
        let mut fqdns_by_group: Vec<(String, Vec<String>)> = Vec::new();
        for list in [
            "privateLinkServiceConnections",
            "manualPrivateLinkServiceConnections",
        ] {
            let items = inline_list(&mut props, list, &t.id)?;
            let mut stored = Vec::new();
            for mut item in items {
                let name = inline_name(&item, &t.id, list)?.to_string();
                let mut c = take_properties(&mut item)?;
                let service = c
                    .get("privateLinkServiceId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let Some(target) = ctx.state.resource(&key_of(&service)).cloned() else {
                    return Err(ArmError::bad_request(
                        "PrivateLinkServiceNotFound",
                        format!(
                            "Private link service {service} referenced by private endpoint {} was not found.",
                            t.id
                        ),
                    ));
                };
                let groups: Vec<String> = c
                    .get("groupIds")
                    .and_then(Value::as_array)
                    .map(|g| g.iter().filter_map(Value::as_str).map(str::to_string).collect())
                    .unwrap_or_default();
                for g in &groups {
                    if let Some(fqdn) = service_fqdn(&target, g) {
                        fqdns_by_group.push((g.clone(), vec![fqdn]));
                    }
                }
                c.insert("provisioningState".into(), json!("Updating"));
                c.insert(
                    "privateLinkServiceConnectionState".into(),
                    json!({"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"}),
                );
                stored.push(json!({
                    "name": name,
                    "id": format!("{}/{list}/{name}", t.id),
                    "type": format!("{TYPE}/{list}"),
                    "properties": c,
                }));
            }
            connections.push((list, stored));
        }
        if connections.iter().all(|(_, c)| c.is_empty()) {
            return Err(ArmError::bad_request(
                "InvalidRequestFormat",
                format!(
                    "Cannot parse the request. Private endpoint {} must have a private link service connection.",
                    t.id
                ),
            ));
        }

        // The NIC the endpoint owns: created once, moved when the subnet changes.
        let nic_id = match existing.as_ref().and_then(owned_nic) {
            Some(id) => id,
            None => {
                let nic_name = props
                    .get("customNetworkInterfaceName")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("{}.nic.{}", t.name, new_guid()), str::to_string);
                format!(
                    "/subscriptions/{}/resourceGroups/{}/providers/{}/{nic_name}",
                    t.path.subscription,
                    t.group_name,
                    nic::TYPE
                )
            }
        };
        let nic_key = key_of(&nic_id);
        let Some(subnet) = ctx.state.resource(&key_of(&subnet_id)) else {
            return Err(ArmError::bad_request(
                "InvalidResourceReference",
                format!("Subnet {subnet_id} was not found."),
            ));
        };
        app_gateway::check_not_gateway_subnet(ctx.state, subnet, &t.id)?;
        let previous_nic = ctx.state.resource(&nic_key).cloned();
        let used: HashSet<_> = ipam::used_in(ctx.state, subnet, &nic_key)
            .into_iter()
            .map(|(ip, _)| ip)
            .collect();
        let address = previous_nic
            .as_ref()
            .and_then(|n| n.properties())
            .and_then(|p| p.get("ipConfigurations"))
            .and_then(|c| c.pointer("/0/properties"))
            .filter(|p| {
                p.pointer("/subnet/id")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case(&subnet_id))
            })
            .and_then(|p| p.get("privateIPAddress"))
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok());
        let address = match address {
            Some(a) => a,
            None => ipam::allocate(subnet, &used, &HashSet::new())?,
        };
        for (_, fqdns) in &fqdns_by_group {
            dns.push(json!({ "fqdn": fqdns[0], "ipAddresses": [address.to_string()] }));
        }
        let config_name = previous_nic
            .as_ref()
            .and_then(|n| n.properties())
            .and_then(|p| p.get("ipConfigurations"))
            .and_then(|c| c.pointer("/0/name"))
            .and_then(Value::as_str)
            .map_or_else(
                || format!("privateEndpointIpConfig.{}", new_guid()),
                str::to_string,
            );
        let mut nic_props = Map::new();
        nic_props.insert("provisioningState".into(), json!("Updating"));
        nic_props.insert(
            "resourceGuid".into(),
            keep_or(previous_nic.as_ref(), "resourceGuid", || json!(new_guid())),
        );
        nic_props.insert(
            "ipConfigurations".into(),
            json!([{
                "name": config_name,
                "id": format!("{nic_id}/ipConfigurations/{config_name}"),
                "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
                "properties": {
                    "provisioningState": "Updating",
                    "privateIPAddress": address.to_string(),
                    "privateIPAllocationMethod": "Dynamic",
                    "subnet": { "id": subnet_id },
                    "primary": true,
                    "privateIPAddressVersion": "IPv4",
                    "privateLinkConnectionProperties": {
                        "groupId": fqdns_by_group.first().map(|(g, _)| g.clone()).unwrap_or_default(),
                        "requiredMemberName": fqdns_by_group.first().map(|(g, _)| g.clone()).unwrap_or_default(),
                        "fqdns": fqdns_by_group.first().map(|(_, f)| f.clone()).unwrap_or_default(),
                    }
                }
            }]),
        );
        nic_props.insert("privateEndpoint".into(), json!({ "id": t.id }));
        nic::defaults(&mut nic_props);
        let nic_doc = assemble(Map::new(), Some(&location), None, nic_props);
        let nic_order = previous_nic
            .as_ref()
            .map_or_else(|| ctx.state.next_order(), |n| n.order);
        ctx.state.put_resource(Resource {
            id: nic_id.clone(),
            resource_type: nic::TYPE.into(),
            body: nic_doc,
            etag: Some(new_etag()),
            order: nic_order,
            ..Resource::default()
        });

        let mut stored = Map::new();
        stored.insert("provisioningState".into(), json!("Updating"));
        stored.insert(
            "resourceGuid".into(),
            keep_or(existing.as_ref(), "resourceGuid", || json!(new_guid())),
        );
        stored.insert("subnet".into(), json!({ "id": subnet_id }));
        stored.insert("networkInterfaces".into(), json!([{ "id": nic_id }]));
        for (list, items) in connections {
            stored.insert(list.into(), Value::Array(items));
        }
        stored.insert("customDnsConfigs".into(), Value::Array(dns));
        stored.entry("ipConfigurations").or_insert_with(|| json!([]));
        stored
            .entry("applicationSecurityGroups")
            .or_insert_with(|| json!([]));
        for (k, v) in props {
            stored.entry(k).or_insert(v);
        }
        let doc = assemble(body, Some(&location), tags, stored);
        let order = existing
            .as_ref()
            .map_or_else(|| ctx.state.next_order(), |e| e.order);
        ctx.state.put_resource(Resource {
            id: t.id.clone(),
            resource_type: TYPE.into(),
            body: doc,
            etag: Some(new_etag()),
            order,
            ..Resource::default()
        });
        let action = OpAction::Provision {
            targets: vec![t.key.clone(), nic_key],
        };
        let op = begin(ctx, t, &location, action);
        Ok(put_reply(ctx, existing.is_none(), &t.key, &op))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        patch_tags(ctx, t, body)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let Some(pe) = ctx.state.resource(&t.key) else {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        };
        let location = pe.location().unwrap_or(&t.group_location).to_string();
        let nic = owned_nic(pe).map(|id| key_of(&id));
        check_not_busy(ctx, &t.key)?;
        Ok(begin_delete_with(ctx, t, &location, nic.into_iter().collect()))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(render_doc(res))
    }
}
