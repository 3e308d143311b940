//! Private DNS record sets: `privateDnsZones/{zone}/{A|AAAA|CNAME|MX|PTR|SRV|TXT|SOA}/{name}`.
//!
//! Writes are synchronous (201 new, 200 existing) at the zone's api-versions. Every record set
//! has an etag, new on every write; `If-Match` and `If-None-Match` make a write conditional (the
//! protocol layer checks them: 412 `PreconditionFailed`). The zone's `SOA` record set `@` is
//! made with the zone, with Azure's defaults, and can be changed but not deleted. `ALL` lists
//! every record set of a zone; the zone's `numberOfRecordSets` counts them.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{merge_patch, new_guid, render_base, take_properties};
use super::super::{Ctx, Target, TypeRules};
use super::private_dns::VERSIONS;
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State};

pub(crate) const A: &str = "Microsoft.Network/privateDnsZones/A";
pub(crate) const AAAA: &str = "Microsoft.Network/privateDnsZones/AAAA";
pub(crate) const CNAME: &str = "Microsoft.Network/privateDnsZones/CNAME";
pub(crate) const MX: &str = "Microsoft.Network/privateDnsZones/MX";
pub(crate) const PTR: &str = "Microsoft.Network/privateDnsZones/PTR";
pub(crate) const SRV: &str = "Microsoft.Network/privateDnsZones/SRV";
pub(crate) const TXT: &str = "Microsoft.Network/privateDnsZones/TXT";
pub(crate) const SOA: &str = "Microsoft.Network/privateDnsZones/SOA";

/// Each record type: its full type and the property that holds its records.
pub(crate) const KINDS: &[(&str, &str)] = &[
    (A, "aRecords"),
    (AAAA, "aaaaRecords"),
    (CNAME, "cnameRecord"),
    (MX, "mxRecords"),
    (PTR, "ptrRecords"),
    (SRV, "srvRecords"),
    (TXT, "txtRecords"),
    (SOA, "soaRecord"),
];

/// The record type words (`A`, `SOA`, …), for listing a zone's record sets.
pub(crate) fn is_record_type(word: &str) -> bool {
    KINDS
        .iter()
        .any(|(t, _)| t.rsplit('/').next().is_some_and(|w| w.eq_ignore_ascii_case(word)))
}

/// Azure's SOA record set of a new zone.
pub(crate) fn default_soa(zone_id: &str) -> Resource {
    Resource {
        id: format!("{zone_id}/SOA/@"),
        resource_type: SOA.into(),
        body: json!({"properties": {
            "ttl": 3600,
            "soaRecord": {
                "email": "azureprivatedns-host.microsoft.com",
                "expireTime": 2_419_200,
                "host": "azureprivatedns.net",
                "minimumTtl": 10,
                "refreshTime": 3600,
                "retryTime": 300,
                "serialNumber": 1
            },
            "isAutoRegistered": false
        }})
        .as_object()
        .cloned()
        .unwrap_or_default(),
        etag: Some(new_guid()),
        ..Resource::default()
    }
}

/// The record sets of the zone `zone_key`, every type.
pub(crate) fn of_zone<'a>(state: &'a State, zone_key: &str) -> Vec<&'a Resource> {
    let mut out: Vec<&Resource> = KINDS
        .iter()
        .flat_map(|(t, _)| state.children(zone_key, t.rsplit('/').next().unwrap_or_default()))
        .collect();
    out.sort_by_key(|r| r.order);
    out
}

/// `GET {zone}/ALL`.
pub(crate) fn list_all(ctx: &mut Ctx<'_>, zone: &Target) -> Result<Reply, ArmError> {
    let docs: Vec<Value> = of_zone(ctx.state, &zone.key)
        .into_iter()
        .map(|r| RecordSets.render(ctx.state, r))
        .collect();
    Ok(Reply::json(StatusCode::OK, json!({ "value": docs })))
}

fn field_of(full_type: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(full_type))
        .map_or("aRecords", |(_, f)| f)
}

fn bad(message: String) -> ArmError {
    ArmError::bad_request("BadRequest", message)
}

/// Checks the records of the type's property.
fn check_records(full_type: &str, props: &Map<String, Value>) -> Result<(), ArmError> {
    let field = field_of(full_type);
    let Some(records) = props.get(field) else {
        return Ok(());
    };
    let items: Vec<&Value> = match records {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![records],
        Value::Null => Vec::new(),
        _ => return Err(bad(format!("The property '{field}' has an invalid value."))),
    };
    for item in items {
        let text = |k: &str| item.get(k).and_then(Value::as_str);
        let ok = match field {
            "aRecords" => text("ipv4Address").is_some_and(|a| a.parse::<std::net::Ipv4Addr>().is_ok()),
            "aaaaRecords" => text("ipv6Address").is_some_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok()),
            "cnameRecord" => text("cname").is_some_and(|c| !c.is_empty()),
            "mxRecords" => text("exchange").is_some() && item.get("preference").is_some_and(Value::is_u64),
            "ptrRecords" => text("ptrdname").is_some(),
            "srvRecords" => text("target").is_some() && item.get("port").is_some_and(Value::is_u64),
            "txtRecords" => item
                .get("value")
                .and_then(Value::as_array)
                .is_some_and(|v| v.iter().all(Value::is_string)),
            _ => true,
        };
        if !ok {
            return Err(bad(format!(
                "The record {item} in '{field}' is not valid for a record set of type {}.",
                full_type.rsplit('/').next().unwrap_or_default()
            )));
        }
    }
    Ok(())
}

fn zone_name(t: &Target) -> &str {
    t.path.segments.first().map_or("", |(_, n)| n.as_str())
}

pub(crate) struct RecordSets;

impl TypeRules for RecordSets {
    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let full_type = KINDS
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&t.full_type))
            .map_or(A, |(k, _)| *k);
        let existing = ctx.state.resource(&t.key).cloned();
        if full_type == SOA && t.name != "@" {
            return Err(bad(format!(
                "The SOA record set of a zone is named '@'; '{}' cannot be used.",
                t.name
            )));
        }
        let mut props = take_properties(&mut body)?;
        for k in ["fqdn", "isAutoRegistered"] {
            props.remove(k);
        }
        // Only the records of the set's own type are kept.
        let own = field_of(full_type);
        props.retain(|k, _| k == own || !KINDS.iter().any(|(_, f)| f == k));
        check_records(full_type, &props)?;
        if full_type == SOA {
            // The host stays Azure's; the rest may change.
            let old = existing
                .as_ref()
                .and_then(Resource::properties)
                .and_then(|p| p.get("soaRecord"))
                .cloned()
                .unwrap_or(json!({}));
            let mut soa = old.clone();
            if let Some(new) = props.get("soaRecord") {
                merge_patch(&mut soa, new);
            }
            if let Some(host) = old.get("host") {
                soa["host"] = host.clone();
            }
            props.insert("soaRecord".into(), soa);
        }
        if let Some(ttl) = props.get("ttl")
            && !ttl.is_u64()
        {
            return Err(bad(format!(
                "The TTL {ttl} is not valid: it is a whole number of seconds."
            )));
        }
        props.entry("ttl").or_insert(json!(3600));
        props.insert("isAutoRegistered".into(), json!(false));
        let mut doc = Map::new();
        doc.insert("properties".into(), Value::Object(props));
        let rendered = crate::types::common::store(ctx, self, t, full_type, doc, existing.as_ref(), |r| {
            r.etag = Some(new_guid());
        });
        let status = if existing.is_some() {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        Ok(Reply::json(status, rendered))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        let Some(existing) = ctx.state.resource(&t.key).cloned() else {
            return Err(ArmError::resource_not_found(
                &t.path.type_and_names(t.path.segments.len()),
                &t.group_name,
            ));
        };
        let mut doc = Value::Object(existing.body.clone());
        merge_patch(&mut doc, &Value::Object(body));
        let merged = match doc {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        // The merged set goes through the checks of a PUT.
        self.put(ctx, t, merged)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let existing = ctx.state.resource(&t.key);
        if t.full_type.eq_ignore_ascii_case(SOA) {
            return Err(bad(format!(
                "The SOA record set of the zone {} cannot be deleted; it goes with the zone.",
                zone_name(t)
            )));
        }
        if existing.is_none() {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        ctx.state.remove_tree(&t.key);
        Ok(Reply::empty(StatusCode::OK))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        let mut out = render_base(res, None);
        let mut props = res.properties().cloned().unwrap_or_default();
        // `{zone}/{type}/{name}`: the zone is the segment before the type.
        let zone = res.id.rsplit('/').nth(2).unwrap_or_default().to_string();
        let fqdn = if res.name() == "@" {
            format!("{zone}.")
        } else {
            format!("{}.{zone}.", res.name())
        };
        let mut ordered = Map::new();
        if let Some(m) = props.remove("metadata") {
            ordered.insert("metadata".into(), m);
        }
        ordered.insert("ttl".into(), props.remove("ttl").unwrap_or(json!(3600)));
        ordered.insert("fqdn".into(), json!(fqdn));
        ordered.extend(props);
        out.insert("properties".into(), Value::Object(ordered));
        Value::Object(out)
    }
}
