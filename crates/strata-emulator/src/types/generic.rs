//! The fallback for types the emulator does not model: a synchronous document store.
//!
//! It lets generic `resource` blocks work against the emulator: PUT stores the document
//! (201 new, 200 existing) with `provisioningState: Succeeded` and, for a type Microsoft
//! publishes, what Azure fills in per its definition ([`super::published`]), PATCH replaces tags and
//! merge-patches the rest, DELETE removes the resource and everything below it.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::common::{
    check_location_unchanged, merge_patch, read_location, read_tags, render_base, strip_server_fields,
    take_properties,
};
use super::{Ctx, Target, TypeRules, published};
use crate::protocol::{ArmError, NETWORK_VERSIONS, Reply};
use crate::store::{Resource, State};

pub(crate) struct Generic {
    versions: Option<&'static [&'static str]>,
}

impl Generic {
    /// The generic store for a provider's types not modelled yet, with its api-versions.
    pub(crate) const fn with_versions(versions: &'static [&'static str]) -> Generic {
        Generic {
            versions: Some(versions),
        }
    }
}

/// Any type of any provider.
pub(crate) static ANY: Generic = Generic { versions: None };

/// Microsoft.Network types not modelled yet: generic, but with the provider's api-versions.
pub(crate) static NETWORK: Generic = Generic {
    versions: Some(NETWORK_VERSIONS),
};

impl TypeRules for Generic {
    fn api_versions(&self) -> Option<&'static [&'static str]> {
        self.versions
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        strip_server_fields(&mut body);
        let location = read_location(&body, false)?;
        let tags = read_tags(&body)?;
        let existing = ctx.state.resource(&t.key);
        if let Some(old) = existing {
            check_location_unchanged(old, location.as_deref(), t)?;
        }
        let mut properties = take_properties(&mut body)?;
        properties.insert("provisioningState".into(), Value::String("Succeeded".into()));
        let mut doc = Map::new();
        if let Some(l) = location {
            doc.insert("location".into(), Value::String(l));
        }
        if let Some(tags) = tags {
            doc.insert("tags".into(), Value::Object(tags));
        }
        for (k, v) in body {
            if k != "location" && k != "tags" {
                doc.insert(k, v);
            }
        }
        doc.insert("properties".into(), Value::Object(properties));
        let has_etag = published::fill(
            &t.full_type,
            ctx.api_version,
            ctx.tenant,
            &mut doc,
            existing.map(|r| &r.body),
        );
        let (status, order) = match existing {
            Some(old) => (StatusCode::OK, old.order),
            None => (StatusCode::CREATED, ctx.state.next_order()),
        };
        let resource = Resource {
            id: t.id.clone(),
            resource_type: t.full_type.clone(),
            body: doc,
            etag: has_etag.then(published::etag),
            order,
            ..Resource::default()
        };
        let rendered = self.render(ctx.state, &resource);
        ctx.state.put_resource(resource);
        Ok(Reply::json(status, rendered))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        strip_server_fields(&mut body);
        let location = read_location(&body, false)?;
        let tags = read_tags(&body)?;
        let Some(existing) = ctx.state.resource(&t.key) else {
            return Err(ArmError::resource_not_found(
                &t.path.type_and_names(t.path.segments.len()),
                &t.group_name,
            ));
        };
        check_location_unchanged(existing, location.as_deref(), t)?;
        let mut updated = existing.clone();
        // PATCH replaces the whole tag map; everything else is a JSON merge patch.
        if body.contains_key("tags") {
            match tags {
                Some(tags) => updated.body.insert("tags".into(), Value::Object(tags)),
                None => updated.body.remove("tags"),
            };
        }
        body.remove("tags");
        body.remove("location");
        let mut doc = Value::Object(std::mem::take(&mut updated.body));
        merge_patch(&mut doc, &Value::Object(body));
        updated.body = match doc {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        updated.set_provisioning_state("Succeeded");
        let rendered = self.render(ctx.state, &updated);
        ctx.state.put_resource(updated);
        Ok(Reply::json(StatusCode::OK, rendered))
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        if ctx.state.resource(&t.key).is_none() {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        ctx.state.remove_tree(&t.key);
        Ok(Reply::empty(StatusCode::OK))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        let mut out = render_base(res, None);
        for (k, v) in &res.body {
            out.insert(k.clone(), v.clone());
        }
        Value::Object(out)
    }
}
