//! `strata show -json`: our plans in OpenTofu's plan JSON shape, held to the same rules as
//! OpenTofu's own samples (tests/fixtures, parsed by the same types).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use serde_json::{Value, json};
use strata_delivery::{TofuAction, TofuPlan, to_tofu_json, to_tofu_plan};

fn fixtures() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = vec![dir.join("opentofu-plan.json")];
    let mut more: Vec<PathBuf> = std::fs::read_dir(dir.join("opentofu"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    more.sort();
    files.extend(more);
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

fn ours(plan: &strata_engine::Plan) -> TofuPlan {
    let value = to_tofu_json(plan);
    serde_json::from_value(value).expect("our plan JSON parses with the OpenTofu types")
}

#[test]
fn opentofu_samples_parse_and_follow_the_rules() {
    let samples = fixtures();
    assert!(samples.len() >= 6);
    for (name, text) in samples {
        let plan = TofuPlan::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(plan.validate(), vec![], "{name}");
        assert!(
            !plan.resource_changes.is_empty() || !plan.output_changes.is_empty(),
            "{name} has changes"
        );
    }
}

#[test]
fn the_main_sample_is_read_fully() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/opentofu-plan.json"
    ))
    .unwrap();
    let plan = TofuPlan::from_json(&text).unwrap();
    let delete = &plan.resource_changes[1];
    assert_eq!(delete.address, "test_instance.test-delete");
    assert_eq!(delete.change.actions, vec![TofuAction::Delete]);
    assert!(delete.change.is_destructive());
    assert_eq!(
        delete.action_reason.as_deref(),
        Some("delete_because_no_resource_config")
    );
    assert_eq!(plan.output_changes["test"].after, json!("bar"));
    assert!(plan.configuration.is_some() && plan.prior_state.is_some());
}

#[test]
fn the_rules_catch_broken_plans() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/opentofu-plan.json"
    ))
    .unwrap();
    let mut value: Value = serde_json::from_str(&text).unwrap();
    value["format_version"] = json!("2.0");
    value["resource_changes"][0]["change"]["actions"] = json!(["update", "create"]);
    value["resource_changes"][0]["change"]["after_unknown"] = json!({"ami": {"deep": true}});
    value["resource_changes"][1]["change"]["after"] = json!({"ami": "x"});
    value["resource_changes"][1]["module_address"] = json!("module.elsewhere");
    let plan: TofuPlan = serde_json::from_value(value.clone()).unwrap();
    let problems: Vec<String> = plan.validate().iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        vec![
            "format_version: `2.0` is not a 1.x plan format",
            "resource_changes[0].change.actions: [Update, Create] is not an OpenTofu action list",
            "resource_changes[0].change.after_unknown.ami: is an object but the value is a string",
            "resource_changes[1].module_address: `module.elsewhere` does not prefix `test_instance.test-delete`",
            "resource_changes[1].change.after: must be null for a delete",
        ]
    );
    // An action outside OpenTofu's vocabulary does not even parse.
    value["resource_changes"][0]["change"]["actions"] = json!(["recreate"]);
    assert!(serde_json::from_value::<TofuPlan>(value).is_err());
}

#[test]
fn our_plans_follow_the_same_rules() {
    for plan in [
        common::create_plan(),
        common::update_plan(),
        common::replace_plan(),
        common::destroy_plan(),
    ] {
        let tofu = ours(&plan);
        assert_eq!(tofu.validate(), vec![], "{}", plan.environment);
        assert_eq!(tofu.unmasked_sensitive_paths(), Vec::<String>::new());
        assert_eq!(tofu.format_version, "1.2");
        assert_eq!(tofu.terraform_version.as_deref(), Some("strata 0.1.0"));
        assert_eq!(tofu.timestamp.as_deref(), Some("2026-08-22T11:19:02Z"));
        assert!(!tofu.errored);
        assert_eq!(tofu.resource_changes.len(), plan.changes.len());
        // Typed and untyped forms agree.
        assert_eq!(
            serde_json::to_value(to_tofu_plan(&plan)).unwrap(),
            to_tofu_json(&plan)
        );
    }
}

#[test]
fn create_rebuilds_nested_values_and_masks() {
    let json = to_tofu_json(&common::create_plan());
    let storage = &json["resource_changes"][3];
    assert_eq!(storage["address"], "module.storage.account");
    assert_eq!(storage["module_address"], "module.storage");
    assert_eq!(storage["mode"], "managed");
    assert_eq!(storage["type"], "Microsoft.Storage/storageAccounts");
    assert_eq!(storage["name"], "account");
    assert_eq!(storage["provider_name"], "registry.strata.dev/azure/arm");
    let change = &storage["change"];
    assert_eq!(change["actions"], json!(["create"]));
    assert_eq!(change["before"], Value::Null);
    assert_eq!(change["before_sensitive"], json!(false));
    assert_eq!(change["after"]["sku"], json!({"name": "Standard_LRS"}));
    assert_eq!(change["after"]["name"], "stshopdev");
    // Unknown: absent from `after` (as OpenTofu writes it), `true` in `after_unknown`.
    assert_eq!(change["after"]["properties"]["customDomain"], json!({}));
    assert_eq!(
        change["after_unknown"],
        json!({"properties": {"customDomain": {"name": true}}})
    );
    // Sensitive: `null` in `after`, `true` in `after_sensitive`.
    let key = &change["after"]["properties"]["encryption"]["keyVaultProperties"];
    assert_eq!(key, &json!({"keyName": null}));
    assert_eq!(
        change["after_sensitive"],
        json!({"properties": {"encryption": {"keyVaultProperties": {"keyName": true}}}})
    );

    let subnet = &json["resource_changes"][2];
    assert_eq!(subnet["index"], "app");
    assert_eq!(subnet["address"], "module.network.subnet[\"app\"]");

    let outputs = &json["output_changes"];
    assert_eq!(outputs["storage_key"]["after"], Value::Null);
    assert_eq!(outputs["storage_key"]["after_sensitive"], json!(true));
    assert_eq!(outputs["blob_endpoint"]["after_unknown"], json!(true));
    assert_eq!(
        json["planned_values"]["outputs"]["storage_key"],
        json!({"sensitive": true})
    );
    let children = json["planned_values"]["root_module"]["child_modules"]
        .as_array()
        .unwrap();
    let modules: Vec<&str> = children.iter().map(|m| m["address"].as_str().unwrap()).collect();
    assert_eq!(modules, ["module.network", "module.rg", "module.storage"]);
}

#[test]
fn actions_use_opentofu_words() {
    let actions = |plan: &strata_engine::Plan| -> Vec<Value> {
        to_tofu_json(plan)["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rc| rc["change"]["actions"].clone())
            .collect()
    };
    assert_eq!(
        actions(&common::update_plan()),
        vec![json!(["no-op"]), json!(["update"])]
    );
    assert_eq!(
        actions(&common::replace_plan()),
        vec![json!(["delete", "create"])]
    );
    assert_eq!(actions(&common::destroy_plan()), vec![json!(["delete"])]);

    let replace = to_tofu_json(&common::replace_plan());
    let rc = &replace["resource_changes"][0];
    assert_eq!(rc["action_reason"], "replace_because_cannot_update");
    assert_eq!(
        rc["change"]["replace_paths"],
        json!([["properties", "addressPrefix"]])
    );
    assert_eq!(
        rc["change"]["before"]["properties"]["addressPrefix"],
        "10.10.1.0/24"
    );
    assert_eq!(
        rc["change"]["after"]["properties"]["addressPrefix"],
        "10.10.9.0/24"
    );

    let destroy = to_tofu_json(&common::destroy_plan());
    let rc = &destroy["resource_changes"][0];
    assert_eq!(rc["action_reason"], "delete_because_no_resource_config");
    assert_eq!(rc["change"]["after"], Value::Null);
    assert_eq!(rc["change"]["after_sensitive"], json!(false));
    assert_eq!(destroy["planned_values"]["root_module"], json!({}));
}

#[test]
fn drift_runs_from_what_strata_wrote_to_what_azure_has() {
    let json = to_tofu_json(&common::update_plan());
    let drift = json["resource_drift"].as_array().unwrap();
    assert_eq!(drift.len(), 1);
    let change = &drift[0]["change"];
    assert_eq!(change["actions"], json!(["update"]));
    assert_eq!(
        change["before"]["properties"]["addressSpace"]["addressPrefixes"],
        json!(["10.10.0.0/16", "10.11.0.0/16"])
    );
    assert_eq!(
        change["after"]["properties"]["addressSpace"]["addressPrefixes"],
        json!(["10.10.0.0/16"])
    );
}

#[test]
fn create_plan_json_snapshot() {
    let json = serde_json::to_string_pretty(&to_tofu_json(&common::create_plan())).unwrap();
    insta::assert_snapshot!(json);
}
