//! `database`: an Azure Database for PostgreSQL flexible server with private access only.
//!
//! Resources: a private DNS zone (`dns_zone`, `<name>.private.postgres.database.azure.com`)
//! linked to the server's virtual network (`dns_link`), the server (`server`) injected into a
//! data subnet delegated to `Microsoft.DBforPostgreSQL/flexibleServers` with public network
//! access disabled, its databases (`database["<name>"]`) and, when given, its Microsoft
//! Entra administrator (`entra_admin`).
//!
//! Authentication: with `administrator_password` (which must come from a sensitive variable,
//! so it is never in a file or a plan) the server has a password administrator; without one
//! it uses Microsoft Entra ID only — there is then no password anywhere to leak or rotate.
//! strata never invents a password: ARM cannot read a Key Vault secret back, so a generated
//! password would live only in state. The profile chooses the sku, storage, backup retention,
//! geo-redundant backups and zone-redundant high availability.
//!
//! In the standby estate of warm disaster recovery, the server is a cross-region read replica
//! of the primary's (`createMode = Replica`, the primary's server found in the block's peer):
//! same sku, storage and version, in the standby's own region, delegated subnet and private
//! DNS zone. It sends no administrator, password or authentication settings (a replica takes
//! the primary's), has neither high availability nor geo-redundant backup (replicas have
//! none, whatever the inputs say), and creates no databases nor Entra administrator: they
//! replicate from the primary. Burstable servers have no replicas. How the replica was created
//! (`createMode`, `sourceServerResourceId`) is ignored by the diff rather than replacing the
//! server: ARM does not return `createMode`, and `strata dr failover` promotes the replica,
//! which then has no source.

mod settings;

use std::collections::BTreeMap;

use strata_core::{
    ArmId, Deferred, EstateRole, Expansion, InputError, InputSpec, Layer, Module, ModuleContext, OutputSpec,
    ResourceAddr, Value,
};

use crate::common::{self, Placement, SubnetRef, reference};
use crate::inputs::{Errors, Fields};
use crate::profiles::Profile;

pub const API_VERSION: &str = strata_azure::api_versions::POSTGRESQL;
pub const DNS_API_VERSION: &str = strata_azure::api_versions::PRIVATE_DNS;
const SERVER_TYPE: &str = "Microsoft.DBforPostgreSQL/flexibleServers";
const ZONE_TYPE: &str = "Microsoft.Network/privateDnsZones";
const DELEGATION: &str = "Microsoft.DBforPostgreSQL/flexibleServers";

/// The `database` module.
#[derive(Clone, Copy, Debug, Default)]
pub struct DatabaseModule;

const INPUTS: &[InputSpec] = &[
    InputSpec {
        name: "resource_group",
        ty: "string",
        required: true,
        description: "The name of the resource group to create the server in.",
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
        description: "The server name: 3-63 lowercase letters, digits and `-`, unique across Azure.",
    },
    InputSpec {
        name: "subnet",
        ty: "any",
        required: true,
        description: "A data subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers: \
                      `module.network.subnets[\"data\"]`.",
    },
    InputSpec {
        name: "version",
        ty: "string",
        required: false,
        description: "The PostgreSQL major version, 13-17 (default 16).",
    },
    InputSpec {
        name: "sku",
        ty: "string",
        required: false,
        description: "The compute sku (profile: Standard_B1ms, Standard_D2ds_v5, Standard_D4ds_v5).",
    },
    InputSpec {
        name: "storage_gb",
        ty: "number",
        required: false,
        description: "Storage in GiB: 32, 64, 128, 256, 512, 1024, … (profile: 32, 64, 128).",
    },
    InputSpec {
        name: "backup_retention_days",
        ty: "number",
        required: false,
        description: "Days of point-in-time restore, 7-35 (profile: 7, 14, 35).",
    },
    InputSpec {
        name: "geo_redundant_backup",
        ty: "bool",
        required: false,
        description: "Keep backups in the paired region too (profile: off in dev); fixed at creation.",
    },
    InputSpec {
        name: "high_availability",
        ty: "string",
        required: false,
        description: "Disabled, SameZone or ZoneRedundant: a standby server (profile: ZoneRedundant in staging and \
                      prod); not available on Burstable skus.",
    },
    InputSpec {
        name: "administrator_login",
        ty: "string",
        required: false,
        description: "The password administrator's login (default strata_admin), when a password is given.",
    },
    InputSpec {
        name: "administrator_password",
        ty: "string",
        required: false,
        description: "The administrator's password, from a sensitive variable. Without it the server uses \
                      Microsoft Entra ID authentication only.",
    },
    InputSpec {
        name: "tenant_id",
        ty: "string",
        required: false,
        description: "The Microsoft Entra tenant for Entra ID authentication (required without a password).",
    },
    InputSpec {
        name: "entra_admin",
        ty: "object",
        required: false,
        description: "An Entra administrator: { object_id, principal_name, principal_type = \"Group\" | \"User\" | \
                      \"ServicePrincipal\" }.",
    },
    InputSpec {
        name: "databases",
        ty: "list(string)",
        required: false,
        description: "Databases to create (default [\"app\"]).",
    },
    InputSpec {
        name: "tags",
        ty: "map(string)",
        required: false,
        description: "Tags on the server and the DNS zone.",
    },
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "server_id",
        sensitive: false,
        description: "The server's ARM id.",
    },
    OutputSpec {
        name: "server_name",
        sensitive: false,
        description: "The server's name.",
    },
    OutputSpec {
        name: "fqdn",
        sensitive: false,
        description: "The server's host name, resolvable inside the VNet only (known after apply).",
    },
    OutputSpec {
        name: "database_ids",
        sensitive: false,
        description: "Database ids by name (on a standby's replica: the primary's databases, replicated).",
    },
    OutputSpec {
        name: "private_dns_zone_id",
        sensitive: false,
        description: "The private DNS zone that resolves the server.",
    },
    OutputSpec {
        name: "administrator_login",
        sensitive: false,
        description: "The password administrator's login (null with Entra ID only).",
    },
    OutputSpec {
        name: "connection_string",
        sensitive: true,
        description: "A libpq connection string for the first database (with the password, when there is one).",
    },
];

impl Module for DatabaseModule {
    fn source(&self) -> &'static str {
        "database"
    }

    fn description(&self) -> &'static str {
        "A PostgreSQL flexible server with private access only, in a delegated data subnet with a private DNS zone."
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
        let fields = Fields::root(inputs);
        let mut errs = Errors::default();
        let place = Placement::read(&fields, ctx.location, &mut errs);
        let name = common::read_name(&fields, "name", SERVER_TYPE, &mut errs);
        let subnet = read_subnet(&fields, &mut errs);
        let s = settings::read(
            &fields,
            Profile::of(ctx),
            ctx.disaster_recovery.is_some(),
            &mut errs,
        );
        let auth = settings::read_auth(&fields, &mut errs);
        let databases = settings::read_databases(&fields, &mut errs);
        let replica_of = s
            .as_ref()
            .and_then(|s| errs.take(replica_source(ctx, &fields, s)))
            .flatten();
        errs.finish()?;
        let (Some(place), Some(name), Some((subnet, vnet_id)), Some(s), Some(auth), Some(databases)) =
            (place, name, subnet, s, auth, databases)
        else {
            return Err(Vec::new());
        };

        let label = ctx.label;
        let group = place.group_id(ctx.subscription_id);
        let zone_name = format!("{name}.private.postgres.database.azure.com");
        let zone_id = common::id(&fields, "name", &group, ZONE_TYPE, &zone_name)?;
        let zone_addr = ResourceAddr::module(label, "dns_zone", None);
        let global = Value::from("global");
        let mut zone = common::resource(
            zone_addr.clone(),
            zone_id.clone(),
            DNS_API_VERSION,
            Value::object(place.top_at(global.clone())),
            Layer::Data,
            &[],
        );
        zone.force_new = strata_azure::replace_on_change(&zone.resource_type());

        let link_addr = ResourceAddr::module(label, "dns_link", None);
        let mut link = common::resource(
            link_addr.clone(),
            zone_id.child("virtualNetworkLinks", vnet_id.name()),
            DNS_API_VERSION,
            Value::object([
                ("location", global),
                (
                    "properties",
                    Value::object([
                        ("virtualNetwork", reference(vnet_id.as_str())),
                        ("registrationEnabled", Value::from(false)),
                    ]),
                ),
            ]),
            Layer::Data,
            &[],
        );
        link.force_new = strata_azure::replace_on_change(&link.resource_type());

        let server_id = common::id(&fields, "name", &group, SERVER_TYPE, &name)?;
        let server_addr = ResourceAddr::module(label, "server", None);
        if let Some(source) = replica_of {
            let mut server = common::resource(
                server_addr.clone(),
                server_id.clone(),
                API_VERSION,
                replica_body(&place, &s, &subnet, &zone_id, &source, restore_from(ctx)),
                Layer::Data,
                &[&zone_addr, &link_addr],
            );
            server.force_new = strata_azure::replace_on_change(&server.resource_type());
            // How the server was created is not a setting: ARM does not return `createMode`,
            // and a promoted replica (`strata dr failover`) no longer has a source. Neither may
            // replace the server (that would destroy the promoted database), nor show as a
            // change.
            server.lifecycle.ignore_changes = vec![
                common::path("properties.createMode"),
                common::path("properties.sourceServerResourceId"),
                common::path("properties.pointInTimeUTC"),
            ];
            server.lifecycle.prevent_destroy = Profile::of(ctx).defaults().prevent_destroy_stateful;
            let database_ids = databases
                .iter()
                .map(|db| (db.clone(), Value::from(server_id.child("databases", db).as_str())))
                .collect();
            let outputs = outputs(
                &server_addr,
                &server_id,
                name,
                &databases,
                database_ids,
                &zone_id,
                auth,
            );
            return Ok(Expansion {
                resources: vec![zone, link, server],
                outputs,
                diagnostics: None,
            });
        }
        let mut props = vec![
            ("version", Value::from(s.version.as_str())),
            (
                "storage",
                Value::object([("storageSizeGB", Value::from(s.storage_gb))]),
            ),
            (
                "backup",
                Value::object([
                    ("backupRetentionDays", Value::from(s.backup_days)),
                    (
                        "geoRedundantBackup",
                        Value::from(if s.geo_backup { "Enabled" } else { "Disabled" }),
                    ),
                ]),
            ),
            (
                "highAvailability",
                Value::object([("mode", Value::from(s.high_availability.as_str()))]),
            ),
            (
                "network",
                Value::object([
                    ("delegatedSubnetResourceId", subnet.id.clone()),
                    ("privateDnsZoneArmResourceId", Value::from(zone_id.as_str())),
                    ("publicNetworkAccess", Value::from("Disabled")),
                ]),
            ),
            ("authConfig", auth.auth_config()),
        ];
        if let Some(p) = &auth.password {
            props.push(("administratorLogin", Value::from(auth.login.as_str())));
            props.push(("administratorLoginPassword", common::secret(p.clone())));
        }
        let mut body = place.top();
        body.push((
            "sku",
            Value::object([
                ("name", Value::from(s.sku.as_str())),
                ("tier", Value::from(s.tier)),
            ]),
        ));
        body.push(("properties", Value::object(props)));
        let mut server = common::resource(
            server_addr.clone(),
            server_id.clone(),
            API_VERSION,
            Value::object(body),
            Layer::Data,
            &[&zone_addr, &link_addr],
        );
        server.force_new = strata_azure::replace_on_change(&server.resource_type());
        // A failback brings the primary back as a promoted replica of the server that served,
        // and Azure carries neither geo-redundant backup nor high availability over to a
        // promoted server (docs concepts-read-replicas-promote). Geo-redundant backup can only
        // be set at creation, so a change of it replaces the server and the plan says so; once
        // the environment has been failed over, asking for it again would replace the
        // database, so it is no longer enforced and `strata dr status` says when it is missing
        // (a cold strategy needs it back: restore into a new server). High availability is
        // enforced again once the primary serves; while the standby serves, the primary's
        // server is its replica, which cannot have it.
        if ctx.disaster_recovery.is_some() && ctx.estate.failed_over {
            server
                .lifecycle
                .ignore_changes
                .push(common::path("properties.backup.geoRedundantBackup"));
            if ctx.estate.serving == EstateRole::Standby {
                server
                    .lifecycle
                    .ignore_changes
                    .push(common::path("properties.highAvailability"));
            }
        }
        server.lifecycle.prevent_destroy = Profile::of(ctx).defaults().prevent_destroy_stateful;

        let mut resources = vec![zone, link, server];
        let mut database_ids = BTreeMap::new();
        for db in &databases {
            let id = server_id.child("databases", db);
            let mut r = common::resource(
                ResourceAddr::module(label, "database", Some(db)),
                id.clone(),
                API_VERSION,
                Value::object([(
                    "properties",
                    Value::object([
                        ("charset", Value::from("UTF8")),
                        ("collation", Value::from("en_US.utf8")),
                    ]),
                )]),
                Layer::Data,
                &[],
            );
            r.force_new = strata_azure::replace_on_change(&r.resource_type());
            database_ids.insert(db.clone(), Value::from(id.as_str()));
            resources.push(r);
        }
        if let Some(admin) = &auth.entra_admin {
            let mut r = common::resource(
                ResourceAddr::module(label, "entra_admin", None),
                server_id.child("administrators", &admin.object_id),
                API_VERSION,
                Value::object([(
                    "properties",
                    Value::object([
                        ("principalName", admin.principal_name.clone()),
                        ("principalType", Value::from(admin.principal_type.as_str())),
                        ("tenantId", auth.tenant.clone().unwrap_or(Value::Null)),
                    ]),
                )]),
                Layer::Data,
                &[],
            );
            r.force_new = strata_azure::replace_on_change(&r.resource_type());
            resources.push(r);
        }

        let outputs = outputs(
            &server_addr,
            &server_id,
            name,
            &databases,
            database_ids,
            &zone_id,
            auth,
        );
        Ok(Expansion {
            resources,
            outputs,
            diagnostics: None,
        })
    }
}

/// The block's outputs: the server's own, for a primary as for a replica.
fn outputs(
    server_addr: &ResourceAddr,
    server_id: &ArmId,
    name: String,
    databases: &[String],
    database_ids: BTreeMap<String, Value>,
    zone_id: &ArmId,
    auth: settings::Auth,
) -> BTreeMap<String, Value> {
    let fqdn = Value::attr(server_addr, "properties.fullyQualifiedDomainName");
    let first_db = databases.first().cloned().unwrap_or_else(|| "postgres".into());
    let mut parts = vec![
        Value::from("host="),
        fqdn.clone(),
        Value::from(format!(" port=5432 dbname={first_db}")),
    ];
    if let Some(p) = &auth.password {
        parts.push(Value::from(format!(" user={}", auth.login)));
        parts.push(Value::from(" password="));
        parts.push(settings::quoted(p));
    }
    parts.push(Value::from(" sslmode=require"));
    let connection = Value::unknown(Deferred::Template { parts }).sensitive();
    BTreeMap::from([
        ("server_id".to_string(), Value::from(server_id.as_str())),
        ("server_name".to_string(), Value::from(name)),
        ("fqdn".to_string(), fqdn),
        ("database_ids".to_string(), Value::Object(database_ids)),
        ("private_dns_zone_id".to_string(), Value::from(zone_id.as_str())),
        (
            "administrator_login".to_string(),
            if auth.password.is_some() {
                Value::from(auth.login)
            } else {
                Value::Null
            },
        ),
        ("connection_string".to_string(), connection),
    ])
}

/// In the standby estate (warm disaster recovery), the primary's server in the peer's
/// resources, whose read replica this block creates. Burstable servers have no replicas.
fn replica_source(
    ctx: &ModuleContext<'_>,
    fields: &Fields<'_>,
    s: &settings::Settings,
) -> Result<Option<ArmId>, InputError> {
    if ctx.estate.role != EstateRole::Standby {
        return Ok(None);
    }
    let cold = ctx
        .disaster_recovery
        .is_some_and(|d| d.strategy == strata_core::DrStrategy::Cold);
    if s.tier == "Burstable" && !cold {
        return Err(fields
            .error(
                "sku",
                format!(
                    "the standby estate `{}` keeps a read replica of the primary server, and the Burstable sku {} \
                     has no read replicas",
                    ctx.environment, s.sku
                ),
            )
            .hint("use a General Purpose sku such as Standard_D2ds_v5, or disaster_recovery { strategy = \"cold\" }"));
    }
    let primary = ctx.estate.peer.as_ref().and_then(|p| {
        p.resources
            .iter()
            .find(|r| r.resource_type().eq_ignore_ascii_case(SERVER_TYPE))
    });
    match primary {
        Some(r) => Ok(Some(r.id.clone())),
        None => Err(fields
            .error(
                "name",
                format!(
                    "the standby estate `{}` keeps a read replica of the primary server, and the primary's \
                     evaluation of this block {}",
                    ctx.environment,
                    if ctx.estate.peer.is_some() {
                        "has no server"
                    } else {
                        "was not given"
                    }
                ),
            )
            .hint("evaluate the standby together with its primary environment")),
    }
}

/// For a cold standby, `Some` with the restore point its server is geo-restored to (a
/// failover's start, which the caller gives; empty when it gave none, and then omitted);
/// `None` for a warm standby, whose server is a read replica.
fn restore_from(ctx: &ModuleContext<'_>) -> Option<String> {
    let cold = ctx
        .disaster_recovery
        .is_some_and(|d| d.strategy == strata_core::DrStrategy::Cold);
    cold.then(|| ctx.estate.restore_point.unwrap_or_default().to_string())
}

/// The standby's server: a read replica of `source` (warm), or a geo-restore of its
/// geo-redundant backup to `restore` (cold: Azure restores the latest geo backup, which lags by
/// up to an hour, into the paired region); in its own region and delegated subnet, with the
/// primary's compute, storage and version. Its administrator, authentication and databases
/// come from the primary; it has neither high availability nor geo-redundant backup (a
/// geo-restore while the primary region is out cannot be geo-redundant itself).
fn replica_body(
    place: &Placement,
    s: &settings::Settings,
    subnet: &SubnetRef,
    zone_id: &ArmId,
    source: &ArmId,
    restore: Option<String>,
) -> Value {
    let mode = if restore.is_some() {
        "GeoRestore"
    } else {
        "Replica"
    };
    let mut props = vec![
        ("createMode", Value::from(mode)),
        ("sourceServerResourceId", Value::from(source.as_str())),
        ("version", Value::from(s.version.as_str())),
        (
            "storage",
            Value::object([("storageSizeGB", Value::from(s.storage_gb))]),
        ),
        (
            "backup",
            Value::object([("geoRedundantBackup", Value::from("Disabled"))]),
        ),
        (
            "highAvailability",
            Value::object([("mode", Value::from("Disabled"))]),
        ),
        (
            "network",
            Value::object([
                ("delegatedSubnetResourceId", subnet.id.clone()),
                ("privateDnsZoneArmResourceId", Value::from(zone_id.as_str())),
                ("publicNetworkAccess", Value::from("Disabled")),
            ]),
        ),
    ];
    if let Some(at) = restore.filter(|a| !a.is_empty()) {
        props.push(("pointInTimeUTC", Value::from(at)));
    }
    let mut body = place.top();
    body.push((
        "sku",
        Value::object([
            ("name", Value::from(s.sku.as_str())),
            ("tier", Value::from(s.tier)),
        ]),
    ));
    body.push(("properties", Value::object(props)));
    Value::object(body)
}

/// The subnet (a delegated data subnet) and its virtual network.
fn read_subnet(fields: &Fields<'_>, errs: &mut Errors) -> Option<(SubnetRef, strata_core::ArmId)> {
    let subnet = match errs.take(SubnetRef::read(fields, "subnet"))? {
        Some(s) => s,
        None => {
            errs.push(
                fields
                    .error("subnet", "`subnet` is required")
                    .hint("pass the data subnet: `subnet = module.network.subnets[\"data\"]`"),
            );
            return None;
        }
    };
    // A subnet of the wrong role is the mistake to report, not its delegation.
    let ok = match subnet
        .require_role("data", "a database")
        .and_then(|()| subnet.require_delegation(DELEGATION, "a PostgreSQL flexible server"))
    {
        Ok(()) => true,
        Err(e) => {
            errs.push(e);
            false
        }
    };
    let Some(vnet) = subnet.vnet_id.clone() else {
        errs.push(
            fields
                .error("subnet", "the subnet must be known at plan time: its virtual network gets the server's private DNS zone")
                .hint("pass `module.network.subnets[\"data\"]` or a literal subnet id"),
        );
        return None;
    };
    ok.then_some((subnet, vnet))
}

#[cfg(test)]
mod tests;
