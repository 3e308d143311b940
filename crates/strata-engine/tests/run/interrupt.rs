//! Interrupts: the first lets in-flight writes finish and records them; the second records
//! what was in flight as "outcome unknown", which the next run reads back.

use std::time::Duration;

use strata_core::ResourceAddr;
use strata_engine::{Action, Interrupt, RunOutcome};

use crate::common::*;

/// A group and eight accounts in it, each write taking a while.
fn slow_estate() -> (Env, strata_core::Evaluated) {
    let env = Env::with_latency(strata_emulator::Latency::parse("default=400ms").unwrap());
    let mut resources = vec![group(ResourceAddr::resource("rg"), "rg-int")];
    for i in 0..8 {
        resources.push(account(
            ResourceAddr::resource(&format!("st{i}")),
            "rg-int",
            &format!("stint{i}"),
        ));
    }
    (env, evaluated(resources))
}

/// Signals `times` interrupts as soon as the first operation (the group) has finished: the
/// accounts after it are then in flight, whatever the machine's speed.
struct InterruptAfterFirst {
    interrupt: Interrupt,
    times: u8,
    fired: std::sync::atomic::AtomicBool,
}

impl strata_engine::Reporter for InterruptAfterFirst {
    fn event(&self, event: &strata_engine::Event) {
        if let strata_engine::Event::OperationStarted { addr, .. } = event
            && addr.name.starts_with("st")
            && !self.fired.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            for _ in 0..self.times {
                self.interrupt.signal();
            }
        }
    }
}

fn interrupt_after_first(times: u8) -> InterruptAfterFirst {
    InterruptAfterFirst {
        interrupt: Interrupt::new(),
        times,
        fired: std::sync::atomic::AtomicBool::new(false),
    }
}

#[test]
fn the_first_interrupt_finishes_and_records_what_is_in_flight() {
    let (env, e) = slow_estate();
    let mut how = apply();
    how.parallelism = 2;
    let reporter = interrupt_after_first(1);
    let (_, report) = applied(env.run_with("dev", &e, how, reporter.interrupt.clone(), &reporter));
    assert!(report.interrupted);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(report.unknown.is_empty());
    let state = env.state("dev").unwrap();
    // Everything that completed is in state, and it exists.
    for (addr, action) in &report.completed {
        assert_eq!(*action, Action::Create);
        let r = state.resources.get(addr).unwrap();
        assert!(env.get(&r.id, &r.api_version).is_some(), "{addr}");
    }
    assert_eq!(state.resources.len(), report.completed.len());
    assert!(
        report.completed.len() > 1 && report.completed.len() < 9,
        "{:?}",
        report.completed
    );
    // The next run finishes the job.
    let (_, report) = applied(env.run("dev", &e, apply()));
    assert!(report.succeeded());
    assert!(matches!(env.run("dev", &e, apply()), RunOutcome::NoChanges(_)));
}

#[test]
fn the_second_interrupt_records_in_flight_work_as_unknown_and_the_next_run_settles_it() {
    let (env, e) = slow_estate();
    let reporter = interrupt_after_first(2);
    let mut how = apply();
    how.parallelism = 2;
    let (_, report) = applied(env.run_with("dev", &e, how, reporter.interrupt.clone(), &reporter));
    assert!(report.interrupted);
    assert!(!report.unknown.is_empty(), "{report:?}");
    let state = env.state("dev").unwrap();
    for addr in &report.unknown {
        assert!(state.resources.get(addr).unwrap().outcome_unknown, "{addr}");
    }
    // Give the abandoned writes time to land (or not) in the emulator.
    std::thread::sleep(Duration::from_millis(800));
    let (plan, report) = applied(env.run("dev", &e, apply()));
    assert!(report.succeeded(), "{:?}", report.failed);
    // Nothing is created twice and nothing is forgotten.
    let state = env.state("dev").unwrap();
    assert_eq!(state.resources.len(), 9);
    assert!(state.resources.values().all(|r| !r.outcome_unknown));
    assert!(
        plan.changes.iter().all(|c| c.action != Action::Delete),
        "{plan:#?}"
    );
    assert!(matches!(env.run("dev", &e, apply()), RunOutcome::NoChanges(_)));
}
