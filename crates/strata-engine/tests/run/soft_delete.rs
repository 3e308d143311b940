//! The apply → destroy → apply loop over a soft-deletable Key Vault, for each choice.

use strata_core::{OnCreate, OnDestroy, ResourceAddr, SoftDeleteChoice};
use strata_engine::{Problem, RunOutcome, SoftDeleteAction};

use crate::common::*;

fn kv() -> ResourceAddr {
    ResourceAddr::resource("kv")
}

fn stack(tag: &str, protected: bool) -> strata_core::Evaluated {
    let rg = format!("rg-{tag}");
    let mut v = vault(kv(), &rg, &format!("kv-{tag}"), protected);
    v.depends_on
        .push(strata_core::Dependency::Resource(ResourceAddr::resource("rg")));
    evaluated(vec![group(ResourceAddr::resource("rg"), &rg), v])
}

fn choice(on_create: OnCreate, on_destroy: OnDestroy) -> SoftDeleteChoice {
    SoftDeleteChoice {
        on_create,
        on_destroy,
    }
}

#[test]
fn dev_purges_on_destroy_so_the_loop_works() {
    let env = Env::new();
    let e = stack("sd1", false);
    let dev = SoftDeleteChoice::for_profile("dev");
    for round in 0..2 {
        let (_, report) = applied(env.run("dev", &e, with_choice(apply(), dev)));
        assert!(report.succeeded(), "round {round}: {:?}", report.failed);
        let (plan, report) = applied(env.run("dev", &e, with_choice(destroy(), dev)));
        assert!(report.succeeded(), "round {round}: {:?}", report.failed);
        let c = plan.changes.iter().find(|c| c.addr == kv()).unwrap();
        assert_eq!(c.soft_delete, Some(SoftDeleteAction::DeleteAndPurge));
    }
}

#[test]
fn prod_keeps_deleted_vaults_and_recovers_them() {
    let env = Env::new();
    let e = stack("sd2", true);
    let prod = SoftDeleteChoice::for_profile("prod");
    applied(env.run("prod", &e, with_choice(apply(), prod)));
    let (plan, report) = applied(env.run("prod", &e, with_choice(destroy(), prod)));
    assert!(report.succeeded(), "{:?}", report.failed);
    let c = plan.changes.iter().find(|c| c.addr == kv()).unwrap();
    assert_eq!(c.soft_delete, Some(SoftDeleteAction::SoftDelete));

    // The plain create Azure would refuse becomes a recovery, shown in the plan.
    let plan = planned(env.run("prod", &e, with_choice(plan_only(), prod)));
    let c = plan.changes.iter().find(|c| c.addr == kv()).unwrap();
    assert_eq!(c.soft_delete, Some(SoftDeleteAction::Recover));
    let (_, report) = applied(env.run("prod", &e, with_choice(apply(), prod)));
    assert!(report.succeeded(), "{:?}", report.failed);
    let again = env.run("prod", &e, with_choice(apply(), prod));
    assert!(matches!(again, RunOutcome::NoChanges(_)), "{again:?}");
}

#[test]
fn a_namesake_is_purged_or_refused_as_the_environment_says() {
    let env = Env::new();
    let e = stack("sd3", false);
    let keep = choice(OnCreate::Recover, OnDestroy::Keep);
    applied(env.run("staging", &e, with_choice(apply(), keep)));
    applied(env.run("staging", &e, with_choice(destroy(), keep)));

    let fail = choice(OnCreate::Fail, OnDestroy::Keep);
    let refused = env.run("staging", &e, with_choice(apply(), fail));
    let RunOutcome::Refused(plan) = refused else {
        panic!("{refused:?}")
    };
    assert_eq!(plan.problems().next().unwrap().1, &Problem::SoftDeletedNamesake);

    let purge = choice(OnCreate::Purge, OnDestroy::Keep);
    let plan = planned(env.run("staging", &e, with_choice(plan_only(), purge)));
    let c = plan.changes.iter().find(|c| c.addr == kv()).unwrap();
    assert_eq!(c.soft_delete, Some(SoftDeleteAction::PurgeThenCreate));
    let (_, report) = applied(env.run("staging", &e, with_choice(apply(), purge)));
    assert!(report.succeeded(), "{:?}", report.failed);
}
