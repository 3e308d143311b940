//! Microsoft.Web/sites (web apps).

use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::super::common::{
    assemble, keep_or, read_location, read_tags, render_doc, take_properties, timestamp,
};
use super::super::network::check_reference;
use super::super::network::subnet::delegated_services;
use super::super::unique::{Unavailable, taken_by};
use super::super::{Ctx, Target, TypeRules};
use super::plans::{is_linux, tier_of};
use super::{VERSIONS, accept_creation, plan_not_found};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State, key_of};

pub(crate) const TYPE: &str = "Microsoft.Web/sites";

const READ_ONLY: &[&str] = &[
    "state",
    "hostNames",
    "enabledHostNames",
    "defaultHostName",
    "usageState",
    "availabilityState",
    "hostNameSslStates",
    "outboundIpAddresses",
    "possibleOutboundIpAddresses",
    "customDomainVerificationId",
    "resourceGroup",
    "lastModifiedTimeUtc",
    "repositorySiteName",
    "sku",
    "inProgressOperationId",
];

/// Tiers without VNet integration.
const NO_VNET_TIERS: &[&str] = &["Free", "Shared", "Dynamic"];

/// Site settings that hold secrets: kept, never returned (Azure returns them only through
/// `config/appsettings/list`).
pub(super) const SECRET_SETTINGS: &[&str] = &["appSettings", "connectionStrings"];

/// Whether `name` can be used for a new site, in the words of `checkNameAvailability`.
pub(crate) fn availability(state: &State, name: &str) -> Option<Unavailable> {
    if strata_azure::naming::rule_for(TYPE).check(name).is_err() {
        return Some(Unavailable::Invalid(format!(
            "The name '{name}' is not a valid site name."
        )));
    }
    state.named(TYPE, name).next().map(|_| {
        Unavailable::Taken(format!(
            "Hostname '{name}' already exists. Please select a different name."
        ))
    })
}

/// The emulator's outbound addresses of a site: stable, from the benchmarking range.
fn outbound(name: &str) -> Vec<String> {
    let digest = Sha256::digest(name.to_ascii_lowercase().as_bytes());
    (0..4)
        .map(|i| format!("198.19.{}.{}", digest[i * 2], digest[i * 2 + 1].max(1)))
        .collect()
}

fn bad(message: String) -> ArmError {
    ArmError::bad_request("BadRequest", message)
}

/// VNet integration: the subnet exists, is delegated to Microsoft.Web/serverFarms, and the plan
/// can integrate.
pub(super) fn check_vnet(
    ctx: &Ctx<'_>,
    t: &Target,
    subnet_id: &str,
    plan: &Resource,
) -> Result<(), ArmError> {
    check_reference(ctx, &t.id, &json!({ "id": subnet_id }))?;
    let tier = tier_of(plan);
    if NO_VNET_TIERS.iter().any(|n| n.eq_ignore_ascii_case(&tier)) {
        return Err(bad(format!(
            "The App Service plan {} of tier {tier} does not support virtual network integration; use Basic or above.",
            plan.name()
        )));
    }
    let Some(subnet) = ctx.state.resource(&key_of(subnet_id)) else {
        return Ok(());
    };
    let delegated = delegated_services(subnet);
    if !delegated
        .iter()
        .any(|s| s.eq_ignore_ascii_case("Microsoft.Web/serverFarms"))
    {
        // [U] wording.
        return Err(bad(format!(
            "Subnet {} is missing a delegation to Microsoft.Web/serverFarms; delegate the subnet to \
             Microsoft.Web/serverFarms to integrate web apps with it.",
            subnet.id
        )));
    }
    Ok(())
}

pub(crate) struct Sites;

impl TypeRules for Sites {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let location = read_location(&body, true)?.unwrap_or_default();
        let tags = read_tags(&body)?;
        if ctx.state.is_hidden(&t.key)
            && let Some(op) = ctx.state.lock_holder(&t.key)
        {
            return Ok(crate::protocol::accepted(ctx.base_url, op, ctx.now, false));
        }
        let existing = ctx.state.resource(&t.key).cloned();
        match &existing {
            Some(_) => {}
            None => {
                if taken_by(ctx.state, TYPE, &t.name, &t.key).is_some() {
                    return Err(ArmError::new(
                        StatusCode::CONFLICT,
                        "Conflict",
                        format!("Website with given name {} already exists.", t.name),
                    ));
                }
            }
        }
        let mut props = take_properties(&mut body)?;
        for k in READ_ONLY {
            props.remove(*k);
        }
        let Some(plan_id) = props
            .get("serverFarmId")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return Err(bad(
                "The parameter 'properties.serverFarmId' is required: a web app runs on an App Service plan."
                    .into(),
            ));
        };
        let Some(plan) = ctx.state.resource(&key_of(&plan_id)).cloned() else {
            return Err(plan_not_found(plan_id.rsplit('/').next().unwrap_or_default()));
        };
        if plan.location() != Some(location.as_str()) {
            return Err(bad(format!(
                "The App Service plan {} is in location '{}'; a web app must be in the location of its plan ('{location}').",
                plan.name(),
                plan.location().unwrap_or_default()
            )));
        }
        if let Some(subnet) = props
            .get("virtualNetworkSubnetId")
            .and_then(Value::as_str)
            .map(str::to_string)
        {
            check_vnet(ctx, t, &subnet, &plan)?;
        }
        let linux = is_linux(&plan);
        let mut private = existing.as_ref().map(|e| e.private.clone()).unwrap_or_default();
        let mut site_config = props
            .get("siteConfig")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for k in SECRET_SETTINGS {
            if let Some(v) = site_config.remove(*k) {
                private.insert((*k).to_string(), v);
            }
        }
        site_config.entry("numberOfWorkers").or_insert_with(|| json!(1));
        site_config.entry("alwaysOn").or_insert_with(|| json!(false));
        site_config.entry("http20Enabled").or_insert_with(|| json!(false));
        site_config.entry("minTlsVersion").or_insert_with(|| json!("1.2"));
        site_config
            .entry("ftpsState")
            .or_insert_with(|| json!("FtpsOnly"));
        site_config.entry("linuxFxVersion").or_insert_with(|| json!(""));
        props.insert("siteConfig".into(), Value::Object(site_config));

        let host = format!("{}.azurewebsites.net", t.name.to_ascii_lowercase());
        let scm = format!("{}.scm.azurewebsites.net", t.name.to_ascii_lowercase());
        let addresses = outbound(&t.name);
        let mut stored = Map::new();
        stored.insert("state".into(), json!("Running"));
        stored.insert("hostNames".into(), json!([host]));
        stored.insert("enabledHostNames".into(), json!([host, scm]));
        stored.insert("defaultHostName".into(), json!(host));
        stored.insert("usageState".into(), json!("Normal"));
        stored.insert("availabilityState".into(), json!("Normal"));
        stored.insert(
            "hostNameSslStates".into(),
            json!([
                {"name": host, "sslState": "Disabled", "hostType": "Standard"},
                {"name": scm, "sslState": "Disabled", "hostType": "Repository"}
            ]),
        );
        stored.insert("outboundIpAddresses".into(), json!(addresses.join(",")));
        stored.insert("possibleOutboundIpAddresses".into(), json!(addresses.join(",")));
        stored.insert(
            "customDomainVerificationId".into(),
            keep_or(existing.as_ref(), "customDomainVerificationId", || {
                json!(format!(
                    "{:X}",
                    Sha256::digest(t.id.to_ascii_lowercase().as_bytes())
                ))
            }),
        );
        stored.insert("resourceGroup".into(), json!(t.group_name));
        stored.insert("repositorySiteName".into(), json!(t.name));
        stored.insert("lastModifiedTimeUtc".into(), json!(timestamp(ctx.now)));
        stored.insert("sku".into(), json!(tier_of(&plan)));
        stored.insert("reserved".into(), json!(linux));
        stored.insert("httpsOnly".into(), json!(false));
        stored.insert("clientAffinityEnabled".into(), json!(true));
        stored.insert("enabled".into(), json!(true));
        stored.insert("publicNetworkAccess".into(), json!("Enabled"));
        for (k, v) in props {
            stored.insert(k, v);
        }
        let kind = body.get("kind").and_then(Value::as_str).map_or_else(
            || if linux { "app,linux" } else { "app" }.to_string(),
            str::to_string,
        );
        body.insert("kind".into(), json!(kind));
        let doc = assemble(body, Some(&location), tags, stored);
        let created = existing.is_none();
        let order = existing
            .as_ref()
            .map_or_else(|| ctx.state.next_order(), |e| e.order);
        let resource = Resource {
            id: t.id.clone(),
            resource_type: TYPE.into(),
            body: doc,
            order,
            private,
            ..Resource::default()
        };
        let rendered = self.render(ctx.state, &resource);
        ctx.state.put_resource(resource);
        if created {
            return Ok(accept_creation(ctx, t, &location));
        }
        Ok(Reply::json(StatusCode::OK, rendered))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        super::patch(ctx, t, body, self)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        if ctx.state.resource(&t.key).is_none() {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        ctx.state.remove_tree(&t.key);
        Ok(Reply::empty(StatusCode::OK))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(render_doc(res))
    }
}
