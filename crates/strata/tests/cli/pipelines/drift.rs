//! The scheduled drift workflow, run: nothing drifted, no issue; a change outside strata opens
//! one issue for its environment, a second change updates the same issue, and the apply that
//! puts things back closes it.

use serde_json::{Value as Json, json};
use strata_emulator::EMULATOR_TENANT_ID;

use super::github::{self, Event};
use super::{ADMIN, ADMIN_SECRET, Ran, Scenario, assert_strata_steps_executed, print_log};

const WORKFLOW: &str = ".github/workflows/strata-shop-drift.yml";
const RG: &str = "/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/rg-shop-dev";

/// Someone with the Azure CLI retags dev's resource group.
fn retag(sc: &Scenario, tags: Json) {
    let emu = sc.ctx.emulator.as_ref().unwrap();
    let endpoint = sc.endpoint();
    let status = emu.rt.block_on(async {
        let client = reqwest::Client::new();
        let token: Json = client
            .post(format!("{endpoint}/{EMULATOR_TENANT_ID}/oauth2/v2.0/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=client_credentials&client_id={ADMIN}&client_secret={ADMIN_SECRET}&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        client
            .put(format!("{endpoint}{RG}?api-version=2024-11-01"))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .header("User-Agent", "AZURECLI/2.67.0 (DEB) azsdk-python-core/1.31.0 Python/3.12")
            .json(&json!({ "location": "westeurope", "tags": tags }))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert!(status.is_success(), "{status}");
}

fn open_issues(sc: &Scenario) -> Vec<Json> {
    github::issues(sc)["issues"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["state"] == "open")
        .cloned()
        .collect()
}

fn run(sc: &Scenario) -> github::Run {
    let run = github::Run::workflow(sc, WORKFLOW, Event::Schedule);
    print_log(&run.log);
    assert_strata_steps_executed(&run.log);
    assert!(
        run.succeeded("drift"),
        "a drift check that ran is not a failed run"
    );
    assert!(
        run.log
            .iter()
            .any(|s| s.step == "strata drift" && s.ran == Ran::Executed),
        "the drift steps ran"
    );
    run
}

#[test]
fn github_drift_workflow_keeps_one_issue_per_environment_open_while_it_drifts() {
    let sc = Scenario::new("github", "ci-github-drift");
    let r = sc.strata(&["apply", "-e", "dev", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}", r.all());
    run(&sc);
    assert!(open_issues(&sc).is_empty(), "{}", github::issues(&sc));

    let tags = json!({"cost_center": "shop", "environment": "dev", "managed_by": "strata", "owner": "someone-else", "profile": "dev"});
    retag(&sc, tags.clone());
    let first = run(&sc);
    let open = open_issues(&sc);
    assert_eq!(open.len(), 1, "{}", github::issues(&sc));
    let issue = &open[0];
    assert_eq!(issue["title"], "strata: drift in dev (shop)");
    assert_eq!(issue["labels"], json!(["strata-drift"]));
    let body = issue["body"].as_str().unwrap();
    assert_eq!(
        body.lines().next(),
        Some("<!-- strata-drift: shop/dev -->"),
        "{body}"
    );
    assert!(body.contains("`tags.owner`"), "{body}");
    assert!(body.contains("with Azure CLI"), "{body}");
    // The report is on the run's summary too.
    assert!(
        first.summaries["drift dev"].contains("tags.owner"),
        "{:?}",
        first.summaries
    );

    let mut more = tags;
    more["cost_center"] = json!("marketing");
    retag(&sc, more);
    run(&sc);
    let open = open_issues(&sc);
    assert_eq!(
        open.len(),
        1,
        "the same issue is updated: {}",
        github::issues(&sc)
    );
    assert_eq!(open[0]["number"], issue["number"]);
    assert!(open[0]["body"].as_str().unwrap().contains("`tags.cost_center`"));

    let r = sc.strata(&["apply", "-e", "dev", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}", r.all());
    run(&sc);
    assert!(open_issues(&sc).is_empty(), "{}", github::issues(&sc));
    let all = github::issues(&sc);
    assert_eq!(all["issues"][0]["state"], "closed");
    assert_eq!(all["issues"][0]["state_reason"], "completed");
    assert!(
        all["comments"][0]["body"]
            .as_str()
            .unwrap()
            .starts_with("No drift in dev any more"),
        "{all}"
    );
}

#[test]
fn azure_devops_drift_pipeline_fails_the_scheduled_run_with_the_report_while_it_drifts() {
    use super::azure::{self, Reason};
    let sc = Scenario::new("azure-devops", "ci-ado-drift");
    let r = sc.strata(&["apply", "-e", "dev", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let run = |sc: &Scenario| {
        let run = azure::Run::pipeline_file(sc, "azure-pipelines-drift.yml", Reason::Schedule);
        print_log(&run.log);
        assert_strata_steps_executed(&run.log);
        run
    };
    let quiet = run(&sc);
    assert_eq!(quiet.result("drift"), "Succeeded");
    assert!(quiet.summaries["drift/drift_dev"].contains("No drift in dev"));

    retag(
        &sc,
        json!({"cost_center": "shop", "environment": "dev", "managed_by": "strata", "owner": "someone-else", "profile": "dev"}),
    );
    let drifted = run(&sc);
    assert_eq!(drifted.result("drift"), "Failed");
    let report = &drifted.summaries["drift/drift_dev"];
    assert!(report.starts_with("<!-- strata-drift: shop/dev -->"), "{report}");
    assert!(report.contains("`tags.owner`"), "{report}");
    assert!(drifted.summaries["drift/drift_prod"].contains("No drift in prod"));

    let r = sc.strata(&["apply", "-e", "dev", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(run(&sc).result("drift"), "Succeeded");
}
