//! Microsoft.Cdn/profiles (Front Door Standard/Premium, and classic CDN skus).

use serde_json::{Map, Value, json};

use super::super::common::{assemble, keep_or, new_guid, read_tags, render_doc, str_of, take_properties};
use super::super::{Ctx, Target, TypeRules};
use super::{AFD_SKUS, LOCATION, NAMESPACE, VERSIONS, accept_delete, accept_put, check_global};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State};

pub(crate) const TYPE: &str = "Microsoft.Cdn/profiles";

const CDN_SKUS: &[&str] = &[
    "Standard_Microsoft",
    "Standard_Verizon",
    "Premium_Verizon",
    "Standard_Akamai",
    "Standard_ChinaCdn",
];

const READ_ONLY: &[&str] = &[
    "provisioningState",
    "resourceState",
    "frontDoorId",
    "extendedProperties",
];

pub(crate) struct Profiles;

impl TypeRules for Profiles {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
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
        let Some(sku) = AFD_SKUS
            .iter()
            .chain(CDN_SKUS)
            .find(|s| s.eq_ignore_ascii_case(&asked))
        else {
            return Err(ArmError::bad_request(
                "BadRequest",
                format!(
                    "The sku '{asked}' is not valid; Front Door uses {}.",
                    AFD_SKUS.join(" or ")
                ),
            ));
        };
        let existing = ctx.state.resource(&t.key).cloned();
        if let Some(old) = &existing {
            let old_sku = old
                .body
                .get("sku")
                .and_then(|s| s.get("name"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !old_sku.eq_ignore_ascii_case(sku) {
                return Err(ArmError::bad_request(
                    "BadRequest",
                    format!(
                        "The sku of profile '{}' cannot be changed from '{old_sku}' to '{sku}' by an update; a \
                         Standard profile is upgraded to Premium with the upgrade action.",
                        t.name
                    ),
                ));
            }
        }
        let mut props = take_properties(&mut body)?;
        for k in READ_ONLY {
            props.remove(*k);
        }
        let timeout = props
            .get("originResponseTimeoutSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(60);
        if !(16..=240).contains(&timeout) {
            return Err(ArmError::bad_request(
                "BadRequest",
                format!("originResponseTimeoutSeconds must be between 16 and 240; it is {timeout}."),
            ));
        }
        let mut stored = Map::new();
        stored.insert(
            "provisioningState".into(),
            json!(if existing.is_some() {
                "Updating"
            } else {
                "Creating"
            }),
        );
        stored.insert("resourceState".into(), json!("Active"));
        stored.insert(
            "frontDoorId".into(),
            keep_or(existing.as_ref(), "frontDoorId", || json!(new_guid())),
        );
        stored.insert("extendedProperties".into(), json!({}));
        stored.insert("originResponseTimeoutSeconds".into(), json!(timeout));
        stored.extend(props);
        body.insert("sku".into(), json!({ "name": sku }));
        body.insert(
            "kind".into(),
            json!(if AFD_SKUS.contains(sku) {
                "frontdoor"
            } else {
                "cdn"
            }),
        );
        let doc = assemble(body, Some(LOCATION), tags, stored);
        let created = existing.is_none();
        let rendered = crate::types::common::store(ctx, self, t, TYPE, doc, existing.as_ref(), |_| {});
        Ok(accept_put(ctx, t, NAMESPACE, created, rendered))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        super::super::network::patch_tags(ctx, t, body)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        Ok(accept_delete(ctx, t, NAMESPACE))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(render_doc(res))
    }
}
