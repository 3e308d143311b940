//! `kind = "application_gateway"`: a v2 Application Gateway in its own subnet, behind a
//! Standard public IP.

use std::collections::BTreeMap;

use strata_core::{DesiredResource, Layer, ResourceAddr, Value};

use super::{Edge, gateway_subnet};
use crate::common::{self, reference};
use crate::inputs::Errors;

pub const API_VERSION: &str = strata_azure::api_versions::NETWORK;
const GATEWAY_TYPE: &str = "Microsoft.Network/applicationGateways";
const PIP_TYPE: &str = "Microsoft.Network/publicIPAddresses";
const SKUS: &[&str] = &["Standard_v2", "WAF_v2"];
/// Azure requires a priority on every routing rule (from api-version 2021-08-01).
const RULE_PRIORITY: i64 = 100;

type Built = (Vec<DesiredResource>, BTreeMap<String, Value>);

pub(super) fn expand(e: &Edge<'_>, errs: &mut Errors) -> Option<Built> {
    let f = &e.fields;
    let defaults = e.profile.defaults();
    let sku = errs.take(common::choice(f, "sku", SKUS, defaults.app_gateway_sku));
    let waf = errs.take(f.known_bool_or("waf", defaults.waf, "it decides the gateway's sku"));
    if let (Some(sku), Some(waf)) = (&sku, waf)
        && (sku == "WAF_v2") != waf
    {
        let (msg, hint) = if waf {
            (
                "a WAF needs the WAF_v2 sku",
                "set sku = \"WAF_v2\", or waf = false",
            )
        } else {
            (
                "the WAF_v2 sku runs a WAF, but waf is off",
                "set waf = true, or sku = \"Standard_v2\"",
            )
        };
        errs.push(f.error("waf", msg).hint(hint));
    }
    let capacity = errs.take(common::int_in(
        f,
        "capacity",
        1..=125,
        defaults.instance_count,
        "a v2 gateway runs 1 to 125 instances",
    ));
    let zones = common::zones(f, "zones", defaults.zones, errs);
    let subnet = gateway_subnet(e, errs);
    let pip_name = format!("{}-pip", e.name);
    for (ty, name) in [(GATEWAY_TYPE, &e.name), (PIP_TYPE, &pip_name)] {
        if let Err(err) = common::check_derived_name(f, "name", ty, name) {
            errs.push(err);
            break;
        }
    }
    let (sku, waf, capacity, subnet) = (sku?, waf?, capacity?, subnet?);
    if !errs.is_empty() {
        return None;
    }

    let label = e.ctx.label;
    let group = e.place.group_id(e.ctx.subscription_id);
    let zone_list = || Value::List(zones.iter().map(|z| Value::from(z.as_str())).collect());
    let pip_id = common::id_in(errs, f, "name", &group, PIP_TYPE, &pip_name)?;
    let pip_addr = ResourceAddr::module(label, "public_ip", None);
    let mut body = e.place.top();
    body.push((
        "sku",
        Value::object([
            ("name", Value::from("Standard")),
            ("tier", Value::from("Regional")),
        ]),
    ));
    if !zones.is_empty() {
        body.push(("zones", zone_list()));
    }
    body.push((
        "properties",
        Value::object([
            ("publicIPAllocationMethod", Value::from("Static")),
            ("publicIPAddressVersion", Value::from("IPv4")),
        ]),
    ));
    let mut pip = common::resource(
        pip_addr.clone(),
        pip_id.clone(),
        API_VERSION,
        Value::object(body),
        Layer::Edge,
        &[],
    );
    pip.force_new = strata_azure::replace_on_change(&pip.resource_type());

    let gw_id = common::id_in(errs, f, "name", &group, GATEWAY_TYPE, &e.name)?;
    let part = |kind: &str, name: &str| reference(gw_id.child(kind, name).as_str());
    let named = |name: &str, props: Vec<(&str, Value)>| {
        Value::object([("name", Value::from(name)), ("properties", Value::object(props))])
    };
    let backends: Vec<Value> = e
        .origins
        .iter()
        .map(|o| Value::object([(backend_field(o), o.value.clone())]))
        .collect();
    let mut props = vec![
        (
            "sku",
            Value::object([
                ("name", Value::from(sku.as_str())),
                ("tier", Value::from(sku.as_str())),
                ("capacity", capacity.value.clone()),
            ]),
        ),
        (
            "gatewayIPConfigurations",
            Value::List(vec![named(
                "gateway-ip",
                vec![("subnet", reference(subnet.id.clone()))],
            )]),
        ),
        (
            "frontendIPConfigurations",
            Value::List(vec![named(
                "public",
                vec![("publicIPAddress", reference(pip_id.as_str()))],
            )]),
        ),
        (
            "frontendPorts",
            Value::List(vec![named("http", vec![("port", Value::from(80))])]),
        ),
        (
            "backendAddressPools",
            Value::List(vec![named(
                "app",
                vec![("backendAddresses", Value::List(backends))],
            )]),
        ),
        (
            "probes",
            Value::List(vec![named(
                "health",
                vec![
                    ("protocol", Value::from("Https")),
                    ("path", e.probe_path.clone()),
                    ("interval", Value::from(30)),
                    ("timeout", Value::from(30)),
                    ("unhealthyThreshold", Value::from(3)),
                    ("pickHostNameFromBackendHttpSettings", Value::from(true)),
                ],
            )]),
        ),
        (
            "backendHttpSettingsCollection",
            Value::List(vec![named(
                "https",
                vec![
                    ("port", Value::from(443)),
                    ("protocol", Value::from("Https")),
                    ("cookieBasedAffinity", Value::from("Disabled")),
                    ("pickHostNameFromBackendAddress", Value::from(true)),
                    ("requestTimeout", Value::from(30)),
                    ("probe", part("probes", "health")),
                ],
            )]),
        ),
        (
            "httpListeners",
            Value::List(vec![named(
                "http",
                vec![
                    (
                        "frontendIPConfiguration",
                        part("frontendIPConfigurations", "public"),
                    ),
                    ("frontendPort", part("frontendPorts", "http")),
                    ("protocol", Value::from("Http")),
                ],
            )]),
        ),
        (
            "requestRoutingRules",
            Value::List(vec![named(
                "app",
                vec![
                    ("ruleType", Value::from("Basic")),
                    ("priority", Value::from(RULE_PRIORITY)),
                    ("httpListener", part("httpListeners", "http")),
                    ("backendAddressPool", part("backendAddressPools", "app")),
                    (
                        "backendHttpSettings",
                        part("backendHttpSettingsCollection", "https"),
                    ),
                ],
            )]),
        ),
    ];
    if waf {
        props.push((
            "webApplicationFirewallConfiguration",
            Value::object([
                ("enabled", Value::from(true)),
                ("firewallMode", Value::from(e.waf_mode.as_str())),
                ("ruleSetType", Value::from("OWASP")),
                ("ruleSetVersion", Value::from("3.2")),
            ]),
        ));
    }
    let mut body = e.place.top();
    if !zones.is_empty() {
        body.push(("zones", zone_list()));
    }
    body.push(("properties", Value::object(props)));
    let mut gateway = common::resource(
        ResourceAddr::module(label, "gateway", None),
        gw_id.clone(),
        API_VERSION,
        Value::object(body),
        Layer::Edge,
        &[&pip_addr],
    );
    gateway.force_new = strata_azure::replace_on_change(&gateway.resource_type());
    let outputs = BTreeMap::from([
        ("id".to_string(), Value::from(gw_id.as_str())),
        (
            "frontend_ip".to_string(),
            Value::attr(&pip_addr, "properties.ipAddress"),
        ),
    ]);
    Some((vec![pip, gateway], outputs))
}

/// `ipAddress` for an address (known, or an attribute that holds one, such as a NIC's
/// `privateIPAddress`), `fqdn` for a host name.
fn backend_field(origin: &crate::inputs::Input<String>) -> &'static str {
    let is_ip = match &origin.known {
        Some(s) => s.parse::<std::net::IpAddr>().is_ok(),
        None => {
            let mut attrs = Vec::new();
            origin.value.deferred_attrs(&mut attrs);
            attrs.iter().any(|(_, path)| {
                matches!(path.last(), Some(strata_core::PathStep::Key(k)) if k.to_ascii_lowercase().ends_with("ipaddress"))
            })
        }
    };
    if is_ip { "ipAddress" } else { "fqdn" }
}
