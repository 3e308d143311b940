//! Microsoft.Network/publicIPAddresses.
//!
//! A Standard (or Static) address gets its `ipAddress` when created, from the emulator's pool
//! (198.18.0.0/15, never a real Azure address); a Basic Dynamic one gets none until something
//! uses it, as in Azure. The address stays the same across updates. The IP configuration that
//! uses it is shown read-only in `ipConfiguration`, and keeps it from being deleted
//! (`PublicIPAddressCannotBeDeleted`).
//!
//! A body with only a location used to give Basic/Dynamic (the spec example
//! `PublicIpAddressCreateDefaults.json`); Basic addresses are retired, so the emulator defaults
//! to Standard/Static as the service now does.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::new_etag;
use super::super::common::{
    assemble, keep_or, new_guid, read_location, read_tags, render_doc, take_properties,
};
use super::super::{Ctx, Target, TypeRules};
use super::{begin, begin_delete, check_not_busy, ipam, patch_tags, put_reply};
use crate::protocol::{ArmError, NETWORK_VERSIONS, Reply};
use crate::store::{OpAction, Resource, State};

pub(crate) const TYPE: &str = "Microsoft.Network/publicIPAddresses";

const READ_ONLY: &[&str] = &[
    "provisioningState",
    "resourceGuid",
    "ipAddress",
    "ipConfiguration",
    "natGateway",
];

fn enum_value(
    props: &Map<String, Value>,
    field: &str,
    allowed: &[&str],
    default: &str,
    id: &str,
) -> Result<String, ArmError> {
    match props.get(field) {
        None | Some(Value::Null) => Ok(default.to_string()),
        Some(Value::String(s)) => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(s))
            .map(|a| (*a).to_string())
            .ok_or_else(|| invalid(id, field, s, allowed)),
        Some(other) => Err(invalid(id, field, &other.to_string(), allowed)),
    }
}

fn invalid(id: &str, field: &str, value: &str, allowed: &[&str]) -> ArmError {
    ArmError::bad_request(
        "InvalidRequestFormat",
        format!(
            "Cannot parse the request. Value '{value}' of {field} of public IP address {id} is not valid; allowed \
             values: {}.",
            allowed.join(", ")
        ),
    )
}

/// The IP configuration (of a NIC or an application gateway) that uses the address.
pub(crate) fn user_ip_configuration(state: &State, pip: &Resource) -> Option<String> {
    let key = pip.key();
    for user in state.referrers(&key, Some(&key)) {
        let Some(props) = user.properties() else {
            continue;
        };
        for list in ["ipConfigurations", "frontendIPConfigurations"] {
            let Some(items) = props.get(list).and_then(Value::as_array) else {
                continue;
            };
            for item in items {
                let uses = item
                    .pointer("/properties/publicIPAddress/id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| id.eq_ignore_ascii_case(&pip.id));
                if uses {
                    return item.get("id").and_then(Value::as_str).map(str::to_string);
                }
            }
        }
        return Some(user.id.clone());
    }
    None
}

pub(crate) struct PublicIps;

impl TypeRules for PublicIps {
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
        let sku_props = body
            .get("sku")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let sku = enum_value(
            &sku_props,
            "name",
            &["Basic", "Standard", "StandardV2"],
            "Standard",
            &t.id,
        )?;
        let tier = enum_value(&sku_props, "tier", &["Regional", "Global"], "Regional", &t.id)?;
        let default_method = if sku == "Basic" { "Dynamic" } else { "Static" };
        let method = enum_value(
            &props,
            "publicIPAllocationMethod",
            &["Static", "Dynamic"],
            default_method,
            &t.id,
        )?;
        if sku != "Basic" && method == "Dynamic" {
            // [U] code: the service refuses Dynamic for Standard with this wording.
            return Err(ArmError::bad_request(
                "StandardSkuPublicIPAddressesCannotHaveDynamicAllocation",
                format!(
                    "Standard sku publicIp {} must specify publicIPAllocationMethod as Static.",
                    t.id
                ),
            ));
        }
        let version = enum_value(&props, "publicIPAddressVersion", &["IPv4", "IPv6"], "IPv4", &t.id)?;
        let idle = match props.get("idleTimeoutInMinutes") {
            None | Some(Value::Null) => 4,
            Some(v) => v.as_i64().unwrap_or(-1),
        };
        if !(4..=30).contains(&idle) {
            return Err(ArmError::bad_request(
                "PublicIPIdleTimeoutIsOutOfRange",
                format!(
                    "The idle timeout of public IP address {} must be between 4 and 30 minutes; it is {idle}.",
                    t.id
                ),
            ));
        }
        // A DNS label is a name in `{location}.cloudapp.azure.com`, unique in the region.
        if let Some(label) = props
            .get("dnsSettings")
            .and_then(|d| d.get("domainNameLabel"))
            .and_then(Value::as_str)
        {
            let fqdn = format!("{}.{location}.cloudapp.azure.com", label.to_ascii_lowercase());
            let clash = ctx.state.of_type(TYPE).find(|r| {
                r.key() != t.key
                    && r.properties()
                        .and_then(|p| p.get("dnsSettings"))
                        .and_then(|d| d.get("fqdn"))
                        .and_then(Value::as_str)
                        .is_some_and(|f| f.eq_ignore_ascii_case(&fqdn))
            });
            if clash.is_some() {
                return Err(ArmError::bad_request(
                    "DnsRecordInUse",
                    format!("DNS record {fqdn} is already used by another public IP."),
                ));
            }
            if let Some(Value::Object(dns)) = props.get_mut("dnsSettings") {
                dns.insert("fqdn".into(), json!(fqdn));
            }
        }
        let address = match existing
            .as_ref()
            .and_then(Resource::properties)
            .and_then(|p| p.get("ipAddress"))
        {
            Some(kept) => Some(kept.clone()),
            None if method == "Static" && version == "IPv4" => {
                Some(json!(ipam::allocate_public(ctx.state)?.to_string()))
            }
            None => None,
        };

        let mut stored = Map::new();
        stored.insert("provisioningState".into(), json!("Updating"));
        stored.insert(
            "resourceGuid".into(),
            keep_or(existing.as_ref(), "resourceGuid", || json!(new_guid())),
        );
        if let Some(a) = address {
            stored.insert("ipAddress".into(), a);
        }
        stored.insert("publicIPAddressVersion".into(), json!(version));
        stored.insert("publicIPAllocationMethod".into(), json!(method));
        stored.insert("idleTimeoutInMinutes".into(), json!(idle));
        stored.entry("ipTags").or_insert_with(|| json!([]));
        for (k, v) in props {
            stored.entry(k).or_insert(v);
        }
        body.insert("sku".into(), json!({ "name": sku, "tier": tier }));
        let doc = assemble(body, Some(&location), tags, stored);
        let order = match &existing {
            Some(e) => e.order,
            None => ctx.state.next_order(),
        };
        ctx.state.put_resource(Resource {
            id: t.id.clone(),
            resource_type: TYPE.into(),
            body: doc,
            etag: Some(new_etag()),
            order,
            ..Resource::default()
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
        let Some(pip) = ctx.state.resource(&t.key) else {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        };
        let location = pip.location().unwrap_or(&t.group_location).to_string();
        check_not_busy(ctx, &t.key)?;
        if let Some(user) = user_ip_configuration(ctx.state, pip) {
            return Err(ArmError::bad_request(
                "PublicIPAddressCannotBeDeleted",
                format!(
                    "Public IP address {} can not be deleted since it is still allocated to resource {user}. In order \
                     to delete the public IP, disassociate/detach the Public IP address from the resource.  To learn \
                     how to do this, see aka.ms/deletepublicip.",
                    t.id
                ),
            ));
        }
        Ok(begin_delete(ctx, t, &location))
    }

    fn render(&self, state: &State, res: &Resource) -> Value {
        let mut out = render_doc(res);
        if let Some(user) = user_ip_configuration(state, res)
            && let Some(Value::Object(props)) = out.get_mut("properties")
        {
            props.insert("ipConfiguration".into(), json!({ "id": user }));
        }
        Value::Object(out)
    }
}
