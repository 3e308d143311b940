//! `key_vault`: a Key Vault with RBAC authorization, soft delete, a firewall, and secrets
//! whose values come from other modules' outputs.
//!
//! Resources: `vault` and `secret["<name>"]` (written through the management plane, which
//! never returns a secret's value). Every secret value is sensitive, whatever its source, so
//! it never appears in a plan. Purge protection and retention come from the profile; purge
//! protection is only ever sent as `true` (Azure refuses `false`, and once on it stays on).

use std::collections::BTreeMap;

use strata_core::{
    Expansion, InputError, InputSpec, Layer, Module, ModuleContext, OutputSpec, ResourceAddr, Value,
};

use crate::common::{self, Placement};
use crate::inputs::{Errors, Fields, error_at};
use crate::profiles::Profile;

pub const API_VERSION: &str = strata_azure::api_versions::KEY_VAULT;
const VAULT_TYPE: &str = "Microsoft.KeyVault/vaults";
const SECRET_TYPE: &str = "Microsoft.KeyVault/vaults/secrets";

/// The `key_vault` module.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeyVaultModule;

const INPUTS: &[InputSpec] = &[
    InputSpec {
        name: "resource_group",
        ty: "string",
        required: true,
        description: "The name of the resource group to create the vault in.",
    },
    InputSpec {
        name: "location",
        ty: "string",
        required: false,
        description: "The Azure region; defaults to the environment's location.",
    },
    InputSpec {
        name: "name",
        ty: "string",
        required: true,
        description: "The vault name: 3-24 letters, digits and `-`, starting with a letter, unique across Azure.",
    },
    InputSpec {
        name: "tenant_id",
        ty: "string",
        required: true,
        description: "The Microsoft Entra tenant that authorizes access to the vault (a GUID).",
    },
    InputSpec {
        name: "sku",
        ty: "string",
        required: false,
        description: "standard (default) or premium (HSM-backed keys).",
    },
    InputSpec {
        name: "rbac_authorization",
        ty: "bool",
        required: false,
        description: "Authorize data access with Azure RBAC rather than access policies (default true).",
    },
    InputSpec {
        name: "soft_delete_retention_days",
        ty: "number",
        required: false,
        description: "Days a deleted vault is kept recoverable, 7-90 (profile: 7, 30, 90).",
    },
    InputSpec {
        name: "purge_protection",
        ty: "bool",
        required: false,
        description: "Refuse purging deleted vaults and secrets before their retention ends (profile: off in dev). \
                      Once on, Azure keeps it on.",
    },
    InputSpec {
        name: "network_default_action",
        ty: "string",
        required: false,
        description: "Allow or Deny: what the vault's firewall does with traffic no rule allows (profile: Allow in \
                      dev, Deny otherwise). Trusted Azure services always pass.",
    },
    InputSpec {
        name: "allowed_subnet_ids",
        ty: "list(string)",
        required: false,
        description: "Subnets allowed through the firewall (they need the Microsoft.KeyVault service endpoint).",
    },
    InputSpec {
        name: "allowed_ip_ranges",
        ty: "list(string)",
        required: false,
        description: "Public IP ranges allowed through the firewall.",
    },
    InputSpec {
        name: "secrets",
        ty: "map(string)",
        required: false,
        description: "Secrets by name; values usually come from other modules, e.g. \
                      `{ storage-connection = module.storage.primary_connection_string }`. Always sensitive.",
    },
    InputSpec {
        name: "tags",
        ty: "map(string)",
        required: false,
        description: "Tags on the vault.",
    },
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "vault_id",
        sensitive: false,
        description: "The vault's ARM id.",
    },
    OutputSpec {
        name: "vault_name",
        sensitive: false,
        description: "The vault's name.",
    },
    OutputSpec {
        name: "vault_uri",
        sensitive: false,
        description: "The vault's URI, e.g. https://kv-shop-dev.vault.azure.net/ (known after apply).",
    },
    OutputSpec {
        name: "secret_ids",
        sensitive: false,
        description: "Secret ids by name.",
    },
    OutputSpec {
        name: "secret_uris",
        sensitive: false,
        description: "Secret URIs by name, for Key Vault references (known after apply).",
    },
];

impl Module for KeyVaultModule {
    fn source(&self) -> &'static str {
        "key_vault"
    }

    fn description(&self) -> &'static str {
        "A Key Vault (RBAC, soft delete, purge protection per profile, firewall) holding secrets from other modules."
    }

    fn inputs(&self) -> &'static [InputSpec] {
        INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }

    fn layer(&self) -> Layer {
        Layer::Data
    }

    fn expand(
        &self,
        ctx: &ModuleContext<'_>,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<Expansion, Vec<InputError>> {
        let defaults = Profile::of(ctx).defaults();
        let fields = Fields::root(inputs);
        let mut errs = Errors::default();
        let place = Placement::read(&fields, ctx.location, &mut errs);
        let name = common::read_name(&fields, "name", VAULT_TYPE, &mut errs);
        let tenant = errs.take(fields.req_string("tenant_id").and_then(|t| {
            if let Some(s) = &t.known
                && !is_guid(s)
            {
                return Err(fields
                    .error("tenant_id", format!("`{s}` is not a tenant id"))
                    .hint("a tenant id is a GUID; `az account show --query tenantId` prints yours"));
            }
            Ok(t)
        }));
        let sku = errs.take(common::choice(
            &fields,
            "sku",
            &["standard", "premium"],
            "standard",
        ));
        let rbac = errs.take(fields.bool_or("rbac_authorization", true));
        let retention = errs.take(common::int_in(
            &fields,
            "soft_delete_retention_days",
            7..=90,
            defaults.vault_retention_days,
            "Key Vault keeps deleted vaults for 7 to 90 days",
        ));
        let purge_protection = errs.take(fields.known_bool_or(
            "purge_protection",
            defaults.vault_purge_protection,
            "Azure refuses to turn it off, so strata must know whether to send it",
        ));
        let action = errs.take(common::choice(
            &fields,
            "network_default_action",
            &["Allow", "Deny"],
            defaults.vault_network_default_action,
        ));
        let subnets = errs.take(common::firewall_rules(&fields, "allowed_subnet_ids", "id", &[]));
        let ips = errs.take(common::firewall_rules(&fields, "allowed_ip_ranges", "value", &[]));
        let secrets = read_secrets(&fields, &mut errs);
        errs.finish()?;
        let (
            Some(place),
            Some(name),
            Some(tenant),
            Some(sku),
            Some(rbac),
            Some(retention),
            Some(purge_protection),
            Some(action),
            Some(subnets),
            Some(ips),
        ) = (
            place,
            name,
            tenant,
            sku,
            rbac,
            retention,
            purge_protection,
            action,
            subnets,
            ips,
        )
        else {
            return Err(Vec::new());
        };

        let group = place.group_id(ctx.subscription_id);
        let vault_id = common::id(&fields, "name", &group, VAULT_TYPE, &name)?;
        let vault_addr = ResourceAddr::module(ctx.label, "vault", None);
        let mut props = vec![
            ("tenantId", tenant.value),
            (
                "sku",
                Value::object([("family", Value::from("A")), ("name", Value::from(sku))]),
            ),
            ("enableRbacAuthorization", rbac.value),
            ("softDeleteRetentionInDays", retention.value),
            (
                "networkAcls",
                Value::object([
                    ("bypass", Value::from("AzureServices")),
                    ("defaultAction", Value::from(action)),
                    ("virtualNetworkRules", subnets),
                    ("ipRules", ips),
                ]),
            ),
        ];
        if purge_protection {
            props.push(("enablePurgeProtection", Value::from(true)));
        }
        let mut body = place.top();
        body.push(("properties", Value::object(props)));
        let mut vault = common::resource(
            vault_addr.clone(),
            vault_id.clone(),
            API_VERSION,
            Value::object(body),
            Layer::Data,
            &[],
        );
        vault.force_new = strata_azure::replace_on_change(&vault.resource_type());
        vault.lifecycle.prevent_destroy = defaults.prevent_destroy_stateful;
        vault.soft_delete = strata_azure::soft_delete::for_resource(&vault);

        let mut resources = vec![vault];
        let mut secret_ids = BTreeMap::new();
        let mut secret_uris = BTreeMap::new();
        for (secret_name, value) in secrets {
            let id = vault_id.child("secrets", &secret_name);
            let addr = ResourceAddr::module(ctx.label, "secret", Some(&secret_name));
            let mut r = common::resource(
                addr.clone(),
                id.clone(),
                API_VERSION,
                Value::object([("properties", Value::object([("value", common::secret(value))]))]),
                Layer::Data,
                &[],
            );
            r.force_new = strata_azure::replace_on_change(&r.resource_type());
            secret_ids.insert(secret_name.clone(), Value::from(id.as_str()));
            secret_uris.insert(secret_name, Value::attr(&addr, "properties.secretUri"));
            resources.push(r);
        }

        let outputs = BTreeMap::from([
            ("vault_id".to_string(), Value::from(vault_id.as_str())),
            ("vault_name".to_string(), Value::from(name)),
            (
                "vault_uri".to_string(),
                Value::attr(&vault_addr, "properties.vaultUri"),
            ),
            ("secret_ids".to_string(), Value::Object(secret_ids)),
            ("secret_uris".to_string(), Value::Object(secret_uris)),
        ]);
        Ok(Expansion {
            resources,
            outputs,
            diagnostics: None,
        })
    }
}

/// The secrets by name, values as given (they are marked sensitive when written).
fn read_secrets(fields: &Fields<'_>, errs: &mut Errors) -> Vec<(String, Value)> {
    let Some(map) = errs.take(fields.opt_map_string("secrets")).flatten() else {
        return Vec::new();
    };
    let Some(items) = map.known else {
        errs.push(
            fields
                .error(
                    "secrets",
                    "`secrets` must be known at plan time (its keys name the secrets)",
                )
                .hint("write the map literally; its values may come from other modules"),
        );
        return Vec::new();
    };
    let rule = strata_azure::naming::rule_for(SECRET_TYPE);
    let mut out = Vec::with_capacity(items.len());
    for (name, value) in items {
        if let Err(why) = rule.check(&name) {
            errs.push(
                error_at(
                    crate::inputs::join(&fields.path_to("secrets"), &[crate::inputs::key(&name)]),
                    why,
                )
                .hint(rule.hint(&name)),
            );
            continue;
        }
        out.push((name, value.value));
    }
    out
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex.
pub(crate) fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests;
