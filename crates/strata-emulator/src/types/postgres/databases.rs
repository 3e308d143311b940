//! Microsoft.DBforPostgreSQL/flexibleServers/databases.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{render_base, str_of, take_properties};
use super::super::{Ctx, Target, TypeRules};
use super::{VERSIONS, accept_delete, accept_write, check_idle};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State};

pub(crate) const TYPE: &str = "Microsoft.DBforPostgreSQL/flexibleServers/databases";

/// Databases every server has, which cannot be replaced.
const SYSTEM: &[&str] = &["azure_maintenance", "azure_sys", "template0", "template1"];

pub(crate) struct Databases;

impl TypeRules for Databases {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        if SYSTEM.iter().any(|s| s.eq_ignore_ascii_case(&t.name)) {
            return Err(ArmError::bad_request(
                "InvalidDatabaseName",
                format!(
                    "'{}' is a system database and cannot be created or changed.",
                    t.name
                ),
            ));
        }
        let server_key = t.parent_key.clone().unwrap_or_default();
        let server_name = t.path.segments[0].1.clone();
        check_idle(ctx, &server_key, &server_name)?;
        check_idle(ctx, &t.key, &server_name)?;
        let location = ctx
            .state
            .resource(&server_key)
            .and_then(Resource::location)
            .unwrap_or(&t.group_location)
            .to_string();
        let existing = ctx.state.resource(&t.key).cloned();
        let mut props = take_properties(&mut body)?;
        props.remove("provisioningState");
        let charset = str_of(&props, "charset").unwrap_or("UTF8").to_string();
        let collation = str_of(&props, "collation").unwrap_or("en_US.utf8").to_string();
        if let Some(old) = existing.as_ref().and_then(Resource::properties) {
            for (field, new) in [("charset", &charset), ("collation", &collation)] {
                if old
                    .get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|o| !o.eq_ignore_ascii_case(new))
                {
                    return Err(ArmError::bad_request(
                        "PropertyChangeNotAllowed",
                        format!("The {field} of database '{}' cannot be changed.", t.name),
                    ));
                }
            }
        }
        let mut stored = Map::new();
        stored.insert("charset".into(), json!(charset));
        stored.insert("collation".into(), json!(collation));
        stored.insert("provisioningState".into(), json!("Updating"));
        let mut doc = Map::new();
        doc.insert("properties".into(), Value::Object(stored));
        let created = existing.is_none();
        let order = existing
            .as_ref()
            .map_or_else(|| ctx.state.next_order(), |e| e.order);
        ctx.state.put_resource(Resource {
            id: t.id.clone(),
            resource_type: TYPE.into(),
            body: doc,
            order,
            ..Resource::default()
        });
        Ok(accept_write(ctx, t, &location, created))
    }

    fn patch(&self, _ctx: &mut Ctx<'_>, _t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(ArmError::method_not_allowed("PATCH"))
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        if ctx.state.resource(&t.key).is_none() {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        check_idle(ctx, &t.key, &t.path.segments[0].1)?;
        let location = t
            .parent_key
            .as_deref()
            .and_then(|k| ctx.state.resource(k))
            .and_then(Resource::location)
            .unwrap_or(&t.group_location)
            .to_string();
        Ok(accept_delete(ctx, t, &location))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        let mut out = render_base(res, None);
        let mut props = res.properties().cloned().unwrap_or_default();
        props.remove("provisioningState");
        out.insert("properties".into(), Value::Object(props));
        Value::Object(out)
    }
}
