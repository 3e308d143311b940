//! List endpoints: `{value: […], nextLink?}`, paged like ARM (at most 1000 per page, `$top`,
//! `$skiptoken`), with the simple `$filter`s ARM supports on generic lists.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::reply::{ArmError, Reply};
use super::route::CollectionPath;
use super::{Query, api_version};
use crate::store::{Resource, key_of};
use crate::types::{self, Ctx, resource_groups};

const PAGE: usize = 1000;

/// One `field eq 'value'` clause.
#[derive(Debug, PartialEq, Eq)]
enum Clause {
    ResourceType(String),
    Name(String),
    Location(String),
    TagName(String),
    TagValue(String),
}

/// `$filter`: clauses joined by `and`.
#[derive(Debug, Default)]
struct Filter(Vec<Clause>);

impl Filter {
    fn parse(raw: Option<&str>) -> Result<Filter, ArmError> {
        let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(Filter::default());
        };
        let unsupported = || {
            ArmError::bad_request(
                "InvalidFilterInQueryString",
                format!(
                    "The $filter '{raw}' is not supported by the strata emulator. Supported: `resourceType eq \
                     '…'`, `name eq '…'`, `location eq '…'`, `tagName eq '…' [and tagValue eq '…']`, \
                     joined by `and`."
                ),
            )
        };
        let mut clauses = Vec::new();
        for part in split_and(raw) {
            let lower = part.to_ascii_lowercase();
            let at = lower.find(" eq ").ok_or_else(unsupported)?;
            let (field, value) = (part[..at].trim(), part[at + 4..].trim());
            let value = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .ok_or_else(unsupported)?
                .replace("''", "'");
            clauses.push(match field.to_ascii_lowercase().as_str() {
                "resourcetype" => Clause::ResourceType(value),
                "name" => Clause::Name(value),
                "location" => Clause::Location(value),
                "tagname" => Clause::TagName(value),
                "tagvalue" => Clause::TagValue(value),
                _ => return Err(unsupported()),
            });
        }
        if clauses.iter().any(|c| matches!(c, Clause::TagValue(_)))
            && !clauses.iter().any(|c| matches!(c, Clause::TagName(_)))
        {
            return Err(unsupported());
        }
        Ok(Filter(clauses))
    }

    fn matches(&self, doc: &Value) -> bool {
        let field = |k: &str| doc.get(k).and_then(Value::as_str).unwrap_or_default();
        let tags = doc.get("tags").and_then(Value::as_object);
        let tag_name = self.0.iter().find_map(|c| match c {
            Clause::TagName(n) => Some(n.as_str()),
            _ => None,
        });
        self.0.iter().all(|c| match c {
            Clause::ResourceType(t) => field("type").eq_ignore_ascii_case(t),
            Clause::Name(n) => field("name").eq_ignore_ascii_case(n),
            Clause::Location(l) => {
                types::common::normalize_location(field("location")) == types::common::normalize_location(l)
            }
            Clause::TagName(n) => tags.is_some_and(|t| t.keys().any(|k| k.eq_ignore_ascii_case(n))),
            Clause::TagValue(v) => tags.is_some_and(|t| {
                t.iter().any(|(k, val)| {
                    tag_name.is_some_and(|n| k.eq_ignore_ascii_case(n)) && val.as_str() == Some(v.as_str())
                })
            }),
        })
    }
}

/// Splits on ` and ` outside quotes, case-insensitively.
fn split_and(raw: &str) -> Vec<&str> {
    let lower = raw.to_ascii_lowercase();
    let lower = lower.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    let mut i = 0;
    while i < lower.len() {
        if lower[i] == b'\'' {
            quoted = !quoted;
        } else if !quoted && lower[i..].starts_with(b" and ") {
            parts.push(raw[start..i].trim());
            i += 5;
            start = i;
            continue;
        }
        i += 1;
    }
    parts.push(raw[start..].trim());
    parts
}

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
    let docs = ctx
        .state
        .under_prefix(&prefix)
        .filter(|r| is_top_level(r) && !ctx.state.is_hidden(&r.key()))
        .map(summary)
        .filter(|d| filter.matches(d));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_match() {
        let f = Filter::parse(Some(
            "resourceType eq 'Microsoft.Network/virtualNetworks' and name eq 'v''1'",
        ))
        .unwrap();
        assert_eq!(f.0.len(), 2);
        assert!(f.matches(&json!({"type": "microsoft.network/VIRTUALNETWORKS", "name": "V'1"})));
        assert!(!f.matches(&json!({"type": "Microsoft.Network/virtualNetworks", "name": "v2"})));
        let f = Filter::parse(Some("tagName eq 'env' and tagValue eq 'dev'")).unwrap();
        assert!(f.matches(&json!({"tags": {"Env": "dev"}})));
        assert!(!f.matches(&json!({"tags": {"env": "prod"}})));
        let f = Filter::parse(Some("name eq 'a and b'")).unwrap();
        assert_eq!(f.0, vec![Clause::Name("a and b".into())]);
        for bad in [
            "startswith(name,'x')",
            "name eq x",
            "tagValue eq 'x'",
            "size gt 3",
        ] {
            assert!(Filter::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
