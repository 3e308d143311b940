//! The pull-request report: snapshots for each kind of change, and the properties a pipeline
//! relies on (marker first, destructive changes before details, stable output).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use strata_delivery::{EnvPlan, markdown_report, report_marker};

#[test]
fn create_report() {
    insta::assert_snapshot!(markdown_report(
        "shop",
        &[EnvPlan::planned(common::create_plan())]
    ));
}

#[test]
fn update_report() {
    insta::assert_snapshot!(markdown_report(
        "shop",
        &[EnvPlan::planned(common::update_plan())]
    ));
}

#[test]
fn replace_report() {
    insta::assert_snapshot!(markdown_report(
        "shop",
        &[EnvPlan::planned(common::replace_plan())]
    ));
}

#[test]
fn destroy_report() {
    insta::assert_snapshot!(markdown_report(
        "shop",
        &[EnvPlan::planned(common::destroy_plan())]
    ));
}

/// dev creates, staging has nothing to do, prod failed to plan.
fn mixed() -> Vec<EnvPlan> {
    let mut staging = common::update_plan();
    staging.changes.clear();
    vec![
        EnvPlan::planned(common::create_plan()),
        EnvPlan::planned(staging),
        EnvPlan::failed(
            "prod",
            "error: cannot read the state: the blob lease is held by `run 42`\n  hint: wait",
        ),
    ]
}

#[test]
fn several_environments_report() {
    insta::assert_snapshot!(markdown_report("shop", &mixed()));
}

#[test]
fn the_marker_is_the_first_line() {
    let report = markdown_report("shop", &mixed());
    assert_eq!(report.lines().next(), Some(report_marker("shop").as_str()));
    assert_eq!(report_marker("shop"), "<!-- strata-plan-report: shop -->");
    // Even when every environment failed, so a failing run still updates its comment.
    let failed = markdown_report("shop", &[EnvPlan::failed("dev", "boom")]);
    assert!(failed.starts_with("<!-- strata-plan-report: shop -->\n"));
}

#[test]
fn destructive_changes_come_before_any_details() {
    let plans = vec![
        EnvPlan::planned(common::create_plan()),
        EnvPlan::planned(common::replace_plan()),
        EnvPlan::planned(common::destroy_plan()),
    ];
    let report = markdown_report("shop", &plans);
    let caution = report.find("[!CAUTION]").unwrap();
    let first_details = report.find("<details>").unwrap();
    assert!(caution < first_details);
    let block = &report[caution..first_details];
    assert!(block.contains("**2 destructive changes**"));
    assert!(block.contains("`prod` · `module.network.subnet[\"app\"]` will be **replaced**: `properties.addressPrefix` cannot be changed in place"));
    assert!(
        block.contains("`prod` · `resource.legacy_ip` will be **destroyed**: no longer in the configuration")
    );
}

#[test]
fn the_report_is_deterministic() {
    assert_eq!(
        markdown_report("shop", &mixed()),
        markdown_report("shop", &mixed())
    );
}

#[test]
fn details_are_grouped_by_layer_in_apply_order() {
    let report = markdown_report("shop", &[EnvPlan::planned(common::create_plan())]);
    let groups: Vec<&str> = report
        .lines()
        .filter_map(|l| l.strip_prefix("<details><summary><b>"))
        .map(|l| l.split("</b>").next().unwrap())
        .collect();
    assert_eq!(
        groups,
        [
            "resource groups",
            "networking",
            "storage and key vault",
            "outputs"
        ]
    );
}
