//! A site's configuration, as views of the site itself:
//!
//! - `config/web` (GET/PUT/PATCH): the site's `siteConfig`. Fields a write leaves out keep
//!   their value, as App Service treats them; `appSettings` and `connectionStrings` sent here
//!   are kept with the site's secrets, never returned.
//! - `config/appsettings` (PUT, `POST …/list`): the app settings as a name → value map.
//! - `config/connectionstrings` (PUT, `POST …/list`): name → `{value, type}`.
//! - `networkConfig/virtualNetwork` (GET/PUT/PATCH/DELETE): regional VNet integration, the
//!   site's `virtualNetworkSubnetId`, with the checks a site's own PUT makes.
//!
//! Other `config/{name}` documents (`logs`, `authsettingsV2`, …) are stored as they are. The
//! list of a site's configuration (`GET {site}/config`) holds `web` alone, as Azure's.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::take_properties;
use super::super::{Ctx, Target, TypeRules};
use super::sites::{SECRET_SETTINGS, check_vnet};
use super::{OTHER, VERSIONS, plan_not_found};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State, key_of};

pub(crate) const CONFIG_TYPE: &str = "Microsoft.Web/sites/config";
pub(crate) const NETWORK_TYPE: &str = "Microsoft.Web/sites/networkConfig";

/// The configuration documents derived from the site.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Web,
    AppSettings,
    ConnectionStrings,
}

fn view(t: &Target) -> Option<View> {
    match t.name.to_ascii_lowercase().as_str() {
        "web" => Some(View::Web),
        "appsettings" => Some(View::AppSettings),
        "connectionstrings" => Some(View::ConnectionStrings),
        _ => None,
    }
}

/// The site a view belongs to, if it exists and its creation has finished.
fn site<'a>(state: &'a State, t: &Target) -> Option<&'a Resource> {
    let key = t.parent_key.as_deref()?;
    if state.is_hidden(key) {
        return None;
    }
    state.resource(key)
}

fn site_not_found(t: &Target) -> ArmError {
    ArmError::resource_not_found(&t.path.type_and_names(1), &t.group_name)
}

/// `{id, name, type, location, properties}` of a view.
fn document(t: &Target, site: &Resource, properties: Value) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "type": t.full_type,
        "location": site.location(),
        "properties": properties,
    })
}

fn site_config(site: &Resource) -> Map<String, Value> {
    site.properties()
        .and_then(|p| p.get("siteConfig"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The app settings as a map, from the site's `[{name, value}]`.
fn app_settings(site: &Resource) -> Map<String, Value> {
    site.private
        .get("appSettings")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    let name = i.get("name")?.as_str()?;
                    Some((name.to_string(), i.get("value").cloned().unwrap_or(json!(""))))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The connection strings as a map of `{value, type}`, from the site's
/// `[{name, connectionString, type}]`.
fn connection_strings(site: &Resource) -> Map<String, Value> {
    site.private
        .get("connectionStrings")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    let name = i.get("name")?.as_str()?;
                    Some((
                        name.to_string(),
                        json!({
                            "value": i.get("connectionString").cloned().unwrap_or(json!("")),
                            "type": i.get("type").cloned().unwrap_or(json!("Custom")),
                        }),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The connection string types App Service knows.
const CONNECTION_TYPES: &[&str] = &[
    "MySql",
    "SQLServer",
    "SQLAzure",
    "Custom",
    "NotificationHub",
    "ServiceBus",
    "EventHub",
    "ApiHub",
    "DocDb",
    "RedisCache",
    "PostgreSQL",
];

fn bad(message: String) -> ArmError {
    ArmError::bad_request("BadRequest", message)
}

/// Applies a write to a view onto the site; answers the view's new document.
fn write(
    ctx: &mut Ctx<'_>,
    t: &Target,
    which: View,
    mut body: Map<String, Value>,
) -> Result<Reply, ArmError> {
    let Some(mut site) = site(ctx.state, t).cloned() else {
        return Err(site_not_found(t));
    };
    let props = take_properties(&mut body)?;
    let answer = match which {
        View::Web => {
            let mut config = site_config(&site);
            for (k, v) in props {
                if SECRET_SETTINGS.contains(&k.as_str()) {
                    site.private.insert(k, v);
                } else if !v.is_null() {
                    config.insert(k, v);
                }
            }
            site.properties_mut()
                .insert("siteConfig".into(), Value::Object(config.clone()));
            Value::Object(config)
        }
        View::AppSettings => {
            let mut items = Vec::new();
            for (name, value) in &props {
                let value = match value {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                items.push(json!({"name": name, "value": value}));
            }
            site.private.insert("appSettings".into(), Value::Array(items));
            Value::Object(app_settings(&site))
        }
        View::ConnectionStrings => {
            let mut items = Vec::new();
            for (name, entry) in &props {
                let value = entry.get("value").and_then(Value::as_str).unwrap_or_default();
                let kind = entry.get("type").and_then(Value::as_str).unwrap_or("Custom");
                let Some(kind) = CONNECTION_TYPES.iter().find(|k| k.eq_ignore_ascii_case(kind)) else {
                    return Err(bad(format!(
                        "The connection string '{name}' has type '{kind}'; use one of {}.",
                        CONNECTION_TYPES.join(", ")
                    )));
                };
                items.push(json!({"name": name, "connectionString": value, "type": kind}));
            }
            site.private
                .insert("connectionStrings".into(), Value::Array(items));
            Value::Object(connection_strings(&site))
        }
    };
    let doc = document(t, &site, answer);
    ctx.state.put_resource(site);
    Ok(Reply::json(StatusCode::OK, doc))
}

/// `GET {site}/config`: the site's configuration documents, which Azure lists as `web` alone.
pub(crate) fn list(ctx: &mut Ctx<'_>, site_target: &Target) -> Result<Reply, ArmError> {
    let Some(site) = ctx.state.resource(&site_target.key) else {
        return Err(site_not_found(site_target));
    };
    let doc = json!({
        "id": format!("{}/config/web", site.id),
        "name": "web",
        "type": CONFIG_TYPE,
        "location": site.location(),
        "properties": site_config(site),
    });
    Ok(Reply::json(StatusCode::OK, json!({ "value": [doc] })))
}

pub(crate) struct SiteConfig;

impl TypeRules for SiteConfig {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(CONFIG_TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn exists(&self, state: &State, t: &Target) -> bool {
        match view(t) {
            Some(_) => site(state, t).is_some(),
            None => state.resource(&t.key).is_some(),
        }
    }

    fn get(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        match view(t) {
            None => OTHER.get(ctx, t),
            // Settings and connection strings are read with `POST …/list` only.
            Some(View::AppSettings | View::ConnectionStrings) => Err(ArmError::method_not_allowed("GET")),
            Some(View::Web) => {
                let site = site(ctx.state, t).ok_or_else(|| site_not_found(t))?;
                let doc = document(t, site, Value::Object(site_config(site)));
                Ok(Reply::json(StatusCode::OK, doc))
            }
        }
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        match view(t) {
            None => OTHER.put(ctx, t, body),
            Some(which) => write(ctx, t, which, body),
        }
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        match view(t) {
            None => OTHER.patch(ctx, t, body),
            Some(View::Web) => write(ctx, t, View::Web, body),
            Some(_) => Err(ArmError::method_not_allowed("PATCH")),
        }
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        match view(t) {
            None => OTHER.delete(ctx, t),
            Some(_) => Err(ArmError::method_not_allowed("DELETE")),
        }
    }

    fn render(&self, state: &State, res: &Resource) -> Value {
        OTHER.render(state, res)
    }

    fn action(
        &self,
        ctx: &mut Ctx<'_>,
        t: &Target,
        action: &str,
        _body: Option<Map<String, Value>>,
    ) -> Result<Reply, ArmError> {
        let which = view(t).filter(|_| action.eq_ignore_ascii_case("list"));
        let site = site(ctx.state, t).ok_or_else(|| site_not_found(t))?;
        let properties = match which {
            Some(View::AppSettings) => app_settings(site),
            Some(View::ConnectionStrings) => connection_strings(site),
            _ => {
                return Err(ArmError::unsupported_path(
                    "POST",
                    &format!("{}/{action} (resources of type {})", t.id, t.full_type),
                ));
            }
        };
        let doc = document(t, site, Value::Object(properties));
        Ok(Reply::json(StatusCode::OK, doc))
    }
}

pub(crate) struct NetworkConfig;

fn is_vnet_view(t: &Target) -> bool {
    t.name.eq_ignore_ascii_case("virtualNetwork")
}

/// The swift connection document of a site.
fn swift(t: &Target, site: &Resource) -> Value {
    let subnet = site
        .properties()
        .and_then(|p| p.get("virtualNetworkSubnetId"))
        .filter(|v| v.is_string())
        .cloned()
        .unwrap_or(Value::Null);
    document(
        t,
        site,
        json!({"subnetResourceId": subnet, "swiftSupported": true}),
    )
}

impl TypeRules for NetworkConfig {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(NETWORK_TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn exists(&self, state: &State, t: &Target) -> bool {
        is_vnet_view(t) && site(state, t).is_some()
    }

    fn get(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let site = site(ctx.state, t).ok_or_else(|| site_not_found(t))?;
        Ok(Reply::json(StatusCode::OK, swift(t, site)))
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        if !is_vnet_view(t) {
            return Err(ArmError::unsupported_path("PUT", &t.id));
        }
        let Some(mut site) = site(ctx.state, t).cloned() else {
            return Err(site_not_found(t));
        };
        let props = take_properties(&mut body)?;
        let Some(subnet) = props
            .get("subnetResourceId")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return Err(bad(
                "The parameter 'properties.subnetResourceId' is required: the subnet to integrate the app with."
                    .into(),
            ));
        };
        let plan_id = site
            .properties()
            .and_then(|p| p.get("serverFarmId"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let Some(plan) = ctx.state.resource(&key_of(&plan_id)).cloned() else {
            return Err(plan_not_found(plan_id.rsplit('/').next().unwrap_or_default()));
        };
        check_vnet(ctx, t, &subnet, &plan)?;
        site.properties_mut()
            .insert("virtualNetworkSubnetId".into(), json!(subnet));
        let doc = swift(t, &site);
        ctx.state.put_resource(site);
        Ok(Reply::json(StatusCode::OK, doc))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        self.put(ctx, t, body)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let Some(mut site) = site(ctx.state, t).cloned().filter(|_| is_vnet_view(t)) else {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        };
        site.properties_mut().remove("virtualNetworkSubnetId");
        ctx.state.put_resource(site);
        Ok(Reply::empty(StatusCode::OK))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(super::super::common::render_doc(res))
    }
}
