//! Microsoft.Network/privateDnsZones and their virtualNetworkLinks.
//!
//! Zones are global (`location: global`) and have their own api-versions. A link ties a zone to
//! a virtual network (which must exist), at most once per network; a zone with links cannot be
//! deleted. Writes are long-running like the rest of the provider. A zone is made with its SOA
//! record set; record sets are in [`super::record_sets`].

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{
    assemble, at, keep_or, merge_patch, new_guid, read_location, read_tags, render_doc, take_properties,
};
use super::super::{Ctx, Target, TypeRules};
use super::{begin, begin_delete, check_not_busy, check_reference, patch_tags, put_reply, record_sets};
use crate::protocol::{ArmError, Reply};
use crate::store::{OpAction, Resource, State, key_of};

pub(crate) const ZONE_TYPE: &str = "Microsoft.Network/privateDnsZones";
pub(crate) const LINK_TYPE: &str = "Microsoft.Network/privateDnsZones/virtualNetworkLinks";

/// Private DNS publishes its own versions, not the rest of Microsoft.Network's.
pub(crate) const VERSIONS: &[&str] = &["2024-06-01", "2020-06-01", "2020-01-01", "2018-09-01"];

const LOCATION: &str = "global";

fn global_location(body: &Map<String, Value>, id: &str) -> Result<(), ArmError> {
    match read_location(body, true)? {
        Some(l) if l == LOCATION => Ok(()),
        Some(l) => Err(ArmError::bad_request(
            "LocationNotAvailableForResourceType",
            format!(
                "The provided location '{l}' is not available for resource type '{}'. List of available regions for \
                 the resource type is 'global'. ({id})",
                ZONE_TYPE.split_once('/').map_or(ZONE_TYPE, |(_, t)| t)
            ),
        )),
        None => Err(ArmError::location_required()),
    }
}

/// A DNS zone name: dot-separated labels of letters, digits and hyphens, at least two.
fn check_zone_name(name: &str) -> Result<(), ArmError> {
    let labels: Vec<&str> = name.trim_end_matches('.').split('.').collect();
    let ok = labels.len() >= 2
        && name.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if ok {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceName",
            format!(
                "The zone name '{name}' is not a valid DNS name: it needs at least two labels of letters, digits and hyphens."
            ),
        ))
    }
}

pub(crate) struct Zones;

impl TypeRules for Zones {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(ZONE_TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        global_location(&body, &t.id)?;
        check_zone_name(&t.name)?;
        let tags = read_tags(&body)?;
        let existing = ctx.state.resource(&t.key).cloned();
        check_not_busy(ctx, &t.key)?;
        let mut props = take_properties(&mut body)?;
        let mut stored = Map::new();
        stored.insert("provisioningState".into(), json!("Updating"));
        stored.insert(
            "internalId".into(),
            keep_or(existing.as_ref(), "internalId", || json!(new_guid())),
        );
        for (k, v) in [
            ("maxNumberOfRecordSets", 25000),
            ("maxNumberOfVirtualNetworkLinks", 1000),
            ("maxNumberOfVirtualNetworkLinksWithRegistration", 100),
        ] {
            props.remove(k);
            stored.insert(k.into(), json!(v));
        }
        stored.extend(props);
        let doc = assemble(body, Some(LOCATION), tags, stored);
        let order = existing
            .as_ref()
            .map_or_else(|| ctx.state.next_order(), |e| e.order);
        ctx.state.put_resource(Resource {
            id: t.id.clone(),
            resource_type: ZONE_TYPE.into(),
            body: doc,
            etag: Some(new_guid()),
            order,
            ..Resource::default()
        });
        if existing.is_none() {
            let mut soa = record_sets::default_soa(&t.id);
            soa.order = ctx.state.next_order();
            ctx.state.put_resource(soa);
        }
        let op = begin(
            ctx,
            t,
            LOCATION,
            OpAction::Provision {
                targets: vec![t.key.clone()],
            },
        );
        Ok(put_reply(ctx, existing.is_none(), &t.key, &op))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        patch_tags(ctx, t, body)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        if ctx.state.resource(&t.key).is_none() {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        check_not_busy(ctx, &t.key)?;
        if let Some(link) = ctx.state.children(&t.key, "virtualNetworkLinks").first() {
            return Err(ArmError::new(
                StatusCode::CONFLICT,
                "CannotDeleteZoneWithVirtualNetworkLinks",
                format!(
                    "The private DNS zone {} cannot be deleted because it has virtual network links, such as {}. \
                     Delete the links first.",
                    t.name, link.id
                ),
            ));
        }
        Ok(begin_delete(ctx, t, LOCATION))
    }

    fn render(&self, state: &State, res: &Resource) -> Value {
        let mut out = render_doc(res);
        let links = state.children(&res.key(), "virtualNetworkLinks");
        let registering = links
            .iter()
            .filter(|l| {
                l.properties()
                    .and_then(|p| p.get("registrationEnabled"))
                    .and_then(Value::as_bool)
                    == Some(true)
            })
            .count();
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            props.insert(
                "numberOfRecordSets".into(),
                json!(record_sets::of_zone(state, &res.key()).len()),
            );
            props.insert("numberOfVirtualNetworkLinks".into(), json!(links.len()));
            props.insert(
                "numberOfVirtualNetworkLinksWithRegistration".into(),
                json!(registering),
            );
        }
        Value::Object(out)
    }
}

pub(crate) struct Links;

impl TypeRules for Links {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(LINK_TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        global_location(&body, &t.id)?;
        let tags = read_tags(&body)?;
        let zone_key = t.parent_key.clone().unwrap_or_default();
        let existing = ctx.state.resource(&t.key).cloned();
        check_not_busy(ctx, &t.top_key)?;
        let mut props = take_properties(&mut body)?;
        for k in ["provisioningState", "virtualNetworkLinkState"] {
            props.remove(k);
        }
        let Some(vnet) = props.get("virtualNetwork").filter(|v| !v.is_null()).cloned() else {
            return Err(ArmError::bad_request(
                "InvalidRequestFormat",
                format!(
                    "Cannot parse the request. Virtual network link {} must name a virtualNetwork.",
                    t.id
                ),
            ));
        };
        check_reference(ctx, &t.id, &vnet)?;
        let vnet_key = key_of(vnet.get("id").and_then(Value::as_str).unwrap_or_default());
        let twin = ctx
            .state
            .children(&zone_key, "virtualNetworkLinks")
            .into_iter()
            .find(|l| {
                l.key() != t.key
                    && l.properties()
                        .and_then(|p| at(p, "/virtualNetwork/id"))
                        .and_then(Value::as_str)
                        .is_some_and(|id| key_of(id) == vnet_key)
            });
        if let Some(twin) = twin {
            return Err(ArmError::new(
                StatusCode::CONFLICT,
                "Conflict",
                format!(
                    "A virtual network cannot be linked to the same Private DNS zone more than once. Link {} already \
                     links it.",
                    twin.id
                ),
            ));
        }
        let mut stored = Map::new();
        stored.insert("provisioningState".into(), json!("Updating"));
        stored.insert("registrationEnabled".into(), json!(false));
        stored.insert("virtualNetworkLinkState".into(), json!("InProgress"));
        stored.extend(props);
        stored.insert("virtualNetwork".into(), vnet);
        let doc = assemble(body, Some(LOCATION), tags, stored);
        let order = existing
            .as_ref()
            .map_or_else(|| ctx.state.next_order(), |e| e.order);
        ctx.state.put_resource(Resource {
            id: t.id.clone(),
            resource_type: LINK_TYPE.into(),
            body: doc,
            etag: Some(new_guid()),
            order,
            ..Resource::default()
        });
        let op = begin(
            ctx,
            t,
            LOCATION,
            OpAction::Provision {
                targets: vec![t.key.clone()],
            },
        );
        Ok(put_reply(ctx, existing.is_none(), &t.key, &op))
    }

    /// A link's PATCH changes its properties too (`registrationEnabled`): the stored document
    /// merged with the body (tags replaced whole), written as a PUT would be.
    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        let Some(existing) = ctx.state.resource(&t.key) else {
            return Err(ArmError::resource_not_found(
                &t.path.type_and_names(t.path.segments.len()),
                &t.group_name,
            ));
        };
        let mut doc = existing.body.clone();
        if body.contains_key("tags") {
            doc.remove("tags");
        }
        let mut merged = Value::Object(doc);
        merge_patch(&mut merged, &Value::Object(body));
        match merged {
            Value::Object(m) => self.put(ctx, t, m),
            _ => Err(ArmError::invalid_json("the body must be a JSON object")),
        }
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        if ctx.state.resource(&t.key).is_none() {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        check_not_busy(ctx, &t.top_key)?;
        Ok(begin_delete(ctx, t, LOCATION))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        let mut out = render_doc(res);
        let done = res.provisioning_state() == "Succeeded";
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            props.insert(
                "virtualNetworkLinkState".into(),
                json!(if done { "Completed" } else { "InProgress" }),
            );
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names() {
        assert!(check_zone_name("privatelink.postgres.database.azure.com").is_ok());
        assert!(check_zone_name("shop.internal").is_ok());
        assert!(check_zone_name("single").is_err());
        assert!(check_zone_name("bad..name").is_err());
        assert!(check_zone_name("-x.com").is_err());
    }
}
