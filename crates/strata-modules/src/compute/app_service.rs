//! `kind = "app_service"`: a Linux App Service plan and a web app, HTTPS only, integrated into
//! the app subnet.

use std::collections::BTreeMap;

use strata_core::{DesiredResource, Layer, ResourceAddr, Value};

use super::{Common, count};
use crate::common;
use crate::inputs::Errors;

pub const API_VERSION: &str = strata_azure::api_versions::WEB;
const PLAN_TYPE: &str = "Microsoft.Web/serverfarms";
const SITE_TYPE: &str = "Microsoft.Web/sites";
const DELEGATION: &str = "Microsoft.Web/serverFarms";

/// Plan skus, and whether each supports zone redundancy and VNet integration.
const SKUS: &[(&str, bool, bool)] = &[
    ("F1", false, false),
    ("D1", false, false),
    ("B1", false, true),
    ("B2", false, true),
    ("B3", false, true),
    ("S1", false, true),
    ("S2", false, true),
    ("S3", false, true),
    ("P1v2", true, true),
    ("P2v2", true, true),
    ("P3v2", true, true),
    ("P0v3", true, true),
    ("P1v3", true, true),
    ("P2v3", true, true),
    ("P3v3", true, true),
    ("P1mv3", true, true),
    ("P2mv3", true, true),
];

type Built = (Vec<DesiredResource>, BTreeMap<String, Value>);

pub(super) fn expand(c: &Common<'_>, errs: &mut Errors) -> Option<Built> {
    let f = &c.fields;
    let defaults = c.profile.defaults();
    let sku = errs
        .take(f.known_string_or("sku", defaults.app_service_sku, "it decides the plan's tier"))
        .and_then(|s| match SKUS.iter().find(|(n, ..)| n.eq_ignore_ascii_case(&s)) {
            Some(found) => Some(*found),
            None => {
                errs.push(
                    f.error("sku", format!("`{s}` is not an App Service plan sku"))
                        .hint(format!(
                            "use one of {}; the {} profile's default is {}",
                            SKUS.iter().map(|s| s.0).collect::<Vec<_>>().join(", "),
                            c.profile,
                            defaults.app_service_sku
                        )),
                );
                None
            }
        });
    if let Some((name, ..)) = sku
        && matches!(name, "F1" | "D1")
        && c.profile != crate::profiles::Profile::Dev
    {
        errs.push(
            f.error(
                "sku",
                format!("the {} profile does not allow the {name} plan", c.profile),
            )
            .hint("Free and Shared plans have no SLA, no scale-out and no VNet integration; use B1 or above"),
        );
    }
    let workers = count(c, 1..=30, errs);
    let zone_redundant = errs.take(f.known_bool_or(
        "zone_redundant",
        defaults.app_service_zone_redundant,
        "it is fixed when the plan is created",
    ));
    if let (Some((name, zr_ok, _)), Some(true), Some(n)) = (sku, zone_redundant, workers) {
        if !zr_ok {
            errs.push(
                f.error("zone_redundant", format!("the {name} plan cannot be zone redundant"))
                    .hint("zone redundancy needs a Premium v2 or v3 plan (P0v3, P1v3, …); or set zone_redundant = false"),
            );
        } else if n < 2 {
            errs.push(
                f.error(
                    "count",
                    format!("a zone-redundant plan needs at least 2 workers, not {n}"),
                )
                .hint("set count = 2 or more, or zone_redundant = false"),
            );
        }
    }
    let runtime = errs.take(f.string_or("runtime", "NODE|20-lts")).and_then(|r| {
        if let Some(text) = &r.known
            && !text.contains('|')
        {
            errs.push(
                f.error("runtime", format!("`{text}` is not a Linux runtime"))
                    .hint("write STACK|VERSION, e.g. \"NODE|20-lts\", \"PYTHON|3.12\", \"DOTNETCORE|8.0\""),
            );
            return None;
        }
        Some(r)
    });
    let settings = errs.take(f.opt_map_string("app_settings")).flatten();
    let settings = match settings {
        Some(s) => match s.known {
            Some(items) => Some(items),
            None => {
                errs.push(
                    f.error(
                        "app_settings",
                        "`app_settings` must be known at plan time (its keys name the settings)",
                    )
                    .hint("write the map literally; its values may come from other modules"),
                );
                None
            }
        },
        None => Some(BTreeMap::new()),
    };
    let health = errs.take(f.opt_string("health_check_path")).flatten();
    if let Some(s) = &c.subnet {
        // A subnet of the wrong role is the mistake to report, not its delegation.
        if let Err(e) = s
            .require_role("app", "an App Service's VNet integration")
            .and_then(|()| s.require_delegation(DELEGATION, "an App Service's VNet integration"))
        {
            errs.push(e);
        }
        if let Some((name, _, false)) = sku {
            errs.push(
                f.error("subnet", format!("the {name} plan has no VNet integration"))
                    .hint("use a Basic plan (B1) or above, or remove `subnet`"),
            );
        }
    }
    let plan_name = format!("{}-plan", c.name);
    for (ty, name, field) in [(SITE_TYPE, &c.name, "name"), (PLAN_TYPE, &plan_name, "name")] {
        if let Err(e) = common::check_derived_name(f, field, ty, name) {
            errs.push(e);
        }
    }
    let (sku, workers, zone_redundant, runtime, settings) =
        (sku?, workers?, zone_redundant?, runtime?, settings?);
    if !errs.is_empty() {
        return None;
    }

    let group = c.place.group_id(c.ctx.subscription_id);
    let plan_id = common::id_in(errs, f, "name", &group, PLAN_TYPE, &plan_name)?;
    let site_id = common::id_in(errs, f, "name", &group, SITE_TYPE, &c.name)?;
    let plan_addr = ResourceAddr::module(c.ctx.label, "plan", None);
    let mut body = c.place.top();
    body.push(("kind", Value::from("linux")));
    body.push((
        "sku",
        Value::object([("name", Value::from(sku.0)), ("capacity", Value::from(workers))]),
    ));
    body.push((
        "properties",
        Value::object([
            ("reserved", Value::from(true)),
            ("zoneRedundant", Value::from(zone_redundant)),
        ]),
    ));
    let mut plan = common::resource(
        plan_addr.clone(),
        plan_id.clone(),
        API_VERSION,
        Value::object(body),
        Layer::Compute,
        &[],
    );
    plan.force_new = strata_azure::replace_on_change(&plan.resource_type());

    let mut site_config = vec![
        ("linuxFxVersion", runtime.value),
        ("minTlsVersion", Value::from("1.2")),
        ("ftpsState", Value::from("Disabled")),
        ("http20Enabled", Value::from(true)),
        // Free and Shared plans cannot stay warm; the others should.
        ("alwaysOn", Value::from(!matches!(sku.0, "F1" | "D1"))),
    ];
    if let Some(h) = health {
        site_config.push(("healthCheckPath", h.value));
    }
    if !settings.is_empty() {
        site_config.push((
            "appSettings",
            Value::List(
                settings
                    .into_iter()
                    .map(|(k, v)| Value::object([("name", Value::from(k)), ("value", v.value)]))
                    .collect(),
            ),
        ));
    }
    let mut props = vec![
        ("serverFarmId", Value::from(plan_id.as_str())),
        ("httpsOnly", Value::from(true)),
        ("clientAffinityEnabled", Value::from(false)),
        ("siteConfig", Value::object(site_config)),
    ];
    if let Some(s) = &c.subnet {
        props.push(("virtualNetworkSubnetId", s.id.clone()));
        // All outbound traffic goes through the VNet, so NSGs and private DNS apply to it. At
        // this api-version Azure publishes it as `outboundVnetRouting.applicationTraffic` (the
        // former `vnetRouteAllEnabled`, which it no longer accepts and would silently drop).
        props.push((
            "outboundVnetRouting",
            Value::object([("applicationTraffic", Value::from(true))]),
        ));
    }
    let mut body = c.place.top();
    body.push(("kind", Value::from("app,linux")));
    body.push(("properties", Value::object(props)));
    let app_addr = ResourceAddr::module(c.ctx.label, "app", None);
    let site = common::resource(
        app_addr.clone(),
        site_id.clone(),
        API_VERSION,
        Value::object(body),
        Layer::Compute,
        &[&plan_addr],
    );
    let outputs = BTreeMap::from([
        ("app_id".to_string(), Value::from(site_id.as_str())),
        ("app_name".to_string(), Value::from(c.name.as_str())),
        ("plan_id".to_string(), Value::from(plan_id.as_str())),
        (
            "default_hostname".to_string(),
            Value::attr(&app_addr, "properties.defaultHostName"),
        ),
        (
            "outbound_ip_addresses".to_string(),
            Value::attr(&app_addr, "properties.outboundIpAddresses"),
        ),
    ]);
    Some((vec![plan, site], outputs))
}
