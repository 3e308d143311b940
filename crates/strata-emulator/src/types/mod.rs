//! Per-type rules: what a PUT, PATCH or DELETE of a resource type does, and how the type's
//! documents are rendered.
//!
//! The protocol layer resolves a request into a [`Target`] (id, type, parent, group) and checks
//! what ARM itself checks (resource group, api-version, name, parent). It then calls the
//! [`TypeRules`] of the type, one family per module:
//!
//! - [`network`]: virtual networks, subnets, NSGs and rules, public IPs, NICs, application
//!   gateways, private endpoints, private DNS zones and record sets;
//! - [`storage`]: accounts, blob services and containers, `listKeys`;
//! - [`keyvault`]: vaults (soft delete, recover, purge) and secrets;
//! - [`compute`]: virtual machines (power actions, instance view), disks and scale sets;
//! - [`web`]: App Service plans, sites and the site's configuration views;
//! - [`postgres`]: PostgreSQL flexible servers, their databases and server parameters;
//! - [`monitor`]: Log Analytics workspaces, Application Insights, diagnostic settings (an
//!   extension resource on any resource);
//! - [`cdn`]: Front Door Standard/Premium profiles and their children, Front Door WAF policies;
//! - [`recovery`]: Recovery Services vaults, VM backup policies, protected machines, restores;
//! - [`generic`]: a synchronous document store for every other type, so that generic
//!   `resource` blocks work; [`published`] fills in what Azure sets on a catalogued type
//!   (identity ids, tenant, etag) per its published definition.
//!
//! A type may derive a resource from another ([`TypeRules::exists`], [`TypeRules::get`]: a site's
//! `config/web` is the site's `siteConfig`), and [`view_of`] serves `GET {resource}/{word}`
//! paths that are views rather than lists of stored children. [`longrun`] schedules the
//! operations of every family; [`unique`] checks names that are
//! unique across all subscriptions. Resource groups and subscriptions have their own modules,
//! since they are not resources below a group.

pub(crate) mod cdn;
pub(crate) mod common;
pub(crate) mod compute;
pub(crate) mod generic;
pub(crate) mod keyvault;
pub(crate) mod longrun;
pub(crate) mod monitor;
pub(crate) mod network;
pub(crate) mod postgres;
pub(crate) mod published;
pub(crate) mod recovery;
pub(crate) mod resource_groups;
pub(crate) mod storage;
pub(crate) mod subscriptions;
pub(crate) mod unique;
pub(crate) mod web;

use axum::http::Method;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::config::Latency;
use crate::identity::Access;
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
    /// The query parameters other than `api-version` and the list ones (`force`, …).
    pub params: &'a [(String, String)],
    /// The tenant the subscriptions belong to.
    pub tenant: &'a str,
    /// What the caller may see, when authentication is on (`None`: everything).
    pub access: Option<&'a Access>,
    /// The factor on the latency of the operations this request schedules (a fault: slow
    /// long-running operations).
    pub slowdown: f64,
    /// How many operations were slowed, for the fault counts.
    pub slowed: u64,
    /// Refuse request bodies with anything Azure would ignore (`--strict-bodies`).
    pub strict_bodies: bool,
    /// `If-Match` / `If-None-Match`, checked by the protocol layer before any write.
    pub preconditions: crate::protocol::Preconditions,
}

impl Ctx<'_> {
    /// A query parameter (name compared case-insensitively).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// How long an operation on `resource_type` takes, slowed down if this request drew that
    /// fault. At most a year, which keeps due times representable whatever was configured.
    pub fn latency_of(&mut self, resource_type: &str) -> chrono::Duration {
        const YEAR: std::time::Duration = std::time::Duration::from_secs(365 * 24 * 3600);
        let base = self.latency.for_type(resource_type).min(YEAR);
        let latency = if self.slowdown > 1.0 {
            self.slowed += 1;
            std::time::Duration::try_from_secs_f64(base.as_secs_f64() * self.slowdown)
                .map_or(YEAR, |d| d.min(YEAR))
        } else {
            base
        };
        chrono::Duration::from_std(latency).unwrap_or_default()
    }

    /// True when a flag parameter is `true` (`?force=true`).
    pub fn flag(&self, name: &str) -> bool {
        self.param(name)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }
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

    /// Whether the resource exists: stored, or, for views of another resource (a site's
    /// `config/web`), derived from it.
    fn exists(&self, state: &State, t: &Target) -> bool {
        state.resource(&t.key).is_some()
    }

    /// GET of a resource that [`TypeRules::exists`]: its rendered document by default; types
    /// with query options (`$expand`) or derived documents answer themselves.
    fn get(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        match ctx.state.resource(&t.key) {
            Some(r) => Ok(Reply::json(axum::http::StatusCode::OK, self.render(ctx.state, r))),
            None => Err(ArmError::resource_not_found(
                &t.path.type_and_names(t.path.segments.len()),
                &t.group_name,
            )),
        }
    }

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
    if let Some(rules) = network::rules_for(&t)
        .or_else(|| storage::rules_for(&t))
        .or_else(|| keyvault::rules_for(&t))
        .or_else(|| compute::rules_for(&t))
        .or_else(|| web::rules_for(&t))
        .or_else(|| postgres::rules_for(&t))
        .or_else(|| monitor::rules_for(&t))
        .or_else(|| cdn::rules_for(&t))
        .or_else(|| recovery::rules_for(&t))
    {
        return rules;
    }
    if t.starts_with("microsoft.network/") {
        &generic::NETWORK
    } else {
        &generic::ANY
    }
}

/// The full types the emulator models (for the provider documents).
pub(crate) const MODELLED: &[&str] = &[
    network::vnet::TYPE,
    network::subnet::TYPE,
    network::nsg::TYPE,
    network::rules::TYPE,
    network::public_ip::TYPE,
    network::nic::TYPE,
    network::app_gateway::TYPE,
    network::private_endpoint::TYPE,
    network::private_dns::ZONE_TYPE,
    network::private_dns::LINK_TYPE,
    network::record_sets::A,
    network::record_sets::AAAA,
    network::record_sets::CNAME,
    network::record_sets::MX,
    network::record_sets::PTR,
    network::record_sets::SRV,
    network::record_sets::TXT,
    network::record_sets::SOA,
    storage::accounts::TYPE,
    storage::blob::SERVICE_TYPE,
    storage::blob::CONTAINER_TYPE,
    keyvault::vaults::TYPE,
    keyvault::secrets::TYPE,
    compute::vm::TYPE,
    compute::vmss::TYPE,
    compute::disks::TYPE,
    web::plans::TYPE,
    web::sites::TYPE,
    web::config::CONFIG_TYPE,
    web::config::NETWORK_TYPE,
    postgres::servers::TYPE,
    postgres::databases::TYPE,
    postgres::configurations::TYPE,
    monitor::workspaces::TYPE,
    monitor::components::TYPE,
    monitor::diagnostics::TYPE,
    cdn::profiles::TYPE,
    cdn::endpoints::TYPE,
    cdn::origins::GROUP_TYPE,
    cdn::origins::ORIGIN_TYPE,
    cdn::routes::TYPE,
    cdn::security::POLICY_TYPE,
    cdn::security::WAF_TYPE,
    recovery::vaults::TYPE,
    recovery::policies::TYPE,
    recovery::items::ITEM_TYPE,
];

/// The document GET returns for a stored resource.
pub(crate) fn render(state: &State, res: &Resource) -> Value {
    rules_for(&res.resource_type).render(state, res)
}

/// `POST /subscriptions/{s}/providers/{ns}/{action}`: provider-wide actions
/// (`checkNameAvailability`).
pub(crate) fn provider_action(
    ctx: &mut Ctx<'_>,
    sub: &str,
    namespace: &str,
    action: &str,
    body: &[u8],
) -> Result<Reply, ArmError> {
    if !action.eq_ignore_ascii_case("checkNameAvailability") {
        return Err(ArmError::unsupported_path(
            "POST",
            &format!("/subscriptions/{sub}/providers/{namespace}/{action}"),
        ));
    }
    let body = crate::protocol::parse_body(body)?;
    unique::check_name_availability(ctx, namespace, &body).unwrap_or_else(|| {
        Err(ArmError::unsupported_path(
            "POST",
            &format!("/subscriptions/{sub}/providers/{namespace}/{action}"),
        ))
    })
}

/// Where a per-location resource lives: `/subscriptions/{sub}/providers/{ns}/locations/{loc}/{kind}/{name}`.
pub(crate) struct LocationPath<'a> {
    pub sub: &'a str,
    pub namespace: &'a str,
    pub location: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
}

/// Resources a provider keeps per location (soft-deleted vaults) and actions on them (purge).
pub(crate) fn location_resource(
    ctx: &mut Ctx<'_>,
    method: &Method,
    at: &LocationPath<'_>,
    action: Option<&str>,
) -> Result<Reply, ArmError> {
    if at.namespace.eq_ignore_ascii_case(keyvault::NAMESPACE) && at.kind.eq_ignore_ascii_case("deletedVaults")
    {
        return keyvault::deleted::handle(ctx, method, at, action);
    }
    Err(ArmError::unsupported_path(
        method.as_str(),
        &format!(
            "/subscriptions/{}/providers/{}/locations/{}/{}/{}",
            at.sub, at.namespace, at.location, at.kind, at.name
        ),
    ))
}

/// Lists of things that are not resources of their own (soft-deleted vaults and workspaces):
/// `Some` when `{ns}/{kind}` is one.
pub(crate) fn virtual_collection(
    ctx: &mut Ctx<'_>,
    sub: &str,
    group: Option<&str>,
    namespace: &str,
    kind: &str,
) -> Option<Result<Reply, ArmError>> {
    if namespace.eq_ignore_ascii_case(keyvault::NAMESPACE)
        && kind.eq_ignore_ascii_case("deletedVaults")
        && group.is_none()
    {
        return Some(keyvault::deleted::list(ctx, sub));
    }
    if namespace.eq_ignore_ascii_case(monitor::workspaces::NAMESPACE)
        && kind.eq_ignore_ascii_case("deletedWorkspaces")
    {
        return Some(monitor::workspaces::list_deleted(ctx, sub, group));
    }
    None
}

/// `GET {resource}/{word}` paths that are views of a resource rather than a collection of
/// stored children (a machine's `instanceView`, a private DNS zone's `ALL` record sets, a
/// PostgreSQL server's `configurations`): `Some` when `word` is one.
pub(crate) fn view_of(
    ctx: &mut Ctx<'_>,
    parent: &ResourcePath,
    word: &str,
) -> Option<Result<Reply, ArmError>> {
    let parent_type = parent.full_type().to_ascii_lowercase();
    let handled = match parent_type.as_str() {
        "microsoft.compute/virtualmachines" => word.eq_ignore_ascii_case("instanceView"),
        "microsoft.network/privatednszones" => word.eq_ignore_ascii_case("ALL"),
        "microsoft.dbforpostgresql/flexibleservers" => {
            word.eq_ignore_ascii_case("configurations") || word.eq_ignore_ascii_case("replicas")
        }
        "microsoft.web/sites" => word.eq_ignore_ascii_case("config"),
        _ => false,
    };
    if !handled {
        return None;
    }
    let group = match ctx.state.group(&parent.group_key()) {
        Some(g) => g.clone(),
        None => return Some(Err(ArmError::group_not_found(&parent.group))),
    };
    let rules = rules_for(&parent.full_type());
    if let Err(e) = crate::protocol::check_provider(
        ctx.api_version,
        rules.api_versions(),
        &parent.full_type(),
        &group.location,
    ) {
        return Some(Err(e));
    }
    let t = Target::resolve(ctx.state, parent, &group, rules);
    if !rules.exists(ctx.state, &t) || ctx.state.is_hidden(&t.key) {
        let depth = (1..=parent.segments.len())
            .find(|d| ctx.state.resource(&parent.key_at(*d)).is_none())
            .unwrap_or(parent.segments.len());
        return Some(Err(ArmError::resource_not_found(
            &parent.type_and_names(depth),
            &parent.group,
        )));
    }
    Some(match parent_type.as_str() {
        "microsoft.compute/virtualmachines" => compute::vm::instance_view_reply(ctx, &t),
        "microsoft.dbforpostgresql/flexibleservers" if word.eq_ignore_ascii_case("replicas") => {
            postgres::replication::list(ctx, &t)
        }
        "microsoft.dbforpostgresql/flexibleservers" => postgres::configurations::list(ctx, &t),
        "microsoft.web/sites" => web::config::list(ctx, &t),
        _ => network::record_sets::list_all(ctx, &t),
    })
}

/// What resource group deletions leave behind: providers with soft delete keep their resources
/// as tombstones, as they do when deleted one by one.
pub(crate) fn after_group_deletion(state: &mut State, now: DateTime<Utc>, removed: Vec<Resource>) {
    for r in &removed {
        if r.resource_type.eq_ignore_ascii_case(keyvault::vaults::TYPE) {
            keyvault::vaults::soft_delete_removed(state, now, r, &removed);
        } else if r.resource_type.eq_ignore_ascii_case(monitor::workspaces::TYPE) {
            monitor::workspaces::soft_delete_removed(state, now, r);
        }
    }
}
