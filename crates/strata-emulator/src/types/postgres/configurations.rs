//! `flexibleServers/{server}/configurations/{name}`: the server parameters, as views of the
//! server. Every parameter of [`super::parameters`] can be read (GET one, list); a PUT or PATCH
//! of `value` sets it (`source: user-override`), `source: system-default` resets it. Writes are
//! long-running like the server's. A name the server does not have is `ConfigurationNotExists`,
//! a read-only parameter `ConfigurationReadOnly`, a value outside the allowed ones
//! `InvalidConfigurationValue`.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::take_properties;
use super::super::{Ctx, Target, TypeRules};
use super::parameters::{PARAMETERS, Parameter, find, normalize};
use super::{VERSIONS, accept_write, check_idle};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State};

pub(crate) const TYPE: &str = "Microsoft.DBforPostgreSQL/flexibleServers/configurations";

/// Where the server keeps the values set by users (in its private fields).
const OVERRIDES: &str = "configurations";

fn server<'a>(state: &'a State, t: &Target) -> Option<&'a Resource> {
    let key = t.parent_key.as_deref()?;
    if state.is_hidden(key) {
        return None;
    }
    state.resource(key)
}

fn version(server: &Resource) -> String {
    server
        .properties()
        .and_then(|p| p.get("version"))
        .and_then(Value::as_str)
        .unwrap_or("16")
        .to_string()
}

/// The document of one parameter on `server`.
fn document(server: &Resource, param: &Parameter) -> Value {
    let set = server
        .private
        .get(OVERRIDES)
        .and_then(|o| o.get(param.name))
        .and_then(Value::as_str);
    let mut props = Map::new();
    props.insert("value".into(), json!(set.unwrap_or(param.default)));
    props.insert("defaultValue".into(), json!(param.default));
    props.insert("dataType".into(), json!(param.data_type));
    props.insert("allowedValues".into(), json!(param.allowed));
    props.insert(
        "source".into(),
        json!(if set.is_some() {
            "user-override"
        } else {
            "system-default"
        }),
    );
    props.insert("isDynamicConfig".into(), json!(param.dynamic));
    props.insert("isReadOnly".into(), json!(param.read_only));
    props.insert("isConfigPendingRestart".into(), json!(false));
    if let Some(unit) = param.unit {
        props.insert("unit".into(), json!(unit));
    }
    json!({
        "id": format!("{}/configurations/{}", server.id, param.name),
        "name": param.name,
        "type": TYPE,
        "properties": props,
    })
}

/// `GET {server}/configurations`.
pub(crate) fn list(ctx: &mut Ctx<'_>, server: &Target) -> Result<Reply, ArmError> {
    let Some(s) = ctx.state.resource(&server.key) else {
        return Err(ArmError::resource_not_found(
            &server.path.type_and_names(1),
            &server.group_name,
        ));
    };
    let docs: Vec<Value> = PARAMETERS.iter().map(|p| document(s, p)).collect();
    Ok(Reply::json(StatusCode::OK, json!({ "value": docs })))
}

pub(crate) struct Configurations;

impl Configurations {
    fn write(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let Some(srv) = server(ctx.state, t).cloned() else {
            return Err(ArmError::resource_not_found(
                &t.path.type_and_names(1),
                &t.group_name,
            ));
        };
        let Some(param) = find(&t.name) else {
            return Err(ArmError::bad_request(
                "ConfigurationNotExists",
                format!(
                    "The configuration '{}' does not exist for {} server version {}.",
                    t.name,
                    srv.name(),
                    version(&srv)
                ),
            ));
        };
        if param.read_only {
            return Err(ArmError::bad_request(
                "ConfigurationReadOnly",
                format!(
                    "The configuration '{}' is read-only for {} server version {}.",
                    param.name,
                    srv.name(),
                    version(&srv)
                ),
            ));
        }
        check_idle(ctx, &srv.key(), srv.name())?;
        let props = take_properties(&mut body)?;
        let source = props
            .get("source")
            .and_then(Value::as_str)
            .unwrap_or("user-override");
        let reset = source.eq_ignore_ascii_case("system-default");
        if !reset && !source.eq_ignore_ascii_case("user-override") {
            return Err(ArmError::bad_request(
                "InvalidParameterValue",
                format!(
                    "Invalid value given for parameter source: '{source}'. Specify user-override or system-default."
                ),
            ));
        }
        let value = match props.get("value") {
            None | Some(Value::Null) if reset => None,
            None | Some(Value::Null) => {
                return Err(ArmError::bad_request(
                    "InvalidParameterValue",
                    format!(
                        "Invalid value given for parameter value of configuration '{}'.",
                        param.name
                    ),
                ));
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        let normalized = match &value {
            None => None,
            Some(v) => Some(normalize(param, v).ok_or_else(|| {
                ArmError::bad_request(
                    "InvalidConfigurationValue",
                    format!(
                        "The value '{v}' for configuration '{}' is not valid. Allowed values: {} ({}).",
                        param.name, param.allowed, param.data_type
                    ),
                )
            })?),
        };
        let mut updated = srv.clone();
        let mut overrides = updated
            .private
            .get(OVERRIDES)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        match normalized {
            Some(v) if !reset => {
                overrides.insert(param.name.to_string(), json!(v));
            }
            _ => {
                overrides.remove(param.name);
            }
        }
        updated.private.insert(OVERRIDES.into(), Value::Object(overrides));
        let location = srv.location().unwrap_or(&t.group_location).to_string();
        ctx.state.put_resource(updated);
        Ok(accept_write(ctx, t, &location, false))
    }
}

impl TypeRules for Configurations {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn exists(&self, state: &State, t: &Target) -> bool {
        find(&t.name).is_some() && server(state, t).is_some()
    }

    fn get(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        match (server(ctx.state, t), find(&t.name)) {
            (Some(s), Some(p)) => Ok(Reply::json(StatusCode::OK, document(s, p))),
            _ => Err(ArmError::resource_not_found(
                &t.path.type_and_names(t.path.segments.len()),
                &t.group_name,
            )),
        }
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        self.write(ctx, t, body)
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        self.write(ctx, t, body)
    }

    fn delete(&self, _ctx: &mut Ctx<'_>, _t: &Target) -> Result<Reply, ArmError> {
        Err(ArmError::method_not_allowed("DELETE"))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(super::super::common::render_doc(res))
    }
}
