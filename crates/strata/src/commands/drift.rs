//! `strata drift -e ENV`: refreshes the environment and compares it with what strata last
//! recorded, without planning anything to change; lists each resource and property changed
//! outside strata with who changed it and when (Resource Graph's change history). Exit 0
//! without drift, 2 with drift, 1 on error.

use std::sync::Arc;

use anyhow::Result;
use strata_engine::drift::DriftReport;
use strata_engine::{
    Confirm, Interrupt, NoReporter, PlanOptions, Reporter, Run, RunKind, RunOutcome, RunSpec,
};

use crate::cli::DriftArgs;
use crate::commands::{estates, outcome};
use crate::session::{self, load_workspace};
use crate::style;

pub async fn run(dir: Option<&std::path::Path>, a: DriftArgs) -> Result<u8> {
    let ws = load_workspace(dir)?;
    let mut env = ws.environment(&a.env.env)?;
    estates::apply_record(&ws, &mut env, a.env.emulator).await;
    eprintln!("{}", style::cyan(&session::banner(&ws, &env, a.env.emulator)));
    let evaluated = ws.evaluate(&env, &a.env.vars)?;
    let store = crate::rehearsal::open_store(&ws, &env, a.env.emulator, a.env.from_state).await?;
    let store = store.as_dyn();
    let interrupt = Interrupt::new();
    let signals = outcome::watch_signals(interrupt.clone());
    let digest = ws.stack.digest();
    let result = session::with_locked_target(
        &ws,
        &env,
        store,
        strata_state::operation::PLAN,
        a.env.emulator,
        a.env.lock_timeout,
        async |guard, target| {
            let state = store.read().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let options = PlanOptions {
                soft_delete: env.soft_delete,
                peers: estates::peers(&ws, &env, a.env.emulator).await?,
                refresh: a.refresh.options(),
                on_emulator: target.emulator.is_some()
                    || a.env.emulator
                    || env.target == strata_config::Target::Emulator,
                ..PlanOptions::default()
            };
            let phased = crate::commands::outcome::Phased::new(crate::render::progress::target_name(target));
            let reporter: &dyn Reporter = if a.json || a.report.is_some() {
                &NoReporter
            } else {
                &phased
            };
            let run = Run {
                arm: Arc::new(target.arm.clone()),
                store,
                lock: guard,
                reporter,
                interrupt: interrupt.clone(),
            };
            let spec = RunSpec {
                stack: ws.stack.name(),
                environment: &env.name,
                config_digest: &digest,
                evaluated: &evaluated,
                kind: RunKind::Plan,
                destroy: false,
                refresh: a.refresh.enabled(),
                parallelism: a.parallelism,
                options,
                saved: None,
                applied_from: None,
            };
            let outcome = run.execute(spec, |_| Confirm::No).await;
            phased.finish();
            let plan = match outcome.map_err(|e| outcome::engine_error(&e))? {
                RunOutcome::Planned(p) | RunOutcome::NoChanges(p) | RunOutcome::Refused(p) => p,
                RunOutcome::Interrupted(_) => return Ok(130),
                _ => return Ok(1),
            };
            let mut report = DriftReport::from_plan(&plan);
            report.attribute(&target.arm, state.as_ref()).await;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if a.report.is_some() {
                print!(
                    "{}",
                    strata_delivery::drift::drift_markdown(ws.stack.name(), &report)
                );
            } else {
                print!("{}", strata_delivery::drift::drift_text(&report));
            }
            Ok(if report.has_drift() { 2 } else { 0 })
        },
    )
    .await;
    drop(signals);
    result
}
