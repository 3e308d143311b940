use serde_json::json;
use strata_core::PathStep;

use super::*;
use crate::test_support::*;

const PG: &str = "Microsoft.DBforPostgreSQL/flexibleServers";
const PASSWORD: &str = "Planted-Pa55word!";

fn base() -> Vec<(&'static str, Value)> {
    vec![
        ("resource_group", s("rg-shop-dev")),
        ("name", s("psql-shop-dev")),
        ("subnet", subnet("data", "data", Some(PG))),
        ("administrator_password", s(PASSWORD).sensitive()),
    ]
}

fn expand(profile: &'static str, pairs: Vec<(&str, Value)>) -> Result<Expansion, Vec<InputError>> {
    DatabaseModule.expand(&ctx("db", profile), &inputs(pairs))
}

fn with(
    mut pairs: Vec<(&'static str, Value)>,
    extra: Vec<(&'static str, Value)>,
) -> Vec<(&'static str, Value)> {
    for (k, v) in extra {
        pairs.retain(|(n, _)| *n != k);
        pairs.push((k, v));
    }
    pairs
}

#[test]
fn a_private_server_with_its_dns_zone() {
    let e = expand("dev", base()).unwrap();
    assert_eq!(
        addrs(&e),
        [
            "module.db.dns_zone",
            "module.db.dns_link",
            "module.db.server",
            "module.db.database[\"app\"]"
        ]
    );
    let zone = find(&e, "module.db.dns_zone");
    assert!(
        zone.id
            .as_str()
            .ends_with("/privateDnsZones/psql-shop-dev.private.postgres.database.azure.com")
    );
    assert_eq!(at(zone, "location"), "global");
    let link = find(&e, "module.db.dns_link");
    assert!(link.id.as_str().ends_with("/virtualNetworkLinks/vnet-shop-dev"));
    assert!(
        at(link, "properties.virtualNetwork.id")
            .as_str()
            .unwrap()
            .ends_with("/virtualNetworks/vnet-shop-dev")
    );
    let server = find(&e, "module.db.server");
    assert_eq!(
        at(server, "sku"),
        json!({"name": "Standard_B1ms", "tier": "Burstable"})
    );
    assert_eq!(at(server, "properties.network.publicNetworkAccess"), "Disabled");
    assert!(
        at(server, "properties.network.delegatedSubnetResourceId")
            .as_str()
            .unwrap()
            .ends_with("/subnets/data")
    );
    assert_eq!(at(server, "properties.highAvailability.mode"), "Disabled");
    assert_eq!(
        at(server, "properties.backup"),
        json!({"backupRetentionDays": 7, "geoRedundantBackup": "Disabled"})
    );
    assert_eq!(
        at(server, "properties.authConfig"),
        json!({"passwordAuth": "Enabled", "activeDirectoryAuth": "Disabled"})
    );
    assert_eq!(
        server.body.sensitive_paths(),
        vec![vec![
            PathStep::Key("properties".into()),
            PathStep::Key("administratorLoginPassword".into())
        ]]
    );
    assert_eq!(server.depends_on.len(), 2);
    outputs_match(&DatabaseModule, &e);
    let conn = &e.outputs["connection_string"];
    assert!(conn.is_sensitive() && conn.is_unknown());
    assert!(e.outputs["fqdn"].is_unknown() && !e.outputs["fqdn"].is_sensitive());
    // The password never shows in anything that could be printed.
    let printable = format!(
        "{:?}",
        strata_core::path_to_string(&server.body.sensitive_paths()[0])
    );
    assert!(!printable.contains(PASSWORD));
}

#[test]
fn prod_is_zone_redundant_with_geo_backups_and_inputs_override() {
    let e = expand("prod", base()).unwrap();
    let server = find(&e, "module.db.server");
    assert_eq!(
        at(server, "sku"),
        json!({"name": "Standard_D4ds_v5", "tier": "GeneralPurpose"})
    );
    assert_eq!(at(server, "properties.highAvailability.mode"), "ZoneRedundant");
    assert_eq!(
        at(server, "properties.backup"),
        json!({"backupRetentionDays": 35, "geoRedundantBackup": "Enabled"})
    );
    assert_eq!(at(server, "properties.storage.storageSizeGB"), 128);
    let e = expand(
        "prod",
        with(
            base(),
            vec![
                ("high_availability", s("Disabled")),
                ("storage_gb", Value::from(256)),
            ],
        ),
    )
    .unwrap();
    let server = find(&e, "module.db.server");
    assert_eq!(at(server, "properties.highAvailability.mode"), "Disabled");
    assert_eq!(at(server, "properties.storage.storageSizeGB"), 256);
}

#[test]
fn entra_only_without_a_password() {
    let pairs = with(
        base()
            .into_iter()
            .filter(|(k, _)| *k != "administrator_password")
            .collect(),
        vec![
            ("tenant_id", s(TENANT)),
            (
                "entra_admin",
                Value::object([
                    ("object_id", s("11111111-2222-3333-4444-555555555555")),
                    ("principal_name", s("dba-team")),
                ]),
            ),
        ],
    );
    let e = expand("dev", pairs).unwrap();
    let server = find(&e, "module.db.server");
    assert_eq!(
        at(server, "properties.authConfig"),
        json!({"passwordAuth": "Disabled", "activeDirectoryAuth": "Enabled", "tenantId": TENANT})
    );
    assert_eq!(
        at(server, "properties.administratorLogin"),
        serde_json::Value::Null
    );
    assert!(server.body.sensitive_paths().is_empty());
    let admin = find(&e, "module.db.entra_admin");
    assert!(
        admin
            .id
            .as_str()
            .ends_with("/administrators/11111111-2222-3333-4444-555555555555")
    );
    assert_eq!(at(admin, "properties.principalType"), "Group");
    assert_eq!(e.outputs["administrator_login"], Value::Null);
}

#[test]
fn a_database_in_a_subnet_that_is_not_a_data_subnet_fails() {
    let (path, msg, hint) = one_error(expand(
        "dev",
        with(
            base(),
            vec![("subnet", subnet("app", "app", Some("Microsoft.Web/serverFarms")))],
        ),
    ));
    assert_eq!(path, "subnet");
    assert!(
        msg.contains("a database must be placed in a data subnet, but subnet `app` has the app role"),
        "{msg}"
    );
    assert!(hint.contains("module.network.subnets[\"data\"]"), "{hint}");
    // A plain id is judged by the subnet's name.
    let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/mgmt";
    let (path, msg, _) = one_error(expand("dev", with(base(), vec![("subnet", s(id))])));
    assert_eq!(path, "subnet");
    assert!(msg.contains("management role"), "{msg}");
    // A data subnet without the delegation.
    let (path, msg, hint) = one_error(expand(
        "dev",
        with(base(), vec![("subnet", subnet("data", "data", None))]),
    ));
    assert_eq!(path, "subnet");
    assert!(msg.contains("has no delegation"), "{msg}");
    assert!(
        hint.contains("delegation = \"Microsoft.DBforPostgreSQL/flexibleServers\""),
        "{hint}"
    );
}

#[test]
fn passwords_must_be_sensitive_and_strong_and_are_never_echoed() {
    let (path, msg, hint) = one_error(expand(
        "dev",
        with(base(), vec![("administrator_password", s(PASSWORD))]),
    ));
    assert_eq!(path, "administrator_password");
    assert!(msg.contains("not marked sensitive"));
    assert!(hint.contains("sensitive = true"));
    assert!(!msg.contains(PASSWORD) && !hint.contains(PASSWORD));
    let weak = "weakpassword";
    let (path, msg, hint) = one_error(expand(
        "dev",
        with(base(), vec![("administrator_password", s(weak).sensitive())]),
    ));
    assert_eq!(path, "administrator_password");
    assert!(!msg.contains(weak) && !hint.contains(weak));
    let (path, ..) = one_error(expand(
        "dev",
        base()
            .into_iter()
            .filter(|(k, _)| *k != "administrator_password")
            .collect(),
    ));
    assert_eq!(path, "administrator_password");
}

#[test]
fn other_inputs_are_checked() {
    let errs = errors(expand(
        "dev",
        with(
            base(),
            vec![
                ("name", s("PSQL")),
                ("sku", s("B1ms")),
                ("storage_gb", Value::from(100)),
                ("backup_retention_days", Value::from(3)),
                ("version", s("9")),
                ("administrator_login", s("azure_superuser")),
                ("databases", list(&["postgres", "1bad"])),
            ],
        ),
    ));
    let paths: Vec<&str> = errs.iter().map(|(p, ..)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "name",
            "version",
            "sku",
            "storage_gb",
            "backup_retention_days",
            "administrator_login",
            "databases[0]",
            "databases[1]"
        ],
        "{errs:#?}"
    );
    assert!(errs.iter().all(|(_, _, h)| !h.is_empty()), "{errs:#?}");
    let (path, msg, _) = one_error(expand(
        "dev",
        with(base(), vec![("high_availability", s("ZoneRedundant"))]),
    ));
    assert_eq!(path, "high_availability");
    assert!(msg.contains("Burstable"), "{msg}");
}

#[test]
fn prod_protects_the_server_from_destroy() {
    let e = expand("prod", base()).unwrap();
    let protected: Vec<String> = e
        .resources
        .iter()
        .filter(|r| r.lifecycle.prevent_destroy)
        .map(|r| r.addr.to_string())
        .collect();
    assert_eq!(
        protected,
        [format!(
            "module.{}.server",
            e.resources[0].addr.module.as_deref().unwrap()
        )]
    );
    assert!(e.resources.iter().all(|r| r.soft_delete.is_none()));
    let e = expand("dev", base()).unwrap();
    assert!(e.resources.iter().all(|r| !r.lifecycle.prevent_destroy));
}

#[test]
fn disaster_recovery_turns_geo_backup_on_by_default() {
    let ctx = with_recovery(ctx("db", "dev"));
    let e = DatabaseModule.expand(&ctx, &inputs(base())).unwrap();
    assert_eq!(
        at(
            find(&e, "module.db.server"),
            "properties.backup.geoRedundantBackup"
        ),
        "Enabled"
    );
    let e = expand("dev", base()).unwrap();
    assert_eq!(
        at(
            find(&e, "module.db.server"),
            "properties.backup.geoRedundantBackup"
        ),
        "Disabled"
    );
}

/// Geo-redundant backup is fixed at creation: changing it replaces the server, and the plan
/// says so, until the environment has been failed over (Azure gives a promoted server none,
/// and a failback must not replace the database to get it back).
#[test]
fn geo_backup_replaces_the_server_until_the_environment_failed_over() {
    let geo = strata_core::parse_path("properties.backup.geoRedundantBackup");
    let mut ctx = with_recovery(ctx("db", "prod"));
    let e = DatabaseModule.expand(&ctx, &inputs(base())).unwrap();
    let server = find(&e, "module.db.server");
    assert!(
        server.force_new.iter().any(|f| geo.starts_with(f)),
        "{:?}",
        server.force_new
    );
    assert!(!server.lifecycle.ignore_changes.contains(&geo));
    ctx.estate.failed_over = true;
    let e = DatabaseModule.expand(&ctx, &inputs(base())).unwrap();
    assert!(
        find(&e, "module.db.server")
            .lifecycle
            .ignore_changes
            .contains(&geo)
    );
    // While the standby serves, the primary's server is its replica: no high availability.
    ctx.estate.serving = strata_core::EstateRole::Standby;
    let e = DatabaseModule.expand(&ctx, &inputs(base())).unwrap();
    assert!(
        find(&e, "module.db.server")
            .lifecycle
            .ignore_changes
            .contains(&strata_core::parse_path("properties.highAvailability"))
    );
}

fn prod_primary() -> strata_core::ModuleContext<'static> {
    with_recovery(ctx("db", "prod"))
}

/// The standby's inputs: its own name and the standby network's data subnet.
fn standby_inputs() -> Vec<(&'static str, Value)> {
    let vnet = format!(
        "/subscriptions/{SUB}/resourceGroups/rg-shop-prod-dr/providers/Microsoft.Network/virtualNetworks/vnet-shop-prod-dr"
    );
    with(
        base(),
        vec![
            ("resource_group", s("rg-shop-prod-dr")),
            ("name", s("psql-shop-prod-dr")),
            (
                "subnet",
                Value::object([
                    ("id", Value::from(format!("{vnet}/subnets/data"))),
                    ("role", s("data")),
                    ("delegation", s(PG)),
                    ("vnet_id", Value::from(vnet)),
                ]),
            ),
        ],
    )
}

fn prod_standby() -> (strata_core::ModuleContext<'static>, String) {
    let peer = PeerParts::expanded(&DatabaseModule, &prod_primary(), inputs(base()));
    let primary_server = find_in(&peer.resources, "module.db.server").id.to_string();
    (standby_estate(ctx("db", "prod"), Some(peer)), primary_server)
}

fn find_in<'a>(
    resources: &'a [strata_core::DesiredResource],
    addr: &str,
) -> &'a strata_core::DesiredResource {
    resources.iter().find(|r| r.addr.to_string() == addr).unwrap()
}

#[test]
fn the_standby_server_is_a_cross_region_replica_of_the_primary() {
    let (standby_ctx, primary_server) = prod_standby();
    let e = DatabaseModule
        .expand(&standby_ctx, &inputs(standby_inputs()))
        .unwrap();
    // No databases and no administrator: they replicate from the primary.
    assert_eq!(
        addrs(&e),
        ["module.db.dns_zone", "module.db.dns_link", "module.db.server"]
    );
    let server = find(&e, "module.db.server");
    assert!(
        server
            .id
            .as_str()
            .ends_with("/resourceGroups/rg-shop-prod-dr/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-shop-prod-dr")
    );
    let primary = expand("prod", base()).unwrap();
    let primary_body = find(&primary, "module.db.server");
    assert_eq!(
        server.body.to_json().unwrap(),
        json!({
            "location": "northeurope",
            "sku": at(primary_body, "sku"),
            "properties": {
                "createMode": "Replica",
                "sourceServerResourceId": primary_server,
                "version": at(primary_body, "properties.version"),
                "storage": at(primary_body, "properties.storage"),
                "backup": {"geoRedundantBackup": "Disabled"},
                "highAvailability": {"mode": "Disabled"},
                "network": {
                    "delegatedSubnetResourceId": at(server, "properties.network.delegatedSubnetResourceId"),
                    "privateDnsZoneArmResourceId": find(&e, "module.db.dns_zone").id.as_str(),
                    "publicNetworkAccess": "Disabled",
                },
            }
        })
    );
    assert_eq!(at(primary_body, "sku.tier"), json!("GeneralPurpose"));
    assert!(
        at(server, "properties.network.delegatedSubnetResourceId")
            .as_str()
            .unwrap()
            .contains("/virtualNetworks/vnet-shop-prod-dr/subnets/data")
    );
    // Its own private DNS zone, linked to the standby's network.
    let link = find(&e, "module.db.dns_link");
    assert!(
        at(link, "properties.virtualNetwork.id")
            .as_str()
            .unwrap()
            .ends_with("/virtualNetworks/vnet-shop-prod-dr")
    );
    assert!(server.body.sensitive_paths().is_empty(), "no password is sent");
    // Promotion drops the source and ARM never returns createMode: neither replaces.
    for p in ["properties.createMode", "properties.sourceServerResourceId"] {
        let p = strata_core::parse_path(p);
        assert!(!server.force_new.iter().any(|f| p.starts_with(f)));
        assert!(server.lifecycle.ignore_changes.contains(&p));
    }
    assert!(server.lifecycle.prevent_destroy);
    for r in &e.resources {
        assert_eq!(schema_errors(r), Vec::<String>::new());
    }
    // Its outputs are its own.
    outputs_match(&DatabaseModule, &e);
    assert_eq!(e.outputs["server_name"], s("psql-shop-prod-dr"));
    assert_eq!(
        e.outputs["fqdn"],
        Value::attr(&server.addr, "properties.fullyQualifiedDomainName")
    );
}

#[test]
fn a_burstable_standby_or_one_without_its_primary_fails() {
    let (standby_ctx, _) = prod_standby();
    let burstable = inputs(with(
        standby_inputs(),
        vec![("sku", s("Standard_B2s")), ("high_availability", s("Disabled"))],
    ));
    let (path, message, hint) = one_error(DatabaseModule.expand(&standby_ctx, &burstable));
    assert_eq!(path, "sku");
    assert!(
        message.contains("Burstable sku Standard_B2s has no read replicas"),
        "{message}"
    );
    assert!(hint.contains("General Purpose"), "{hint}");

    let alone = standby_estate(ctx("db", "prod"), None);
    let (path, message, _) = one_error(DatabaseModule.expand(&alone, &inputs(standby_inputs())));
    assert_eq!(path, "name");
    assert!(message.contains("was not given"), "{message}");
}

/// A cold standby's server is a geo-restore of the primary's geo-redundant backup, to the
/// restore point the caller gives (a failover's start), and the restore point never shows as a
/// change afterwards.
#[test]
fn a_cold_standby_server_is_geo_restored_to_the_failovers_start() {
    let (standby_ctx, primary_server) = prod_standby();
    let cold: &'static strata_core::DisasterRecovery = Box::leak(Box::new(strata_core::DisasterRecovery {
        strategy: strata_core::DrStrategy::Cold,
        ..standby_ctx.disaster_recovery.unwrap().clone()
    }));
    let mut ctx = strata_core::ModuleContext {
        disaster_recovery: Some(cold),
        ..standby_ctx
    };
    ctx.estate.restore_point = Some("2026-12-07T02:00:00Z");
    let e = DatabaseModule.expand(&ctx, &inputs(standby_inputs())).unwrap();
    let server = find(&e, "module.db.server");
    assert_eq!(at(server, "properties.createMode"), json!("GeoRestore"));
    assert_eq!(
        at(server, "properties.sourceServerResourceId"),
        json!(primary_server)
    );
    assert_eq!(
        at(server, "properties.pointInTimeUTC"),
        json!("2026-12-07T02:00:00Z")
    );
    assert!(
        server
            .lifecycle
            .ignore_changes
            .contains(&strata_core::parse_path("properties.pointInTimeUTC"))
    );
    for r in &e.resources {
        assert_eq!(schema_errors(r), Vec::<String>::new());
    }
}
