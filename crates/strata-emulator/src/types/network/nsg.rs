//! Microsoft.Network/networkSecurityGroups.
//!
//! Like a VNet's subnets, an NSG PUT replaces its `securityRules` (absent means none). The NSG
//! renders Azure's six default rules and, read-only, the subnets and network interfaces that
//! use it; it cannot be deleted while anything does.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{read_location, read_tags, render_base, take_properties};
use super::super::{Ctx, Target, TypeRules};
use super::rules::{self, RuleKey, check_conflict, default_rules};
use super::{
    begin, begin_delete, check_not_busy, check_unique, inline_list, inline_name, patch_tags,
    put_parent_document, put_reply,
};
use crate::protocol::{ArmError, NETWORK_VERSIONS, Reply};
use crate::store::{OpAction, Resource, State};

pub(crate) const TYPE: &str = "Microsoft.Network/networkSecurityGroups";

const READ_ONLY: &[&str] = &[
    "provisioningState",
    "resourceGuid",
    "defaultSecurityRules",
    "subnets",
    "networkInterfaces",
    "flowLogs",
];

pub(crate) struct SecurityGroups;

impl TypeRules for SecurityGroups {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(NETWORK_VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let location = read_location(&body, true)?.unwrap_or_default();
        let tags = read_tags(&body)?;
        let existing = ctx.state.resource(&t.key).cloned();
        check_not_busy(ctx, &t.key)?;
        let mut props = take_properties(&mut body)?;
        for k in READ_ONLY {
            props.remove(*k);
        }

        // The rules this PUT declares replace all others.
        let items = inline_list(&mut props, "securityRules", &t.id)?;
        let names: Vec<String> = items
            .iter()
            .map(|i| inline_name(i, &t.id, "securityRules").map(str::to_string))
            .collect::<Result<_, _>>()?;
        check_unique(&t.id, names.iter().map(String::as_str))?;
        let mut planned: Vec<(String, String, Map<String, Value>)> = Vec::new();
        let mut keys: Vec<RuleKey> = Vec::new();
        for (mut item, name) in items.into_iter().zip(names) {
            let key = format!("{}/securityrules/{}", t.key, name.to_ascii_lowercase());
            let id = match ctx.state.resource(&key) {
                Some(r) => r.id.clone(),
                None => format!("{}/securityRules/{name}", t.id),
            };
            let child = Target {
                key: key.clone(),
                id: id.clone(),
                full_type: rules::TYPE.into(),
                name: name.clone(),
                parent_key: Some(t.key.clone()),
                ..t.clone()
            };
            super::super::common::check_name(&child)?;
            let rule_props = rules::validate(&id, take_properties(&mut item)?)?;
            let rule_key = RuleKey {
                name: name.clone(),
                priority: rule_props
                    .get("priority")
                    .and_then(Value::as_i64)
                    .unwrap_or_default(),
                direction: rule_props
                    .get("direction")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            };
            check_conflict(&rule_key, keys.iter())?;
            keys.push(rule_key);
            planned.push((key, id, rule_props));
        }

        // Valid: write. Rules left out are gone.
        let kept: std::collections::HashSet<&String> = planned.iter().map(|(k, _, _)| k).collect();
        let dropped: Vec<String> = ctx
            .state
            .children(&t.key, "securityRules")
            .into_iter()
            .map(Resource::key)
            .filter(|k| !kept.contains(k))
            .collect();
        for k in &dropped {
            ctx.state.remove_tree(k);
        }
        put_parent_document(ctx, t, TYPE, existing.as_ref(), &location, tags, body, props);
        let mut targets = vec![t.key.clone()];
        for (key, id, rule_props) in planned {
            let order = ctx.state.next_order();
            let mut rule_doc = Map::new();
            rule_doc.insert("properties".into(), Value::Object(rule_props));
            ctx.state.put_resource(Resource {
                id,
                resource_type: rules::TYPE.into(),
                body: rule_doc,
                etag: None,
                order,
                ..Resource::default()
            });
            targets.push(key);
        }
        let op = begin(ctx, t, &location, OpAction::Provision { targets });
        Ok(put_reply(ctx, existing.is_none(), &t.key, &op))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        patch_tags(ctx, t, body)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let Some(nsg) = ctx.state.resource(&t.key) else {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        };
        let location = nsg.location().unwrap_or(&t.group_location).to_string();
        check_not_busy(ctx, &t.key)?;
        let users: Vec<String> = ctx
            .state
            .referrers(&t.key, Some(&t.key))
            .iter()
            .map(|r| r.id.clone())
            .collect();
        if !users.is_empty() {
            return Err(ArmError::bad_request(
                "InUseNetworkSecurityGroupCannotBeDeleted",
                format!(
                    "Network security group {} cannot be deleted because it is in use by the following resources: \
                     {}. In order to delete the Network security group, remove the association with the \
                     resource(s). To learn how to do this, see aka.ms/deletensg.",
                    t.id,
                    users.join(", ")
                ),
            ));
        }
        Ok(begin_delete(ctx, t, &location))
    }

    fn render(&self, state: &State, res: &Resource) -> Value {
        let mut out = render_base(res, None);
        let key = res.key();
        for (k, v) in &res.body {
            if k != "properties" {
                out.insert(k.clone(), v.clone());
            }
        }
        let mut props = res.properties().cloned().unwrap_or_default();
        let rules: Vec<Value> = state
            .children(&key, "securityRules")
            .into_iter()
            .map(|r| rules::SecurityRules.render(state, r))
            .collect();
        props.insert("securityRules".into(), Value::Array(rules));
        props.insert(
            "defaultSecurityRules".into(),
            Value::Array(default_rules(&res.id, res.etag.as_deref())),
        );
        // Read-only back references, listed only when there are any, as Azure does.
        let users = state.referrers(&key, Some(&key));
        for (field, child_type) in [
            ("subnets", "microsoft.network/virtualnetworks/subnets"),
            ("networkInterfaces", "microsoft.network/networkinterfaces"),
        ] {
            let ids: Vec<Value> = users
                .iter()
                .filter(|r| r.resource_type.eq_ignore_ascii_case(child_type))
                .map(|r| json!({ "id": r.id }))
                .collect();
            if !ids.is_empty() {
                props.insert(field.into(), Value::Array(ids));
            }
        }
        out.insert("properties".into(), Value::Object(props));
        Value::Object(out)
    }
}
