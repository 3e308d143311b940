//! `storage`: a storage account with its blob service and containers, secure by default.
//!
//! Resources: `account`, `blob_service` (the account's `default` blob service, which holds
//! versioning and soft delete) and `container["<name>"]`. The account is HTTPS only, TLS 1.2
//! at least, and refuses public blob access unless a container asks for it. Replication
//! comes from the profile (LRS in dev, GZRS in staging, RA-GZRS in prod). The keys are read
//! after every write through the `listKeys` action (kept as a sensitive attribute), so the
//! key and connection string outputs are known after apply and always sensitive.
//!
//! In the standby estate of an environment with disaster recovery, the module creates
//! nothing: the account's geo-replication (GZRS or RA-GZRS, the default when disaster
//! recovery is declared) is the storage's copy in the secondary region, and the block's
//! outputs are the primary's (the same account).

use std::collections::BTreeMap;

use strata_azure::behaviour::regions::storage_geo_replication;
use strata_core::{
    Deferred, EstateRole, Expansion, InputError, InputSpec, Layer, Module, ModuleContext, OutputSpec,
    ReadAction, ResourceAddr, Value,
};

use crate::common::{self, Placement};
use crate::inputs::{Errors, Fields, error_at};
use crate::profiles::Profile;

pub const API_VERSION: &str = strata_azure::api_versions::STORAGE;
const ACCOUNT_TYPE: &str = "Microsoft.Storage/storageAccounts";
const CONTAINER_TYPE: &str = "Microsoft.Storage/storageAccounts/blobServices/containers";

const REPLICATIONS: &[&str] = &[
    "Standard_LRS",
    "Standard_ZRS",
    "Standard_GRS",
    "Standard_RAGRS",
    "Standard_GZRS",
    "Standard_RAGZRS",
    "Premium_LRS",
    "Premium_ZRS",
];
const KINDS: &[&str] = &[
    "StorageV2",
    "BlobStorage",
    "BlockBlobStorage",
    "FileStorage",
    "Storage",
];
const ACCESS: &[(&str, &str)] = &[("private", "None"), ("blob", "Blob"), ("container", "Container")];
const CONTAINER_FIELDS: &[&str] = &["access", "metadata"];

/// The `storage` module.
#[derive(Clone, Copy, Debug, Default)]
pub struct StorageModule;

const INPUTS: &[InputSpec] = &[
    InputSpec {
        name: "resource_group",
        ty: "string",
        required: true,
        description: "The name of the resource group to create the account in.",
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
        description: "The account name: 3-24 lowercase letters and digits, unique across Azure.",
    },
    InputSpec {
        name: "kind",
        ty: "string",
        required: false,
        description: "StorageV2 (default), BlobStorage, BlockBlobStorage, FileStorage or Storage. Changing it replaces the account.",
    },
    InputSpec {
        name: "replication",
        ty: "string",
        required: false,
        description: "The sku: Standard_LRS, Standard_ZRS, Standard_GZRS, Standard_RAGZRS, … (profile: LRS in dev, GZRS in staging, RA-GZRS in prod).",
    },
    InputSpec {
        name: "access_tier",
        ty: "string",
        required: false,
        description: "Hot (default) or Cool, for StorageV2 and BlobStorage accounts.",
    },
    InputSpec {
        name: "containers",
        ty: "map(object)",
        required: false,
        description: "Blob containers by name: { access = \"private\" (default) | \"blob\" | \"container\", metadata = { … } }. \
                      Public blob access is allowed on the account only when a container asks for it.",
    },
    InputSpec {
        name: "versioning",
        ty: "bool",
        required: false,
        description: "Blob versioning (default true).",
    },
    InputSpec {
        name: "soft_delete_days",
        ty: "number",
        required: false,
        description: "Days deleted blobs and containers are kept (1-365; profile: 7, 14, 30).",
    },
    InputSpec {
        name: "network_default_action",
        ty: "string",
        required: false,
        description: "Allow (default) or Deny: what the account's firewall does with traffic no rule allows.",
    },
    InputSpec {
        name: "allowed_subnet_ids",
        ty: "list(string)",
        required: false,
        description: "Subnets allowed through the firewall (they need the Microsoft.Storage service endpoint).",
    },
    InputSpec {
        name: "allowed_ip_ranges",
        ty: "list(string)",
        required: false,
        description: "Public IP ranges allowed through the firewall.",
    },
    InputSpec {
        name: "tags",
        ty: "map(string)",
        required: false,
        description: "Tags on the account.",
    },
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "account_id",
        sensitive: false,
        description: "The storage account's ARM id.",
    },
    OutputSpec {
        name: "account_name",
        sensitive: false,
        description: "The storage account's name.",
    },
    OutputSpec {
        name: "container_ids",
        sensitive: false,
        description: "Container ids by name.",
    },
    OutputSpec {
        name: "primary_blob_endpoint",
        sensitive: false,
        description: "The blob endpoint (known after apply).",
    },
    OutputSpec {
        name: "primary_access_key",
        sensitive: true,
        description: "The first account key (from listKeys, known after apply).",
    },
    OutputSpec {
        name: "secondary_access_key",
        sensitive: true,
        description: "The second account key, for rotation.",
    },
    OutputSpec {
        name: "primary_connection_string",
        sensitive: true,
        description: "A connection string with the first key, e.g. to store in Key Vault.",
    },
    OutputSpec {
        name: "secondary_connection_string",
        sensitive: true,
        description: "A connection string with the second key.",
    },
];

impl Module for StorageModule {
    fn source(&self) -> &'static str {
        "storage"
    }

    fn description(&self) -> &'static str {
        "A storage account (HTTPS only, TLS 1.2, no public access by default, versioning and soft delete) with blob containers."
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
        if ctx.estate.role == EstateRole::Standby {
            return standby(ctx);
        }
        let defaults = Profile::of(ctx).defaults();
        let fields = Fields::root(inputs);
        let mut errs = Errors::default();
        let place = Placement::read(&fields, ctx.location, &mut errs);
        let name = common::read_name(&fields, "name", ACCOUNT_TYPE, &mut errs);
        let kind = errs.take(common::choice(&fields, "kind", KINDS, "StorageV2"));
        // With disaster recovery declared, the default keeps a copy in the paired region.
        let default_replication = match ctx.disaster_recovery {
            Some(_) if !storage_geo_replication(defaults.storage_replication).0 => "Standard_GZRS",
            _ => defaults.storage_replication,
        };
        let replication = errs.take(common::choice(
            &fields,
            "replication",
            REPLICATIONS,
            default_replication,
        ));
        if let (Some(dr), Some(sku)) = (ctx.disaster_recovery, &replication)
            && !storage_geo_replication(sku).0
        {
            errs.push(
                fields
                    .error(
                        "replication",
                        format!(
                            "`{sku}` keeps no copy outside {}, and the environment declares disaster recovery to {}",
                            ctx.location, dr.secondary_location
                        ),
                    )
                    .hint("use Standard_GZRS or Standard_RAGZRS (the default when disaster recovery is declared)"),
            );
        }
        if let (Some(kind), Some(sku)) = (&kind, &replication)
            && matches!(kind.as_str(), "BlockBlobStorage" | "FileStorage")
            && !sku.starts_with("Premium_")
        {
            errs.push(
                fields
                    .error(
                        "replication",
                        format!("a {kind} account needs a Premium sku, not `{sku}`"),
                    )
                    .hint("use Premium_LRS or Premium_ZRS, or kind = \"StorageV2\""),
            );
        }
        let tier = errs.take(common::choice(&fields, "access_tier", &["Hot", "Cool"], "Hot"));
        let versioning = errs.take(fields.bool_or("versioning", true));
        let soft_delete = errs.take(common::int_in(
            &fields,
            "soft_delete_days",
            1..=365,
            defaults.storage_soft_delete_days,
            "Azure keeps deleted blobs and containers for 1 to 365 days",
        ));
        let network = network_acls(&fields, &mut errs);
        let containers = read_containers(&fields, &mut errs);
        errs.finish()?;
        let (
            Some(place),
            Some(name),
            Some(kind),
            Some(replication),
            Some(tier),
            Some(versioning),
            Some(soft_delete),
        ) = (place, name, kind, replication, tier, versioning, soft_delete)
        else {
            return Err(Vec::new());
        };

        let group = place.group_id(ctx.subscription_id);
        let account_id = common::id(&fields, "name", &group, ACCOUNT_TYPE, &name)?;
        let account_addr = ResourceAddr::module(ctx.label, "account", None);
        let public = containers.iter().any(|c| c.access != "None");
        let mut props = vec![
            ("supportsHttpsTrafficOnly", Value::from(true)),
            ("minimumTlsVersion", Value::from("TLS1_2")),
            ("allowBlobPublicAccess", Value::from(public)),
            ("allowCrossTenantReplication", Value::from(false)),
        ];
        if matches!(kind.as_str(), "StorageV2" | "BlobStorage") {
            props.push(("accessTier", Value::from(tier)));
        }
        if let Some(acls) = network {
            props.push(("networkAcls", acls));
        }
        let mut body = place.top();
        body.push(("sku", Value::object([("name", Value::from(replication))])));
        body.push(("kind", Value::from(kind)));
        body.push(("properties", Value::object(props)));
        let mut account = common::resource(
            account_addr.clone(),
            account_id.clone(),
            API_VERSION,
            Value::object(body),
            Layer::Data,
            &[],
        );
        account.force_new = strata_azure::replace_on_change(&account.resource_type());
        account.lifecycle.prevent_destroy = defaults.prevent_destroy_stateful;
        account.read_actions = vec![ReadAction {
            on: None,
            before_write: false,
            name: "listKeys".into(),
            api_version: API_VERSION.into(),
        }];

        let service_id = account_id.child("blobServices", "default");
        let retention =
            |days: &Value| Value::object([("enabled", Value::from(true)), ("days", days.clone())]);
        let mut service = common::resource(
            ResourceAddr::module(ctx.label, "blob_service", None),
            service_id.clone(),
            API_VERSION,
            Value::object([(
                "properties",
                Value::object([
                    ("isVersioningEnabled", versioning.value),
                    ("deleteRetentionPolicy", retention(&soft_delete.value)),
                    ("containerDeleteRetentionPolicy", retention(&soft_delete.value)),
                ]),
            )]),
            Layer::Data,
            &[&account_addr],
        );
        service.force_new = strata_azure::replace_on_change(&service.resource_type());

        let mut resources = vec![account, service];
        let mut container_ids = BTreeMap::new();
        for c in containers {
            let id = service_id.child("containers", &c.name);
            let mut props = vec![("publicAccess", Value::from(c.access))];
            if let Some(m) = c.metadata {
                props.push(("metadata", m));
            }
            let mut r = common::resource(
                ResourceAddr::module(ctx.label, "container", Some(&c.name)),
                id.clone(),
                API_VERSION,
                Value::object([("properties", Value::object(props))]),
                Layer::Data,
                &[],
            );
            r.force_new = strata_azure::replace_on_change(&r.resource_type());
            container_ids.insert(c.name, Value::from(id.as_str()));
            resources.push(r);
        }

        let key =
            |i: usize| Value::attr(&account_addr, &format!("$action:listKeys.keys[{i}].value")).sensitive();
        let connection = |i: usize| {
            Value::unknown(Deferred::Template {
                parts: vec![
                    Value::from(format!(
                        "DefaultEndpointsProtocol=https;AccountName={name};AccountKey="
                    )),
                    key(i),
                    Value::from(";EndpointSuffix=core.windows.net"),
                ],
            })
            .sensitive()
        };
        let outputs = BTreeMap::from([
            ("account_id".to_string(), Value::from(account_id.as_str())),
            ("account_name".to_string(), Value::from(name.as_str())),
            ("container_ids".to_string(), Value::Object(container_ids)),
            (
                "primary_blob_endpoint".to_string(),
                Value::attr(&account_addr, "properties.primaryEndpoints.blob"),
            ),
            ("primary_access_key".to_string(), key(0)),
            ("secondary_access_key".to_string(), key(1)),
            ("primary_connection_string".to_string(), connection(0)),
            ("secondary_connection_string".to_string(), connection(1)),
        ]);
        Ok(Expansion {
            resources,
            outputs,
            diagnostics: None,
        })
    }
}

/// The standby estate's block: no resources (the primary's account replicates to the
/// secondary region), and the primary's outputs.
fn standby(ctx: &ModuleContext<'_>) -> Result<Expansion, Vec<InputError>> {
    common::shared_with_primary(ctx, "name", "has no storage account of its own")
}

struct Container {
    name: String,
    /// ARM's `publicAccess`.
    access: &'static str,
    metadata: Option<Value>,
}

fn read_containers(fields: &Fields<'_>, errs: &mut Errors) -> Vec<Container> {
    let entries = errs
        .take(fields.opt_known_map_object("containers", "its keys name the containers"))
        .unwrap_or_default();
    let rule = strata_azure::naming::rule_for(CONTAINER_TYPE);
    let mut out = Vec::with_capacity(entries.len());
    for (name, c) in entries {
        errs.extend(c.unknown_fields(CONTAINER_FIELDS));
        if let Err(why) = rule.check(&name) {
            errs.push(error_at(c.path().to_vec(), why).hint(rule.hint(&name)));
            continue;
        }
        let access = match errs.take(c.known_string_or(
            "access",
            "private",
            "it decides who can read the blobs",
        )) {
            Some(a) => match ACCESS.iter().find(|(k, _)| k.eq_ignore_ascii_case(&a)) {
                Some((_, arm)) => *arm,
                None => {
                    errs.push(
                        c.error("access", format!("`{a}` is not a container access level"))
                            .hint("use \"private\" (no anonymous access), \"blob\" (anonymous reads of blobs) or \"container\" (anonymous listing too)"),
                    );
                    continue;
                }
            },
            None => continue,
        };
        let metadata = errs.take(c.opt_map_string("metadata")).flatten().map(|m| m.value);
        out.push(Container {
            name,
            access,
            metadata,
        });
    }
    out
}

/// `networkAcls`, when the firewall is asked to deny or to allow something specific.
fn network_acls(fields: &Fields<'_>, errs: &mut Errors) -> Option<Value> {
    let action = errs.take(common::choice(
        fields,
        "network_default_action",
        &["Allow", "Deny"],
        "Allow",
    ))?;
    let allow = [("action", Value::from("Allow"))];
    let vnet_rules = errs.take(common::firewall_rules(fields, "allowed_subnet_ids", "id", &allow))?;
    let ip_rules = errs.take(common::firewall_rules(
        fields,
        "allowed_ip_ranges",
        "value",
        &allow,
    ))?;
    let no_rules = vnet_rules.as_list().is_some_and(<[Value]>::is_empty)
        && ip_rules.as_list().is_some_and(<[Value]>::is_empty);
    if action == "Allow" && no_rules {
        return None;
    }
    Some(Value::object([
        ("bypass", Value::from("AzureServices")),
        ("defaultAction", Value::from(action)),
        ("virtualNetworkRules", vnet_rules),
        ("ipRules", ip_rules),
    ]))
}

#[cfg(test)]
mod tests;
