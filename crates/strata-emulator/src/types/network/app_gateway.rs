//! Microsoft.Network/applicationGateways (v2).
//!
//! The gateway is one document whose parts (gateway IP configurations, frontends, ports,
//! pools, settings, listeners, routing rules) refer to each other by id; each part gets its id
//! and the gateway's etag. Checked as the network provider does:
//! - from api-version 2021-08-01, every routing rule needs a `priority` (1-20000, distinct):
//!   `ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty` [V code, GH azurerm#19874];
//! - the gateway lives alone in its subnet;
//! - the parts it names exist, in it or in the estate (subnet, public IP).
//!
//! Creation is slow (minutes in Azure; the emulator's default latency is the longest of all
//! network types) and `operationalState` goes from `Starting` to `Running`.

use std::collections::HashSet;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{
    assemble, keep_or, new_etag, new_guid, read_location, read_tags, render_doc, take_properties,
};
use super::super::{Ctx, Target, TypeRules};
use super::{
    begin, begin_delete, check_not_busy, check_reference, check_unique, inline_list, inline_name, patch_tags,
    put_reply,
};
use crate::protocol::{ArmError, NETWORK_VERSIONS, Reply};
use crate::store::{OpAction, Resource, State, key_of};

pub(crate) const TYPE: &str = "Microsoft.Network/applicationGateways";

/// The parts of a gateway, each a list of named objects.
const PARTS: &[(&str, &str)] = &[
    ("gatewayIPConfigurations", "gatewayIPConfigurations"),
    ("frontendIPConfigurations", "frontendIPConfigurations"),
    ("frontendPorts", "frontendPorts"),
    ("backendAddressPools", "backendAddressPools"),
    ("backendHttpSettingsCollection", "backendHttpSettingsCollection"),
    ("httpListeners", "httpListeners"),
    ("requestRoutingRules", "requestRoutingRules"),
    ("probes", "probes"),
    ("sslCertificates", "sslCertificates"),
    ("urlPathMaps", "urlPathMaps"),
    ("redirectConfigurations", "redirectConfigurations"),
    ("rewriteRuleSets", "rewriteRuleSets"),
];

const SKUS: &[&str] = &[
    "Standard_v2",
    "WAF_v2",
    "Basic",
    "Standard_Small",
    "Standard_Medium",
    "Standard_Large",
    "WAF_Medium",
    "WAF_Large",
];

/// The api-version from which routing rules must have a priority.
const PRIORITY_REQUIRED_FROM: &str = "2021-08-01";

const PRIORITY_MAX: i64 = 20000;

/// The tier of a sku: v2 tiers are named like their sku, v1 tiers by its first word.
fn tier_of(sku: &str) -> &str {
    if sku.ends_with("_v2") || !sku.contains('_') {
        sku
    } else {
        sku.split('_').next().unwrap_or(sku)
    }
}

fn bad(code: &str, message: String) -> ArmError {
    ArmError::bad_request(code, message)
}

/// `{id}` references inside a part that must name another part of the gateway.
fn check_internal_references(
    gateway_id: &str,
    parts: &Map<String, Value>,
    ids: &HashSet<String>,
) -> Result<(), ArmError> {
    let prefix = format!("{}/", key_of(gateway_id));
    let mut stack: Vec<&Value> = parts.values().collect();
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (k, inner) in map {
                    if k == "id" {
                        continue;
                    }
                    // A part of this gateway that is not there, or of another gateway.
                    if let Some(id) = inner.get("id").and_then(Value::as_str)
                        && (key_of(id).starts_with(&prefix) || is_gateway_part(id))
                        && !ids.contains(&key_of(id))
                    {
                        return Err(bad(
                            "InvalidResourceReference",
                            format!(
                                "Resource {id} referenced by resource {gateway_id} was not found. Please make sure \
                                 that the referenced resource exists, and that both resources are in the same region."
                            ),
                        ));
                    }
                    stack.push(inner);
                }
            }
            Value::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    Ok(())
}

/// `…/applicationGateways/{g}/{part}/{name}`: a part of some gateway.
fn is_gateway_part(id: &str) -> bool {
    let parts: Vec<&str> = id.split('/').collect();
    parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("applicationGateways"))
        .is_some_and(|at| parts.len() > at + 2)
}

fn check_priorities(api_version: &str, gateway_id: &str, rules: &[Value]) -> Result<(), ArmError> {
    // api-versions are dates, so their text orders like them.
    let required = api_version >= PRIORITY_REQUIRED_FROM;
    let mut seen = HashSet::new();
    for rule in rules {
        let name = rule.get("name").and_then(Value::as_str).unwrap_or_default();
        let rule_id = format!("{gateway_id}/requestRoutingRules/{name}");
        match rule.pointer("/properties/priority") {
            None | Some(Value::Null) if required => {
                // [U] wording; the code is the provider's.
                return Err(bad(
                    "ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty",
                    format!(
                        "Priority for the request routing rule {rule_id} cannot be empty. All request routing rules \
                         should have a priority defined starting from api-version {PRIORITY_REQUIRED_FROM}"
                    ),
                ));
            }
            None | Some(Value::Null) => {}
            Some(p) => {
                let priority = p.as_i64().unwrap_or(0);
                if !(1..=PRIORITY_MAX).contains(&priority) {
                    return Err(bad(
                        "ApplicationGatewayRequestRoutingRuleInvalidPriority",
                        format!(
                            "Priority {p} of request routing rule {rule_id} is not between 1 and {PRIORITY_MAX}."
                        ),
                    ));
                }
                if !seen.insert(priority) {
                    return Err(bad(
                        "ApplicationGatewayRequestRoutingRulesWithSamePriority",
                        format!(
                            "Request routing rule {rule_id} has priority {priority}, which another rule of the gateway has."
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The gateway must be alone in its subnet.
fn check_own_subnet(ctx: &Ctx<'_>, t: &Target, subnet_id: &str) -> Result<(), ArmError> {
    let others: Vec<String> = ctx
        .state
        .referrers(&key_of(subnet_id), Some(&t.key))
        .into_iter()
        .map(|r| r.id.clone())
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    Err(bad(
        "ApplicationGatewaySubnetCannotBeUsedByOtherResources",
        format!(
            "Subnet {subnet_id} cannot be used for application gateway {} since the subnet is in use by other \
             resources: {}. An application gateway needs a subnet of its own.",
            t.id,
            others.join(", ")
        ),
    ))
}

/// The other direction: nothing else moves into a gateway's subnet. [U] code: the rule is
/// Azure's, the emulator answers with the code of the gateway side.
pub(crate) fn check_not_gateway_subnet(
    state: &State,
    subnet: &Resource,
    user_id: &str,
) -> Result<(), ArmError> {
    let key = subnet.key();
    let Some(gateway) = state
        .referrers(&key, Some(&key))
        .into_iter()
        .find(|r| r.resource_type.eq_ignore_ascii_case(TYPE) && !key_of(user_id).starts_with(&r.key()))
    else {
        return Ok(());
    };
    Err(bad(
        "ApplicationGatewaySubnetCannotBeUsedByOtherResources",
        format!(
            "Subnet {} is used by application gateway {}; resource {user_id} cannot use it, because an application \
             gateway needs a subnet of its own.",
            subnet.id, gateway.id
        ),
    ))
}

pub(crate) struct ApplicationGateways;

impl TypeRules for ApplicationGateways {
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
        for k in ["provisioningState", "resourceGuid", "operationalState"] {
            props.remove(k);
        }
        let sku = props
            .get("sku")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let sku_name = sku.get("name").and_then(Value::as_str).unwrap_or_default();
        let Some(sku_name) = SKUS.iter().find(|s| s.eq_ignore_ascii_case(sku_name)) else {
            return Err(bad(
                "ApplicationGatewaySkuNotSupported",
                format!(
                    "Application gateway {} must have a sku name, one of {}.",
                    t.id,
                    SKUS.join(", ")
                ),
            ));
        };
        let has_capacity = sku.get("capacity").and_then(Value::as_i64).is_some()
            || props
                .get("autoscaleConfiguration")
                .and_then(|a| a.get("minCapacity"))
                .is_some();
        if !has_capacity {
            return Err(bad(
                "ApplicationGatewayCapacityNotSpecified",
                format!(
                    "Application gateway {} must specify sku.capacity or autoscaleConfiguration.minCapacity.",
                    t.id
                ),
            ));
        }

        // Every part gets its id; the names must be unique within their list.
        let mut ids: HashSet<String> = HashSet::new();
        let mut parts = Map::new();
        for (field, segment) in PARTS {
            let items = inline_list(&mut props, field, &t.id)?;
            let names: Vec<String> = items
                .iter()
                .map(|i| inline_name(i, &t.id, field).map(str::to_string))
                .collect::<Result<_, _>>()?;
            check_unique(&t.id, names.iter().map(String::as_str))?;
            let mut stored = Vec::with_capacity(items.len());
            for (mut item, name) in items.into_iter().zip(names) {
                let id = format!("{}/{segment}/{name}", t.id);
                ids.insert(key_of(&id));
                let mut part_props = take_properties(&mut item)?;
                part_props.insert("provisioningState".into(), json!("Updating"));
                stored.push(json!({ "name": name, "id": id, "properties": part_props }));
            }
            parts.insert((*field).to_string(), Value::Array(stored));
        }
        check_internal_references(&t.id, &parts, &ids)?;

        let gateway_configs = parts
            .get("gatewayIPConfigurations")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let Some(subnet) = gateway_configs
            .first()
            .and_then(|c| c.pointer("/properties/subnet"))
            .cloned()
        else {
            return Err(bad(
                "ApplicationGatewayMustHaveGatewayIpConfiguration",
                format!(
                    "Application gateway {} must have a gateway IP configuration naming its subnet.",
                    t.id
                ),
            ));
        };
        check_reference(ctx, &t.id, &subnet)?;
        check_own_subnet(
            ctx,
            t,
            subnet.get("id").and_then(Value::as_str).unwrap_or_default(),
        )?;
        for frontend in parts
            .get("frontendIPConfigurations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for field in ["publicIPAddress", "subnet"] {
                if let Some(r) = frontend
                    .pointer(&format!("/properties/{field}"))
                    .filter(|v| !v.is_null())
                {
                    check_reference(ctx, &t.id, r)?;
                }
            }
        }
        let rules = parts
            .get("requestRoutingRules")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        check_priorities(ctx.api_version, &t.id, &rules)?;

        let was_running = existing
            .as_ref()
            .is_some_and(|e| e.provisioning_state() == "Succeeded");
        let mut stored = Map::new();
        stored.insert("provisioningState".into(), json!("Updating"));
        stored.insert(
            "resourceGuid".into(),
            keep_or(existing.as_ref(), "resourceGuid", || json!(new_guid())),
        );
        let mut sku_out = sku.clone();
        sku_out.insert("name".into(), json!(sku_name));
        sku_out.entry("tier").or_insert_with(|| json!(tier_of(sku_name)));
        stored.insert("sku".into(), Value::Object(sku_out));
        stored.insert(
            "operationalState".into(),
            json!(if was_running { "Running" } else { "Starting" }),
        );
        stored.extend(parts);
        stored.extend(props);
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
        let Some(gw) = ctx.state.resource(&t.key) else {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        };
        let location = gw.location().unwrap_or(&t.group_location).to_string();
        check_not_busy(ctx, &t.key)?;
        Ok(begin_delete(ctx, t, &location))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        let mut out = render_doc(res);
        let state = res.provisioning_state().to_string();
        let etag = res.etag.clone();
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            if state == "Succeeded" {
                props.insert("operationalState".into(), json!("Running"));
            }
            // The parts share the gateway's state and etag.
            for (field, _) in PARTS {
                if let Some(Value::Array(items)) = props.get_mut(*field) {
                    for item in items {
                        if let Value::Object(part) = item {
                            if let Some(e) = &etag {
                                part.insert("etag".into(), json!(e));
                            }
                            if let Some(Value::Object(p)) = part.get_mut("properties") {
                                p.insert("provisioningState".into(), json!(state));
                            }
                        }
                    }
                }
            }
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_are_required_from_2021_08_01() {
        let rule = |p: Value| json!({"name": "r", "properties": {"priority": p}});
        let missing = json!({"name": "r", "properties": {}});
        assert_eq!(
            check_priorities("2024-07-01", "/gw", std::slice::from_ref(&missing))
                .unwrap_err()
                .code(),
            "ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty"
        );
        assert!(check_priorities("2021-05-01", "/gw", &[missing]).is_ok());
        assert!(check_priorities("2024-07-01", "/gw", &[rule(json!(100))]).is_ok());
        assert!(check_priorities("2024-07-01", "/gw", &[rule(json!(0))]).is_err());
        assert!(check_priorities("2024-07-01", "/gw", &[rule(json!(100)), rule(json!(100))]).is_err());
    }
}
