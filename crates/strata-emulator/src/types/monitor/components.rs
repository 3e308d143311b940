//! Microsoft.Insights/components (Application Insights).

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{
    assemble, keep_or, new_guid, read_location, read_tags, render_doc, str_of, take_properties, timestamp,
};
use super::super::network::patch_tags;
use super::super::{Ctx, Target, TypeRules};
use super::workspaces;
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State, key_of};

pub(crate) const TYPE: &str = "Microsoft.Insights/components";

/// Published versions of the components API.
pub(crate) const VERSIONS: &[&str] = &[
    "2020-02-02",
    "2020-02-02-preview",
    "2018-05-01-preview",
    "2015-05-01",
    "2014-12-01-preview",
    "2014-08-01",
    "2014-04-01",
];

const KINDS: &[&str] = &["web", "ios", "other", "store", "java", "phone"];
const APPLICATION_TYPES: &[&str] = &["web", "other"];

const READ_ONLY: &[&str] = &[
    "ApplicationId",
    "AppId",
    "Name",
    "InstrumentationKey",
    "CreationDate",
    "TenantId",
    "HockeyAppToken",
    "HockeyAppId",
    "provisioningState",
    "ConnectionString",
    "LaMigrationDate",
    "PrivateLinkScopedResources",
];

fn bad(message: String) -> ArmError {
    ArmError::bad_request("BadRequest", message)
}

fn one_of(value: Option<&str>, allowed: &[&str], field: &str) -> Result<String, ArmError> {
    let Some(v) = value else {
        return Err(bad(format!(
            "The property '{field}' is required; use one of {}.",
            allowed.join(", ")
        )));
    };
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(v))
        .map(|a| (*a).to_string())
        .ok_or_else(|| {
            bad(format!(
                "The value '{v}' of '{field}' is not valid; use one of {}.",
                allowed.join(", ")
            ))
        })
}

pub(crate) struct Components;

impl TypeRules for Components {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let location = read_location(&body, true)?.unwrap_or_default();
        let tags = read_tags(&body)?;
        let kind = one_of(body.get("kind").and_then(Value::as_str), KINDS, "kind")?;
        let existing = ctx.state.resource(&t.key).cloned();
        let mut props = take_properties(&mut body)?;
        for k in READ_ONLY {
            props.remove(*k);
        }
        let app_type = one_of(
            str_of(&props, "Application_Type"),
            APPLICATION_TYPES,
            "Application_Type",
        )?;
        if let Some(old_type) = existing
            .as_ref()
            .and_then(Resource::properties)
            .and_then(|p| str_of(p, "Application_Type"))
            && !old_type.eq_ignore_ascii_case(&app_type)
        {
            return Err(bad(
                "The property 'Application_Type' can only be set when the component is created.".into(),
            ));
        }
        let workspace = str_of(&props, "WorkspaceResourceId").map(str::to_string);
        if let Some(ws) = &workspace {
            let found = ctx
                .state
                .resource(&key_of(ws))
                .is_some_and(|r| r.resource_type.eq_ignore_ascii_case(workspaces::TYPE));
            if !found {
                return Err(bad(format!(
                    "The Log Analytics workspace '{ws}' given as WorkspaceResourceId was not found."
                )));
            }
        }
        let app_id = keep_or(existing.as_ref(), "AppId", || json!(new_guid()));
        let key = keep_or(existing.as_ref(), "InstrumentationKey", || json!(new_guid()));
        let connection = format!(
            "InstrumentationKey={};IngestionEndpoint=https://{location}-0.in.applicationinsights.azure.com/;\
             LiveEndpoint=https://{location}.livediagnostics.monitor.azure.com/;ApplicationId={}",
            key.as_str().unwrap_or_default(),
            app_id.as_str().unwrap_or_default()
        );
        let mut stored = Map::new();
        stored.insert("ApplicationId".into(), json!(t.name));
        stored.insert("AppId".into(), app_id);
        stored.insert("Application_Type".into(), json!(app_type));
        stored.insert("Flow_Type".into(), json!("Bluefield"));
        stored.insert("Request_Source".into(), json!("rest"));
        stored.insert("InstrumentationKey".into(), key);
        stored.insert("ConnectionString".into(), json!(connection));
        stored.insert("Name".into(), json!(t.name));
        stored.insert(
            "CreationDate".into(),
            keep_or(existing.as_ref(), "CreationDate", || json!(timestamp(ctx.now))),
        );
        stored.insert("TenantId".into(), json!(t.path.subscription));
        stored.insert("provisioningState".into(), json!("Succeeded"));
        stored.insert("RetentionInDays".into(), json!(90));
        stored.insert(
            "IngestionMode".into(),
            json!(if workspace.is_some() {
                "LogAnalytics"
            } else {
                "ApplicationInsights"
            }),
        );
        stored.insert("publicNetworkAccessForIngestion".into(), json!("Enabled"));
        stored.insert("publicNetworkAccessForQuery".into(), json!("Enabled"));
        stored.insert("Ver".into(), json!("v2"));
        for (k, v) in props {
            stored.insert(k, v);
        }
        body.insert("kind".into(), json!(kind));
        let doc = assemble(body, Some(&location), tags, stored);
        let rendered = crate::types::common::store(ctx, self, t, TYPE, doc, existing.as_ref(), |r| {
            r.etag = Some(format!("\"{}\"", new_guid()));
        });
        // Synchronous, and 200 even for a new component [V AI].
        Ok(Reply::json(StatusCode::OK, rendered))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        // Only tags can be patched [V AI].
        patch_tags(ctx, t, body)
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
