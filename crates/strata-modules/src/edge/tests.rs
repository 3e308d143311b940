use serde_json::json;
use std::collections::BTreeMap;

use strata_core::{Dependency, EstateRole, ResourceAddr};

use super::*;
use crate::test_support::*;

fn app_host() -> Value {
    Value::attr(
        &ResourceAddr::module("app", "app", None),
        "properties.defaultHostName",
    )
}

fn fd_inputs() -> Vec<(&'static str, Value)> {
    vec![
        ("resource_group", s("rg-shop-dev")),
        ("name", s("shop-dev")),
        ("origins", Value::List(vec![app_host()])),
    ]
}

fn gw_inputs() -> Vec<(&'static str, Value)> {
    vec![
        ("resource_group", s("rg-shop-dev")),
        ("name", s("agw-shop")),
        ("kind", s("application_gateway")),
        ("origins", list(&["app-shop-dev.azurewebsites.net"])),
        ("subnet", subnet("gateway", "app", None)),
    ]
}

fn expand(profile: &'static str, pairs: Vec<(&str, Value)>) -> Result<Expansion, Vec<InputError>> {
    EdgeModule.expand(&ctx("edge", profile), &inputs(pairs))
}

fn with(
    mut pairs: Vec<(&'static str, Value)>,
    extra: Vec<(&'static str, Value)>,
) -> Vec<(&'static str, Value)> {
    for (k, v) in extra {
        pairs.retain(|(n, _)| *n != k);
        pairs.push((k, v));
    }
    pairs
}

#[test]
fn a_dev_front_door_standard_without_waf() {
    let e = expand("dev", fd_inputs()).unwrap();
    assert_eq!(
        addrs(&e),
        [
            "module.edge.profile",
            "module.edge.endpoint",
            "module.edge.origin_group",
            "module.edge.origin[\"1\"]",
            "module.edge.route",
        ]
    );
    let profile = find(&e, "module.edge.profile");
    assert_eq!(at(profile, "location"), "global");
    assert_eq!(at(profile, "sku.name"), "Standard_AzureFrontDoor");
    assert_eq!(profile.layer, Layer::Edge);
    let origin = find(&e, "module.edge.origin[\"1\"]");
    assert!(
        origin
            .id
            .as_str()
            .ends_with("/profiles/shop-dev/originGroups/app/origins/origin-1")
    );
    assert!(
        origin.body.is_unknown(),
        "the app's host name is known after apply"
    );
    let route = find(&e, "module.edge.route");
    assert!(
        route
            .id
            .as_str()
            .ends_with("/afdEndpoints/shop-dev/routes/default")
    );
    assert_eq!(at(route, "properties.httpsRedirect"), "Enabled");
    assert_eq!(at(route, "properties.forwardingProtocol"), "HttpsOnly");
    assert!(
        route
            .depends_on
            .contains(&Dependency::Resource(ResourceAddr::module(
                "edge",
                "origin",
                Some("1")
            )))
    );
    assert!(e.outputs["endpoint_hostname"].is_unknown());
    assert_eq!(e.outputs["waf_policy_id"], Value::Null);
    outputs_match(&EdgeModule, &e);
}

#[test]
fn prod_front_door_is_premium_with_a_waf_in_prevention() {
    let e = expand("prod", fd_inputs()).unwrap();
    assert_eq!(
        at(find(&e, "module.edge.profile"), "sku.name"),
        "Premium_AzureFrontDoor"
    );
    let waf = find(&e, "module.edge.waf_policy");
    assert!(
        waf.id
            .as_str()
            .ends_with("/FrontDoorWebApplicationFirewallPolicies/wafshopdev")
    );
    assert_eq!(at(waf, "properties.policySettings.mode"), "Prevention");
    assert_eq!(
        at(waf, "properties.managedRules.managedRuleSets[0].ruleSetType"),
        "Microsoft_DefaultRuleSet"
    );
    let sp = find(&e, "module.edge.security_policy");
    assert!(
        at(sp, "properties.parameters.associations[0].domains[0].id")
            .as_str()
            .unwrap()
            .ends_with("/afdEndpoints/shop-dev")
    );
    assert!(matches!(&e.outputs["waf_policy_id"], Value::String(_)));
    let (path, msg, hint) = one_error(expand(
        "prod",
        with(fd_inputs(), vec![("sku", s("Standard_AzureFrontDoor"))]),
    ));
    assert_eq!(path, "waf");
    assert!(msg.contains("needs Premium_AzureFrontDoor"), "{msg}");
    assert!(hint.contains("waf = false"));
    let e = expand("prod", with(fd_inputs(), vec![("waf", Value::from(false))])).unwrap();
    assert!(!addrs(&e).iter().any(|a| a.contains("waf")));
}

#[test]
fn an_application_gateway_with_a_prioritised_rule() {
    let e = expand("dev", gw_inputs()).unwrap();
    assert_eq!(addrs(&e), ["module.edge.public_ip", "module.edge.gateway"]);
    let gw = find(&e, "module.edge.gateway");
    assert_eq!(
        at(gw, "properties.sku"),
        json!({"name": "Standard_v2", "tier": "Standard_v2", "capacity": 1})
    );
    assert_eq!(
        at(gw, "properties.requestRoutingRules[0].properties.priority"),
        100
    );
    let listener = at(gw, "properties.requestRoutingRules[0].properties.httpListener.id");
    assert!(
        listener
            .as_str()
            .unwrap()
            .ends_with("/applicationGateways/agw-shop/httpListeners/http")
    );
    assert!(
        at(gw, "properties.gatewayIPConfigurations[0].properties.subnet.id")
            .as_str()
            .unwrap()
            .ends_with("/subnets/gateway")
    );
    assert_eq!(
        at(gw, "properties.webApplicationFirewallConfiguration"),
        serde_json::Value::Null
    );
    assert_eq!(
        at(
            gw,
            "properties.backendAddressPools[0].properties.backendAddresses"
        ),
        json!([{"fqdn": "app-shop-dev.azurewebsites.net"}])
    );
    let vm_ip = Value::attr(
        &ResourceAddr::module("vm", "nic", Some("1")),
        "properties.ipConfigurations[0].properties.privateIPAddress",
    );
    let e = expand(
        "dev",
        with(
            gw_inputs(),
            vec![("origins", Value::List(vec![s("10.0.1.4"), vm_ip]))],
        ),
    )
    .unwrap();
    let pool = find(&e, "module.edge.gateway")
        .body
        .at(&strata_core::parse_path(
            "properties.backendAddressPools[0].properties.backendAddresses",
        ))
        .cloned()
        .unwrap();
    let fields: Vec<&String> = pool
        .as_list()
        .unwrap()
        .iter()
        .flat_map(|b| b.as_object().unwrap().keys())
        .collect();
    assert_eq!(fields, ["ipAddress", "ipAddress"]);
    assert!(e.outputs["frontend_ip"].is_unknown());
    let prod = expand("prod", gw_inputs()).unwrap();
    let gw = find(&prod, "module.edge.gateway");
    assert_eq!(at(gw, "properties.sku.name"), "WAF_v2");
    assert_eq!(at(gw, "zones"), json!(["1", "2", "3"]));
    assert_eq!(
        at(gw, "properties.webApplicationFirewallConfiguration.firewallMode"),
        "Prevention"
    );
}

#[test]
fn edge_inputs_are_checked() {
    let (path, msg, _) = one_error(expand(
        "dev",
        with(fd_inputs(), vec![("origins", Value::List(vec![]))]),
    ));
    assert_eq!((path.as_str(), msg.as_str()), ("origins", "`origins` is empty"));
    let (path, ..) = one_error(expand("dev", with(fd_inputs(), vec![("origins", unknown("x"))])));
    assert_eq!(path, "origins");
    let (path, msg, _) = one_error(expand(
        "dev",
        with(fd_inputs(), vec![("subnet", subnet("app", "app", None))]),
    ));
    assert_eq!(path, "subnet");
    assert!(msg.contains("does not apply"), "{msg}");
    let (path, msg, hint) = one_error(expand(
        "dev",
        gw_inputs().into_iter().filter(|(k, _)| *k != "subnet").collect(),
    ));
    assert_eq!(path, "subnet");
    assert!(msg.contains("subnet` of its own"), "{msg}");
    assert!(hint.contains("gateway"));
    let (path, ..) = one_error(expand(
        "dev",
        with(gw_inputs(), vec![("subnet", subnet("data", "data", None))]),
    ));
    assert_eq!(path, "subnet");
    let (path, msg, _) = one_error(expand("dev", with(gw_inputs(), vec![("sku", s("WAF_v2"))])));
    assert_eq!(path, "waf");
    assert!(msg.contains("waf is off"), "{msg}");
    let (path, ..) = one_error(expand(
        "dev",
        with(gw_inputs(), vec![("health_probe_path", s("health"))]),
    ));
    assert_eq!(path, "health_probe_path");
    let (path, ..) = one_error(expand("dev", with(fd_inputs(), vec![("name", s("shop_dev"))])));
    assert_eq!(path, "name");
}

/// The standby block's inputs as the primary sees them: its own origins.
fn standby_peer(origins: Value) -> PeerParts {
    PeerParts {
        inputs: inputs(with(
            fd_inputs(),
            vec![("name", s("shop-prod-dr")), ("origins", origins)],
        )),
        resources: Vec::new(),
        outputs: BTreeMap::new(),
    }
}

fn priority(e: &Expansion, key: &str) -> serde_json::Value {
    at(
        find(e, &format!("module.edge.origin[\"{key}\"]")),
        "properties.priority",
    )
}

#[test]
fn the_primary_front_door_sends_to_the_standby_origins_at_the_next_priority() {
    let standby_host = "app-shop-prod-dr.azurewebsites.net";
    let ctx = primary_with_peer(
        ctx("edge", "prod"),
        standby_peer(list(&[standby_host])),
        EstateRole::Primary,
    );
    let e = EdgeModule.expand(&ctx, &inputs(fd_inputs())).unwrap();
    let origin = find(&e, "module.edge.origin[\"standby-1\"]");
    assert!(
        origin
            .id
            .as_str()
            .ends_with("/profiles/shop-dev/originGroups/app/origins/origin-standby-1"),
        "{}",
        origin.id
    );
    assert_eq!(at(origin, "properties.hostName"), json!(standby_host));
    assert_eq!(at(origin, "properties.originHostHeader"), json!(standby_host));
    assert_eq!(priority(&e, "1"), json!(1));
    assert_eq!(priority(&e, "standby-1"), json!(2));
    // Same group, hence the same health probe; the route waits for the primary's origins
    // only (the standby's may wait for the standby estate).
    assert!(
        origin
            .id
            .as_str()
            .starts_with(find(&e, "module.edge.origin_group").id.as_str())
    );
    let route = find(&e, "module.edge.route");
    assert!(
        !route
            .depends_on
            .contains(&Dependency::Resource(origin.addr.clone()))
    );
    assert!(route.depends_on.contains(&Dependency::Resource(
        find(&e, "module.edge.origin[\"1\"]").addr.clone()
    )));
    for r in &e.resources {
        assert_eq!(schema_errors(r), Vec::<String>::new());
    }
    // Azure publishes priorities 1-5: the check above would see one outside them.
    let mut beyond = origin.clone();
    if let Value::Object(top) = &mut beyond.body
        && let Some(Value::Object(props)) = top.get_mut("properties")
    {
        props.insert("priority".into(), Value::from(6));
    }
    assert_eq!(schema_errors(&beyond).len(), 1, "{:?}", schema_errors(&beyond));
}

#[test]
fn while_the_standby_serves_its_origins_come_first() {
    let ctx = primary_with_peer(
        ctx("edge", "prod"),
        standby_peer(list(&["a.example.net", "b.example.net"])),
        EstateRole::Standby,
    );
    let e = EdgeModule.expand(&ctx, &inputs(fd_inputs())).unwrap();
    assert_eq!(priority(&e, "1"), json!(2));
    assert_eq!(priority(&e, "standby-1"), json!(1));
    assert_eq!(priority(&e, "standby-2"), json!(1));
    for r in &e.resources {
        assert_eq!(schema_errors(r), Vec::<String>::new());
    }
}

#[test]
fn standby_origins_not_known_yet_add_nothing() {
    let plain = addrs(&expand("prod", fd_inputs()).unwrap());
    for origins in [
        Value::Null,
        unknown("properties.defaultHostName"),
        Value::List(vec![unknown("properties.defaultHostName")]),
    ] {
        let ctx = primary_with_peer(ctx("edge", "prod"), standby_peer(origins), EstateRole::Primary);
        let e = EdgeModule.expand(&ctx, &inputs(fd_inputs())).unwrap();
        assert_eq!(addrs(&e), plain);
        assert_eq!(priority(&e, "1"), json!(1));
    }
}

#[test]
fn the_standby_shares_the_primarys_front_door() {
    let primary = with_recovery(ctx("edge", "prod"));
    let peer = PeerParts::expanded(&EdgeModule, &primary, inputs(fd_inputs()));
    let primary_outputs = peer.outputs.clone();
    let standby_ctx = standby_estate(ctx("edge", "prod"), Some(peer));
    let own = inputs(with(fd_inputs(), vec![("name", s("shop-prod-dr"))]));
    let e = EdgeModule.expand(&standby_ctx, &own).unwrap();
    assert!(e.resources.is_empty(), "{:?}", addrs(&e));
    assert_eq!(e.outputs, primary_outputs);
    outputs_match(&EdgeModule, &e);

    let alone = standby_estate(ctx("edge", "prod"), None);
    let (path, message, _) = one_error(EdgeModule.expand(&alone, &own));
    assert_eq!(path, "kind");
    assert!(message.contains("standby estate `prod-dr`"), "{message}");
}

#[test]
fn the_standby_deploys_its_own_application_gateway() {
    let primary = with_recovery(ctx("edge", "prod"));
    let peer = PeerParts::expanded(&EdgeModule, &primary, inputs(gw_inputs()));
    let ctx = standby_estate(ctx("edge", "prod"), Some(peer));
    let e = EdgeModule.expand(&ctx, &inputs(gw_inputs())).unwrap();
    let plain = expand("prod", gw_inputs()).unwrap();
    assert_eq!(addrs(&e), addrs(&plain));
    assert!(!e.resources.is_empty());
    for r in &e.resources {
        assert_eq!(at(r, "location"), json!("northeurope"), "{}", r.addr);
    }
}
