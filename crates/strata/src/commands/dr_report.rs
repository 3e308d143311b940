//! What recovery runbooks and drills measure and report: the clock they read, the data each
//! geo-replicated storage account could lose (`geoReplicationStats.lastSyncTime`), where the
//! reports are kept, and the summary printed at the end.

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use strata_azure::behaviour::failover;
use strata_delivery::drill::{Exposure, Objective, RecoveryReport};
use strata_state::State;

use crate::session::Workspace;
use crate::style;

pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub(crate) fn seconds_between(a: &str, b: &str) -> Option<f64> {
    let (a, b) = (parse_time(a)?, parse_time(b)?);
    Some(((b - a).num_milliseconds().max(0) as f64) / 1000.0)
}

/// Where an environment's recovery reports are kept.
pub(crate) fn reports_dir(ws: &Workspace, env: &str) -> PathBuf {
    ws.dir.join(".strata").join("dr").join(env)
}

/// What each geo-replicated storage account could lose: the time since its last sync, at
/// the outage (or now).
pub(crate) async fn exposures(
    arm: &dyn strata_engine::arm::Arm,
    primary: &State,
    outage_at: Option<&str>,
    cold: bool,
) -> Vec<Exposure> {
    let mut out = Vec::new();
    for r in primary.resources.values() {
        match failover::part(&r.resource_type) {
            Some(failover::Part::Storage) => {
                let read = format!("{}?$expand=geoReplicationStats", r.id.as_str());
                let doc = arm.get(&read, &r.api_version).await.ok().flatten();
                let last = doc.as_ref().and_then(|d| {
                    d.get("properties")?
                        .get("geoReplicationStats")?
                        .get("lastSyncTime")?
                        .as_str()
                        .map(str::to_string)
                });
                let at = outage_at.map_or_else(now, str::to_string);
                out.push(Exposure {
                    resource: r.addr.to_string(),
                    seconds: last.as_deref().and_then(|l| seconds_between(l, &at)),
                    basis: match &last {
                        Some(l) => format!("geoReplicationStats.lastSyncTime {l}, against the loss of the region at {at}"),
                        None => "Azure reported no last sync time".into(),
                    },
                });
            }
            Some(failover::Part::Database) => out.push(Exposure {
                resource: r.addr.to_string(),
                seconds: None,
                basis: if cold {
                    "a geo-restore brings back the latest geo backup, which Azure does not date in ARM; it documents a lag of up to 1 hour".into()
                } else {
                    "replication lag is a metric, not in ARM's document; Azure documents up to 5 minutes for a cross-region replica".into()
                },
            }),
            _ => {}
        }
    }
    out
}

pub(crate) fn print_summary(r: &RecoveryReport, path: &Path, ws: &Workspace) {
    let rel = path.strip_prefix(&ws.dir).unwrap_or(path);
    println!();
    let verdict = |o: &Objective| match o.met() {
        Some(true) => style::green("met"),
        Some(false) => style::red("missed"),
        None => "not measured".to_string(),
    };
    let fmt = |s: Option<f64>| s.map_or("—".to_string(), strata_delivery::drill::duration);
    println!(
        "{} RPO {} (target {}): {}",
        style::bold("Result:"),
        fmt(r.rpo.achieved_seconds),
        strata_delivery::drill::duration(r.rpo.target_seconds as f64),
        verdict(&r.rpo)
    );
    println!(
        "        RTO {} (target {}): {}",
        fmt(r.rto.achieved_seconds),
        strata_delivery::drill::duration(r.rto.target_seconds as f64),
        verdict(&r.rto)
    );
    println!(
        "        on Azure the same steps are documented to take {}",
        strata_delivery::drill::duration(r.projected_rto_seconds as f64)
    );
    println!("Report: {}", rel.display());
}
