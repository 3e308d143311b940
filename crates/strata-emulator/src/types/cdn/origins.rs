//! Microsoft.Cdn/profiles/originGroups and their origins.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{merge_patch, render_base, str_of, take_properties};
use super::super::{Ctx, Target, TypeRules};
use super::{NAMESPACE, VERSIONS, accept_delete, accept_put, afd_profile, deployment_status};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State, key_of};

pub(crate) const GROUP_TYPE: &str = "Microsoft.Cdn/profiles/originGroups";
pub(crate) const ORIGIN_TYPE: &str = "Microsoft.Cdn/profiles/originGroups/origins";

fn bad(message: String) -> ArmError {
    ArmError::bad_request("BadRequest", message)
}

/// An integer field within `[min, max]`, or its default.
fn ranged(
    props: &Map<String, Value>,
    field: &str,
    min: i64,
    max: i64,
    default: i64,
) -> Result<i64, ArmError> {
    match props.get(field) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(bad(format!(
                "The value {v} of '{field}' is not valid: it must be between {min} and {max}."
            ))),
        },
    }
}

/// Stores a child of a profile (a proxy resource: no location) and answers the PUT.
pub(crate) fn store_child(
    ctx: &mut Ctx<'_>,
    t: &Target,
    resource_type: &str,
    props: Map<String, Value>,
    rules: &dyn TypeRules,
) -> Reply {
    let existing = ctx.state.resource(&t.key).cloned();
    let mut stored = props;
    stored.insert(
        "provisioningState".into(),
        json!(if existing.is_some() {
            "Updating"
        } else {
            "Creating"
        }),
    );
    let mut doc = Map::new();
    doc.insert("properties".into(), Value::Object(stored));
    let created = existing.is_none();
    let order = existing
        .as_ref()
        .map_or_else(|| ctx.state.next_order(), |e| e.order);
    let resource = Resource {
        id: t.id.clone(),
        resource_type: resource_type.into(),
        body: doc,
        order,
        ..Resource::default()
    };
    let rendered = rules.render(ctx.state, &resource);
    ctx.state.put_resource(resource);
    accept_put(ctx, t, NAMESPACE, created, rendered)
}

/// PATCH of a profile child: the properties sent are merged into the stored ones (JSON merge
/// patch), and the result goes through the checks of a PUT.
pub(crate) fn patch_child(
    ctx: &mut Ctx<'_>,
    t: &Target,
    mut body: Map<String, Value>,
    rules: &dyn TypeRules,
) -> Result<Reply, ArmError> {
    let Some(existing) = ctx.state.resource(&t.key) else {
        return Err(ArmError::resource_not_found(
            &t.path.type_and_names(t.path.segments.len()),
            &t.group_name,
        ));
    };
    let mut props = Value::Object(existing.properties().cloned().unwrap_or_default());
    let patch = take_properties(&mut body)?;
    merge_patch(&mut props, &Value::Object(patch));
    let mut merged = Map::new();
    merged.insert("properties".into(), props);
    rules.put(ctx, t, merged)
}

/// The rendering of a profile child: its deployment follows its provisioning.
pub(crate) fn render_child(res: &Resource) -> Value {
    let mut out = render_base(res, None);
    let mut props = res.properties().cloned().unwrap_or_default();
    props.insert("deploymentStatus".into(), json!(deployment_status(res)));
    out.insert("properties".into(), Value::Object(props));
    Value::Object(out)
}

pub(crate) struct OriginGroups;

impl TypeRules for OriginGroups {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(GROUP_TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        afd_profile(ctx, t)?;
        let mut props = take_properties(&mut body)?;
        for k in ["provisioningState", "deploymentStatus"] {
            props.remove(k);
        }
        let mut lb = props
            .get("loadBalancingSettings")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let sample = ranged(&lb, "sampleSize", 1, 255, 4)?;
        let required = ranged(&lb, "successfulSamplesRequired", 1, 255, 3)?;
        if required > sample {
            return Err(bad(format!(
                "successfulSamplesRequired ({required}) cannot be larger than sampleSize ({sample})."
            )));
        }
        let latency = ranged(&lb, "additionalLatencyInMilliseconds", 0, 1000, 50)?;
        lb.insert("sampleSize".into(), json!(sample));
        lb.insert("successfulSamplesRequired".into(), json!(required));
        lb.insert("additionalLatencyInMilliseconds".into(), json!(latency));
        props.insert("loadBalancingSettings".into(), Value::Object(lb));
        if let Some(Value::Object(probe)) = props.get_mut("healthProbeSettings") {
            let interval = ranged(probe, "probeIntervalInSeconds", 1, 255, 100)?;
            probe.insert("probeIntervalInSeconds".into(), json!(interval));
            probe.entry("probePath").or_insert_with(|| json!("/"));
            probe.entry("probeRequestType").or_insert_with(|| json!("HEAD"));
            probe.entry("probeProtocol").or_insert_with(|| json!("Http"));
        }
        props
            .entry("sessionAffinityState")
            .or_insert_with(|| json!("Disabled"));
        props
            .entry("trafficRestorationTimeToHealedOrNewEndpointsInMinutes")
            .or_insert_with(|| json!(10));
        Ok(store_child(ctx, t, GROUP_TYPE, props, self))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        patch_child(ctx, t, body, self)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let routes: Vec<String> = ctx
            .state
            .referrers(&t.key, Some(&t.key))
            .into_iter()
            .filter(|r| r.resource_type.eq_ignore_ascii_case(super::routes::TYPE))
            .map(|r| r.id.clone())
            .collect();
        if !routes.is_empty() {
            // [U] wording.
            return Err(ArmError::new(
                StatusCode::CONFLICT,
                "Conflict",
                format!(
                    "Origin group '{}' is used by route(s) {}; delete or change them first.",
                    t.name,
                    routes.join(", ")
                ),
            ));
        }
        Ok(accept_delete(ctx, t, NAMESPACE))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        render_child(res)
    }
}

pub(crate) struct Origins;

impl TypeRules for Origins {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(ORIGIN_TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        afd_profile(ctx, t)?;
        let mut props = take_properties(&mut body)?;
        for k in ["provisioningState", "deploymentStatus", "originGroupName"] {
            props.remove(k);
        }
        let Some(host) = str_of(&props, "hostName")
            .filter(|h| !h.trim().is_empty())
            .map(str::to_string)
        else {
            return Err(bad(
                "The property 'hostName' is required: the address of the origin.".into(),
            ));
        };
        let http = ranged(&props, "httpPort", 1, 65535, 80)?;
        let https = ranged(&props, "httpsPort", 1, 65535, 443)?;
        let priority = ranged(&props, "priority", 1, 5, 1)?;
        let weight = ranged(&props, "weight", 1, 1000, 1000)?;
        if let Some(id) = props
            .get("azureOrigin")
            .and_then(|a| a.get("id"))
            .and_then(Value::as_str)
            && ctx.state.resource(&key_of(id)).is_none()
        {
            return Err(bad(format!("The azureOrigin '{id}' was not found.")));
        }
        props.insert("hostName".into(), json!(host));
        props.insert("httpPort".into(), json!(http));
        props.insert("httpsPort".into(), json!(https));
        props.insert("priority".into(), json!(priority));
        props.insert("weight".into(), json!(weight));
        props.entry("enabledState").or_insert_with(|| json!("Enabled"));
        props
            .entry("enforceCertificateNameCheck")
            .or_insert_with(|| json!(true));
        props.insert("originGroupName".into(), json!(t.path.segments[1].1));
        Ok(store_child(ctx, t, ORIGIN_TYPE, props, self))
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
