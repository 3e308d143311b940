//! Microsoft.KeyVault/vaults.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::super::common::{
    assemble, merge_patch, read_location, read_tags, render_doc, str_of, take_properties,
};
use super::super::longrun::{NewOp, schedule};
use super::super::unique::{Unavailable, taken_by};
use super::super::{Ctx, Target, TypeRules};
use super::{NAMESPACE, VERSIONS};
use crate::protocol::{ArmError, Reply, is_guid};
use crate::store::{OpAction, Resource, State, Tombstone, key_of};

pub(crate) const TYPE: &str = "Microsoft.KeyVault/vaults";

const RETENTION_DEFAULT: i64 = 90;
const RETENTION_MIN: i64 = 7;

const READ_ONLY: &[&str] = &[
    "provisioningState",
    "vaultUri",
    "hsmPoolResourceId",
    "privateEndpointConnections",
];

fn bad(message: impl Into<String>) -> ArmError {
    ArmError::bad_request("BadRequest", message)
}

/// `VaultAlreadyExists`, in the service's words (typo included).
fn already_exists(name: &str) -> ArmError {
    ArmError::new(
        StatusCode::CONFLICT,
        "VaultAlreadyExists",
        format!(
            "The vault name '{name}' is already in use. Vault names are globaly unique so it is possible that the name \
             is already taken. If you are sure that the vault name was not taken then it is possible that a vault with \
             the same name was recently deleted but not purged after being placed in a recoverable state. If the vault \
             is in a recoverable state then the vault will need to be purged before reusing the name. For more \
             information on soft delete and purging a vault follow this link \
             https://go.microsoft.com/fwlink/?linkid=2147740."
        ),
    )
}

/// Re-creating a soft-deleted vault without `createMode: recover` [V GH data-safe-haven#2523].
fn exists_in_deleted_state() -> ArmError {
    ArmError::new(
        StatusCode::CONFLICT,
        "ConflictError",
        "A vault with the same name already exists in deleted state. You need to either recover or purge existing key \
         vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.",
    )
}

/// The soft-deleted vault named `name`, anywhere.
pub(crate) fn tombstone_named<'a>(state: &'a State, name: &str) -> Option<&'a Tombstone> {
    state
        .tombstones_of(TYPE)
        .find(|t| t.resource.name().eq_ignore_ascii_case(name))
}

/// Whether `name` can be used for a new vault, in the words of `checkNameAvailability`.
pub(crate) fn availability(state: &State, name: &str) -> Option<Unavailable> {
    if strata_azure::naming::rule_for(TYPE).check(name).is_err() {
        return Some(Unavailable::Invalid(format!(
            "Vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must \
             begin with a letter, end with a letter or digit, and not contain consecutive hyphens."
        )));
    }
    if state.named(TYPE, name).next().is_some() || tombstone_named(state, name).is_some() {
        return Some(Unavailable::Taken(format!(
            "The vault name '{name}' is already in use."
        )));
    }
    None
}

fn subscription_of(id: &str) -> String {
    strata_core::ArmId::parse(id)
        .map(|i| i.subscription_id().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Checks the vault properties and completes them with the service's defaults.
fn complete(props: &mut Map<String, Value>, existing: Option<&Resource>, name: &str) -> Result<(), ArmError> {
    let tenant = str_of(props, "tenantId").unwrap_or_default();
    if tenant.is_empty() {
        return Err(bad(
            "The parameter 'properties.tenantId' is required to create or update a vault.",
        ));
    }
    if !is_guid(tenant) {
        return Err(bad(format!(
            "The tenant id '{tenant}' of the vault is not a valid GUID."
        )));
    }
    let sku = props
        .get("sku")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let sku_name = str_of(&sku, "name").unwrap_or_default().to_ascii_lowercase();
    if sku_name != "standard" && sku_name != "premium" {
        return Err(bad(
            "The parameter 'properties.sku.name' is required and must be 'standard' or 'premium'.",
        ));
    }
    props.insert("sku".into(), json!({ "family": "A", "name": sku_name }));
    if props.get("enableSoftDelete").and_then(Value::as_bool) == Some(false) {
        return Err(bad(
            "The property \"enableSoftDelete\" cannot be set to false. Enabling the soft delete for a vault is an \
             irreversible action.",
        ));
    }
    // Sending `false` is refused even on creation: purge protection is off only when absent
    // [V GH azure-cli#29115].
    if props.get("enablePurgeProtection").and_then(Value::as_bool) == Some(false) {
        return Err(bad(
            "The property \"enablePurgeProtection\" cannot be set to false. Enabling the purge protection for a vault \
             is an irreversible action.",
        ));
    }
    let was_protected = existing
        .and_then(Resource::properties)
        .and_then(|p| p.get("enablePurgeProtection"))
        .and_then(Value::as_bool)
        == Some(true);
    if was_protected {
        props.insert("enablePurgeProtection".into(), json!(true));
    }
    let retention = match props.get("softDeleteRetentionInDays") {
        None | Some(Value::Null) => RETENTION_DEFAULT,
        Some(v) => v.as_i64().unwrap_or(0),
    };
    if !(RETENTION_MIN..=RETENTION_DEFAULT).contains(&retention) {
        return Err(bad(format!(
            "The value {retention} of 'softDeleteRetentionInDays' is invalid: it must be between {RETENTION_MIN} and \
             {RETENTION_DEFAULT} days."
        )));
    }
    props.insert("softDeleteRetentionInDays".into(), json!(retention));
    props.insert("enableSoftDelete".into(), json!(true));
    props.entry("accessPolicies").or_insert_with(|| json!([]));
    for flag in [
        "enabledForDeployment",
        "enabledForDiskEncryption",
        "enabledForTemplateDeployment",
        "enableRbacAuthorization",
    ] {
        props.entry(flag).or_insert_with(|| json!(false));
    }
    props
        .entry("publicNetworkAccess")
        .or_insert_with(|| json!("Enabled"));
    props.insert(
        "vaultUri".into(),
        json!(format!("https://{}.vault.azure.net/", name.to_ascii_lowercase())),
    );
    Ok(())
}

fn retention_of(res: &Resource) -> i64 {
    res.properties()
        .and_then(|p| p.get("softDeleteRetentionInDays"))
        .and_then(Value::as_i64)
        .unwrap_or(RETENTION_DEFAULT)
}

/// Soft-deletes a vault its resource group took away (children from `removed`).
pub(crate) fn soft_delete_removed(
    state: &mut State,
    now: DateTime<Utc>,
    vault: &Resource,
    removed: &[Resource],
) {
    let prefix = format!("{}/", vault.key());
    let children = removed
        .iter()
        .filter(|r| r.key().starts_with(&prefix))
        .cloned()
        .collect();
    state.keep(Tombstone {
        resource: vault.clone(),
        children,
        deleted: now,
        purge_at: now + Duration::days(retention_of(vault)),
        purging: None,
    });
}

pub(crate) struct Vaults;

impl Vaults {
    fn recover(&self, ctx: &mut Ctx<'_>, t: &Target, location: &str) -> Result<Reply, ArmError> {
        let sub = t.path.subscription.to_ascii_lowercase();
        let Some(grave) = tombstone_named(ctx.state, &t.name)
            .filter(|g| subscription_of(&g.resource.id) == sub)
            .map(|g| {
                (
                    g.resource.key(),
                    g.resource.location().unwrap_or_default().to_string(),
                )
            })
        else {
            return Err(ArmError::new(
                StatusCode::NOT_FOUND,
                "SoftDeletedVaultDoesNotExist",
                "A soft deleted vault with the given name does not exist. Ensure that the name for the vault that is \
                 being attempted to recover is in a recoverable state. For more information on soft delete please \
                 follow this link https://go.microsoft.com/fwlink/?linkid=2149745",
            ));
        };
        if grave.0 != t.key {
            return Err(ArmError::bad_request(
                "BadRequest",
                format!(
                    "The deleted vault '{}' belongs to another resource group; recover it there.",
                    t.name
                ),
            ));
        }
        if grave.1 != location {
            return Err(ArmError::bad_request(
                "BadRequest",
                format!(
                    "The deleted vault '{}' is in location '{}'; recover it there.",
                    t.name, grave.1
                ),
            ));
        }
        ctx.state.recover(&grave.0);
        if let Some(v) = ctx.state.resource_mut(&t.key) {
            v.set_provisioning_state("RegisteringDns");
        }
        let new = NewOp::on(
            t,
            NAMESPACE,
            location,
            OpAction::Provision {
                targets: vec![t.key.clone()],
            },
        );
        schedule(ctx, new);
        let rendered = ctx
            .state
            .resource(&t.key)
            .map_or(Value::Null, |r| self.render(ctx.state, r));
        Ok(Reply::json(StatusCode::OK, rendered))
    }
}

impl TypeRules for Vaults {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let location = read_location(&body, true)?.unwrap_or_default();
        let tags = read_tags(&body)?;
        let mut props = take_properties(&mut body)?;
        for k in READ_ONLY {
            props.remove(*k);
        }
        let create_mode = str_of(&props, "createMode")
            .unwrap_or("default")
            .to_ascii_lowercase();
        props.remove("createMode");
        let existing = ctx.state.resource(&t.key).cloned();
        if existing.is_none() {
            if create_mode == "recover" {
                return self.recover(ctx, t, &location);
            }
            let sub = t.path.subscription.to_ascii_lowercase();
            if let Some(grave) = tombstone_named(ctx.state, &t.name) {
                return Err(if subscription_of(&grave.resource.id) == sub {
                    exists_in_deleted_state()
                } else {
                    already_exists(&t.name)
                });
            }
            if taken_by(ctx.state, TYPE, &t.name, &t.key).is_some() {
                return Err(already_exists(&t.name));
            }
        }
        complete(&mut props, existing.as_ref(), &t.name)?;
        let state = if existing.is_some() {
            "Succeeded"
        } else {
            "RegisteringDns"
        };
        let mut stored = Map::new();
        stored.extend(props);
        stored.insert("provisioningState".into(), json!(state));
        let doc = assemble(body, Some(&location), tags, stored);
        let rendered = crate::types::common::store(ctx, self, t, TYPE, doc, existing.as_ref(), |_| {});
        if existing.is_some() {
            return Ok(Reply::json(StatusCode::OK, rendered));
        }
        let new = NewOp::on(
            t,
            NAMESPACE,
            &location,
            OpAction::Provision {
                targets: vec![t.key.clone()],
            },
        );
        schedule(ctx, new);
        Ok(Reply::json(StatusCode::CREATED, rendered))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let tags = read_tags(&body)?;
        let Some(existing) = ctx.state.resource(&t.key).cloned() else {
            return Err(ArmError::resource_not_found(
                &t.path.type_and_names(1),
                &t.group_name,
            ));
        };
        let mut updated = existing.clone();
        if body.contains_key("tags") {
            match tags {
                Some(tags) => updated.body.insert("tags".into(), Value::Object(tags)),
                None => updated.body.remove("tags"),
            };
        }
        let mut patch = take_properties(&mut body)?;
        for k in READ_ONLY {
            patch.remove(*k);
        }
        let mut props = Value::Object(existing.properties().cloned().unwrap_or_default());
        merge_patch(&mut props, &Value::Object(patch));
        let mut props = match props {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        complete(&mut props, Some(&existing), &t.name)?;
        props.insert("provisioningState".into(), json!(existing.provisioning_state()));
        updated.body.insert("properties".into(), Value::Object(props));
        let rendered = self.render(ctx.state, &updated);
        ctx.state.put_resource(updated);
        Ok(Reply::json(StatusCode::OK, rendered))
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let Some(vault) = ctx.state.resource(&t.key) else {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        };
        let purge_at = ctx.now + Duration::days(retention_of(vault));
        ctx.state.bury(&t.key, ctx.now, purge_at);
        Ok(Reply::empty(StatusCode::OK))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(render_doc(res))
    }
}

/// The vault a secret belongs to.
pub(crate) fn vault_of<'a>(state: &'a State, child_key: &str) -> Option<&'a Resource> {
    let at = child_key.find("/secrets/")?;
    state.resource(&key_of(&child_key[..at]))
}
