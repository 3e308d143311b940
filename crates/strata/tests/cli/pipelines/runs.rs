//! The generated pipelines, run: a pull request plans every environment and applies nothing;
//! a push to main plans each environment, then applies exactly that saved plan after the
//! approval; a second push with nothing to change plans, and asks for no approval; a plan the
//! state moved away from before its approval is refused; a plan that fails still reports.

use super::azure::{self, Reason};
use super::github::{self, Event};
use super::{ENVS, Ran, Scenario, StepLog, assert_strata_steps_executed, print_log};

const SIMULATED: &[&str] = &[
    "checkout: git clone",
    "cache: a miss",
    "cargo install: the binary under test",
    "artifact upload: a copy",
    "artifact publish: a copy",
    "artifact download: a copy",
    "PR comment: the reports it posts are checked",
    "approval: granted",
];

fn check_log(log: &[StepLog]) {
    print_log(log);
    assert_strata_steps_executed(log);
    for s in log {
        if let Ran::Simulated(what) = &s.ran {
            assert!(SIMULATED.contains(what), "{} / {}: {what}", s.job, s.step);
        }
    }
}

/// How many executed steps ran a script containing `command`.
fn executed(log: &[StepLog], command: &str) -> usize {
    log.iter()
        .filter(|s| s.ran == Ran::Executed && s.script.as_deref().is_some_and(|t| t.contains(command)))
        .count()
}

/// The steps of one job, as (how it ran, a word of its name).
fn job_steps(log: &[StepLog], job: &str) -> Vec<(String, Ran)> {
    log.iter()
        .filter(|s| s.job == job)
        .map(|s| (s.step.clone(), s.ran.clone()))
        .collect()
}

/// What an administrator sees: `plan -detailed-exitcode` is 2 while there is something to apply.
fn pending(sc: &Scenario, env: &str) -> bool {
    let r = sc.strata(&["plan", "-e", env, "-detailed-exitcode"]);
    assert!(r.code == 0 || r.code == 2, "{}", r.all());
    r.code == 2
}

#[test]
fn github_workflows_run_plan_on_pull_requests_and_apply_the_approved_plan_on_main() {
    let sc = Scenario::new("github", "ci-github");

    let pr = github::Run::workflow(&sc, ".github/workflows/strata-shop-plan.yml", Event::PullRequest);
    check_log(&pr.log);
    for job in ["validate", "plan", "comment"] {
        assert!(pr.succeeded(job), "{job}");
    }
    assert_eq!(executed(&pr.log, "strata validate"), 1);
    assert_eq!(executed(&pr.log, "strata plan"), 3);
    for env in ENVS {
        let report = &pr.comment_reports[env];
        assert!(report.contains(&format!("`{env}`")), "{report}");
        assert!(pr.summaries[&format!("plan {env}")].starts_with("<!-- strata-plan-report: shop -->"));
        assert!(pending(&sc, env), "a pull request applies nothing");
    }

    let tokens = sc.tokens_issued();
    let main = github::Run::workflow(&sc, ".github/workflows/strata-shop-apply.yml", Event::Push);
    check_log(&main.log);
    for env in ENVS {
        assert!(main.succeeded(&format!("plan-{env}")), "{env}");
        assert!(main.succeeded(&format!("apply-{env}")), "{env}");
    }
    assert_eq!(executed(&main.log, "strata plan"), 3);
    assert_eq!(executed(&main.log, "strata apply"), 3);
    assert!(
        sc.tokens_issued() >= tokens + 3,
        "each apply signed in by OIDC federation (plans of an empty state call nothing)"
    );
    for env in ENVS {
        let summary = &main.summaries[&format!("plan {env}")];
        assert!(
            summary.contains("to add"),
            "the reviewer reads the plan: {summary}"
        );
        assert!(!pending(&sc, env), "{env} is as planned");
    }
    // The approval comes after the plan exists, and the approved job only applies.
    use Ran::{Executed, Simulated};
    assert_eq!(
        job_steps(&main.log, "apply dev")
            .into_iter()
            .map(|(_, ran)| ran)
            .collect::<Vec<_>>(),
        [
            Simulated("approval: granted"),
            Simulated("checkout: git clone"),
            Simulated("cache: a miss"),
            Simulated("cargo install: the binary under test"),
            Executed, // strata on the PATH
            Simulated("artifact download: a copy"),
            Executed, // strata apply -e dev dev.tfplan
        ]
    );
    let order: Vec<&str> = main
        .log
        .iter()
        .filter(|s| s.ran == Executed && s.script.as_deref().is_some_and(|t| t.contains("strata ")))
        .map(|s| s.job.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "plan dev",
            "apply dev",
            "plan staging",
            "apply staging",
            "plan prod",
            "apply prod"
        ]
    );

    // Nothing changed since: plans, and no approval is asked for.
    let tokens = sc.tokens_issued();
    let again = github::Run::workflow(&sc, ".github/workflows/strata-shop-apply.yml", Event::Push);
    check_log(&again.log);
    assert!(
        sc.tokens_issued() >= tokens + 3,
        "each plan refreshed as the plan identity"
    );
    for env in ENVS {
        assert!(again.succeeded(&format!("plan-{env}")), "{env}");
        assert!(again.skipped(&format!("apply-{env}")), "{env}");
    }
    assert_eq!(executed(&again.log, "strata apply"), 0);
    assert!(!again.log.iter().any(|s| s.ran == Simulated("approval: granted")));

    // A change is merged and planned; before the approval, someone else applies dev. The
    // approved plan no longer matches the state: apply refuses it, and nothing goes further.
    let stack = sc.file("infra/shop/strata.hcl");
    std::fs::write(
        sc.root().join("infra/shop/strata.hcl"),
        stack.replace("cost_center = \"shop\"", "cost_center = \"shop-2\""),
    )
    .unwrap();
    super::git(sc.root(), &["commit", "-qam", "new cost centre"]);
    let stale = github::Run::workflow_with(
        &sc,
        ".github/workflows/strata-shop-apply.yml",
        Event::Push,
        &mut |job| {
            if job == "apply-dev" {
                let r = sc.strata(&["apply", "-e", "dev", "--auto-approve"]);
                assert_eq!(r.code, 0, "{}", r.all());
            }
        },
    );
    check_log(&stale.log);
    assert!(stale.succeeded("plan-dev"));
    assert!(!stale.succeeded("apply-dev"), "a stale plan is refused");
    assert!(stale.skipped("plan-staging") && stale.skipped("apply-staging"));
    assert!(
        pending(&sc, "staging") && pending(&sc, "prod"),
        "nothing went further"
    );

    // The plan identity loses access to prod: that plan fails, the others do not, and the
    // comment still reports every environment, prod's failure included.
    sc.limited.set(true);
    let failing = github::Run::workflow(&sc, ".github/workflows/strata-shop-plan.yml", Event::PullRequest);
    check_log(&failing.log);
    assert!(!failing.succeeded("plan"));
    assert!(
        failing.succeeded("comment"),
        "the comment is posted after a failed plan"
    );
    assert!(
        failing.comment_reports["prod"].contains("plan failed"),
        "{}",
        failing.comment_reports["prod"]
    );
    for env in ["dev", "staging"] {
        assert!(!failing.comment_reports[env].contains("plan failed"), "{env}");
    }
}

#[test]
fn azure_pipeline_runs_plan_on_pull_requests_and_applies_the_approved_plan_on_main() {
    let sc = Scenario::new("azure-devops", "ci-azure");

    let pr = azure::Run::pipeline(&sc, Reason::PullRequest);
    check_log(&pr.log);
    assert_eq!(pr.result("validate"), "Succeeded");
    assert_eq!(pr.result("pr_plan"), "Succeeded");
    assert_eq!(executed(&pr.log, "strata validate"), 1);
    assert_eq!(executed(&pr.log, "strata plan"), 3);
    for env in ENVS {
        assert_eq!(pr.result(&format!("plan_{env}")), "Skipped");
        assert_eq!(pr.result(&format!("apply_{env}")), "Skipped");
        let summary = &pr.summaries[&format!("pr_plan/plan_{env}")];
        assert!(
            summary.starts_with("<!-- strata-plan-report: shop -->"),
            "{summary}"
        );
        assert!(pending(&sc, env), "a pull request applies nothing");
    }

    let tokens = sc.tokens_issued();
    let main = azure::Run::pipeline(&sc, Reason::IndividualCI);
    check_log(&main.log);
    assert_eq!(main.result("pr_plan"), "Skipped");
    for env in ENVS {
        assert_eq!(main.result(&format!("plan_{env}")), "Succeeded");
        assert_eq!(main.result(&format!("apply_{env}")), "Succeeded");
    }
    assert_eq!(executed(&main.log, "strata plan"), 3);
    assert_eq!(executed(&main.log, "strata apply"), 3);
    assert!(
        sc.tokens_issued() >= tokens + 3,
        "each apply signed in with the service connection's token (plans of an empty state call nothing)"
    );
    for env in ENVS {
        let summary = &main.summaries[&format!("plan_{env}/plan")];
        assert!(
            summary.contains("to add"),
            "the reviewer reads the plan: {summary}"
        );
        assert!(!pending(&sc, env), "{env} is as planned");
    }
    use Ran::{Executed, Simulated};
    assert_eq!(
        job_steps(&main.log, "apply_dev/apply")
            .into_iter()
            .map(|(_, ran)| ran)
            .collect::<Vec<_>>(),
        [
            Simulated("approval: granted"),
            Simulated("checkout: git clone"),
            Simulated("artifact download: a copy"),
            Simulated("cache: a miss"),
            Simulated("cargo install: the binary under test"),
            Executed, // strata on the PATH
            Executed, // strata apply -e dev …/dev.tfplan
        ]
    );

    let tokens = sc.tokens_issued();
    let again = azure::Run::pipeline(&sc, Reason::IndividualCI);
    check_log(&again.log);
    assert!(
        sc.tokens_issued() >= tokens + 3,
        "each plan refreshed with the service connection's token"
    );
    for env in ENVS {
        assert_eq!(again.result(&format!("plan_{env}")), "Succeeded");
        assert_eq!(again.result(&format!("apply_{env}")), "Skipped");
    }
    assert_eq!(executed(&again.log, "strata apply"), 0);
    assert!(!again.log.iter().any(|s| s.ran == Simulated("approval: granted")));

    // The service connections lose access to prod: its plan fails and says why on the summary.
    sc.limited.set(true);
    let failing = azure::Run::pipeline(&sc, Reason::PullRequest);
    check_log(&failing.log);
    assert_eq!(failing.result("pr_plan"), "Failed");
    let summary = &failing.summaries["pr_plan/plan_prod"];
    assert!(summary.contains("plan failed"), "{summary}");
    assert!(!failing.summaries["pr_plan/plan_dev"].contains("plan failed"));
}
