//! A secret planted in a sensitive configuration value never reaches the plan JSON, the
//! pull-request report or the promotion report; the plain values next to it do.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::json;
use strata_core::{ResourceAddr, Value};
use strata_delivery::{EnvPlan, Format, markdown_report, promotion_report, to_tofu_json};
use strata_engine::render_values::flatten;
use strata_engine::{Action, OutputChange, Plan, PropertyChange, Shown};

const SECRET: &str = "hunter2-planted-secret";
const PLAIN: &str = "plainly-visible-value";

/// A plan made the way the engine makes one: the resource body flattened into property
/// changes, sensitive values masked on the way.
fn plan_with_secret() -> Plan {
    let body = Value::object([
        ("location", Value::from("westeurope")),
        (
            "properties",
            Value::object([
                ("administratorLoginPassword", Value::from(SECRET).sensitive()),
                ("description", Value::from(PLAIN)),
                (
                    "fqdn",
                    Value::attr(&ResourceAddr::resource("db"), "properties.fqdn"),
                ),
            ]),
        ),
    ]);
    let created = common::change(
        ResourceAddr::resource("db"),
        strata_core::ArmId::provider_resource(&common::rg_id(), "Microsoft.Sql/servers", "sql-shop"),
        Action::Create,
        flatten(&body),
    );
    // An update whose old value was sensitive in state and whose new one is too.
    let updated = common::change(
        ResourceAddr::resource("vault_secret"),
        strata_core::ArmId::provider_resource(&common::rg_id(), "Microsoft.KeyVault/vaults", "kv-shop")
            .child("secrets", "db-password"),
        Action::Update,
        vec![PropertyChange {
            path: "properties.value".into(),
            before: Shown::Sensitive,
            after: Shown::Sensitive,
            forces_replacement: false,
        }],
    );
    let outputs = vec![OutputChange {
        name: "db_password".into(),
        action: Action::Create,
        before: Shown::Absent,
        after: Shown::Sensitive,
    }];
    common::plan("dev", vec![created, updated], outputs)
}

fn occurrences(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn the_plan_itself_holds_no_secret() {
    let plan = plan_with_secret();
    let text = serde_json::to_string(&plan).unwrap();
    assert!(!text.contains(SECRET));
    assert!(text.contains(PLAIN));
}

#[test]
fn plan_json_masks_the_secret() {
    let json = to_tofu_json(&plan_with_secret());
    let text = json.to_string();
    assert!(!text.contains(SECRET));
    assert_eq!(occurrences(&text, PLAIN), 2, "after and planned_values");
    let change = &json["resource_changes"][0]["change"];
    assert_eq!(
        change["after"]["properties"]["administratorLoginPassword"],
        json!(null)
    );
    assert_eq!(
        change["after_sensitive"],
        json!({"properties": {"administratorLoginPassword": true}})
    );
    assert_eq!(change["after_unknown"], json!({"properties": {"fqdn": true}}));
    assert_eq!(change["after"]["properties"]["description"], PLAIN);
    let update = &json["resource_changes"][1]["change"];
    assert_eq!(update["before_sensitive"], json!({"properties": {"value": true}}));
    assert_eq!(update["before"]["properties"]["value"], json!(null));
    let tofu: strata_delivery::TofuPlan = serde_json::from_value(json).unwrap();
    assert_eq!(tofu.unmasked_sensitive_paths(), Vec::<String>::new());
    assert_eq!(tofu.validate(), vec![]);
}

#[test]
fn reports_mask_the_secret() {
    let plan = plan_with_secret();
    let report = markdown_report("shop", &[EnvPlan::planned(plan.clone())]);
    assert!(!report.contains(SECRET));
    assert_eq!(occurrences(&report, PLAIN), 1);
    assert!(report.contains("properties.administratorLoginPassword = <sensitive>"));
    assert!(report.contains("properties.value = <sensitive> -> <sensitive>"));
    let fqdn = report.lines().find(|l| l.contains("properties.fqdn")).unwrap();
    assert!(fqdn.ends_with("= (known after apply)"), "{fqdn}");
    assert!(report.contains("db_password = <sensitive>"));
    for format in [Format::Text, Format::Markdown] {
        let promotion = promotion_report("staging", "dev", &plan, format);
        assert!(!promotion.contains(SECRET));
        assert_eq!(occurrences(&promotion, PLAIN), 1);
    }
}
