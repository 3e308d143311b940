//! prevent_destroy, ignore_changes, -replace, -target, and outputs of failed applies.

use serde_json::json;
use strata_core::{AddrSelector, Dependency, ResourceAddr, Value, parse_path};
use strata_engine::{Action, Problem, RunOutcome};

use crate::common::*;

fn st() -> ResourceAddr {
    ResourceAddr::resource("st")
}

#[test]
fn prevent_destroy_stops_destroy_and_replacement() {
    let env = Env::new();
    let mut e = estate("pd1", st());
    e.resources[1].lifecycle.prevent_destroy = true;
    applied(env.run("prod", &e, apply()));

    let refused = env.run("prod", &e, destroy());
    let RunOutcome::Refused(plan) = refused else {
        panic!("{refused:?}")
    };
    let (c, p) = plan.problems().next().unwrap();
    assert_eq!((c.addr.clone(), p.clone()), (st(), Problem::PreventDestroy));
    assert_eq!(env.state("prod").unwrap().resources.len(), 2);

    // Removing the block from the configuration does not remove the protection recorded.
    let without = evaluated(vec![e.resources[0].clone()]);
    assert!(matches!(
        env.run("prod", &without, apply()),
        RunOutcome::Refused(_)
    ));

    // -replace of a protected resource is refused too.
    let mut how = apply();
    how.options.replace = vec![st()];
    assert!(matches!(env.run("prod", &e, how), RunOutcome::Refused(_)));
}

#[test]
fn ignore_changes_and_replace() {
    let env = Env::new();
    let e = estate("ic1", st());
    applied(env.run("dev", &e, apply()));

    let mut changed = e.clone();
    changed.resources[1].body = Value::from_json(&json!({
        "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
        "tags": {"env": "changed"}
    }));
    let plan = planned(env.run("dev", &changed, plan_only()));
    assert_eq!(
        plan.changes.iter().find(|c| c.addr == st()).unwrap().action,
        Action::Update
    );
    changed.resources[1].lifecycle.ignore_changes = vec![parse_path("tags")];
    let plan = planned(env.run("dev", &changed, plan_only()));
    assert!(!plan.has_changes(), "{plan:#?}");

    let mut how = plan_how();
    how.options.replace = vec![st()];
    let plan = planned(env.run("dev", &e, how));
    let c = plan.changes.iter().find(|c| c.addr == st()).unwrap();
    assert_eq!(c.action, Action::Replace);
    assert!(
        c.reasons.iter().any(|r| r.contains("-replace")),
        "{:?}",
        c.reasons
    );
}

fn plan_how() -> How {
    plan_only()
}

#[test]
fn target_plans_the_target_and_what_it_depends_on() {
    let env = Env::new();
    let mut e = estate("tg1", st());
    let mut other = account(ResourceAddr::resource("other"), "rg-tg1", "sttg1other");
    other.depends_on = vec![Dependency::Resource(ResourceAddr::resource("rg"))];
    e.resources.push(other);
    let mut how = apply();
    how.options.targets = vec![AddrSelector::parse("resource.st").unwrap()];
    let (plan, report) = applied(env.run("dev", &e, how));
    assert!(report.succeeded());
    let planned_addrs: Vec<_> = plan.changes.iter().map(|c| c.addr.to_string()).collect();
    assert_eq!(planned_addrs, vec!["resource.rg", "resource.st"]);
    assert_eq!(
        plan.targets,
        vec!["resource.st".to_string()],
        "the plan says it is partial"
    );
    assert_eq!(env.state("dev").unwrap().resources.len(), 2);
    // The rest follows on a full run.
    let plan = planned(env.run("dev", &e, plan_only()));
    assert_eq!(plan.summary().add, 1);
}

#[test]
fn outputs_of_resources_that_were_never_created_are_not_recorded() {
    let env = Env::new();
    let mut e = estate("out1", st());
    // A name the emulator refuses (upper case): the account's create fails.
    e.resources[1] = account(st(), "rg-out1", "BadName");
    e.outputs.push(strata_core::EvaluatedOutput {
        name: "account_id".into(),
        value: Value::string(e.resources[1].id.to_string()),
        sensitive: false,
        description: None,
        loc: strata_core::SourceLoc {
            file: "outputs.hcl".into(),
            line: 1,
            column: 1,
        },
        depends_on: vec![Dependency::Resource(st())],
    });
    e.outputs.push(strata_core::EvaluatedOutput {
        name: "group".into(),
        value: Value::string("rg-out1"),
        sensitive: false,
        description: None,
        loc: strata_core::SourceLoc {
            file: "outputs.hcl".into(),
            line: 5,
            column: 1,
        },
        depends_on: vec![Dependency::Resource(ResourceAddr::resource("rg"))],
    });
    let (_, report) = applied(env.run("dev", &e, apply()));
    assert!(!report.succeeded());
    let f = &report.failed[0];
    assert_eq!(f.addr, st());
    assert!(f.error.arm().is_some(), "a typed ARM error: {:?}", f.error);
    let state = env.state("dev").unwrap();
    assert!(state.outputs.contains_key("group"));
    assert!(!state.outputs.contains_key("account_id"), "{:?}", state.outputs);
}
