//! Bodies and api-versions are checked against Azure's published type definitions before
//! anything is sent, with the block's file and line.

mod common;

use common::{at, errors, eval_text, find};

const RG: &str = r#"stack "schemas" {}
resource "rg" {
  type     = "Microsoft.Resources/resourceGroups@2024-11-01"
  name     = "rg-app"
  parent   = "/subscriptions/00000000-0000-0000-0000-000000000000"
  location = env.location
}
"#;

fn vnet(api: &str, properties: &str) -> String {
    format!(
        r#"{RG}
resource "vnet" {{
  type     = "Microsoft.Network/virtualNetworks@{api}"
  name     = "vnet-app"
  parent   = resource.rg.id
  location = env.location
  body     = {{ properties = {properties} }}
}}
"#
    )
}

#[test]
fn a_valid_body_passes() {
    eval_text(&vnet(
        "2024-07-01",
        r#"{ addressSpace = { addressPrefixes = ["10.0.0.0/16"] } }"#,
    ))
    .unwrap();
}

#[test]
fn an_unknown_property_is_an_error_with_a_suggestion_at_the_block() {
    let d = errors(eval_text(&vnet(
        "2024-07-01",
        r#"{ adressSpace = { addressPrefixes = ["10.0.0.0/16"] } }"#,
    )));
    let e = find(&d, "adressSpace");
    assert!(e.summary.contains("addressSpace"), "did you mean: {e}");
    assert_eq!(at(e), "strata.hcl:9");
}

#[test]
fn a_read_only_property_and_a_wrong_type_are_errors() {
    let d = errors(eval_text(&vnet(
        "2024-07-01",
        r#"{ provisioningState = "Succeeded", enableDdosProtection = "yes" }"#,
    )));
    find(&d, "provisioningState");
    find(&d, "enableDdosProtection");
}

#[test]
fn an_api_version_azure_does_not_publish_names_the_nearest() {
    let d = errors(eval_text(&vnet("2024-07-02", "{}")));
    let e = find(&d, "no api-version `2024-07-02`");
    assert!(
        e.hint.as_deref().unwrap_or_default().contains("2024-07-01"),
        "{e}"
    );
    assert_eq!(at(e), "strata.hcl:9");
}

#[test]
fn types_the_catalogue_does_not_know_are_not_checked() {
    eval_text(&format!(
        r#"{RG}
resource "thing" {{
  type     = "Contoso.Widgets/widgets@2099-01-01"
  name     = "w"
  parent   = resource.rg.id
  location = env.location
  body     = {{ properties = {{ anything = true }} }}
}}
"#
    ))
    .unwrap();
}
