//! `kind = "front_door"`: an Azure Front Door Standard/Premium profile and what routes traffic
//! through it, with a WAF policy when asked.
//!
//! With a warm standby, the primary's block adds the standby block's `origins` to its origin
//! group as `origin["standby-<n>"]` (named `origin-standby-<n>`) at priority 2, behind its own
//! at priority 1, probed alike; while the standby serves (after `strata dr failover`) the
//! priorities swap. Front Door is global: the standby estate's block creates nothing.

use std::collections::BTreeMap;

use strata_core::{DesiredResource, EstateRole, Layer, ResourceAddr, Value};

use super::Edge;
use crate::common::{self, reference};
use crate::inputs::Errors;

pub const API_VERSION: &str = strata_azure::api_versions::CDN;
pub const WAF_API_VERSION: &str = strata_azure::api_versions::FRONT_DOOR_WAF;
const PROFILE_TYPE: &str = "Microsoft.Cdn/profiles";
const WAF_TYPE: &str = "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies";
const SKUS: &[&str] = &["Standard_AzureFrontDoor", "Premium_AzureFrontDoor"];
const ORIGIN_GROUP: &str = "app";

type Built = (Vec<DesiredResource>, BTreeMap<String, Value>);

pub(super) fn expand(e: &Edge<'_>, errs: &mut Errors) -> Option<Built> {
    let f = &e.fields;
    let defaults = e.profile.defaults();
    let sku = errs.take(common::choice(f, "sku", SKUS, defaults.front_door_sku));
    let waf = errs.take(f.known_bool_or("waf", defaults.waf, "it decides whether a WAF policy is created"));
    if let (Some(sku), Some(true)) = (&sku, waf)
        && sku == "Standard_AzureFrontDoor"
    {
        errs.push(
            f.error("waf", "a WAF with managed rule sets needs Premium_AzureFrontDoor")
                .hint("set sku = \"Premium_AzureFrontDoor\", or waf = false"),
        );
    }
    let waf_name = format!(
        "waf{}",
        e.name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    );
    for (ty, name) in [
        (PROFILE_TYPE, e.name.as_str()),
        ("Microsoft.Cdn/profiles/afdEndpoints", e.name.as_str()),
        (WAF_TYPE, waf_name.as_str()),
    ] {
        if let Err(err) = common::check_derived_name(f, "name", ty, name) {
            errs.push(err);
            break;
        }
    }
    let (sku, waf) = (sku?, waf?);
    if !errs.is_empty() {
        return None;
    }

    let label = e.ctx.label;
    let group = e.place.group_id(e.ctx.subscription_id);
    let profile_id = common::id_in(errs, f, "name", &group, PROFILE_TYPE, &e.name)?;
    let profile_addr = ResourceAddr::module(label, "profile", None);
    let global = || Value::from("global");
    let mut body = e.place.top_at(global());
    body.push(("sku", Value::object([("name", Value::from(sku.as_str()))])));
    body.push((
        "properties",
        Value::object([("originResponseTimeoutSeconds", Value::from(60))]),
    ));
    let mut profile = common::resource(
        profile_addr.clone(),
        profile_id.clone(),
        API_VERSION,
        Value::object(body),
        Layer::Edge,
        &[],
    );
    // Standard becomes Premium only through Azure's upgrade action, never by an update.
    profile.force_new = strata_azure::replace_on_change(&profile.resource_type());
    let mut resources = vec![profile];

    let endpoint_id = profile_id.child("afdEndpoints", &e.name);
    let endpoint_addr = ResourceAddr::module(label, "endpoint", None);
    let mut body = e.place.top_at(global());
    body.push((
        "properties",
        Value::object([("enabledState", Value::from("Enabled"))]),
    ));
    resources.push(common::resource(
        endpoint_addr.clone(),
        endpoint_id.clone(),
        API_VERSION,
        Value::object(body),
        Layer::Edge,
        &[],
    ));

    let group_id = profile_id.child("originGroups", ORIGIN_GROUP);
    let group_addr = ResourceAddr::module(label, "origin_group", None);
    let mut origin_group = common::resource(
        group_addr.clone(),
        group_id.clone(),
        API_VERSION,
        Value::object([(
            "properties",
            Value::object([
                (
                    "loadBalancingSettings",
                    Value::object([
                        ("sampleSize", Value::from(4)),
                        ("successfulSamplesRequired", Value::from(3)),
                        ("additionalLatencyInMilliseconds", Value::from(50)),
                    ]),
                ),
                (
                    "healthProbeSettings",
                    Value::object([
                        ("probePath", e.probe_path.clone()),
                        ("probeRequestType", Value::from("HEAD")),
                        ("probeProtocol", Value::from("Https")),
                        ("probeIntervalInSeconds", Value::from(100)),
                    ]),
                ),
                ("sessionAffinityState", Value::from("Disabled")),
            ]),
        )]),
        Layer::Edge,
        &[],
    );
    origin_group.force_new = strata_azure::replace_on_change(&origin_group.resource_type());
    resources.push(origin_group);

    // The standby estate's origins join the same group at the next priority; after a
    // failover the standby serves, and the priorities swap.
    let standby_serves = e.ctx.estate.serving == EstateRole::Standby;
    let (own_priority, standby_priority) = if standby_serves { (2, 1) } else { (1, 2) };
    let own = e.origins.iter().enumerate().map(|(i, host)| {
        let key = (i + 1).to_string();
        (
            key.clone(),
            format!("origin-{key}"),
            host.value.clone(),
            own_priority,
        )
    });
    let standby = standby_origins(e).into_iter().enumerate().map(|(i, host)| {
        let key = format!("standby-{}", i + 1);
        (key.clone(), format!("origin-{key}"), host, standby_priority)
    });
    let all: Vec<(String, String, Value, i64)> = own.chain(standby).collect();
    let mut origin_addrs = Vec::with_capacity(all.len());
    for (key, origin_name, host, priority) in all {
        let addr = ResourceAddr::module(label, "origin", Some(&key));
        let mut origin = common::resource(
            addr.clone(),
            group_id.child("origins", &origin_name),
            API_VERSION,
            Value::object([(
                "properties",
                Value::object([
                    ("hostName", host.clone()),
                    // App Service routes by host name: send the origin's own.
                    ("originHostHeader", host),
                    ("httpPort", Value::from(80)),
                    ("httpsPort", Value::from(443)),
                    ("priority", Value::from(priority)),
                    ("weight", Value::from(1000)),
                    ("enabledState", Value::from("Enabled")),
                    ("enforceCertificateNameCheck", Value::from(true)),
                ]),
            )]),
            Layer::Edge,
            &[],
        );
        origin.force_new = strata_azure::replace_on_change(&origin.resource_type());
        resources.push(origin);
        origin_addrs.push(addr);
    }

    // The route waits for the primary's own origins; the standby's may wait for the standby
    // estate, and the route must not wait with them.
    let mut route_deps: Vec<&ResourceAddr> = vec![&group_addr];
    route_deps.extend(
        origin_addrs
            .iter()
            .filter(|a| !a.key.as_deref().is_some_and(|k| k.starts_with("standby-"))),
    );
    let mut route = common::resource(
        ResourceAddr::module(label, "route", None),
        endpoint_id.child("routes", "default"),
        API_VERSION,
        Value::object([(
            "properties",
            Value::object([
                ("originGroup", reference(group_id.as_str())),
                (
                    "supportedProtocols",
                    Value::List(vec![Value::from("Http"), Value::from("Https")]),
                ),
                ("patternsToMatch", Value::List(vec![Value::from("/*")])),
                ("forwardingProtocol", Value::from("HttpsOnly")),
                ("linkToDefaultDomain", Value::from("Enabled")),
                ("httpsRedirect", Value::from("Enabled")),
                ("enabledState", Value::from("Enabled")),
            ]),
        )]),
        Layer::Edge,
        &route_deps,
    );
    route.force_new = strata_azure::replace_on_change(&route.resource_type());
    resources.push(route);

    let mut outputs = BTreeMap::from([
        ("id".to_string(), Value::from(profile_id.as_str())),
        (
            "endpoint_hostname".to_string(),
            Value::attr(&endpoint_addr, "properties.hostName"),
        ),
    ]);
    if waf {
        let waf_id = common::id_in(errs, f, "name", &group, WAF_TYPE, &waf_name)?;
        let waf_addr = ResourceAddr::module(label, "waf_policy", None);
        let mut body = e.place.top_at(Value::from("Global"));
        body.push(("sku", Value::object([("name", Value::from(sku.as_str()))])));
        body.push((
            "properties",
            Value::object([
                (
                    "policySettings",
                    Value::object([
                        ("enabledState", Value::from("Enabled")),
                        ("mode", Value::from(e.waf_mode.as_str())),
                        ("requestBodyCheck", Value::from("Enabled")),
                    ]),
                ),
                (
                    "managedRules",
                    Value::object([(
                        "managedRuleSets",
                        Value::List(vec![
                            managed_rule_set("Microsoft_DefaultRuleSet", "2.1", Some("Block")),
                            managed_rule_set("Microsoft_BotManagerRuleSet", "1.1", None),
                        ]),
                    )]),
                ),
            ]),
        ));
        let mut policy = common::resource(
            waf_addr.clone(),
            waf_id.clone(),
            WAF_API_VERSION,
            Value::object(body),
            Layer::Edge,
            &[],
        );
        policy.force_new = strata_azure::replace_on_change(&policy.resource_type());
        resources.push(policy);
        let mut security = common::resource(
            ResourceAddr::module(label, "security_policy", None),
            profile_id.child("securityPolicies", "waf"),
            API_VERSION,
            Value::object([(
                "properties",
                Value::object([(
                    "parameters",
                    Value::object([
                        ("type", Value::from("WebApplicationFirewall")),
                        ("wafPolicy", reference(waf_id.as_str())),
                        (
                            "associations",
                            Value::List(vec![Value::object([
                                ("domains", Value::List(vec![reference(endpoint_id.as_str())])),
                                ("patternsToMatch", Value::List(vec![Value::from("/*")])),
                            ])]),
                        ),
                    ]),
                )]),
            )]),
            Layer::Edge,
            &[&waf_addr, &endpoint_addr],
        );
        security.force_new = strata_azure::replace_on_change(&security.resource_type());
        resources.push(security);
        outputs.insert("waf_policy_id".to_string(), Value::from(waf_id.as_str()));
    }
    Some((resources, outputs))
}

/// The host names of the standby estate's block (its `origins`), for a primary with a warm
/// standby: known names, and names that wait only on the standby's resources (its app's host,
/// which the engine reads from the standby's state, or leaves for the run after the standby's
/// apply while that state does not hold it). None without a peer.
fn standby_origins(e: &Edge<'_>) -> Vec<Value> {
    let Some(peer) = &e.ctx.estate.peer else {
        return Vec::new();
    };
    if e.ctx.estate.role != EstateRole::Primary || peer.role != EstateRole::Standby {
        return Vec::new();
    }
    match peer.inputs.get("origins") {
        Some(v) if !v.is_null() && !matches!(v, Value::Unknown(_)) => v
            .as_list()
            .map(|hosts| {
                hosts
                    .iter()
                    .filter(|h| h.as_str().is_some_and(|h| !h.is_empty()) || waits_on_peer_only(h))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// A host name known only once the other estate's resource exists (the standby app's host,
/// which the engine reads from the standby's state): it waits on peer addresses only.
fn waits_on_peer_only(v: &Value) -> bool {
    let mut refs = Vec::new();
    v.deferred_attrs(&mut refs);
    v.is_unknown() && !refs.is_empty() && refs.iter().all(|(a, _)| a.split_peer().is_some())
}

fn managed_rule_set(kind: &str, version: &str, action: Option<&str>) -> Value {
    let mut fields = vec![
        ("ruleSetType", Value::from(kind)),
        ("ruleSetVersion", Value::from(version)),
    ];
    if let Some(a) = action {
        fields.push(("ruleSetAction", Value::from(a)));
    }
    Value::object(fields)
}
