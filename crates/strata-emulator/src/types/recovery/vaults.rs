//! Microsoft.RecoveryServices/vaults and the vault's storage configuration.
//!
//! Storage redundancy (`GeoRedundant` by default, `LocallyRedundant`, `ZoneRedundant`) and
//! cross-region restore (only for geo-redundant vaults in a region with a pair) can change only
//! while nothing is protected: afterwards `StorageModelModifyError`. Writes are long-running
//! (201/200 + `Azure-AsyncOperation`); DELETE is refused while protected items remain
//! (`ServiceResourceNotEmpty`), else 202.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{assemble, read_location, read_tags, render_doc, str_of, take_properties};
use super::super::longrun::{NewOp, schedule};
use super::super::{Ctx, Target, TypeRules};
use super::{NAMESPACE, items, refuse};
use crate::protocol::{self, ArmError, Reply};
use crate::store::{OpAction, Resource, State};
use strata_azure::behaviour::regions::pair_of as paired;

pub(crate) const TYPE: &str = "Microsoft.RecoveryServices/vaults";
pub(crate) const STORAGE_CONFIG_TYPE: &str = "Microsoft.RecoveryServices/vaults/backupstorageconfig";

const REDUNDANCY: &[&str] = &["GeoRedundant", "LocallyRedundant", "ZoneRedundant"];

fn one_of(value: &str, allowed: &[&str], field: &str) -> Result<String, ArmError> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value))
        .map(|a| (*a).to_string())
        .ok_or_else(|| {
            refuse(
                "InvalidParameter",
                format!(
                    "'{value}' is not a valid value of {field}: use one of {}.",
                    allowed.join(", ")
                ),
            )
        })
}

/// Checks and applies new redundancy settings to a vault's properties.
fn set_redundancy(
    state: &State,
    vault: &Target,
    location: &str,
    props: &mut Map<String, Value>,
    old: Option<&Map<String, Value>>,
    wanted: (Option<&str>, Option<&str>),
) -> Result<(), ArmError> {
    let old_settings = old
        .and_then(|o| o.get("redundancySettings"))
        .and_then(Value::as_object);
    let old_storage = old_settings
        .and_then(|s| str_of(s, "standardTierStorageRedundancy"))
        .unwrap_or("GeoRedundant");
    let old_crr = old_settings
        .and_then(|s| str_of(s, "crossRegionRestore"))
        .unwrap_or("Disabled");
    let storage = one_of(
        wanted.0.unwrap_or(old_storage),
        REDUNDANCY,
        "redundancySettings.standardTierStorageRedundancy",
    )?;
    let crr = one_of(
        wanted.1.unwrap_or(old_crr),
        &["Enabled", "Disabled"],
        "redundancySettings.crossRegionRestore",
    )?;
    let changed = !storage.eq_ignore_ascii_case(old_storage) || !crr.eq_ignore_ascii_case(old_crr);
    if old.is_some() && changed && items::protected_count(state, &vault.key) > 0 {
        return Err(refuse(
            "StorageModelModifyError",
            "Storage Redundancy option is locked when the first item is protected in the vault, and cannot be \
             modified thereafter."
                .into(),
        ));
    }
    if crr == "Enabled" {
        if storage != "GeoRedundant" {
            return Err(refuse(
                "CrossRegionRestoreNotSupported",
                format!("Cross-region restore needs a geo-redundant vault, not '{storage}'."),
            ));
        }
        if paired(location).is_none() {
            return Err(refuse(
                "CrossRegionRestoreNotSupported",
                format!(
                    "Region '{location}' has no paired region: cross-region restore is not available there."
                ),
            ));
        }
    }
    props.insert(
        "redundancySettings".into(),
        json!({"standardTierStorageRedundancy": storage, "crossRegionRestore": crr}),
    );
    Ok(())
}

pub(crate) struct Vaults;

impl TypeRules for Vaults {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let location = read_location(&body, true)?.unwrap_or_default();
        let tags = read_tags(&body)?;
        let existing = ctx.state.resource(&t.key).cloned();
        let sku = body
            .get("sku")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let sku_name = str_of(&sku, "name").unwrap_or("");
        if !["RS0", "Standard"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(sku_name))
        {
            return Err(refuse(
                "InvalidSkuName",
                format!(
                    "The sku '{sku_name}' is not valid for a Recovery Services vault: use RS0 (tier Standard)."
                ),
            ));
        }
        body.insert("sku".into(), json!({"name": "RS0", "tier": "Standard"}));
        let mut props = take_properties(&mut body)?;
        let old = existing.as_ref().and_then(Resource::properties);
        let wanted = props
            .get("redundancySettings")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        set_redundancy(
            ctx.state,
            t,
            &location,
            &mut props,
            old,
            (
                str_of(&wanted, "standardTierStorageRedundancy"),
                str_of(&wanted, "crossRegionRestore"),
            ),
        )?;
        props
            .entry("publicNetworkAccess")
            .or_insert_with(|| json!("Enabled"));
        props.insert("privateEndpointStateForBackup".into(), json!("None"));
        props.insert("privateEndpointStateForSiteRecovery".into(), json!("None"));
        props.insert("provisioningState".into(), json!("Updating"));
        let created = existing.is_none();
        let order = existing
            .as_ref()
            .map_or_else(|| ctx.state.next_order(), |e| e.order);
        let doc = assemble(body, Some(&location), tags, props);
        ctx.state.put_resource(Resource {
            id: t.id.clone(),
            resource_type: TYPE.into(),
            body: doc,
            order,
            ..Resource::default()
        });
        if created {
            items::make_fabric(ctx.state, &t.id);
        }
        let op = schedule(
            ctx,
            NewOp::on(
                t,
                NAMESPACE,
                &location,
                OpAction::Provision {
                    targets: vec![t.key.clone()],
                },
            ),
        );
        let rendered = ctx
            .state
            .resource(&t.key)
            .map(|r| self.render(ctx.state, r))
            .unwrap_or_default();
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok(protocol::with_async_operation(
            Reply::json(status, rendered),
            ctx.base_url,
            &op,
            ctx.now,
        ))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        super::super::web::patch(ctx, t, body, self)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let Some(vault) = ctx.state.resource(&t.key) else {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        };
        let location = vault.location().unwrap_or(&t.group_location).to_string();
        let count = items::protected_count(ctx.state, &t.key);
        if count > 0 {
            return Err(refuse(
                "ServiceResourceNotEmpty",
                format!(
                    "Vault '{}' cannot be deleted as there are existing resources within the vault: {count} protected \
                     item(s). Stop protection and delete the backup data of each item, then retry.",
                    t.name
                ),
            ));
        }
        if let Some(v) = ctx.state.resource_mut(&t.key) {
            v.set_provisioning_state("Deleting");
        }
        let action = OpAction::Delete {
            target: t.key.clone(),
            settle: Vec::new(),
            also: Vec::new(),
        };
        let op = schedule(ctx, NewOp::on(t, NAMESPACE, &location, action));
        Ok(protocol::accepted(ctx.base_url, &op, ctx.now, true))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(render_doc(res))
    }
}

/// `vaults/{v}/backupstorageconfig/vaultstorageconfig`: the vault's redundancy in the older
/// words (`storageModelType`, `crossRegionRestoreFlag`) and whether it is still changeable.
pub(crate) struct StorageConfig;

impl StorageConfig {
    fn document(state: &State, vault: &Resource) -> Value {
        let props = vault.properties().cloned().unwrap_or_default();
        let settings = props.get("redundancySettings").and_then(Value::as_object);
        let storage = settings
            .and_then(|s| str_of(s, "standardTierStorageRedundancy"))
            .unwrap_or("GeoRedundant");
        let crr = settings.and_then(|s| str_of(s, "crossRegionRestore")) == Some("Enabled");
        let locked = items::protected_count(state, &vault.key()) > 0;
        json!({
            "id": format!("{}/backupstorageconfig/vaultstorageconfig", vault.id),
            "name": "vaultstorageconfig",
            "type": STORAGE_CONFIG_TYPE,
            "properties": {
                "storageModelType": storage,
                "storageType": storage,
                "storageTypeState": if locked { "Locked" } else { "Unlocked" },
                "crossRegionRestoreFlag": crr,
            },
        })
    }

    fn write(
        &self,
        ctx: &mut Ctx<'_>,
        t: &Target,
        mut body: Map<String, Value>,
        patch: bool,
    ) -> Result<Reply, ArmError> {
        let vault_key = t.parent_key.clone().unwrap_or_default();
        let Some(vault) = ctx.state.resource(&vault_key).cloned() else {
            return Err(ArmError::resource_not_found(
                &t.path.type_and_names(1),
                &t.group_name,
            ));
        };
        let props = take_properties(&mut body)?;
        let storage = str_of(&props, "storageModelType").or_else(|| str_of(&props, "storageType"));
        let crr = props
            .get("crossRegionRestoreFlag")
            .and_then(Value::as_bool)
            .map(|b| if b { "Enabled" } else { "Disabled" });
        let location = vault.location().unwrap_or_default().to_string();
        let mut vprops = vault.properties().cloned().unwrap_or_default();
        let vault_target = Target {
            key: vault_key.clone(),
            ..t.clone()
        };
        set_redundancy(
            ctx.state,
            &vault_target,
            &location,
            &mut vprops,
            vault.properties(),
            (storage, crr),
        )?;
        if let Some(v) = ctx.state.resource_mut(&vault_key) {
            v.properties_mut()
                .insert("redundancySettings".into(), vprops["redundancySettings"].clone());
        }
        if patch {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        self.get(ctx, t)
    }
}

impl TypeRules for StorageConfig {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(STORAGE_CONFIG_TYPE)
    }

    fn exists(&self, state: &State, t: &Target) -> bool {
        t.name.eq_ignore_ascii_case("vaultstorageconfig")
            && t.parent_key.as_deref().and_then(|k| state.resource(k)).is_some()
    }

    fn get(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let vault = t.parent_key.as_deref().and_then(|k| ctx.state.resource(k));
        match vault {
            Some(v) => Ok(Reply::json(StatusCode::OK, Self::document(ctx.state, v))),
            None => Err(ArmError::resource_not_found(
                &t.path.type_and_names(1),
                &t.group_name,
            )),
        }
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        self.write(ctx, t, body, false)
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        self.write(ctx, t, body, true)
    }

    fn delete(&self, _ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        Err(ArmError::method_not_allowed(&format!("DELETE ({})", t.full_type)))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(render_doc(res))
    }
}
