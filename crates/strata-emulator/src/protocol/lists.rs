//! List endpoints: `{value: […], nextLink?}`, paged like ARM (at most 1000 per page, `$top`,
//! `$skiptoken`), with the `$filter`s ARM documents for generic lists (`filter`).

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::filter::Filter;
use super::reply::{ArmError, Reply};
use super::route::CollectionPath;
use super::{Query, api_version};
use crate::store::{Resource, key_of};
use crate::types::{self, Ctx, resource_groups};

const PAGE: usize = 1000;

/// Pages `docs` (already filtered) into `{value, nextLink?}`.
fn page(
    ctx: &Ctx<'_>,
    path: &str,
    query: &Query,
    docs: impl Iterator<Item = Value>,
) -> Result<Reply, ArmError> {
    let skip = match &query.skip_token {
        None => 0,
        Some(t) => t.parse::<usize>().map_err(|_| {
            ArmError::bad_request("InvalidSkipToken", format!("The $skiptoken '{t}' is not valid."))
        })?,
    };
    let size = match &query.top {
        None => PAGE,
        Some(t) => match t.parse::<usize>() {
            Ok(n) if n > 0 => n.min(PAGE),
            _ => {
                return Err(ArmError::bad_request(
                    "InvalidParameter",
                    format!("The value '{t}' of $top is not a positive integer."),
                ));
            }
        },
    };
    let mut value: Vec<Value> = docs.skip(skip).take(size + 1).collect();
    let more = value.len() > size;
    value.truncate(size);
    let mut out = Map::new();
    out.insert("value".into(), Value::Array(value));
    if more {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("api-version", ctx.api_version);
        if let Some(f) = &query.filter {
            q.append_pair("$filter", f);
        }
        if let Some(t) = &query.top {
            q.append_pair("$top", t);
        }
        q.append_pair("$skiptoken", &(skip + size).to_string());
        out.insert(
            "nextLink".into(),
            json!(format!("{}{path}?{}", ctx.base_url, q.finish())),
        );
    }
    Ok(Reply::json(StatusCode::OK, Value::Object(out)))
}

/// `GET /subscriptions/{s}/resourcegroups`.
pub(crate) fn groups(ctx: &Ctx<'_>, sub: &str, query: &Query, path: &str) -> Result<Reply, ArmError> {
    let filter = Filter::parse(query.filter.as_deref())?;
    let docs = ctx
        .state
        .groups_of(sub)
        .map(resource_groups::render)
        .filter(|d| filter.matches(d));
    page(ctx, path, query, docs)
}

/// The summary the generic lists return: no `properties`, as ARM without `$expand`.
fn summary(r: &Resource) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(r.id));
    out.insert("name".into(), json!(r.name()));
    out.insert("type".into(), json!(r.resource_type));
    for k in [
        "kind",
        "location",
        "managedBy",
        "sku",
        "plan",
        "identity",
        "zones",
        "tags",
        "extendedLocation",
    ] {
        if let Some(v) = r.body.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// True for `…/providers/{ns}/{type}/{name}` with no child segments, and not an extension
/// resource of another resource (ARM's generic lists leave those out).
fn is_top_level(r: &Resource) -> bool {
    let providers =
        r.id.split('/')
            .filter(|s| s.eq_ignore_ascii_case("providers"))
            .count();
    providers == 1 && strata_core::ArmId::parse(&r.id).is_ok_and(|id| id.segments().len() == 1)
}

/// `GET /subscriptions/{s}/resources` and `…/resourceGroups/{rg}/resources`: top-level resources.
pub(crate) fn resources(
    ctx: &Ctx<'_>,
    sub: &str,
    group: Option<&str>,
    query: &Query,
    path: &str,
) -> Result<Reply, ArmError> {
    let filter = Filter::parse(query.filter.as_deref())?;
    let prefix = match group {
        Some(g) => {
            let key = resource_groups::key_of(sub, g);
            if ctx.state.group(&key).is_none() {
                return Err(ArmError::group_not_found(g));
            }
            format!("{key}/")
        }
        None => format!("/subscriptions/{}/", sub.to_ascii_lowercase()),
    };
    // "When you filter by a tag name and value, the tags for each resource are not returned."
    let hide_tags = filter.hides_tags();
    let docs = ctx
        .state
        .under_prefix(&prefix)
        .filter(|r| is_top_level(r) && !ctx.state.is_hidden(&r.key()))
        .map(summary)
        .filter(|d| filter.matches(d))
        .map(|mut d| {
            if hide_tags && let Some(o) = d.as_object_mut() {
                o.remove("tags");
            }
            d
        });
    page(ctx, path, query, docs)
}

/// `GET …/resourceGroups/{rg}/providers/{ns}/{type}` or `…/{type}/{name}/{childType}`.
pub(crate) fn collection(
    ctx: &Ctx<'_>,
    c: &CollectionPath,
    query: &Query,
    path: &str,
) -> Result<Reply, ArmError> {
    let p = &c.parent;
    let group = ctx
        .state
        .group(&p.group_key())
        .ok_or_else(|| ArmError::group_not_found(&p.group))?;
    let full_type = format!("{}/{}", p.full_type(), c.kind);
    let rules = types::rules_for(&full_type);
    api_version::check_provider(ctx.api_version, rules.api_versions(), &full_type, &group.location)?;
    let filter = Filter::parse(query.filter.as_deref())?;
    let resources: Vec<&Resource> = if p.segments.is_empty() {
        let prefix = format!("{}/{}/", p.key_at(0), c.kind.to_ascii_lowercase());
        ctx.state
            .under_prefix(&prefix)
            .filter(|r| !key_of(&r.id)[prefix.len()..].contains('/') && !ctx.state.is_hidden(&r.key()))
            .collect()
    } else {
        for depth in 1..=p.segments.len() {
            if ctx.state.resource(&p.key_at(depth)).is_none() {
                return Err(ArmError::resource_not_found(&p.type_and_names(depth), &p.group));
            }
        }
        ctx.state.children(&p.key(), &c.kind)
    };
    let docs = resources
        .into_iter()
        .map(|r| types::render(ctx.state, r))
        .filter(|d| filter.matches(d));
    page(ctx, path, query, docs)
}

/// `GET /subscriptions/{s}/providers/{ns}/{type}`: every resource of a top-level type.
pub(crate) fn subscription_collection(
    ctx: &Ctx<'_>,
    sub: &str,
    namespace: &str,
    kind: &str,
    query: &Query,
    path: &str,
) -> Result<Reply, ArmError> {
    let full_type = format!("{namespace}/{kind}");
    let rules = types::rules_for(&full_type);
    api_version::check_provider(ctx.api_version, rules.api_versions(), &full_type, "global")?;
    let filter = Filter::parse(query.filter.as_deref())?;
    let prefix = format!("/subscriptions/{}/", sub.to_ascii_lowercase());
    let docs = ctx
        .state
        .under_prefix(&prefix)
        .filter(|r| r.resource_type.eq_ignore_ascii_case(&full_type) && !ctx.state.is_hidden(&r.key()))
        .map(|r| types::render(ctx.state, r))
        .filter(|d| filter.matches(d));
    page(ctx, path, query, docs)
}
