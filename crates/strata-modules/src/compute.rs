//! `compute`: virtual machines, a VM scale set, or an App Service web app, chosen by `kind`.
//!
//! - `kind = "vm"` ([`vm`]): `count` Linux VMs (`vm["1"]`, …), each with its NIC (`nic["1"]`)
//!   and, only when asked, a Standard public IP (`public_ip["1"]`); spread round-robin over
//!   the profile's zones; SSH keys only, no passwords.
//! - `kind = "vmss"` ([`vmss`]): one Uniform scale set (`scale_set`) of `count` instances,
//!   zone-balanced over the profile's zones.
//! - `kind = "app_service"` ([`app_service`]): a Linux App Service plan (`plan`) and web app
//!   (`app`), HTTPS only, TLS 1.2, FTP off, integrated into the app subnet.
//!
//! With disaster recovery (in either estate), VMs get Azure Backup's vault and daily policy
//! in their own region, geo-redundant with cross-region restore ([`backup`]: the machines
//! themselves are enrolled outside strata). Azure Backup does not protect the instances of a
//! scale set as VMs: a scale set is redeployed from code in the secondary region (the standby
//! estate runs its own), and nothing backs it up. An App Service app is likewise redeployed.
//!
//! Sizes, instance counts and zones come from the profile, and the profile refuses sizes it
//! does not allow (large sizes in dev, burstable sizes in staging and prod). Every output
//! exists for every kind; those that do not apply are empty or null.

mod app_service;
mod backup;
mod os;
mod vm;
mod vmss;

use std::collections::BTreeMap;

use strata_core::{Expansion, InputError, InputSpec, Layer, Module, ModuleContext, OutputSpec, Value};

use crate::common::{Placement, SubnetRef};
use crate::inputs::{Errors, Fields};
use crate::profiles::Profile;

const KINDS: &[&str] = &["vm", "vmss", "app_service"];

/// Outputs that are lists (empty for the kinds they do not apply to); the others are null.
const LIST_OUTPUTS: &[&str] = &["vm_ids", "nic_ids", "private_ip_addresses", "public_ip_addresses"];

/// Inputs that only some kinds take, and which.
const ONLY_FOR: &[(&str, &[&str])] = &[
    ("size", &["vm", "vmss"]),
    ("image", &["vm", "vmss"]),
    ("admin_username", &["vm", "vmss"]),
    ("ssh_public_key", &["vm", "vmss"]),
    ("os_disk_type", &["vm", "vmss"]),
    ("zones", &["vm", "vmss"]),
    ("public_ip", &["vm"]),
    ("upgrade_policy", &["vmss"]),
    ("sku", &["app_service"]),
    ("zone_redundant", &["app_service"]),
    ("runtime", &["app_service"]),
    ("app_settings", &["app_service"]),
    ("health_check_path", &["app_service"]),
];

/// The `compute` module.
#[derive(Clone, Copy, Debug, Default)]
pub struct ComputeModule;

const INPUTS: &[InputSpec] = &[
    InputSpec {
        name: "resource_group",
        ty: "string",
        required: true,
        description: "The name of the resource group to create the compute in.",
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
        description: "The base name: VMs are `<name>-1`, `<name>-2`…; the scale set and the web app are `<name>`.",
    },
    InputSpec {
        name: "kind",
        ty: "string",
        required: false,
        description: "vm (default), vmss or app_service.",
    },
    InputSpec {
        name: "subnet",
        ty: "any",
        required: false,
        description: "Where the compute lives: `module.network.subnets[\"app\"]` (checked for its role and \
                      delegation) or a subnet id. Required for vm and vmss; for app_service, the subnet of its \
                      VNet integration (delegated to Microsoft.Web/serverFarms).",
    },
    InputSpec {
        name: "count",
        ty: "number",
        required: false,
        description: "VMs, scale set instances or App Service workers (profile: 1, 2, 3).",
    },
    InputSpec {
        name: "size",
        ty: "string",
        required: false,
        description: "vm, vmss: the VM size (profile: Standard_B2s, Standard_D2s_v5, Standard_D4s_v5). Dev refuses \
                      more than 4 vCPUs; staging and prod refuse burstable sizes.",
    },
    InputSpec {
        name: "image",
        ty: "object",
        required: false,
        description: "vm, vmss: { publisher, offer, sku, version = \"latest\" } (default Ubuntu 22.04 LTS).",
    },
    InputSpec {
        name: "admin_username",
        ty: "string",
        required: false,
        description: "vm, vmss: the administrator (default azureuser).",
    },
    InputSpec {
        name: "ssh_public_key",
        ty: "string",
        required: false,
        description: "vm, vmss: the administrator's SSH public key (ssh-ed25519 or ssh-rsa); password login is off.",
    },
    InputSpec {
        name: "os_disk_type",
        ty: "string",
        required: false,
        description: "vm, vmss: Standard_LRS, StandardSSD_LRS, Premium_LRS, … (profile: StandardSSD_LRS in dev).",
    },
    InputSpec {
        name: "zones",
        ty: "list(string)",
        required: false,
        description: "vm, vmss: availability zones to spread over (profile: none, [\"1\",\"2\"], [\"1\",\"2\",\"3\"]).",
    },
    InputSpec {
        name: "public_ip",
        ty: "bool",
        required: false,
        description: "vm: give each VM a Standard public IP (default false).",
    },
    InputSpec {
        name: "upgrade_policy",
        ty: "string",
        required: false,
        description: "vmss: Automatic (default) or Manual.",
    },
    InputSpec {
        name: "sku",
        ty: "string",
        required: false,
        description: "app_service: the plan's sku (profile: B1, P0v3, P1v3).",
    },
    InputSpec {
        name: "zone_redundant",
        ty: "bool",
        required: false,
        description: "app_service: spread the plan's workers over zones (profile: off in dev); needs Premium v2/v3 \
                      and at least 2 workers.",
    },
    InputSpec {
        name: "runtime",
        ty: "string",
        required: false,
        description: "app_service: the Linux runtime, e.g. \"NODE|20-lts\" (default), \"PYTHON|3.12\", \"DOTNETCORE|8.0\".",
    },
    InputSpec {
        name: "app_settings",
        ty: "map(string)",
        required: false,
        description: "app_service: application settings; values may come from other modules and may be sensitive.",
    },
    InputSpec {
        name: "health_check_path",
        ty: "string",
        required: false,
        description: "app_service: a path App Service probes to take unhealthy workers out of rotation.",
    },
    InputSpec {
        name: "tags",
        ty: "map(string)",
        required: false,
        description: "Tags on every resource.",
    },
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "vm_ids",
        sensitive: false,
        description: "vm: the VMs' ids.",
    },
    OutputSpec {
        name: "nic_ids",
        sensitive: false,
        description: "vm: the NICs' ids.",
    },
    OutputSpec {
        name: "private_ip_addresses",
        sensitive: false,
        description: "vm: the VMs' private addresses (known after apply).",
    },
    OutputSpec {
        name: "public_ip_addresses",
        sensitive: false,
        description: "vm: the VMs' public addresses, when `public_ip` is on (known after apply).",
    },
    OutputSpec {
        name: "backup_vault_id",
        sensitive: false,
        description: "vm, with disaster recovery: the Recovery Services vault (in the VMs' region, geo-redundant \
                      with cross-region restore) holding the `daily-vm` backup policy; null otherwise.",
    },
    OutputSpec {
        name: "scale_set_id",
        sensitive: false,
        description: "vmss: the scale set's id.",
    },
    OutputSpec {
        name: "app_id",
        sensitive: false,
        description: "app_service: the web app's id.",
    },
    OutputSpec {
        name: "app_name",
        sensitive: false,
        description: "app_service: the web app's name.",
    },
    OutputSpec {
        name: "plan_id",
        sensitive: false,
        description: "app_service: the App Service plan's id.",
    },
    OutputSpec {
        name: "default_hostname",
        sensitive: false,
        description: "app_service: the app's host name, e.g. app-shop-dev.azurewebsites.net (known after apply).",
    },
    OutputSpec {
        name: "outbound_ip_addresses",
        sensitive: false,
        description: "app_service: the addresses the app calls out from (known after apply).",
    },
];

/// What every kind reads before its own inputs.
pub(crate) struct Common<'a> {
    pub ctx: &'a ModuleContext<'a>,
    pub fields: Fields<'a>,
    pub place: Placement,
    pub name: String,
    pub subnet: Option<SubnetRef>,
    pub profile: Profile,
}

impl Module for ComputeModule {
    fn source(&self) -> &'static str {
        "compute"
    }

    fn description(&self) -> &'static str {
        "Linux VMs, a VM scale set, or an App Service web app (kind = vm | vmss | app_service), sized by the profile."
    }

    fn inputs(&self) -> &'static [InputSpec] {
        INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }

    fn layer(&self) -> Layer {
        Layer::Compute
    }

    fn expand(
        &self,
        ctx: &ModuleContext<'_>,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<Expansion, Vec<InputError>> {
        let fields = Fields::root(inputs);
        let mut errs = Errors::default();
        let kind = errs.take(crate::common::choice(&fields, "kind", KINDS, "vm"));
        if let Some(kind) = &kind {
            for (input, kinds) in ONLY_FOR {
                if fields.get(input).is_some() && !kinds.contains(&kind.as_str()) {
                    errs.push(
                        fields
                            .error(input, format!("`{input}` does not apply to kind \"{kind}\""))
                            .hint(format!("`{input}` is for kind {}; remove it", kinds.join(" or "))),
                    );
                }
            }
        }
        let place = Placement::read(&fields, ctx.location, &mut errs);
        let name = errs.take(fields.req_known_string("name", "it is part of the resources' ids"));
        let subnet = errs.take(SubnetRef::read(&fields, "subnet")).flatten();
        let Some(kind) = kind else {
            return Err(errs.finish().err().unwrap_or_default());
        };
        let (Some(place), Some(name)) = (place, name) else {
            return Err(errs.finish().err().unwrap_or_default());
        };
        let common = Common {
            ctx,
            fields,
            place,
            name,
            subnet,
            profile: Profile::of(ctx),
        };
        let built = match kind.as_str() {
            "vmss" => vmss::expand(&common, &mut errs),
            "app_service" => app_service::expand(&common, &mut errs),
            _ => vm::expand(&common, &mut errs),
        };
        errs.finish()?;
        let Some((resources, produced)) = built else {
            return Err(Vec::new());
        };
        // Every output exists whatever the kind; the kind fills its own.
        let mut outputs: BTreeMap<String, Value> = OUTPUTS
            .iter()
            .map(|o| {
                let empty = if LIST_OUTPUTS.contains(&o.name) {
                    Value::List(Vec::new())
                } else {
                    Value::Null
                };
                (o.name.to_string(), empty)
            })
            .collect();
        outputs.extend(produced);
        Ok(Expansion {
            resources,
            outputs,
            diagnostics: None,
        })
    }
}

/// The instance count, within `range`, from the input or the profile.
pub(crate) fn count(c: &Common<'_>, range: std::ops::RangeInclusive<i64>, errs: &mut Errors) -> Option<i64> {
    let n = errs.take(c.fields.known_int_or(
        "count",
        c.profile.defaults().instance_count,
        "it decides how many instances are created",
    ))?;
    if !range.contains(&n) {
        errs.push(
            c.fields
                .error(
                    "count",
                    format!("{n} is outside {}-{}", range.start(), range.end()),
                )
                .hint(format!(
                    "the {} profile's default is {}",
                    c.profile,
                    c.profile.defaults().instance_count
                )),
        );
        return None;
    }
    Some(n)
}

#[cfg(test)]
mod tests;
