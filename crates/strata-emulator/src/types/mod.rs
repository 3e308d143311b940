//! Per-type rules: what a PUT, PATCH or DELETE of a resource type does, and how the type's
//! documents are rendered.
//!
//! The protocol layer resolves a request into a [`Target`] (id, type, parent, group) and checks
//! what ARM itself checks (resource group, api-version, name, parent). It then calls the
//! [`TypeRules`] of the type: the Microsoft.Network types in [`network`], everything else in
//! [`generic`]. Resource groups and subscriptions have their own modules, since they are not
//! resources below a group.

pub(crate) mod common;
pub(crate) mod generic;
pub(crate) mod network;
pub(crate) mod resource_groups;
pub(crate) mod subscriptions;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::config::Latency;
use crate::protocol::{ArmError, Reply, ResourcePath};
use crate::store::{Group, Resource, State};

/// What a handler works with: the estate, the time, and the request's api-version.
pub(crate) struct Ctx<'a> {
    pub state: &'a mut State,
    pub now: DateTime<Utc>,
    pub latency: &'a Latency,
    pub api_version: &'a str,
    /// `http://host:port`, for absolute operation URLs.
    pub base_url: &'a str,
}

/// A resource request, resolved.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub key: String,
    /// The stored id if the resource exists, else the id it will get: its parent's stored id
    /// plus its type and name, so casing stays that of the first create all the way down.
    pub id: String,
    /// The full type, canonical for known types.
    pub full_type: String,
    pub name: String,
    pub group_name: String,
    pub group_location: String,
    /// The direct parent, for child resources.
    pub parent_key: Option<String>,
    /// The top-level resource this one belongs to (itself if top-level).
    pub top_key: String,
    pub path: ResourcePath,
}

impl Target {
    pub fn resolve(state: &State, path: &ResourcePath, group: &Group, rules: &dyn TypeRules) -> Target {
        let key = path.key();
        let depth = path.segments.len();
        let parent_key = (depth > 1).then(|| path.key_at(depth - 1));
        let existing = state.resource(&key);
        let full_type = match (rules.canonical_type(), existing) {
            (Some(t), _) => t.to_string(),
            (None, Some(r)) => r.resource_type.clone(),
            (None, None) => path.full_type(),
        };
        let type_segments: Vec<&str> = full_type.split('/').collect();
        let name = path.name().to_string();
        let id = match existing {
            Some(r) => r.id.clone(),
            None => {
                let last_type = type_segments.last().copied().unwrap_or_default();
                match parent_key.as_deref().and_then(|k| state.resource(k)) {
                    Some(parent) => format!("{}/{last_type}/{name}", parent.id),
                    None if depth > 1 => {
                        // The parent is missing (the request will fail); name it as requested.
                        let mut id = format!("{}/providers/{}", group.id, path.namespace);
                        for (t, n) in &path.segments {
                            id.push_str(&format!("/{t}/{n}"));
                        }
                        id
                    }
                    None => format!("{}/providers/{}/{name}", group.id, full_type),
                }
            }
        };
        Target {
            key,
            id,
            full_type,
            name,
            group_name: group.name.clone(),
            group_location: group.location.clone(),
            parent_key,
            top_key: path.key_at(1),
            path: path.clone(),
        }
    }
}

/// The behaviour of one resource type.
pub(crate) trait TypeRules: Sync {
    /// The canonical full type, for types the emulator models.
    fn canonical_type(&self) -> Option<&'static str> {
        None
    }

    /// The api-versions the provider publishes for this type; `None` accepts any well-formed one.
    fn api_versions(&self) -> Option<&'static [&'static str]> {
        None
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError>;

    /// Called only for existing resources.
    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError>;

    /// Called whether or not the resource exists (a missing one answers 204).
    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError>;

    /// The document GET returns.
    fn render(&self, state: &State, res: &Resource) -> Value;

    /// A POST action on an existing resource (`listKeys`, …). None by default.
    fn action(
        &self,
        _ctx: &mut Ctx<'_>,
        t: &Target,
        action: &str,
        _body: Option<Map<String, Value>>,
    ) -> Result<Reply, ArmError> {
        Err(ArmError::unsupported_path(
            "POST",
            &format!("{}/{action} (resources of type {})", t.id, t.full_type),
        ))
    }
}

/// The rules for a full type (case-insensitive).
pub(crate) fn rules_for(full_type: &str) -> &'static dyn TypeRules {
    let t = full_type.to_ascii_lowercase();
    match t.as_str() {
        "microsoft.network/virtualnetworks" => &network::vnet::VirtualNetworks,
        "microsoft.network/virtualnetworks/subnets" => &network::subnet::Subnets,
        "microsoft.network/networksecuritygroups" => &network::nsg::SecurityGroups,
        "microsoft.network/networksecuritygroups/securityrules" => &network::rules::SecurityRules,
        _ if t.starts_with("microsoft.network/") => &generic::NETWORK,
        _ => &generic::ANY,
    }
}

/// The document GET returns for a stored resource.
pub(crate) fn render(state: &State, res: &Resource) -> Value {
    rules_for(&res.resource_type).render(state, res)
}
