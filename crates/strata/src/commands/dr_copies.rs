//! `strata dr drill` against Azure (or `--copies` on the emulator): a drill that changes
//! nothing the environment runs on. The primary's databases are geo-restored as copies into a
//! resource group of the drill's own in the secondary region and checked; a warm standby's app
//! is checked to answer; the group is deleted whatever happened. The report measures the
//! exposure of storage now and the time the copies took, next to Azure's documented figures.

use anyhow::{Result, anyhow};
use strata_azure::behaviour::failover;
use strata_config::Environment;
use strata_core::{DisasterRecovery, DrStrategy};
use strata_delivery::drill::{Objective, RecoveryReport, StepOutcome, StepRecord};
use strata_engine::runbook::{self, StepAction};
use strata_engine::{Interrupt, drill};
use strata_state::State;

use crate::commands::dr_emulator::Control;
use crate::commands::dr_report::{exposures, now, print_summary, reports_dir, seconds_between};
use crate::commands::estates;
use crate::session::{ArmTarget, Workspace};
use crate::style;

/// Runs the copies drill of `primary`.
pub async fn run(
    ws: &Workspace,
    primary: &Environment,
    standby: &Environment,
    dr: &DisasterRecovery,
    target: &ArmTarget,
    interrupt: &Interrupt,
    emulator: bool,
) -> Result<u8> {
    let started_at = now();
    let primary_state = estates::read_state(ws, primary, emulator)
        .await?
        .unwrap_or_else(|| State::new(&primary.name));
    let cold = dr.strategy == DrStrategy::Cold;
    let exposures = exposures(&target.arm, &primary_state, None, cold).await;
    if cold {
        let (records, ready_at, failed) =
            cold_standby(ws, standby, target, interrupt, emulator, &started_at).await;
        return finish(
            ws, primary, standby, dr, target, started_at, records, exposures, ready_at, failed,
        );
    }
    let (group, steps) = drill::copy_steps(
        &primary_state,
        &primary.subscription_id,
        &primary.name,
        &dr.secondary_location,
        &started_at,
    );
    println!(
        "{} of {}: copies restored into {} in {}, checked, then deleted; nothing {} runs on is changed.",
        style::bold("Drill"),
        primary.name,
        group.rsplit('/').next().unwrap_or_default(),
        dr.secondary_location,
        primary.name
    );
    let mut records = Vec::new();
    let mut failed = false;
    let mut ready_at = None;
    let total = steps.len() + 2;
    for (i, step) in steps.iter().enumerate() {
        if interrupt.level() > 0 {
            failed = true;
            break;
        }
        println!(
            "\n{} {}",
            style::bold(&format!("[{}/{total}]", i + 1)),
            step.title
        );
        let StepAction::Arm(call) = &step.action else {
            continue;
        };
        let (record, ok) = timed(
            step.id.clone(),
            step.title.clone(),
            step.documented.clone(),
            runbook::execute(&target.arm, call),
        )
        .await;
        records.push(record);
        if !ok {
            failed = true;
            break;
        }
        ready_at = Some(now());
    }
    // A warm standby's app must answer too.
    if !failed && dr.strategy == DrStrategy::Warm {
        println!(
            "\n{} check that the standby's app answers",
            style::bold(&format!("[{}/{total}]", total - 1))
        );
        let check = check_standby_app(ws, standby, target, emulator);
        let (record, ok) = timed(
            "check standby app".into(),
            "check that the standby's app answers".into(),
            None,
            check,
        )
        .await;
        records.push(record);
        failed = !ok;
        if ok {
            ready_at = Some(now());
        }
    }
    println!(
        "\n{} delete the drill's resource group",
        style::bold(&format!("[{total}/{total}]"))
    );
    let down = drill::teardown(&group);
    if let StepAction::Arm(call) = &down.action {
        let (record, ok) = timed(
            down.id.clone(),
            down.title.clone(),
            None,
            runbook::execute(&target.arm, call),
        )
        .await;
        records.push(record);
        if !ok {
            eprintln!(
                "  {} delete {} yourself: it holds the drill's copies",
                style::hint_label(),
                group
            );
            failed = true;
        }
    }

    finish(
        ws, primary, standby, dr, target, started_at, records, exposures, ready_at, failed,
    )
}

/// The report of a drill of copies, kept and summed up; the exit code.
#[allow(clippy::too_many_arguments)]
fn finish(
    ws: &Workspace,
    primary: &Environment,
    standby: &Environment,
    dr: &DisasterRecovery,
    target: &ArmTarget,
    started_at: String,
    records: Vec<StepRecord>,
    exposures: Vec<strata_delivery::drill::Exposure>,
    ready_at: Option<String>,
    failed: bool,
) -> Result<u8> {
    let measured: Vec<f64> = exposures.iter().filter_map(|e| e.seconds).collect();
    let rpo = Objective {
        target_seconds: dr.rpo.as_secs(),
        achieved_seconds: measured.iter().copied().reduce(f64::max),
        basis: "the largest exposure now: storage's time since its last sync".into(),
    };
    let rto = Objective {
        target_seconds: dr.rto.as_secs(),
        achieved_seconds: if failed {
            None
        } else {
            ready_at.as_deref().and_then(|r| seconds_between(&started_at, r))
        },
        basis: "from the drill's start to the restored copies (and the standby's app) answering; nothing was failed over".into(),
    };
    let projected = records
        .iter()
        .filter_map(|r| r.documented.as_ref().map(|d| d.seconds))
        .max()
        .unwrap_or(0);
    let passed = !failed && rpo.met() != Some(false) && rto.met() == Some(true);
    let report = RecoveryReport {
        kind: "drill".into(),
        environment: primary.name.clone(),
        standby: standby.name.clone(),
        strategy: dr.strategy.as_str().into(),
        primary_location: primary.location.clone(),
        secondary_location: dr.secondary_location.clone(),
        target: if Control::of(target).is_some() {
            "emulator"
        } else {
            "azure"
        }
        .into(),
        started_at,
        finished_at: now(),
        outage_at: None,
        healthy_at: ready_at,
        steps: records,
        exposures,
        rpo,
        rto,
        projected_rto_seconds: projected,
        passed,
    };
    let path = report
        .save(&reports_dir(ws, &primary.name))
        .map_err(|e| anyhow!("cannot keep the report: {e}"))?;
    print_summary(&report, &path, ws);
    Ok(if failed {
        1
    } else if report.passed {
        0
    } else {
        2
    })
}

/// A cold strategy's drill: the standby estate built from code in the secondary region (its
/// database geo-restored to `point`), its app checked, then its resource groups deleted and its
/// state emptied. Its names are free: a cold standby runs only after a failover.
async fn cold_standby(
    ws: &Workspace,
    standby: &Environment,
    target: &ArmTarget,
    interrupt: &Interrupt,
    emulator: bool,
    point: &str,
) -> (Vec<StepRecord>, Option<String>, bool) {
    println!(
        "{} of {}: the cold standby {} built from code in {}, checked, then removed; nothing the primary runs on is changed.",
        style::bold("Drill"),
        standby.standby_of.as_ref().map_or("", |s| s.primary.as_str()),
        standby.name,
        standby.location
    );
    let mut records = Vec::new();
    let mut ready_at = None;
    let mut env = standby.clone();
    env.restore_point = Some(point.to_string());
    let lock = std::time::Duration::ZERO;
    println!(
        "\n{} build {} from code, its database geo-restored",
        style::bold("[1/3]"),
        env.name
    );
    let build = async {
        let code = estates::with_lock(
            ws,
            &env,
            emulator,
            strata_state::operation::APPLY,
            lock,
            async |store, guard| {
                crate::commands::run::apply_estate(
                    ws,
                    &env,
                    &[],
                    emulator,
                    store,
                    guard,
                    target,
                    interrupt,
                    &[],
                    true,
                )
                .await
            },
        )
        .await
        .map_err(|e| format!("{e:#}"))?;
        if code == 0 {
            Ok(format!("{} built", env.name))
        } else {
            Err(format!("the apply of {} did not finish (exit {code})", env.name))
        }
    };
    let (record, built) = timed(
        format!("build {}", env.name),
        format!("build {} from code, its database geo-restored", env.name),
        Some(failover::geo_restore_figure().into()),
        build,
    )
    .await;
    records.push(record);
    let mut failed = !built || interrupt.level() > 0;
    if !failed {
        println!("\n{} check that the standby's app answers", style::bold("[2/3]"));
        let (record, ok) = timed(
            "check standby app".into(),
            "check that the standby's app answers".into(),
            None,
            check_standby_app(ws, &env, target, emulator),
        )
        .await;
        records.push(record);
        failed = !ok;
        if ok {
            ready_at = Some(now());
        }
    }
    println!("\n{} remove {}", style::bold("[3/3]"), env.name);
    let remove = async {
        estates::with_lock(
            ws,
            &env,
            emulator,
            strata_state::operation::APPLY,
            lock,
            async |store, guard| {
                let Some(mut state) = store.read().await.map_err(|e| anyhow!("{e}"))? else {
                    return Ok("nothing was built".to_string());
                };
                let groups: Vec<(String, String)> = state
                    .resources
                    .values()
                    .filter(|r| failover::part(&r.resource_type) == Some(failover::Part::Group))
                    .map(|r| (r.id.to_string(), r.api_version.clone()))
                    .collect();
                for (id, api) in &groups {
                    target.arm.delete(id, api).await.map_err(|e| anyhow!("{e}"))?;
                }
                state.resources.clear();
                state.outputs.clear();
                store.write(&mut state, guard).await.map_err(|e| anyhow!("{e}"))?;
                Ok(format!(
                    "{} resource group(s) deleted, {}'s state emptied",
                    groups.len(),
                    env.name
                ))
            },
        )
        .await
        .map_err(|e| format!("{e:#}"))
    };
    let (record, ok) = timed(
        format!("remove {}", env.name),
        format!("remove {}", env.name),
        None,
        remove,
    )
    .await;
    records.push(record);
    if !ok {
        eprintln!(
            "  {} remove {} yourself: `strata destroy -e {}`",
            style::hint_label(),
            env.name,
            env.name
        );
    }
    (records, ready_at, failed || !ok)
}

async fn timed(
    id: String,
    title: String,
    documented: Option<strata_engine::runbook::Documented>,
    work: impl std::future::Future<Output = Result<String, String>>,
) -> (StepRecord, bool) {
    let started_at = now();
    let t0 = std::time::Instant::now();
    let result = work.await;
    match &result {
        Ok(d) => println!("    {} {d}", style::green("done:")),
        Err(e) => eprintln!("    {} {e}", style::error_label()),
    }
    let ok = result.is_ok();
    let record = StepRecord {
        id,
        title,
        started_at,
        ended_at: now(),
        seconds: t0.elapsed().as_secs_f64(),
        outcome: if ok {
            StepOutcome::Done
        } else {
            StepOutcome::Failed
        },
        detail: match result {
            Ok(d) | Err(d) => d,
        },
        documented,
    };
    (record, ok)
}

/// The standby's app answers: over HTTPS on its probe path on Azure; on the emulator, which
/// serves no app, ARM says the site is running.
async fn check_standby_app(
    ws: &Workspace,
    standby: &Environment,
    target: &ArmTarget,
    emulator: bool,
) -> Result<String, String> {
    let state = estates::read_state(ws, standby, emulator)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{} has no state: apply it first", standby.name))?;
    let site = state
        .resources
        .values()
        .find(|r| failover::part(&r.resource_type) == Some(failover::Part::Site))
        .ok_or_else(|| format!("{} has no app", standby.name))?;
    let host = failover::site_host(&site.attributes)
        .ok_or("the standby's app has no host name in state")?
        .to_string();
    if Control::of(target).is_some() {
        let doc = target
            .arm
            .get(site.id.as_str(), &site.api_version)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{} does not exist", site.id))?;
        let running = doc
            .pointer("/properties/state")
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_string();
        return if running.eq_ignore_ascii_case("Running") {
            Ok(format!(
                "{host} is running (the emulator serves no app: ARM's state)"
            ))
        } else {
            Err(format!("{host} is {running}"))
        };
    }
    let url = format!("https://{host}/");
    let answer = reqwest::get(&url).await.map_err(|e| format!("{url}: {e}"))?;
    if answer.status().is_server_error() {
        Err(format!("{url} answered {}", answer.status()))
    } else {
        Ok(format!("{url} answered {}", answer.status()))
    }
}
