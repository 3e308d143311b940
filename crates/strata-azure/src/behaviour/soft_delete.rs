//! The resource types Azure soft-deletes, and how strata recovers or purges them: one table,
//! used by the modules for what they create, by the configuration for generic `resource`
//! blocks (through strata-modules' registry) and by the engine for states written before the
//! choice was recorded per resource ([`soft_delete_fallback`]).
//!
//! | type | deleted namesake | recover | purge |
//! |---|---|---|---|
//! | `Microsoft.KeyVault/vaults` | `/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}` | PUT with `properties.createMode = "recover"` | `POST {deleted}/purge`, refused under purge protection |
//! | `Microsoft.OperationalInsights/workspaces` | not readable | a PUT of the same name in the same group and region | `DELETE {id}?force=true` |
//!
//! Of the other types the modules create, none holds its name after a delete: storage
//! accounts, PostgreSQL servers, web apps and Application Insights can be restored in some
//! cases, but the name is free again at once (web app names stay reserved only against other
//! tenants), so a create never meets a deleted namesake. Blob and
//! container soft delete (the storage module's `soft_delete_days`) is data-plane, and Key Vault
//! secrets are never deleted through ARM. Types with soft delete the modules do not create (App
//! Configuration stores, Cognitive Services accounts, API Management, Recovery Services
//! vaults) are not in the table: their generic `resource` blocks get no soft-delete handling.

use strata_core::{ArmId, DesiredResource, PathStep, Purge, Recover, SoftDelete, Value};

/// Key Vault vaults, read and purged at the vault api-version.
pub const KEY_VAULT_TYPE: &str = "Microsoft.KeyVault/vaults";
/// Log Analytics workspaces.
pub const WORKSPACE_TYPE: &str = "Microsoft.OperationalInsights/workspaces";

/// How Azure soft-deletes `r`, from its type, id, `location` and (for Key Vault)
/// `properties.enablePurgeProtection`; `None` for a type Azure does not soft-delete.
///
/// A Key Vault whose location is not known at plan time has no `deleted_id` (strata cannot
/// say where its deleted namesake would be); the modules always know it.
pub fn for_resource(r: &DesiredResource) -> Option<SoftDelete> {
    let ty = r.resource_type();
    if ty.eq_ignore_ascii_case(KEY_VAULT_TYPE) {
        let protected = r
            .body
            .at(&[
                PathStep::Key("properties".into()),
                PathStep::Key("enablePurgeProtection".into()),
            ])
            .and_then(|v| v.unmarked().as_bool())
            .unwrap_or(false);
        Some(SoftDelete {
            deleted_id: deleted_vault_id(&r.id, r.body.get("location")),
            api_version: r.api_version.clone(),
            recover: Recover::CreateModeRecover,
            purge: Purge::PostPurge,
            purge_protected: protected,
        })
    } else if ty.eq_ignore_ascii_case(WORKSPACE_TYPE) {
        Some(SoftDelete {
            deleted_id: None,
            api_version: r.api_version.clone(),
            recover: Recover::PutRecovers,
            purge: Purge::ForceDelete,
            purge_protected: false,
        })
    } else {
        None
    }
}

/// `/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}`,
/// with the location as ARM spells it (`West Europe` → `westeurope`).
fn deleted_vault_id(vault: &ArmId, location: Option<&Value>) -> Option<ArmId> {
    let location: String = location?
        .unmarked()
        .as_str()?
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if location.is_empty() {
        return None;
    }
    ArmId::parse(&format!(
        "/subscriptions/{}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{}",
        vault.subscription_id(),
        vault.name()
    ))
    .ok()
}

/// Log Analytics workspaces: a re-created name recovers them; `force=true` deletes for good.
static WORKSPACE: SoftDelete = SoftDelete {
    deleted_id: None,
    api_version: String::new(),
    recover: Recover::PutRecovers,
    purge: Purge::ForceDelete,
    purge_protected: false,
};

/// How `resource_type` soft-deletes when nothing more specific is recorded (Key Vaults need
/// their location and name for their deleted id, so they are always recorded per resource).
pub fn soft_delete_fallback(resource_type: &str) -> Option<&'static SoftDelete> {
    resource_type
        .eq_ignore_ascii_case(WORKSPACE_TYPE)
        .then_some(&WORKSPACE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::ResourceAddr;

    fn resource(ty: &str, name: &str, body: Value) -> DesiredResource {
        let rg = ArmId::resource_group("sub", "rg");
        DesiredResource::new(
            ResourceAddr::resource(name),
            strata_core::id_for(&rg, ty, name).unwrap(),
            "2024-11-01",
            body,
            crate::layer_for(ty),
        )
    }

    #[test]
    fn key_vaults_are_recovered_by_create_mode_and_purged_by_post() {
        let body = Value::object([
            ("location", Value::from("West Europe")),
            (
                "properties",
                Value::object([("enablePurgeProtection", Value::from(true))]),
            ),
        ]);
        let sd = for_resource(&resource("Microsoft.KeyVault/vaults", "kv-shop", body)).unwrap();
        assert_eq!(
            sd.deleted_id.unwrap().as_str(),
            "/subscriptions/sub/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-shop"
        );
        assert_eq!(sd.api_version, "2024-11-01");
        assert_eq!(sd.recover, Recover::CreateModeRecover);
        assert_eq!(sd.purge, Purge::PostPurge);
        assert!(sd.purge_protected);

        let unprotected = Value::object([("location", Value::from("westeurope"))]);
        let sd = for_resource(&resource("microsoft.keyvault/VAULTS", "kv", unprotected)).unwrap();
        assert!(!sd.purge_protected);
        let unknown_location =
            Value::object([("location", Value::attr(&ResourceAddr::resource("x"), "location"))]);
        let sd = for_resource(&resource("Microsoft.KeyVault/vaults", "kv", unknown_location)).unwrap();
        assert_eq!(sd.deleted_id, None);
    }

    #[test]
    fn workspaces_are_recovered_by_a_put_and_purged_by_force() {
        let sd = for_resource(&resource(
            "Microsoft.OperationalInsights/workspaces",
            "log",
            Value::object([("location", Value::from("westeurope"))]),
        ))
        .unwrap();
        assert_eq!(sd.deleted_id, None);
        assert_eq!(sd.recover, Recover::PutRecovers);
        assert_eq!(sd.purge, Purge::ForceDelete);
        assert!(!sd.purge_protected);
    }

    #[test]
    fn fallbacks_ignore_case() {
        let sd = soft_delete_fallback("microsoft.operationalinsights/WORKSPACES").unwrap();
        assert_eq!(sd.recover, Recover::PutRecovers);
        assert_eq!(sd.purge, Purge::ForceDelete);
        assert!(soft_delete_fallback("Microsoft.KeyVault/vaults").is_none());
    }

    #[test]
    fn other_types_are_not_soft_deleted() {
        for ty in [
            "Microsoft.Storage/storageAccounts",
            "Microsoft.DBforPostgreSQL/flexibleServers",
            "Microsoft.Insights/components",
            "Microsoft.Network/virtualNetworks",
        ] {
            assert_eq!(
                for_resource(&resource(ty, "x1234", Value::object::<&str>([]))),
                None,
                "{ty}"
            );
        }
    }
}
