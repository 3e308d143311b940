//! Microsoft.Storage/storageAccounts.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{
    assemble, merge_patch, missing, read_location, read_tags, render_doc, take_properties, timestamp,
};
use super::super::longrun::{NewOp, schedule};
use super::super::unique::{Unavailable, taken_by};
use super::super::{Ctx, Target, TypeRules};
use super::{NAMESPACE, VERSIONS, blob, endpoints, failover, keys};
use crate::protocol::{self, ArmError, Reply};
use crate::store::{OpAction, Resource, State, key_of};

pub(crate) const TYPE: &str = "Microsoft.Storage/storageAccounts";

const SKUS: &[&str] = &[
    "Standard_LRS",
    "Standard_GRS",
    "Standard_RAGRS",
    "Standard_ZRS",
    "Premium_LRS",
    "Premium_ZRS",
    "Standard_GZRS",
    "Standard_RAGZRS",
];

const KINDS: &[&str] = &[
    "Storage",
    "StorageV2",
    "BlobStorage",
    "FileStorage",
    "BlockBlobStorage",
];

const TLS: &[&str] = &["TLS1_0", "TLS1_1", "TLS1_2", "TLS1_3"];

/// Storage limits tag names to 128 characters, below ARM's 512.
const MAX_TAG_NAME: usize = 128;

const READ_ONLY: &[&str] = &[
    "provisioningState",
    "creationTime",
    "primaryEndpoints",
    "primaryLocation",
    "statusOfPrimary",
    "secondaryLocation",
    "statusOfSecondary",
    "secondaryEndpoints",
    "keyCreationTime",
    "privateEndpointConnections",
    "lastGeoFailoverTime",
    "geoReplicationStats",
    "failoverInProgress",
];

/// The account's primary region: its location until a failover moved it.
fn primary_of(props: &Map<String, Value>, location: &str) -> String {
    props
        .get("primaryLocation")
        .and_then(Value::as_str)
        .unwrap_or(location)
        .to_string()
}

fn invalid(field: &str, value: &str) -> ArmError {
    ArmError::bad_request(
        "InvalidValuesForRequestParameters",
        format!("Values for request parameters are invalid: {field} '{value}'."),
    )
}

fn one_of(value: Option<&Value>, allowed: &[&str], field: &str) -> Result<String, ArmError> {
    let s = value.and_then(Value::as_str).ok_or_else(|| missing(field))?;
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(s))
        .map(|a| (*a).to_string())
        .ok_or_else(|| invalid(field, s))
}

/// Whether `name` can be used for a new account, in the words of `checkNameAvailability`.
pub(crate) fn availability(state: &State, name: &str) -> Option<Unavailable> {
    if strata_azure::naming::rule_for(TYPE).check(name).is_err() {
        return Some(Unavailable::Invalid(format!(
            "{name} is not a valid storage account name. Storage account name must be between 3 and 24 characters in \
             length and use numbers and lower-case letters only."
        )));
    }
    state
        .named(TYPE, name)
        .next()
        .map(|_| Unavailable::Taken(format!("The storage account named {name} is already taken.")))
}

fn check_taken(ctx: &Ctx<'_>, t: &Target) -> Result<(), ArmError> {
    let Some(other) = taken_by(ctx.state, TYPE, &t.name, &t.key) else {
        return Ok(());
    };
    let same_sub = strata_core::ArmId::parse(&other.id)
        .is_ok_and(|id| id.subscription_id().eq_ignore_ascii_case(&t.path.subscription));
    if same_sub {
        return Err(ArmError::new(
            StatusCode::CONFLICT,
            "StorageAccountInAnotherResourceGroup",
            format!(
                "The account {} is already in another resource group in this subscription.",
                t.name
            ),
        ));
    }
    Err(ArmError::new(
        StatusCode::CONFLICT,
        "StorageAccountAlreadyTaken",
        format!("The storage account named {} is already taken.", t.name),
    )
    .with_target(t.name.clone()))
}

/// The defaults of a new account: secure unless asked otherwise.
fn defaults(props: &mut Map<String, Value>, kind: &str, now: &str) {
    props
        .entry("supportsHttpsTrafficOnly")
        .or_insert_with(|| json!(true));
    props
        .entry("minimumTlsVersion")
        .or_insert_with(|| json!("TLS1_2"));
    props
        .entry("allowBlobPublicAccess")
        .or_insert_with(|| json!(false));
    props
        .entry("allowCrossTenantReplication")
        .or_insert_with(|| json!(false));
    props
        .entry("defaultToOAuthAuthentication")
        .or_insert_with(|| json!(false));
    props.entry("networkAcls").or_insert_with(|| {
        json!({"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Allow"})
    });
    props.entry("encryption").or_insert_with(|| {
        json!({
            "requireInfrastructureEncryption": false,
            "services": {
                "file": {"keyType": "Account", "enabled": true, "lastEnabledTime": now},
                "blob": {"keyType": "Account", "enabled": true, "lastEnabledTime": now}
            },
            "keySource": "Microsoft.Storage"
        })
    });
    if matches!(kind, "StorageV2" | "BlobStorage") {
        props.entry("accessTier").or_insert_with(|| json!("Hot"));
    }
}

fn check_props(props: &Map<String, Value>) -> Result<(), ArmError> {
    if let Some(v) = props.get("minimumTlsVersion").filter(|v| !v.is_null()) {
        one_of(Some(v), TLS, "minimumTlsVersion")?;
    }
    if let Some(v) = props.get("accessTier").filter(|v| !v.is_null()) {
        one_of(Some(v), &["Hot", "Cool", "Cold", "Premium"], "accessTier")?;
    }
    for flag in [
        "supportsHttpsTrafficOnly",
        "allowBlobPublicAccess",
        "allowSharedKeyAccess",
        "isHnsEnabled",
    ] {
        if let Some(v) = props.get(flag).filter(|v| !v.is_null() && !v.is_boolean()) {
            return Err(invalid(flag, &v.to_string()));
        }
    }
    Ok(())
}

fn check_tags(tags: Option<&Map<String, Value>>) -> Result<(), ArmError> {
    if let Some(long) = tags
        .into_iter()
        .flat_map(|t| t.keys())
        .find(|k| k.chars().count() > MAX_TAG_NAME)
    {
        return Err(ArmError::bad_request(
            "MaxTagKeyLengthExceeded",
            format!(
                "The maximum length for a tag key is {MAX_TAG_NAME} characters. The tag '{long}' is too long."
            ),
        ));
    }
    Ok(())
}

pub(crate) struct Accounts;

impl TypeRules for Accounts {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let location = read_location(&body, true)?.unwrap_or_default();
        let tags = read_tags(&body)?;
        check_tags(tags.as_ref())?;
        let sku = one_of(body.get("sku").and_then(|s| s.get("name")), SKUS, "sku.name")?;
        let kind = one_of(body.get("kind"), KINDS, "kind")?;
        let mut props = take_properties(&mut body)?;
        for k in READ_ONLY {
            props.remove(*k);
        }
        check_props(&props)?;

        // Still being created: the same operation answers again.
        if ctx.state.is_hidden(&t.key)
            && let Some(op) = ctx.state.lock_holder(&t.key)
        {
            return Ok(protocol::accepted(ctx.base_url, op, ctx.now, false));
        }
        let existing = ctx.state.resource(&t.key).cloned();
        if existing.is_none() {
            check_taken(ctx, t)?;
        } else {
            failover::check_not_busy(ctx, t)?;
        }
        let now = timestamp(ctx.now);
        let mut stored = Map::new();
        match &existing {
            Some(old) => {
                let old_props = old.properties().cloned().unwrap_or_default();
                for k in [
                    "creationTime",
                    "keyCreationTime",
                    "privateEndpointConnections",
                    "encryption",
                    "primaryLocation",
                    "lastGeoFailoverTime",
                ] {
                    if let Some(v) = old_props.get(k) {
                        stored.insert(k.into(), v.clone());
                    }
                }
                stored.insert("provisioningState".into(), json!("Succeeded"));
            }
            None => {
                stored.insert("keyCreationTime".into(), keys::creation_times(ctx.now));
                stored.insert("privateEndpointConnections".into(), json!([]));
                stored.insert("provisioningState".into(), json!("ResolvingDNS"));
                stored.insert("creationTime".into(), json!(now));
            }
        }
        for (k, v) in props {
            stored.insert(k, v);
        }
        defaults(&mut stored, &kind, &now);
        let primary = primary_of(&stored, &location);
        endpoints::derive(&mut stored, &t.name.to_ascii_lowercase(), &kind, &sku, &primary);
        body.insert(
            "sku".into(),
            json!({ "name": sku, "tier": endpoints::tier(&sku) }),
        );
        body.insert("kind".into(), json!(kind));
        let doc = assemble(body, Some(&location), tags, stored);
        if let Some(old) = existing {
            // An existing account is updated in place, synchronously.
            let updated = Resource { body: doc, ..old };
            let rendered = self.render(ctx.state, &updated);
            ctx.state.put_resource(updated);
            return Ok(Reply::json(StatusCode::OK, rendered));
        }
        let order = ctx.state.next_order();
        ctx.state.put_resource(Resource {
            id: t.id.clone(),
            resource_type: TYPE.into(),
            body: doc,
            order,
            private: keys::new_keys(),
            ..Resource::default()
        });
        let service_key = blob::create_default_service(ctx.state, &t.id, &sku);
        let new = NewOp::on(
            t,
            NAMESPACE,
            &location,
            OpAction::Create {
                targets: vec![t.key.clone(), service_key],
            },
        )
        .locking(&t.key);
        let op = schedule(ctx, new);
        Ok(protocol::accepted(ctx.base_url, &op, ctx.now, false))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let tags = read_tags(&body)?;
        check_tags(tags.as_ref())?;
        let Some(mut updated) = ctx.state.resource(&t.key).cloned() else {
            return Err(ArmError::resource_not_found(
                &t.path.type_and_names(1),
                &t.group_name,
            ));
        };
        failover::check_not_busy(ctx, t)?;
        if body.contains_key("tags") {
            match tags {
                Some(tags) => updated.body.insert("tags".into(), Value::Object(tags)),
                None => updated.body.remove("tags"),
            };
        }
        if let Some(sku) = body.get("sku").and_then(|s| s.get("name")) {
            let sku = one_of(Some(sku), SKUS, "sku.name")?;
            updated.body.insert(
                "sku".into(),
                json!({ "name": sku, "tier": endpoints::tier(&sku) }),
            );
        }
        if let Some(kind) = body.get("kind") {
            let kind = one_of(Some(kind), KINDS, "kind")?;
            updated.body.insert("kind".into(), json!(kind));
        }
        let mut patch = take_properties(&mut body)?;
        for k in READ_ONLY {
            patch.remove(*k);
        }
        check_props(&patch)?;
        let mut props = Value::Object(updated.properties().cloned().unwrap_or_default());
        merge_patch(&mut props, &Value::Object(patch));
        let mut props = match props {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let sku = updated
            .body
            .get("sku")
            .and_then(|s| s.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let kind = updated
            .body
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let location = updated.location().unwrap_or_default().to_string();
        let primary = primary_of(&props, &location);
        endpoints::derive(&mut props, &t.name.to_ascii_lowercase(), &kind, &sku, &primary);
        updated.body.insert("properties".into(), Value::Object(props));
        let rendered = self.render(ctx.state, &updated);
        ctx.state.put_resource(updated);
        Ok(Reply::json(StatusCode::OK, rendered))
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        if ctx.state.resource(&t.key).is_none() {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        failover::check_not_busy(ctx, t)?;
        ctx.state.remove_tree(&t.key);
        Ok(Reply::empty(StatusCode::OK))
    }

    fn render(&self, state: &State, res: &Resource) -> Value {
        let mut doc = render_doc(res);
        if let Some(Value::Object(props)) = doc.get_mut("properties") {
            failover::show_status(state, res, props);
        }
        Value::Object(doc)
    }

    /// GET, with `$expand=geoReplicationStats`.
    fn get(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let Some(res) = ctx.state.resource(&t.key) else {
            return Err(ArmError::resource_not_found(
                &t.path.type_and_names(1),
                &t.group_name,
            ));
        };
        let mut doc = self.render(ctx.state, res);
        if failover::wants_stats(ctx)
            && let Some(stats) = failover::stats(ctx.state, res, ctx.now)
            && let Some(Value::Object(props)) = doc.get_mut("properties")
        {
            props.insert("geoReplicationStats".into(), stats);
        }
        Ok(Reply::json(StatusCode::OK, doc))
    }

    fn action(
        &self,
        ctx: &mut Ctx<'_>,
        t: &Target,
        action: &str,
        body: Option<Map<String, Value>>,
    ) -> Result<Reply, ArmError> {
        if action.eq_ignore_ascii_case("failover") {
            return failover::start(ctx, t);
        }
        keys::action(ctx, t, action, body)
    }
}

/// The account a child (blob service, container) belongs to.
pub(crate) fn account_of<'a>(state: &'a State, child_id: &str) -> Option<&'a Resource> {
    let parts: Vec<&str> = child_id.split('/').collect();
    let at = parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("storageAccounts"))?;
    let id = parts.get(..at + 2)?.join("/");
    state.resource(&key_of(&id))
}
