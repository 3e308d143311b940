//! Microsoft.Insights/diagnosticSettings: an extension resource on any resource,
//! `{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}` [V DS].
//!
//! Stored below their resource, so they go when it goes. PUT is synchronous 200 (new or not);
//! DELETE 200, or 204 when absent; the collection lists them. A setting needs at least one
//! destination, each destination must exist, and a resource takes at most five settings. At
//! the sixth the service answers 409 `Conflict` "The limit of 5 diagnostic settings was
//! reached. To create new setting '…', delete an existing one." [V message and status: GH
//! hashicorp/terraform-provider-azurerm#27801, same Insights service for directory settings].

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::super::common::{render_base, take_properties};
use super::super::{Ctx, Target, TypeRules};
use crate::protocol::{ArmError, ExtensionPath, Reply, parse_body};
use crate::store::{Resource, State, key_of};

pub(crate) const TYPE: &str = "Microsoft.Insights/diagnosticSettings";

/// Published versions of the diagnostic settings API.
pub(crate) const VERSIONS: &[&str] = &[
    "2021-05-01-preview",
    "2020-01-01-preview",
    "2017-05-01-preview",
    "2016-09-01",
    "2015-07-01",
];

/// The most settings one resource can have.
const LIMIT: usize = 5;

/// Destinations a setting can send to.
const DESTINATIONS: &[&str] = &[
    "workspaceId",
    "storageAccountId",
    "eventHubAuthorizationRuleId",
    "marketplacePartnerId",
];

fn bad(message: String) -> ArmError {
    ArmError::bad_request("BadRequest", message)
}

/// Checks one list of `logs` or `metrics`: `enabled` is required, and a log names a category
/// or a category group.
fn check_entries(props: &Map<String, Value>, field: &str) -> Result<(), ArmError> {
    let Some(list) = props.get(field).filter(|v| !v.is_null()) else {
        return Ok(());
    };
    let Some(items) = list.as_array() else {
        return Err(bad(format!("The property '{field}' must be a list.")));
    };
    for item in items {
        if item.get("enabled").and_then(Value::as_bool).is_none() {
            return Err(bad(format!(
                "Each entry of '{field}' needs 'enabled' (true or false)."
            )));
        }
        let named = item.get("category").and_then(Value::as_str).is_some()
            || (field == "logs" && item.get("categoryGroup").and_then(Value::as_str).is_some());
        if !named {
            let what = if field == "logs" {
                "'category' or 'categoryGroup'"
            } else {
                "'category'"
            };
            return Err(bad(format!("Each entry of '{field}' needs {what}.")));
        }
    }
    Ok(())
}

fn check(ctx: &Ctx<'_>, props: &Map<String, Value>) -> Result<(), ArmError> {
    let given: Vec<&str> = DESTINATIONS
        .iter()
        .filter_map(|d| props.get(*d).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .collect();
    if given.is_empty() {
        return Err(bad(
            "At least one destination must be specified: a Log Analytics workspace (workspaceId), a storage account \
             (storageAccountId), an event hub (eventHubAuthorizationRuleId) or a partner solution \
             (marketplacePartnerId)."
                .into(),
        ));
    }
    for (field, id) in DESTINATIONS
        .iter()
        .filter_map(|d| props.get(*d).and_then(Value::as_str).map(|id| (*d, id)))
    {
        if field == "eventHubAuthorizationRuleId" || field == "marketplacePartnerId" {
            // Event hubs and partner solutions are not modelled: taken as given.
            continue;
        }
        if ctx.state.resource(&key_of(id)).is_none() {
            return Err(bad(format!(
                "Resource '{id}' given as {field} was not found. Create the destination first."
            )));
        }
    }
    if let Some(t) = props.get("logAnalyticsDestinationType").and_then(Value::as_str)
        && !t.eq_ignore_ascii_case("Dedicated")
    {
        return Err(bad(format!(
            "The value '{t}' of logAnalyticsDestinationType is not valid; use 'Dedicated' or null."
        )));
    }
    check_entries(props, "logs")?;
    check_entries(props, "metrics")
}

fn list_of<'a>(state: &'a State, scope_key: &str) -> Vec<&'a Resource> {
    state.children(
        &format!("{scope_key}/providers/microsoft.insights"),
        "diagnosticSettings",
    )
}

/// Serves `{resource}/providers/Microsoft.Insights/diagnosticSettings[/{name}]`; `scope` is
/// the resource, which exists.
pub(crate) fn handle(
    ctx: &mut Ctx<'_>,
    method: &Method,
    scope: &Resource,
    e: &ExtensionPath,
    body: &[u8],
) -> Result<Reply, ArmError> {
    let scope_key = scope.key();
    let Some(name) = &e.name else {
        if *method != Method::GET {
            return Err(ArmError::method_not_allowed(method.as_str()));
        }
        let value: Vec<Value> = list_of(ctx.state, &scope_key).into_iter().map(render).collect();
        return Ok(Reply::json(StatusCode::OK, json!({ "value": value })));
    };
    let id = format!("{}/providers/{TYPE}/{name}", scope.id);
    let key = key_of(&id);
    match *method {
        Method::GET => ctx
            .state
            .resource(&key)
            .map(|r| Reply::json(StatusCode::OK, render(r)))
            .ok_or_else(|| {
                ArmError::new(
                    StatusCode::NOT_FOUND,
                    "ResourceNotFound",
                    format!("The diagnostic setting '{name}' doesn't exist."),
                )
            }),
        Method::PUT => {
            let mut body = parse_body(body)?;
            let props = take_properties(&mut body)?;
            check(ctx, &props)?;
            let existing = ctx.state.resource(&key).cloned();
            if existing.is_none() {
                let count = list_of(ctx.state, &scope_key).len();
                if count >= LIMIT {
                    return Err(ArmError::new(
                        StatusCode::CONFLICT,
                        "Conflict",
                        format!(
                            "The limit of {LIMIT} diagnostic settings was reached. To create new setting '{name}', \
                             delete an existing one."
                        ),
                    ));
                }
            }
            let mut doc = Map::new();
            doc.insert("properties".into(), Value::Object(props));
            let order = existing
                .as_ref()
                .map_or_else(|| ctx.state.next_order(), |e| e.order);
            let resource = Resource {
                id,
                resource_type: TYPE.into(),
                body: doc,
                order,
                ..Resource::default()
            };
            let rendered = render(&resource);
            ctx.state.put_resource(resource);
            Ok(Reply::json(StatusCode::OK, rendered))
        }
        Method::DELETE => {
            if ctx.state.resource(&key).is_none() {
                return Ok(Reply::empty(StatusCode::NO_CONTENT));
            }
            ctx.state.remove_tree(&key);
            Ok(Reply::empty(StatusCode::OK))
        }
        _ => Err(ArmError::method_not_allowed(method.as_str())),
    }
}

fn render(res: &Resource) -> Value {
    let mut out = render_base(res, None);
    let mut props = res.properties().cloned().unwrap_or_default();
    props.entry("logs").or_insert_with(|| json!([]));
    props.entry("metrics").or_insert_with(|| json!([]));
    out.insert("properties".into(), Value::Object(props));
    Value::Object(out)
}

/// The type's rules for what reaches it as an ordinary resource: rendering, and a clear
/// refusal of a setting addressed below a resource group rather than a resource.
pub(crate) struct DiagnosticSettings;

impl TypeRules for DiagnosticSettings {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, _ctx: &mut Ctx<'_>, t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(not_here(t))
    }

    fn patch(&self, _ctx: &mut Ctx<'_>, t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(not_here(t))
    }

    fn delete(&self, _ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        Err(not_here(t))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        render(res)
    }
}

fn not_here(t: &Target) -> ArmError {
    ArmError::bad_request(
        "InvalidResourceType",
        format!(
            "Diagnostic settings are extension resources of a resource: address them as \
             {{resourceId}}/providers/{TYPE}/{}, not below resource group '{}'.",
            t.name, t.group_name
        ),
    )
}
