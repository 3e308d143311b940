//! Microsoft.Network/virtualNetworks.
//!
//! A VNet PUT fully replaces the VNet, subnets included: `properties.subnets` is authoritative,
//! and when it is absent Azure treats it as empty. Subnets not listed are deleted, unless
//! something uses them (`InUseSubnetCannotBeDeleted`). This is the trap that makes an update of
//! a VNet silently drop subnets managed as child resources, and the emulator reproduces it.

use axum::http::StatusCode;
use ipnet::IpNet;
use serde_json::{Map, Value, json};

use super::super::common::{read_location, read_tags, render_base, take_properties};
use super::super::{Ctx, Target, TypeRules};
use super::subnet::{self, check_not_in_use, check_overlap};
use super::{
    begin, begin_delete, check_not_busy, check_unique, cidr, inline_list, inline_name, patch_tags,
    put_parent_document, put_reply,
};
use crate::protocol::{ArmError, NETWORK_VERSIONS, Reply};
use crate::store::{OpAction, Resource, State, key_of};

pub(crate) const TYPE: &str = "Microsoft.Network/virtualNetworks";

const READ_ONLY: &[&str] = &["provisioningState", "resourceGuid"];

/// The address space of a stored VNet.
pub(super) fn address_space(vnet: &Resource) -> Vec<IpNet> {
    vnet.properties()
        .and_then(|p| p.get("addressSpace"))
        .and_then(|a| a.get("addressPrefixes"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .filter_map(|s| s.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn read_address_space(props: &Map<String, Value>, vnet_id: &str) -> Result<Vec<IpNet>, ArmError> {
    let prefixes = props.get("addressSpace").and_then(|a| a.get("addressPrefixes"));
    let space = match prefixes {
        None | Some(Value::Null) => Vec::new(),
        Some(list) => cidr::parse_list(list, vnet_id, "addressSpace.addressPrefixes")?,
    };
    if space.is_empty() {
        return Err(ArmError::bad_request(
            "InvalidAddressSpace",
            format!(
                "AddressSpace of the virtual network {vnet_id} does not have any address prefixes in \
                 addressPrefixes array. AddressSpace and prefixes must be specified within properties object."
            ),
        ));
    }
    Ok(space)
}

/// One subnet of the PUT body, checked.
struct Planned {
    key: String,
    id: String,
    props: Map<String, Value>,
    prefixes: Vec<IpNet>,
}

pub(crate) struct VirtualNetworks;

impl TypeRules for VirtualNetworks {
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
        let space = read_address_space(&props, &t.id)?;

        // The subnets this PUT declares: all of them, replacing whatever was there.
        let items = inline_list(&mut props, "subnets", &t.id)?;
        let names: Vec<String> = items
            .iter()
            .map(|i| inline_name(i, &t.id, "subnets").map(str::to_string))
            .collect::<Result<_, _>>()?;
        check_unique(&t.id, names.iter().map(String::as_str))?;
        let mut planned: Vec<Planned> = Vec::with_capacity(items.len());
        for (mut item, name) in items.into_iter().zip(names) {
            let key = format!("{}/subnets/{}", t.key, name.to_ascii_lowercase());
            let id = match ctx.state.resource(&key) {
                Some(s) => s.id.clone(),
                None => format!("{}/subnets/{name}", t.id),
            };
            let child = Target {
                key: key.clone(),
                id: id.clone(),
                full_type: subnet::TYPE.into(),
                name: name.clone(),
                parent_key: Some(t.key.clone()),
                ..t.clone()
            };
            super::super::common::check_name(&child)?;
            let sub_props = take_properties(&mut item)?;
            let spec = subnet::validate(ctx, &t.name, &space, &id, &name, sub_props)?;
            check_overlap(
                &name,
                &spec.prefixes,
                planned.iter().map(|p| p.prefixes.as_slice()),
                &t.name,
            )?;
            planned.push(Planned {
                key,
                id,
                props: spec.props,
                prefixes: spec.prefixes,
            });
        }

        // Subnets left out are deleted, unless something outside the VNet uses them.
        let kept: std::collections::HashSet<String> = planned.iter().map(|p| p.key.clone()).collect();
        let dropped: Vec<String> = ctx
            .state
            .children(&t.key, "subnets")
            .into_iter()
            .filter(|s| !kept.contains(&s.key()))
            .map(|s| {
                check_not_in_use(ctx.state, s, &t.key)?;
                Ok(s.key())
            })
            .collect::<Result<_, ArmError>>()?;

        // Everything is valid: write.
        for key in &dropped {
            ctx.state.remove_tree(key);
        }
        put_parent_document(ctx, t, TYPE, existing.as_ref(), &location, tags, body, props);
        let mut targets = vec![t.key.clone()];
        for p in planned {
            let order = ctx.state.next_order();
            let mut sub_doc = Map::new();
            sub_doc.insert("properties".into(), Value::Object(p.props));
            ctx.state.put_resource(Resource {
                id: p.id,
                resource_type: subnet::TYPE.into(),
                body: sub_doc,
                etag: None,
                order,
                ..Resource::default()
            });
            targets.push(p.key);
        }
        let op = begin(ctx, t, &location, OpAction::Provision { targets });
        Ok(put_reply(ctx, existing.is_none(), &t.key, &op))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        patch_tags(ctx, t, body)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let Some(vnet) = ctx.state.resource(&t.key) else {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        };
        let location = vnet.location().unwrap_or(&t.group_location).to_string();
        check_not_busy(ctx, &t.key)?;
        for s in ctx.state.children(&t.key, "subnets") {
            check_not_in_use(ctx.state, s, &t.key)?;
        }
        Ok(begin_delete(ctx, t, &location))
    }

    fn render(&self, state: &State, res: &Resource) -> Value {
        let mut out = render_base(res, None);
        let key = key_of(&res.id);
        for (k, v) in &res.body {
            if k != "properties" {
                out.insert(k.clone(), v.clone());
            }
        }
        let mut props = res.properties().cloned().unwrap_or_default();
        let subnets: Vec<Value> = state
            .children(&key, "subnets")
            .into_iter()
            .map(|s| subnet::Subnets.render(state, s))
            .collect();
        props.insert("subnets".into(), Value::Array(subnets));
        props.entry("virtualNetworkPeerings").or_insert_with(|| json!([]));
        props
            .entry("enableDdosProtection")
            .or_insert_with(|| json!(false));
        out.insert("properties".into(), Value::Object(props));
        Value::Object(out)
    }
}
