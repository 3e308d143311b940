//! `strata promote`: what prod would change to match what staging runs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use strata_delivery::{Format, promotion_report};

#[test]
fn text_promotion() {
    let mut plan = common::replace_plan();
    plan.changes.extend(common::update_plan().changes);
    insta::assert_snapshot!(promotion_report("staging", "prod", &plan, Format::Text));
}

#[test]
fn markdown_promotion() {
    let mut plan = common::replace_plan();
    plan.changes.extend(common::update_plan().changes);
    insta::assert_snapshot!(promotion_report("staging", "prod", &plan, Format::Markdown));
}

#[test]
fn nothing_to_promote() {
    let mut plan = common::update_plan();
    plan.changes.clear();
    let text = promotion_report("staging", "prod", &plan, Format::Text);
    assert_eq!(
        text,
        "Promotion of shop from staging to prod (configuration 3f2a9c0d1e7b)\n\nprod already runs what staging runs: no changes.\n"
    );
    let markdown = promotion_report("staging", "prod", &plan, Format::Markdown);
    assert!(markdown.contains("prod already runs what staging runs: no changes."));
    assert!(!markdown.contains("<details>"));
}
