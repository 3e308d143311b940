//! What an environment's disaster recovery asks of the estate it describes, checked before
//! anything is sent: a strategy the chosen SKUs can support, geo copies that land in the
//! declared secondary region, and targets Azure's documented figures can meet (strata-azure's
//! `behaviour::regions`, with their sources).

use strata_azure::behaviour::regions::{self, Figure};
use strata_core::{DesiredResource, Diagnostic, Diagnostics, DisasterRecovery, DrStrategy, SourceLoc};

const POSTGRES: &str = "microsoft.dbforpostgresql/flexibleservers";
const STORAGE: &str = "microsoft.storage/storageaccounts";
const VAULT: &str = "microsoft.keyvault/vaults";
const APP_GATEWAY: &str = "microsoft.network/applicationgateways";
const FRONT_DOOR: &str = "microsoft.cdn/profiles";

/// Problems and notes about `dr` for an estate in `primary`.
pub(super) fn check(dr: &DisasterRecovery, primary: &str, resources: &[DesiredResource]) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let of_type = |t: &'static str| {
        resources
            .iter()
            .filter(move |r| r.resource_type().eq_ignore_ascii_case(t))
    };
    let at = dr.loc.clone();
    let pair_ok = regions::geo_copies_land_in(primary, &dr.secondary_location);

    // PostgreSQL: replicas need a General Purpose or Memory Optimized server; geo-restore only
    // restores into the paired region.
    let mut figures: Vec<(Figure, bool)> = Vec::new();
    for db in of_type(POSTGRES) {
        match dr.strategy {
            DrStrategy::Warm => {
                let tier = db
                    .body
                    .get("sku")
                    .and_then(|s| s.get("tier"))
                    .and_then(|t| t.as_str());
                if tier.is_some_and(|t| t.eq_ignore_ascii_case("Burstable")) {
                    diags.push(
                        Diagnostic::error(format!(
                            "{}: a warm standby needs a read replica in {}, and PostgreSQL flexible servers on the \
                             Burstable tier cannot have read replicas",
                            db.addr, dr.secondary_location
                        ))
                        .at(db.loc.clone())
                        .hint("use a General Purpose or Memory Optimized sku (the staging and prod profiles do), or strategy = \"cold\""),
                    );
                }
                figures.push((regions::POSTGRES_REPLICA_PROMOTE, true));
            }
            DrStrategy::Cold => {
                if !pair_ok {
                    diags.push(
                        Diagnostic::error(format!(
                            "{}: a cold recovery geo-restores the database, and geo-restore only restores into {}'s \
                             paired region{}, not {}",
                            db.addr,
                            primary,
                            regions::pair_of(primary).map(|p| format!(" ({p})")).unwrap_or_default(),
                            dr.secondary_location
                        ))
                        .at(at.clone())
                        .hint("recover into the paired region, or use strategy = \"warm\" (a read replica can live in any region)"),
                    );
                }
                let geo = db
                    .body
                    .get("properties")
                    .and_then(|p| p.get("backup"))
                    .and_then(|b| b.get("geoRedundantBackup"))
                    .and_then(|g| g.as_str());
                if geo.is_none_or(|g| !g.eq_ignore_ascii_case("Enabled")) {
                    diags.push(
                        Diagnostic::error(format!(
                            "{}: a cold recovery geo-restores the database, but its geo-redundant backup is off",
                            db.addr
                        ))
                        .at(db.loc.clone())
                        .hint("turn geo-redundant backup on (it is fixed at creation: the server is replaced), or use strategy = \"warm\""),
                    );
                }
                figures.push((regions::POSTGRES_GEO_RESTORE, true));
            }
        }
    }
    // Storage: geo-replication copies to the pair only.
    let storage: Vec<&DesiredResource> = of_type(STORAGE).collect();
    if !storage.is_empty() {
        figures.push((regions::STORAGE_FAILOVER, false));
        if !pair_ok {
            diags.push(
                Diagnostic::warning(format!(
                    "geo-redundant storage replicates to {primary}'s pair{}, not to the secondary region {}: after a \
                     failover the storage accounts run there",
                    regions::pair_of(primary).map(|p| format!(" ({p})")).unwrap_or_default(),
                    dr.secondary_location
                ))
                .at(at.clone())
                .hint("recover into the paired region to keep data and compute together"),
            );
        }
    }
    if of_type(VAULT).next().is_some()
        && regions::KEY_VAULT_NOT_GEO_REPLICATED.contains(&regions::normalize(primary).as_str())
    {
        diags.push(
            Diagnostic::warning(format!(
                "Microsoft does not replicate Key Vault contents out of {primary}: the secondary region needs its \
                 own vault, restored from per-object backups"
            ))
            .at(at.clone())
            .hint("use strategy = \"warm\" so the secondary region keeps a vault of its own"),
        );
    }
    // Application Gateway is regional: traffic only moves to the secondary region through a
    // global layer in front of it.
    let gateways: Vec<&DesiredResource> = of_type(APP_GATEWAY).collect();
    if !gateways.is_empty() && of_type(FRONT_DOOR).next().is_none() {
        for g in gateways {
            diags.push(
                Diagnostic::warning(format!(
                    "{}: Application Gateway is regional, and nothing global sends traffic to the secondary region {}",
                    g.addr, dr.secondary_location
                ))
                .at(g.loc.clone())
                .hint("put Front Door in front of the gateways (a second gateway in the secondary region behind it), or switch by DNS priority routing"),
            );
        }
    }
    targets(dr, &figures, at, &mut diags);
    diags
}

/// The targets against what the recovery mechanisms the estate uses are documented to give.
/// A recovery point objective below a documented bound cannot be met (an error); a time
/// objective below a typical figure may not be (a warning).
fn targets(
    dr: &DisasterRecovery,
    figures: &[(Figure, bool)],
    at: Option<SourceLoc>,
    diags: &mut Diagnostics,
) {
    let mut seen: Vec<&str> = Vec::new();
    for (f, bound) in figures {
        if seen.contains(&f.mechanism) {
            continue;
        }
        seen.push(f.mechanism);
        if dr.rpo.as_secs() < f.rpo_seconds {
            let message = format!(
                "rpo {} is below what {} gives: up to {} of data ({})",
                humantime::format_duration(dr.rpo),
                f.mechanism,
                humantime::format_duration(std::time::Duration::from_secs(f.rpo_seconds)),
                f.source
            );
            let d = if *bound {
                Diagnostic::error(message)
            } else {
                Diagnostic::warning(message)
            };
            diags.push(d.at(at.clone()).hint(format!(
                "raise rpo to at least {}{}",
                humantime::format_duration(std::time::Duration::from_secs(f.rpo_seconds)),
                if dr.strategy == DrStrategy::Cold {
                    ", or use strategy = \"warm\""
                } else {
                    ""
                }
            )));
        }
        if dr.rto.as_secs() < f.rto_seconds {
            diags.push(
                Diagnostic::warning(format!(
                    "rto {} is below the typical duration of {}: about {} ({})",
                    humantime::format_duration(dr.rto),
                    f.mechanism,
                    humantime::format_duration(std::time::Duration::from_secs(f.rto_seconds)),
                    f.source
                ))
                .at(at.clone())
                .hint("a drill measures what the estate achieves; raise rto or expect the drill to fail it"),
            );
        }
    }
}
