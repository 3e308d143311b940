//! Front Door security: `Microsoft.Cdn/profiles/securityPolicies`, which attach a WAF policy
//! to endpoints, and the WAF policies themselves
//! (`Microsoft.Network/FrontDoorWebApplicationFirewallPolicies`, global, their own
//! api-versions). Managed rule sets need the Premium tier, and a policy's tier is its
//! profile's.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{assemble, at, read_tags, render_doc, str_of, take_properties};
use super::super::{Ctx, Target, TypeRules};
use super::origins::{render_child, store_child};
use super::{AFD_SKUS, NAMESPACE, VERSIONS, accept_delete, accept_put, afd_profile, check_global};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State, key_of};

pub(crate) const POLICY_TYPE: &str = "Microsoft.Cdn/profiles/securityPolicies";
pub(crate) const WAF_TYPE: &str = "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies";

/// Front Door WAF policies publish their own versions.
pub(crate) const WAF_VERSIONS: &[&str] = &[
    "2025-03-01",
    "2024-02-01",
    "2022-05-01",
    "2020-11-01",
    "2020-04-01",
    "2019-10-01",
    "2019-03-01",
    "2018-08-01",
];

const WAF_SKUS: &[&str] = &[
    "Classic_AzureFrontDoor",
    "Standard_AzureFrontDoor",
    "Premium_AzureFrontDoor",
];

fn bad(message: String) -> ArmError {
    ArmError::bad_request("BadRequest", message)
}

fn sku_of(res: &Resource) -> &str {
    res.body
        .get("sku")
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub(crate) struct SecurityPolicies;

impl TypeRules for SecurityPolicies {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(POLICY_TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let profile_sku = sku_of(afd_profile(ctx, t)?).to_string();
        let mut props = take_properties(&mut body)?;
        for k in ["provisioningState", "deploymentStatus", "profileName"] {
            props.remove(k);
        }
        let params = props
            .get("parameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if !str_of(&params, "type").is_some_and(|k| k.eq_ignore_ascii_case("WebApplicationFirewall")) {
            return Err(bad("parameters.type must be 'WebApplicationFirewall'.".into()));
        }
        let Some(waf_id) = params
            .get("wafPolicy")
            .and_then(|w| w.get("id"))
            .and_then(Value::as_str)
        else {
            return Err(bad("parameters.wafPolicy.id is required.".into()));
        };
        let Some(waf) = ctx.state.resource(&key_of(waf_id)) else {
            return Err(bad(format!("The WAF policy '{waf_id}' was not found.")));
        };
        if !sku_of(waf).eq_ignore_ascii_case(&profile_sku) {
            return Err(bad(format!(
                "The WAF policy '{}' has sku '{}', but profile '{}' is '{profile_sku}': they must match.",
                waf.name(),
                sku_of(waf),
                t.path.segments[0].1
            )));
        }
        let associations = params
            .get("associations")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if associations.is_empty() {
            return Err(bad(
                "parameters.associations must name at least one domain.".into()
            ));
        }
        for domain in associations
            .iter()
            .filter_map(|a| a.get("domains").and_then(Value::as_array))
            .flatten()
        {
            let id = domain.get("id").and_then(Value::as_str).unwrap_or_default();
            let key = key_of(id);
            if !key.starts_with(&format!("{}/", t.top_key)) || ctx.state.resource(&key).is_none() {
                return Err(bad(format!(
                    "The domain '{id}' was not found in profile '{}'.",
                    t.path.segments[0].1
                )));
            }
        }
        props.insert("profileName".into(), json!(t.path.segments[0].1));
        Ok(store_child(ctx, t, POLICY_TYPE, props, self))
    }

    fn patch(&self, _ctx: &mut Ctx<'_>, _t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(ArmError::method_not_allowed("PATCH"))
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        Ok(accept_delete(ctx, t, NAMESPACE))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        render_child(res)
    }
}

pub(crate) struct WafPolicies;

impl TypeRules for WafPolicies {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(WAF_TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(WAF_VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        check_global(&body, true)?;
        let tags = read_tags(&body)?;
        let asked = body
            .get("sku")
            .and_then(Value::as_object)
            .and_then(|s| str_of(s, "name"))
            .unwrap_or_default()
            .to_string();
        let Some(sku) = WAF_SKUS.iter().find(|s| s.eq_ignore_ascii_case(&asked)) else {
            return Err(bad(format!(
                "The sku '{asked}' is not valid; use one of {}.",
                WAF_SKUS.join(", ")
            )));
        };
        let mut props = take_properties(&mut body)?;
        for k in [
            "provisioningState",
            "resourceState",
            "frontendEndpointLinks",
            "routingRuleLinks",
            "securityPolicyLinks",
        ] {
            props.remove(k);
        }
        let managed = at(&props, "/managedRules/managedRuleSets")
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty());
        if managed && *sku == AFD_SKUS[0] {
            return Err(bad(
                "Managed rule sets need a Premium_AzureFrontDoor WAF policy; a Standard_AzureFrontDoor policy has \
                 custom rules only."
                    .into(),
            ));
        }
        let mut settings = props
            .get("policySettings")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        settings.entry("enabledState").or_insert_with(|| json!("Enabled"));
        settings.entry("mode").or_insert_with(|| json!("Prevention"));
        settings
            .entry("requestBodyCheck")
            .or_insert_with(|| json!("Enabled"));
        if let Some(mode) = str_of(&settings, "mode")
            && !["Prevention", "Detection"]
                .iter()
                .any(|m| m.eq_ignore_ascii_case(mode))
        {
            return Err(bad(format!(
                "policySettings.mode '{mode}' is not valid; use Prevention or Detection."
            )));
        }
        props.insert("policySettings".into(), Value::Object(settings));
        props.entry("customRules").or_insert_with(|| json!({"rules": []}));
        props
            .entry("managedRules")
            .or_insert_with(|| json!({"managedRuleSets": []}));
        let existing = ctx.state.resource(&t.key).cloned();
        let mut stored = Map::new();
        stored.insert(
            "provisioningState".into(),
            json!(if existing.is_some() {
                "Updating"
            } else {
                "Creating"
            }),
        );
        stored.insert("resourceState".into(), json!("Enabled"));
        stored.extend(props);
        body.insert("sku".into(), json!({ "name": sku }));
        let doc = assemble(body, Some("Global"), tags, stored);
        let created = existing.is_none();
        let rendered = crate::types::common::store(ctx, self, t, WAF_TYPE, doc, existing.as_ref(), |r| {
            r.etag = Some(format!("\"{}\"", super::super::common::new_guid()));
        });
        Ok(accept_put(
            ctx,
            t,
            super::super::network::NAMESPACE,
            created,
            rendered,
        ))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        super::super::network::patch_tags(ctx, t, body)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let users: Vec<String> = ctx
            .state
            .referrers(&t.key, Some(&t.key))
            .into_iter()
            .map(|r| r.id.clone())
            .collect();
        if !users.is_empty() {
            // [U] wording.
            return Err(ArmError::new(
                StatusCode::CONFLICT,
                "Conflict",
                format!(
                    "The WAF policy '{}' is used by {}; detach it first.",
                    t.name,
                    users.join(", ")
                ),
            ));
        }
        Ok(accept_delete(ctx, t, super::super::network::NAMESPACE))
    }

    fn render(&self, state: &State, res: &Resource) -> Value {
        let mut out = render_doc(res);
        let key = res.key();
        let links: Vec<Value> = state
            .referrers(&key, Some(&key))
            .into_iter()
            .filter(|r| r.resource_type.eq_ignore_ascii_case(POLICY_TYPE))
            .map(|r| json!({ "id": r.id }))
            .collect();
        if let Some(Value::Object(p)) = out.get_mut("properties") {
            p.insert("frontendEndpointLinks".into(), json!([]));
            p.insert("routingRuleLinks".into(), json!([]));
            p.insert("securityPolicyLinks".into(), Value::Array(links));
        }
        Value::Object(out)
    }
}
