//! Renames keep Azure resources: moved blocks, implicit moves by id, imports, and creates that
//! refuse to take over what exists.

use strata_core::{AddrSelector, Import, Moved, ResourceAddr};
use strata_engine::{Action, Problem, RunOutcome};

use crate::common::*;

fn account_addr(module: &str) -> ResourceAddr {
    ResourceAddr::module(module, "account", None)
}

#[test]
fn a_moved_block_rekeys_state_and_touches_nothing_in_azure() {
    let env = Env::new();
    let (_, report) = applied(env.run("dev", &estate("mv1", account_addr("storage")), apply()));
    assert!(report.succeeded());
    let serial = env.state("dev").unwrap().serial;

    let mut renamed = estate("mv1", account_addr("store"));
    renamed.moved.push(Moved {
        from: AddrSelector::parse("module.storage").unwrap(),
        to: AddrSelector::parse("module.store").unwrap(),
        loc: None,
    });
    let plan = planned(env.run("dev", &renamed, plan_only()));
    let change = plan
        .changes
        .iter()
        .find(|c| c.addr == account_addr("store"))
        .unwrap();
    assert_eq!(change.action, Action::NoOp);
    assert_eq!(change.moved_from, Some(account_addr("storage")));
    assert!(plan.changes.iter().all(|c| c.action == Action::NoOp), "{plan:#?}");
    assert_eq!(plan.summary().moved, 1);
    assert!(plan.has_changes(), "a move must be applied to be recorded");

    let (_, report) = applied(env.run("dev", &renamed, apply()));
    assert!(report.succeeded());
    assert!(
        report.completed.is_empty(),
        "no ARM write for a move: {:?}",
        report.completed
    );
    let state = env.state("dev").unwrap();
    assert!(state.resources.contains_key(&account_addr("store")));
    assert!(!state.resources.contains_key(&account_addr("storage")));
    assert!(state.serial > serial);
    // A second run has nothing to do, with or without the block.
    let again = env.run("dev", &renamed, apply());
    assert!(matches!(again, RunOutcome::NoChanges(_)), "{again:?}");
}

#[test]
fn the_same_id_under_a_new_address_is_a_move_not_a_delete_and_create() {
    let env = Env::new();
    applied(env.run("dev", &estate("mv2", account_addr("storage")), apply()));
    let plan = planned(env.run("dev", &estate("mv2", account_addr("store")), plan_only()));
    assert!(
        !plan
            .changes
            .iter()
            .any(|c| matches!(c.action, Action::Delete | Action::Create | Action::Replace)),
        "{plan:#?}"
    );
    let moved = plan.changes.iter().find(|c| c.moved_from.is_some()).unwrap();
    assert_eq!(moved.addr, account_addr("store"));
}

#[test]
fn creates_of_ids_that_exist_outside_state_are_refused_until_imported() {
    let env = Env::new();
    applied(env.run("other", &estate("im1", account_addr("storage")), apply()));

    // Another state (lost, or another team's) plans the same ids.
    let plan = planned(env.run("dev", &estate("im1", account_addr("storage")), plan_only()));
    let problems: Vec<_> = plan
        .problems()
        .map(|(c, p)| (c.addr.clone(), p.clone()))
        .collect();
    // Every resource that is there is reported, children of existing parents included.
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().all(|(_, p)| *p == Problem::AlreadyExists));
    let refused = env.run("dev", &estate("im1", account_addr("storage")), apply());
    assert!(matches!(refused, RunOutcome::Refused(_)), "{refused:?}");
    assert!(env.state("dev").is_none(), "a refused apply writes nothing");

    // Adopting both makes the plan clean; nothing is written to Azure.
    let mut adopted = estate("im1", account_addr("storage"));
    let ids: Vec<_> = adopted
        .resources
        .iter()
        .map(|d| (d.addr.clone(), d.id.clone()))
        .collect();
    for (to, id) in ids {
        adopted.imports.push(Import { to, id, loc: None });
    }
    let plan = planned(env.run("dev", &adopted, plan_only()));
    assert_eq!(plan.problems().count(), 0, "{plan:#?}");
    assert_eq!(plan.summary().import, 2);
    let (_, report) = applied(env.run("dev", &adopted, apply()));
    assert!(report.completed.is_empty(), "{:?}", report.completed);
    assert_eq!(env.state("dev").unwrap().resources.len(), 2);
    let again = env.run("dev", &adopted, apply());
    assert!(matches!(again, RunOutcome::NoChanges(_)), "{again:?}");
}

#[test]
fn importing_a_missing_id_is_an_error() {
    let env = Env::new();
    let mut e = estate("im2", account_addr("storage"));
    let to = ResourceAddr::resource("rg");
    e.imports.push(Import {
        id: rg_id("rg-nowhere"),
        to,
        loc: None,
    });
    let store = env.store("dev");
    let err = env.rt.block_on(async {
        use strata_state::StateStore;
        let guard = store.lock(strata_state::LockInfo::new("x")).await.unwrap();
        let run = strata_engine::Run {
            arm: std::sync::Arc::new(env.arm.clone()),
            store: &store,
            lock: &guard,
            reporter: &strata_engine::NoReporter,
            interrupt: strata_engine::Interrupt::new(),
        };
        let spec = strata_engine::RunSpec {
            stack: "t",
            environment: "dev",
            config_digest: "d",
            evaluated: &e,
            kind: strata_engine::RunKind::Plan,
            destroy: false,
            refresh: true,
            parallelism: 4,
            options: Default::default(),
            saved: None,
            applied_from: None,
        };
        let r = run.execute(spec, |_| strata_engine::Confirm::Yes).await;
        store.unlock(guard).await.unwrap();
        r.unwrap_err()
    });
    assert!(err.to_string().contains("does not exist in Azure"), "{err}");
}
