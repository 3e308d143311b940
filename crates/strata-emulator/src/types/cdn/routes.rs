//! Microsoft.Cdn/profiles/afdEndpoints/routes.

use serde_json::{Map, Value, json};

use super::super::common::{at, take_properties};
use super::super::{Ctx, Target, TypeRules};
use super::origins::{patch_child, render_child, store_child};
use super::{NAMESPACE, VERSIONS, accept_delete, afd_profile};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State, key_of};

pub(crate) const TYPE: &str = "Microsoft.Cdn/profiles/afdEndpoints/routes";

fn bad(message: String) -> ArmError {
    ArmError::bad_request("BadRequest", message)
}

/// A value among `allowed` (case-insensitive) in the service's casing, or `default`.
fn choice(
    props: &Map<String, Value>,
    field: &str,
    allowed: &[&str],
    default: &str,
) -> Result<String, ArmError> {
    match props.get(field).and_then(Value::as_str) {
        None => Ok(default.to_string()),
        Some(v) => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(v))
            .map(|a| (*a).to_string())
            .ok_or_else(|| {
                bad(format!(
                    "The value '{v}' of '{field}' is not valid; use one of {}.",
                    allowed.join(", ")
                ))
            }),
    }
}

pub(crate) struct Routes;

impl TypeRules for Routes {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        afd_profile(ctx, t)?;
        let mut props = take_properties(&mut body)?;
        for k in ["provisioningState", "deploymentStatus", "endpointName"] {
            props.remove(k);
        }
        let Some(group_id) = at(&props, "/originGroup/id")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return Err(bad(
                "The property 'originGroup.id' is required: a route sends traffic to an origin group.".into(),
            ));
        };
        let group_key = key_of(&group_id);
        let in_profile = group_key.starts_with(&format!("{}/origingroups/", t.top_key));
        if !in_profile || ctx.state.resource(&group_key).is_none() {
            return Err(bad(format!(
                "The origin group '{group_id}' was not found in profile '{}'.",
                t.path.segments[0].1
            )));
        }
        // Azure refuses a route to a group without an enabled origin (the error a deployment
        // that creates the route before the origin gets).
        let has_origin = ctx.state.children(&group_key, "origins").iter().any(|o| {
            o.properties()
                .and_then(|p| p.get("enabledState"))
                .and_then(Value::as_str)
                .is_none_or(|s| !s.eq_ignore_ascii_case("Disabled"))
        });
        if !has_origin {
            return Err(bad(
                "Please make sure that the originGroup is created successfully and at least one enabled origin is \
                 created under the origin group."
                    .into(),
            ));
        }
        for domain in props
            .get("customDomains")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = domain.get("id").and_then(Value::as_str).unwrap_or_default();
            if ctx.state.resource(&key_of(id)).is_none() {
                return Err(bad(format!("The custom domain '{id}' was not found.")));
            }
        }
        let forwarding = choice(
            &props,
            "forwardingProtocol",
            &["HttpOnly", "HttpsOnly", "MatchRequest"],
            "MatchRequest",
        )?;
        let link = choice(&props, "linkToDefaultDomain", &["Enabled", "Disabled"], "Enabled")?;
        let redirect = choice(&props, "httpsRedirect", &["Enabled", "Disabled"], "Disabled")?;
        let enabled = choice(&props, "enabledState", &["Enabled", "Disabled"], "Enabled")?;
        props.insert("forwardingProtocol".into(), json!(forwarding));
        props.insert("linkToDefaultDomain".into(), json!(link));
        props.insert("httpsRedirect".into(), json!(redirect));
        props.insert("enabledState".into(), json!(enabled));
        props.entry("customDomains").or_insert_with(|| json!([]));
        props.entry("ruleSets").or_insert_with(|| json!([]));
        props
            .entry("supportedProtocols")
            .or_insert_with(|| json!(["Http", "Https"]));
        props.entry("patternsToMatch").or_insert_with(|| json!(["/*"]));
        props.insert("endpointName".into(), json!(t.path.segments[1].1));
        Ok(store_child(ctx, t, TYPE, props, self))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        patch_child(ctx, t, body, self)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        Ok(accept_delete(ctx, t, NAMESPACE))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        render_child(res)
    }
}
