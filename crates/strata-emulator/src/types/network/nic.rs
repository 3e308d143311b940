//! Microsoft.Network/networkInterfaces.
//!
//! Each IP configuration names a subnet (which must exist) and gets a private address from it:
//! Dynamic takes the lowest free address after Azure's reserved ones and keeps it across
//! updates; Static is checked (`PrivateIPAddressNotInSubnet`, `PrivateIPAddressInReservedRange`,
//! `PrivateIPAddressIsAllocated`). A public IP can serve one IP configuration only. The virtual
//! machine or private endpoint using the NIC is shown read-only and keeps it from being deleted
//! (`NicInUse`).

use std::collections::HashSet;
use std::net::IpAddr;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{
    assemble, keep_or, new_etag, new_guid, read_location, read_tags, render_doc, take_properties,
};
use super::super::{Ctx, Target, TypeRules};
use super::{
    app_gateway, begin, begin_delete, check_not_busy, check_reference, check_unique, inline_list,
    inline_name, ipam, patch_tags, public_ip, put_reply,
};
use crate::protocol::{ArmError, NETWORK_VERSIONS, Reply};
use crate::store::{OpAction, Resource, State, key_of};

pub(crate) const TYPE: &str = "Microsoft.Network/networkInterfaces";

const READ_ONLY: &[&str] = &[
    "provisioningState",
    "resourceGuid",
    "macAddress",
    "virtualMachine",
    "privateEndpoint",
    "hostedWorkloads",
    "tapConfigurations",
    "vnetEncryptionSupported",
];

fn bad_format(message: String) -> ArmError {
    ArmError::bad_request(
        "InvalidRequestFormat",
        format!("Cannot parse the request. {message}"),
    )
}

/// One IP configuration, checked: what the NIC stores for it.
pub(crate) struct IpConfigPlan {
    pub name: String,
    pub props: Map<String, Value>,
}

/// Checks the IP configurations of the NIC `nic_id` and gives each its private address.
/// `previous` is the NIC as stored (its addresses are kept); `nic_key` is left out of the
/// addresses in use.
pub(crate) fn plan_ip_configurations(
    ctx: &Ctx<'_>,
    nic_id: &str,
    nic_key: &str,
    items: Vec<Map<String, Value>>,
    previous: Option<&Resource>,
) -> Result<Vec<IpConfigPlan>, ArmError> {
    if items.is_empty() {
        return Err(bad_format(format!(
            "Network interface {nic_id} must have at least one IP configuration."
        )));
    }
    let names: Vec<String> = items
        .iter()
        .map(|i| inline_name(i, nic_id, "ipConfigurations").map(str::to_string))
        .collect::<Result<_, _>>()?;
    check_unique(nic_id, names.iter().map(String::as_str))?;
    let explicit_primary = items.iter().any(|i| {
        i.get("properties")
            .and_then(|p| p.get("primary"))
            .and_then(Value::as_bool)
            == Some(true)
    });
    let mut taken_here: HashSet<IpAddr> = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (index, (mut item, name)) in items.into_iter().zip(names).enumerate() {
        let config_id = format!("{nic_id}/ipConfigurations/{name}");
        let mut props = take_properties(&mut item)?;
        props.remove("provisioningState");
        let Some(subnet_ref) = props.get("subnet").filter(|v| !v.is_null()).cloned() else {
            return Err(bad_format(format!(
                "IP configuration {config_id} must reference a subnet."
            )));
        };
        check_reference(ctx, nic_id, &subnet_ref)?;
        let subnet_id = subnet_ref.get("id").and_then(Value::as_str).unwrap_or_default();
        let Some(subnet) = ctx.state.resource(&key_of(subnet_id)) else {
            return Err(bad_format(format!(
                "IP configuration {config_id} references a missing subnet."
            )));
        };
        app_gateway::check_not_gateway_subnet(ctx.state, subnet, nic_id)?;
        if let Some(pip) = props.get("publicIPAddress").filter(|v| !v.is_null()) {
            check_reference(ctx, nic_id, pip)?;
            let pip_key = key_of(pip.get("id").and_then(Value::as_str).unwrap_or_default());
            if let Some(pip_res) = ctx.state.resource(&pip_key)
                && let Some(user) = public_ip::user_ip_configuration(ctx.state, pip_res)
                && !key_of(&user).starts_with(&format!("{nic_key}/"))
                && key_of(&user) != nic_key
            {
                return Err(ArmError::bad_request(
                    "PublicIPAddressInUse",
                    format!(
                        "Resource {nic_id} is referencing public IP address {} that is already allocated to resource \
                         {user}.",
                        pip_res.id
                    ),
                ));
            }
        }
        let used = ipam::used_in(ctx.state, subnet, nic_key);
        let method = match props.get("privateIPAllocationMethod").and_then(Value::as_str) {
            Some(m) if m.eq_ignore_ascii_case("Static") => "Static",
            None | Some(_) => "Dynamic",
        };
        let address = if method == "Static" {
            let Some(asked) = props.get("privateIPAddress").and_then(Value::as_str) else {
                return Err(bad_format(format!(
                    "IP configuration {config_id} has a Static allocation method but no privateIPAddress."
                )));
            };
            ipam::check_static(&config_id, asked, subnet, &used)?
        } else {
            // A dynamic address stays the same while the IP configuration stays in the subnet.
            let kept = previous
                .and_then(Resource::properties)
                .and_then(|p| p.get("ipConfigurations"))
                .and_then(Value::as_array)
                .and_then(|list| {
                    list.iter().find(|c| {
                        c.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case(&name))
                            && c.pointer("/properties/subnet/id")
                                .and_then(Value::as_str)
                                .is_some_and(|s| s.eq_ignore_ascii_case(&subnet.id))
                    })
                })
                .and_then(|c| c.pointer("/properties/privateIPAddress"))
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<IpAddr>().ok())
                .filter(|ip| !taken_here.contains(ip));
            match kept {
                Some(ip) => ip,
                None => {
                    let used_set: HashSet<IpAddr> = used.iter().map(|(ip, _)| *ip).collect();
                    ipam::allocate(subnet, &used_set, &taken_here)?
                }
            }
        };
        if !taken_here.insert(address) {
            return Err(ArmError::bad_request(
                "PrivateIPAddressIsAllocated",
                format!(
                    "IP configuration {config_id} is using the private IP address {address} which is already allocated."
                ),
            ));
        }
        let primary = if explicit_primary {
            props.get("primary").and_then(Value::as_bool).unwrap_or(false)
        } else {
            index == 0
        };
        let mut stored = Map::new();
        stored.insert("provisioningState".into(), json!("Updating"));
        stored.insert("privateIPAddress".into(), json!(address.to_string()));
        stored.insert("privateIPAllocationMethod".into(), json!(method));
        stored.insert("subnet".into(), json!({ "id": subnet.id }));
        stored.insert("primary".into(), json!(primary));
        stored.insert("privateIPAddressVersion".into(), json!("IPv4"));
        for (k, v) in props {
            stored.entry(k).or_insert(v);
        }
        out.push(IpConfigPlan { name, props: stored });
    }
    Ok(out)
}

/// The stored form of the IP configurations.
pub(crate) fn ip_configurations_value(nic_id: &str, plans: Vec<IpConfigPlan>) -> Value {
    Value::Array(
        plans
            .into_iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "id": format!("{nic_id}/ipConfigurations/{}", p.name),
                    "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
                    "properties": p.props,
                })
            })
            .collect(),
    )
}

/// The NIC's defaults, as the provider returns them.
pub(crate) fn defaults(props: &mut Map<String, Value>) {
    props
        .entry("enableAcceleratedNetworking")
        .or_insert_with(|| json!(false));
    props.entry("enableIPForwarding").or_insert_with(|| json!(false));
    props
        .entry("disableTcpStateTracking")
        .or_insert_with(|| json!(false));
    props.entry("nicType").or_insert_with(|| json!("Standard"));
    props.entry("auxiliaryMode").or_insert_with(|| json!("None"));
    props.entry("auxiliarySku").or_insert_with(|| json!("None"));
    props
        .entry("dnsSettings")
        .or_insert_with(|| json!({ "dnsServers": [], "appliedDnsServers": [] }));
    props.insert("hostedWorkloads".into(), json!([]));
    props.insert("tapConfigurations".into(), json!([]));
    props.insert("vnetEncryptionSupported".into(), json!(false));
}

/// A MAC address in Azure's format, from a fresh GUID.
fn new_mac() -> String {
    let guid = uuid::Uuid::new_v4();
    let b = guid.as_bytes();
    format!("00-22-48-{:02X}-{:02X}-{:02X}", b[0], b[1], b[2])
}

pub(crate) struct NetworkInterfaces;

impl TypeRules for NetworkInterfaces {
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
        if let Some(pe) = existing
            .as_ref()
            .and_then(|old| old.properties())
            .and_then(|p| p.get("privateEndpoint"))
        {
            return Err(ArmError::bad_request(
                "CannotModifyNicAttachedToPrivateEndpoint",
                format!(
                    "Network interface {} is owned by private endpoint {} and cannot be modified.",
                    t.id,
                    pe.get("id").and_then(Value::as_str).unwrap_or_default()
                ),
            ));
        }
        check_not_busy(ctx, &t.key)?;
        let mut props = take_properties(&mut body)?;
        for k in READ_ONLY {
            props.remove(*k);
        }
        if let Some(nsg) = props.get("networkSecurityGroup").filter(|v| !v.is_null()) {
            check_reference(ctx, &t.id, nsg)?;
        }
        let items = inline_list(&mut props, "ipConfigurations", &t.id)?;
        let plans = plan_ip_configurations(ctx, &t.id, &t.key, items, existing.as_ref())?;
        let mut stored = Map::new();
        stored.insert("provisioningState".into(), json!("Updating"));
        stored.insert(
            "resourceGuid".into(),
            keep_or(existing.as_ref(), "resourceGuid", || json!(new_guid())),
        );
        stored.insert("ipConfigurations".into(), ip_configurations_value(&t.id, plans));
        stored.extend(props);
        defaults(&mut stored);
        let doc = assemble(body, Some(&location), tags, stored);
        let (order, private) = match &existing {
            Some(e) => (e.order, e.private.clone()),
            None => {
                let mut private = Map::new();
                private.insert("macAddress".into(), json!(new_mac()));
                (ctx.state.next_order(), private)
            }
        };
        ctx.state.put_resource(Resource {
            id: t.id.clone(),
            resource_type: TYPE.into(),
            body: doc,
            etag: Some(new_etag()),
            order,
            private,
        });
        let op = begin(
            ctx,
            t,
            &location,
            OpAction::Provision {
                targets: vec![t.key.clone()],
            },
        );
        Ok(put_reply(ctx, existing.is_none(), &t.key, &op))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        patch_tags(ctx, t, body)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let Some(nic) = ctx.state.resource(&t.key) else {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        };
        let location = nic.location().unwrap_or(&t.group_location).to_string();
        check_not_busy(ctx, &t.key)?;
        if let Some(user) = ctx.state.referrers(&t.key, Some(&t.key)).first() {
            return Err(ArmError::bad_request(
                "NicInUse",
                format!(
                    "Network Interface {} is used by existing resource {}. In order to delete the network interface, \
                     it must be dissociated from the resource. To learn more, see aka.ms/deletenic.",
                    t.id, user.id
                ),
            ));
        }
        Ok(begin_delete(ctx, t, &location))
    }

    fn render(&self, state: &State, res: &Resource) -> Value {
        let mut out = render_doc(res);
        let key = res.key();
        let vm = state
            .referrers(&key, Some(&key))
            .into_iter()
            .find(|r| {
                r.resource_type
                    .eq_ignore_ascii_case(crate::types::compute::vm::TYPE)
            })
            .map(|r| r.id.clone());
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            // Azure shows a MAC address once a virtual machine uses the NIC.
            if let Some(vm) = vm {
                props.insert("virtualMachine".into(), json!({ "id": vm }));
                if let Some(mac) = res.private.get("macAddress") {
                    props.insert("macAddress".into(), mac.clone());
                }
                props.insert("primary".into(), json!(true));
            }
        }
        Value::Object(out)
    }
}
