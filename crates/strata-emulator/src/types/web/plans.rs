//! Microsoft.Web/serverfarms (App Service plans).

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{assemble, read_location, read_tags, render_doc, take_properties};
use super::super::{Ctx, Target, TypeRules};
use super::{VERSIONS, accept_creation};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State};

pub(crate) const TYPE: &str = "Microsoft.Web/serverfarms";

/// Sku name → (tier, family, maximum workers).
const SKUS: &[(&str, &str, &str, i64)] = &[
    ("F1", "Free", "F", 1),
    ("D1", "Shared", "D", 1),
    ("B1", "Basic", "B", 3),
    ("B2", "Basic", "B", 3),
    ("B3", "Basic", "B", 3),
    ("S1", "Standard", "S", 10),
    ("S2", "Standard", "S", 10),
    ("S3", "Standard", "S", 10),
    ("P1v2", "PremiumV2", "Pv2", 30),
    ("P2v2", "PremiumV2", "Pv2", 30),
    ("P3v2", "PremiumV2", "Pv2", 30),
    ("P0v3", "Premium0V3", "Pv3", 30),
    ("P1v3", "PremiumV3", "Pv3", 30),
    ("P2v3", "PremiumV3", "Pv3", 30),
    ("P3v3", "PremiumV3", "Pv3", 30),
    ("P1mv3", "PremiumMV3", "Pmv3", 30),
    ("P2mv3", "PremiumMV3", "Pmv3", 30),
    ("I1v2", "IsolatedV2", "Iv2", 100),
    ("I2v2", "IsolatedV2", "Iv2", 100),
    ("Y1", "Dynamic", "Y", 200),
    ("EP1", "ElasticPremium", "EP", 20),
    ("EP2", "ElasticPremium", "EP", 20),
];

/// Zone redundancy needs a Premium v2/v3 or Isolated v2 plan with at least two instances.
const ZONE_REDUNDANT_MIN_WORKERS: i64 = 2;

/// The tier of a stored plan.
pub(crate) fn tier_of(plan: &Resource) -> String {
    plan.body
        .get("sku")
        .and_then(|s| s.get("tier"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// True for a Linux plan.
pub(crate) fn is_linux(plan: &Resource) -> bool {
    plan.properties()
        .and_then(|p| p.get("reserved"))
        .and_then(Value::as_bool)
        == Some(true)
}

fn bad(message: String) -> ArmError {
    ArmError::bad_request("BadRequest", message)
}

pub(crate) struct Plans;

impl TypeRules for Plans {
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
        let sku_in = body
            .get("sku")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let asked = sku_in.get("name").and_then(Value::as_str).unwrap_or_default();
        let Some((name, tier, family, max_workers)) =
            SKUS.iter().find(|(n, ..)| n.eq_ignore_ascii_case(asked))
        else {
            return Err(bad(format!(
                "The pricing tier '{asked}' is not allowed in this resource group. Use one of {}.",
                SKUS.iter().map(|s| s.0).collect::<Vec<_>>().join(", ")
            )));
        };
        let capacity = sku_in.get("capacity").and_then(Value::as_i64).unwrap_or(1);
        if capacity < 1 || capacity > *max_workers {
            return Err(bad(format!(
                "The number of workers {capacity} is not valid for pricing tier '{name}': it must be between 1 and \
                 {max_workers}."
            )));
        }
        let mut props = take_properties(&mut body)?;
        for k in [
            "provisioningState",
            "status",
            "numberOfSites",
            "maximumNumberOfWorkers",
            "geoRegion",
            "resourceGroup",
            "subscription",
        ] {
            props.remove(k);
        }
        // Azure decides Linux by `reserved`; `kind: linux` alone gives a Windows plan.
        let linux = props.get("reserved").and_then(Value::as_bool) == Some(true);
        let zone_redundant = props.get("zoneRedundant").and_then(Value::as_bool) == Some(true);
        if zone_redundant {
            if !matches!(*family, "Pv2" | "Pv3" | "Pmv3" | "Iv2") {
                return Err(bad(format!(
                    "Zone redundancy is not supported for pricing tier '{name}'; use a Premium v2, Premium v3 or \
                     Isolated v2 plan."
                )));
            }
            if capacity < ZONE_REDUNDANT_MIN_WORKERS {
                return Err(bad(format!(
                    "A zone redundant App Service plan needs at least {ZONE_REDUNDANT_MIN_WORKERS} instances; it has {capacity}."
                )));
            }
        }
        if let Some(old) = &existing
            && is_linux(old) != linux
        {
            return Err(bad(
                "The operating system of an App Service plan cannot be changed (reserved).".into(),
            ));
        }
        let mut stored = Map::new();
        stored.insert("provisioningState".into(), json!("Succeeded"));
        stored.insert("status".into(), json!("Ready"));
        stored.insert("maximumNumberOfWorkers".into(), json!(max_workers));
        stored.insert("geoRegion".into(), json!(location));
        stored.insert("numberOfWorkers".into(), json!(capacity));
        stored.insert("reserved".into(), json!(linux));
        stored.insert("zoneRedundant".into(), json!(zone_redundant));
        stored.insert("perSiteScaling".into(), json!(false));
        stored.insert("elasticScaleEnabled".into(), json!(false));
        stored.insert("isSpot".into(), json!(false));
        stored.insert("hyperV".into(), json!(false));
        stored.insert("isXenon".into(), json!(false));
        stored.insert("targetWorkerCount".into(), json!(0));
        stored.insert("targetWorkerSizeId".into(), json!(0));
        for (k, v) in props {
            stored.entry(k).or_insert(v);
        }
        body.insert(
            "sku".into(),
            json!({"name": name, "tier": tier, "size": name, "family": family, "capacity": capacity}),
        );
        body.insert("kind".into(), json!(if linux { "linux" } else { "app" }));
        let doc = assemble(body, Some(&location), tags, stored);
        let created = existing.is_none();
        let rendered = crate::types::common::store(ctx, self, t, TYPE, doc, existing.as_ref(), |_| {});
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
        let sites: Vec<String> = ctx
            .state
            .referrers(&t.key, Some(&t.key))
            .into_iter()
            .filter(|r| r.resource_type.eq_ignore_ascii_case(super::sites::TYPE))
            .map(|r| r.name().to_string())
            .collect();
        if !sites.is_empty() {
            return Err(ArmError::new(
                StatusCode::CONFLICT,
                "Conflict",
                format!(
                    "Server farm '{}' cannot be deleted because it has web app(s) {} assigned to it.",
                    t.name,
                    sites.join(",")
                ),
            ));
        }
        ctx.state.remove_tree(&t.key);
        Ok(Reply::empty(StatusCode::OK))
    }

    fn render(&self, state: &State, res: &Resource) -> Value {
        let mut out = render_doc(res);
        let key = res.key();
        let sites = state
            .referrers(&key, Some(&key))
            .into_iter()
            .filter(|r| r.resource_type.eq_ignore_ascii_case(super::sites::TYPE))
            .count();
        let group = strata_core::ArmId::parse(&res.id)
            .ok()
            .and_then(|i| i.resource_group_name().map(str::to_string))
            .unwrap_or_default();
        let sub = strata_core::ArmId::parse(&res.id)
            .map(|i| i.subscription_id().to_string())
            .unwrap_or_default();
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            props.insert("numberOfSites".into(), json!(sites));
            props.insert("resourceGroup".into(), json!(group));
            props.insert("subscription".into(), json!(sub));
        }
        Value::Object(out)
    }
}
