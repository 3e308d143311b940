//! `strata dr status`: what protects the environment's stateful resources against the loss of
//! its region, read live from Azure, judged against the environment's disaster recovery.

use std::path::Path;
use std::time::Duration;

use anyhow::{Result, anyhow};
use strata_azure::behaviour::recovery::Context;
use strata_core::DrStrategy;
use strata_engine::recovery::{self, Protection};

use crate::cli::DrCommand;
use crate::commands::dr_runbook::{self, Kind};
use crate::session::{self, load_workspace};
use crate::{Exit, style};

pub async fn run(dir: Option<&Path>, cmd: DrCommand) -> Result<u8> {
    match cmd {
        DrCommand::Status { env, emulator, json } => status(dir, &env, emulator, json).await,
        DrCommand::Drill(a) => dr_runbook::run(dir, Kind::Drill, a).await,
        DrCommand::Failover(a) => dr_runbook::run(dir, Kind::Failover, a).await,
        DrCommand::Failback(a) => dr_runbook::run(dir, Kind::Failback, a).await,
        DrCommand::History { env, json } => history(dir, &env, json),
    }
}

async fn status(dir: Option<&Path>, env_name: &str, emulator: bool, json: bool) -> Result<u8> {
    let ws = load_workspace(dir)?;
    let env = ws.environment(env_name)?;
    let Some(dr) = env.disaster_recovery.clone() else {
        eprintln!(
            "{} environment {} declares no disaster recovery\n  {} add a disaster_recovery {{ strategy = \"warm\"  rpo = \"15m\"  rto = \"1h\" }} block to {}",
            style::error_label(),
            env.name,
            style::hint_label(),
            env.file.display()
        );
        return Err(Exit(2).into());
    };
    let store = crate::rehearsal::store(&ws, &env, emulator)?;
    let state = store
        .as_dyn()
        .read()
        .await
        .map_err(|e| anyhow!("cannot read the state: {e}"))?;
    let Some(state) = state else {
        eprintln!(
            "{} environment {} has no state yet{}\n  {} run `strata apply -e {}{}` first",
            style::error_label(),
            env.name,
            if emulator { " in its rehearsal" } else { "" },
            style::hint_label(),
            env.name,
            if emulator { " --emulator" } else { "" }
        );
        return Err(Exit(1).into());
    };
    let target = session::connect(&ws, &env, emulator).await?;
    let now = chrono::Utc::now().timestamp();
    let cx = Context {
        primary: &env.location,
        secondary: &dr.secondary_location,
        warm: dr.strategy == DrStrategy::Warm,
        now,
    };
    let protections = recovery::status(&target.arm, &state, cx).await;
    target.close().await;
    let met = protections.iter().all(|p| p.meets(dr.rpo));
    if json {
        let resources: Vec<serde_json::Value> = protections.iter().map(|p| to_json(p, dr.rpo)).collect();
        let doc = serde_json::json!({
            "environment": env.name,
            "primary_location": env.location,
            "secondary_location": dr.secondary_location,
            "strategy": dr.strategy.as_str(),
            "rpo_seconds": dr.rpo.as_secs(),
            "rto_seconds": dr.rto.as_secs(),
            "targets_met": met,
            "resources": resources,
        });
        println!("{doc}");
    } else {
        println!(
            "Disaster recovery of {}: {} standby in {} (primary {}), RPO {}, RTO {}",
            env.name,
            dr.strategy.as_str(),
            dr.secondary_location,
            env.location,
            humantime::format_duration(dr.rpo),
            humantime::format_duration(dr.rto)
        );
        if protections.is_empty() {
            println!("\nNo stateful resources in state: nothing to protect yet.");
        }
        for p in &protections {
            print_one(p, dr.rpo);
        }
        println!();
        if met {
            println!(
                "{}",
                style::bold("Every stateful resource meets the RPO target now.")
            );
        } else {
            let failing = protections.iter().filter(|p| !p.meets(dr.rpo)).count();
            println!(
                "{}",
                style::bold(&format!(
                    "{failing} of {} stateful resources do not meet the targets.",
                    protections.len()
                ))
            );
        }
    }
    Ok(if met { 0 } else { 2 })
}

fn print_one(p: &Protection, rpo: Duration) {
    let mark = if p.meets(rpo) { "✓" } else { "✗" };
    println!("\n{mark} {} ({})", p.addr, p.resource_type);
    if let Some(why) = &p.unreadable {
        println!("    cannot be read: {why}");
        return;
    }
    for by in &p.assessment.protected_by {
        println!("    protected by {by}");
    }
    for (k, v) in &p.assessment.figures {
        println!("    {k}: {v}");
    }
    match p.assessment.exposure {
        Some(e) => println!(
            "    exposure now: up to {} of data ({} the RPO of {})",
            humantime::format_duration(e),
            if e <= rpo { "within" } else { "beyond" },
            humantime::format_duration(rpo)
        ),
        None => println!("    exposure now: not reported by Azure"),
    }
    for m in &p.assessment.missing {
        println!("    missing: {m}");
    }
}

fn to_json(p: &Protection, rpo: Duration) -> serde_json::Value {
    serde_json::json!({
        "address": p.addr.to_string(),
        "id": p.id,
        "type": p.resource_type,
        "protected_by": p.assessment.protected_by,
        "figures": p.assessment.figures.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
        "exposure_seconds": p.assessment.exposure.map(|e| e.as_secs()),
        "missing": p.assessment.missing,
        "unreadable": p.unreadable,
        "meets_rpo": p.meets(rpo),
    })
}

/// `strata dr history`: the reports kept for the environment, oldest first.
fn history(dir: Option<&Path>, env_name: &str, json: bool) -> Result<u8> {
    let ws = load_workspace(dir)?;
    let env = ws.environment(env_name)?;
    let name = env
        .standby_of
        .as_ref()
        .map_or(env.name.clone(), |s| s.primary.clone());
    let folder = crate::commands::dr_report::reports_dir(&ws, &name);
    let (reports, unreadable) = strata_delivery::drill::history(&folder);
    for u in &unreadable {
        eprintln!(
            "{} {u} is not a report strata can read; skipped",
            style::warning_label()
        );
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
        return Ok(0);
    }
    if reports.is_empty() {
        println!(
            "No drills, failovers or failbacks of {name} yet: `strata dr drill -e {name} --emulator` rehearses one."
        );
        return Ok(0);
    }
    let d = |s: Option<f64>| s.map_or("—".to_string(), strata_delivery::drill::duration);
    for r in &reports {
        println!(
            "{}  {:<8} {:<6} {}  RPO {} (target {})  RTO {} (target {})  Azure ≈ {}  {}",
            r.started_at,
            r.kind,
            r.target,
            if r.passed {
                style::green("passed")
            } else {
                style::red("FAILED")
            },
            d(r.rpo.achieved_seconds),
            strata_delivery::drill::duration(r.rpo.target_seconds as f64),
            d(r.rto.achieved_seconds),
            strata_delivery::drill::duration(r.rto.target_seconds as f64),
            strata_delivery::drill::duration(r.projected_rto_seconds as f64),
            folder
                .join(format!("{}.md", r.stem()))
                .strip_prefix(&ws.dir)
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
    }
    Ok(0)
}
