//! The one plan renderer: snapshots of the terminal text and of the pull-request report for
//! each kind of change a reviewer meets, and the properties every rendering keeps (nested at
//! the level that changed, no server-side fields, nothing wider than the width).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::review;
use strata_delivery::render::{Flavor, WIDTH, plan_text};
use strata_delivery::{EnvPlan, markdown_report};
use strata_engine::Plan;

fn text(plan: &Plan) -> String {
    plan_text(plan, Flavor::Plain)
}

fn report(plan: &Plan) -> String {
    markdown_report("shop", &[EnvPlan::planned(plan.clone())])
}

/// Every plan of the tests, by name.
fn all_plans() -> Vec<(&'static str, Plan)> {
    vec![
        ("create", common::create_plan()),
        ("update", common::update_plan()),
        ("replace", common::replace_plan()),
        ("destroy", common::destroy_plan()),
        ("rule_changed", review::rule_changed_plan()),
        ("rule_added", review::rule_added_plan()),
        ("tag_added", review::tag_added_plan()),
        ("nested_object", review::nested_object_plan()),
        ("moved", review::moved_plan()),
        ("import", review::import_plan()),
        ("problem", review::problem_plan()),
        ("soft_delete", review::soft_delete_plan()),
        ("targeted", review::targeted_plan()),
        ("long_values", review::long_values_plan()),
    ]
}

#[test]
fn snapshots_of_the_terminal_text() {
    for (name, plan) in all_plans() {
        insta::assert_snapshot!(format!("text_{name}"), text(&plan));
    }
}

#[test]
fn snapshots_of_the_report() {
    for (name, plan) in all_plans() {
        insta::assert_snapshot!(format!("report_{name}"), report(&plan));
    }
}

#[test]
fn no_line_is_wider_than_the_width() {
    for (name, plan) in all_plans() {
        for rendered in [text(&plan), report(&plan)] {
            let in_diffs = rendered
                .lines()
                .filter(|l| !l.starts_with('|') && !l.starts_with('>') && !l.starts_with("###"));
            for line in in_diffs {
                assert!(
                    line.chars().count() <= WIDTH,
                    "{name}: {} columns: {line}",
                    line.chars().count()
                );
            }
        }
    }
}

#[test]
fn one_changed_rule_is_one_nested_line() {
    let out = text(&review::rule_changed_plan());
    let lines: Vec<&str> = out.lines().collect();
    let group = lines
        .iter()
        .position(|l| l.trim() == "~ properties.securityRules[\"allow-https\"]")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        lines[group + 1].trim(),
        "~ properties.priority = 200 -> 210",
        "{out}"
    );
    // The field is nested under its rule.
    let indent = |l: &str| l.len() - l.trim_start().len();
    assert_eq!(indent(lines[group + 1]), indent(lines[group]) + 4);
    // Nothing else of the resource is shown: not the other rule, not what ARM adds.
    let changed = lines
        .iter()
        .filter(|l| l.trim_start().starts_with(['~', '+', '-']))
        .count();
    assert_eq!(changed, 3, "{out}");
    for hidden in [
        "etag",
        "provisioningState",
        "resourceGuid",
        "defaultSecurityRules",
        "deny-all-inbound",
        "sourcePortRanges",
        "\"id\"",
    ] {
        assert!(!out.contains(hidden), "{hidden} shown:\n{out}");
    }
    assert!(
        out.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{out}"
    );
}

#[test]
fn one_added_tag_is_one_key() {
    let out = text(&review::tag_added_plan());
    let changed: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with(['~', '+', '-']))
        .collect();
    assert_eq!(changed.len(), 2, "{out}");
    assert_eq!(changed[1].trim(), "+ tags.tier = \"gold\"", "{out}");
    assert!(!out.contains("owner"), "{out}");
}

#[test]
fn an_added_rule_shows_its_fields_and_a_removed_one_its_name() {
    let out = text(&review::rule_added_plan());
    assert!(out.contains("+ properties.securityRules[\"allow-ssh\"]"), "{out}");
    let priority = out
        .lines()
        .find(|l| l.trim_start().starts_with("+ properties.priority "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(priority.ends_with(" = 300"), "{out}");
    assert!(
        out.contains("- properties.securityRules[\"allow-http\"]"),
        "{out}"
    );
    assert!(!out.contains("allow-https"), "{out}");
    assert!(
        !out.contains("etag") && !out.contains("provisioningState"),
        "{out}"
    );
}

#[test]
fn long_values_wrap_and_keep_their_content() {
    let out = text(&review::long_values_plan());
    assert!(out.lines().all(|l| l.chars().count() <= WIDTH), "{out}");
    // The script is all there, in pieces.
    let joined: String = out.lines().map(str::trim_start).collect();
    assert_eq!(
        joined.matches("apt-get install -y nginx").count(),
        55,
        "the wrapped script lost text"
    );
    assert!(out.contains("+ \"10.23.0.0/16\""), "{out}");
}

#[test]
fn moves_imports_and_the_summary_read_like_opentofu() {
    let out = text(&review::moved_plan());
    assert!(out.contains("  # module.storage.account has moved to module.store.account\n"));
    assert!(
        !out.contains("Microsoft.Storage/storageAccounts \"stshopdev\""),
        "{out}"
    );
    assert!(
        out.contains("# (moved from module.storage.container[\"logs\"])"),
        "{out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 1 to change, 0 to destroy, 2 to move."),
        "{out}"
    );
    let out = text(&review::import_plan());
    assert!(out.contains("# module.rg.group will be imported"), "{out}");
    assert!(
        out.contains("Plan: 2 to import, 1 to add, 1 to change, 0 to destroy."),
        "{out}"
    );
}

#[test]
fn problems_are_errors_under_their_resource() {
    let out = text(&review::problem_plan());
    assert!(
        out.contains("      ! error: already exists in Azure and is not managed by this state"),
        "{out}"
    );
    assert!(out.contains("        hint: adopt it with an `import"), "{out}");
    assert!(
        out.contains("2 problems stop this plan from being applied"),
        "{out}"
    );
    let md = report(&review::problem_plan());
    assert!(md.contains(":no_entry: cannot apply (2 problems)"), "{md}");
}

#[test]
fn a_targeted_plan_says_it_is_partial() {
    let out = text(&review::targeted_plan());
    let first = out.lines().next().unwrap();
    assert_eq!(first, "Warning: resource targeting is in effect");
    assert!(
        out.contains("This plan is partial: it covers only module.network"),
        "{out}"
    );
    assert!(report(&review::targeted_plan()).contains("> [!WARNING]\n> This plan is partial"));
}

#[test]
fn colour_is_only_in_the_ansi_flavour() {
    let plan = review::rule_changed_plan();
    assert!(!text(&plan).contains('\u{1b}'));
    assert!(!report(&plan).contains('\u{1b}'));
    let ansi = plan_text(&plan, Flavor::Ansi);
    assert!(ansi.contains("\u{1b}[33m~\u{1b}[0m"), "{ansi}");
    let stripped = strip_ansi(&ansi);
    assert_eq!(stripped, text(&plan));
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn markdown_lines_start_with_their_marker() {
    let md = report(&review::rule_changed_plan());
    assert!(
        md.contains("\n!       properties.securityRules[\"allow-https\"]\n"),
        "{md}"
    );
    assert!(
        md.contains("\n!           properties.priority = 200 -> 210\n"),
        "{md}"
    );
}

#[test]
fn a_secret_inside_a_named_element_stays_masked() {
    use serde_json::json;
    use strata_core::{ResourceAddr, Value, path_to_string};
    use strata_engine::render_values::{shown_json, shown_value};
    use strata_engine::{Action, PropertyChange, Shown};

    const SECRET: &str = "planted-connection-string";
    let setting = |name: &str, value: Value| Value::object([("name", Value::from(name)), ("value", value)]);
    let desired = Value::object([(
        "properties",
        Value::object([(
            "appSettings",
            Value::List(vec![
                setting("MODE", Value::from("blue")),
                setting("DB", Value::from(SECRET).sensitive()),
            ]),
        )]),
    )]);
    let live = json!({"properties": {"appSettings": [
        {"name": "MODE", "value": "green"}, {"name": "DB", "value": "old"}]}});
    let changes: Vec<PropertyChange> = strata_engine::diff::diff(&desired, &live)
        .into_iter()
        .map(|pd| PropertyChange {
            path: path_to_string(&pd.path),
            before: if pd.sensitive {
                Shown::Sensitive
            } else {
                shown_json(pd.before.as_ref())
            },
            after: shown_value(&pd.after),
            forces_replacement: false,
        })
        .collect();
    let site = common::change(
        ResourceAddr::module("app", "site", None),
        strata_core::ArmId::provider_resource(&common::rg_id(), "Microsoft.Web/sites", "app-shop-dev"),
        Action::Update,
        changes,
    );
    let plan = common::plan("dev", vec![site], vec![]);
    for rendered in [text(&plan), report(&plan), serde_json::to_string(&plan).unwrap()] {
        assert!(!rendered.contains(SECRET), "{rendered}");
        assert!(!rendered.contains("\"old\""), "{rendered}");
    }
    let out = text(&plan);
    assert!(out.contains("~ properties.appSettings[\"MODE\"]"), "{out}");
    assert!(out.contains("~ value = \"green\" -> \"blue\""), "{out}");
    assert!(out.contains("~ value = <sensitive> -> <sensitive>"), "{out}");
}

#[test]
fn the_plan_json_takes_element_changes() {
    let plan = review::rule_changed_plan();
    let tofu = strata_delivery::to_tofu_plan(&plan);
    assert_eq!(tofu.validate(), vec![]);
    let json = strata_delivery::to_tofu_json(&plan);
    let after = &json["resource_changes"][0]["change"]["after"]["properties"]["securityRules"][0];
    assert_eq!(after["name"], "allow-https", "{json}");
    assert_eq!(after["properties"]["priority"], 210, "{json}");
}
