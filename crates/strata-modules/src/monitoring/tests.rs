use serde_json::json;

use super::*;
use crate::test_support::*;

fn base() -> Vec<(&'static str, Value)> {
    vec![("resource_group", s("rg-shop-dev")), ("name", s("log-shop-dev"))]
}

fn expand(profile: &'static str, pairs: Vec<(&str, Value)>) -> Result<Expansion, Vec<InputError>> {
    MonitoringModule.expand(&ctx("monitoring", profile), &inputs(pairs))
}

#[test]
fn a_workspace_and_app_insights_linked_to_it() {
    let e = expand("dev", base()).unwrap();
    assert_eq!(
        addrs(&e),
        ["module.monitoring.workspace", "module.monitoring.insights"]
    );
    let ws = find(&e, "module.monitoring.workspace");
    assert_eq!(
        at(ws, "properties"),
        json!({"sku": {"name": "PerGB2018"}, "retentionInDays": 30, "workspaceCapping": {"dailyQuotaGb": 1}})
    );
    let ai = find(&e, "module.monitoring.insights");
    assert!(
        ai.id
            .as_str()
            .ends_with("/Microsoft.Insights/components/log-shop-dev-insights")
    );
    assert_eq!(at(ai, "properties.WorkspaceResourceId"), json!(ws.id.as_str()));
    assert_eq!(at(ai, "kind"), "web");
    // The server's secrets are declared sensitive, so the state masks them.
    assert_eq!(
        ai.body.sensitive_paths(),
        vec![
            strata_core::parse_path("properties.ConnectionString"),
            strata_core::parse_path("properties.InstrumentationKey")
        ]
    );
    assert!(e.outputs["app_insights_connection_string"].is_sensitive());
    let sink = e.diagnostics.as_ref().unwrap();
    assert_eq!(sink.workspace_id, ws.id.as_str());
    assert_eq!(sink.workspace, ws.addr);
    outputs_match(&MonitoringModule, &e);
}

#[test]
fn profiles_set_retention_and_caps() {
    let e = expand("prod", base()).unwrap();
    let ws = find(&e, "module.monitoring.workspace");
    assert_eq!(at(ws, "properties.retentionInDays"), 90);
    assert_eq!(at(ws, "properties.workspaceCapping.dailyQuotaGb"), -1);
    let mut pairs = base();
    pairs.push(("retention_days", Value::from(365)));
    pairs.push(("collect_diagnostics", Value::from(false)));
    pairs.push(("insights_name", s("appi-shop")));
    let e = expand("prod", pairs).unwrap();
    assert_eq!(
        at(
            find(&e, "module.monitoring.workspace"),
            "properties.retentionInDays"
        ),
        365
    );
    assert!(e.diagnostics.is_none());
    assert!(
        find(&e, "module.monitoring.insights")
            .id
            .as_str()
            .ends_with("/appi-shop")
    );
}

#[test]
fn bad_inputs() {
    let mut pairs = base();
    pairs.push(("retention_days", Value::from(7)));
    pairs.push(("daily_quota_gb", Value::from(0)));
    pairs.push(("sku", s("Free")));
    pairs[1] = ("name", s("log"));
    let errs = errors(expand("dev", pairs));
    let paths: Vec<&str> = errs.iter().map(|(p, ..)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["name", "sku", "retention_days", "daily_quota_gb"],
        "{errs:#?}"
    );
}

#[test]
fn the_workspace_is_recovered_by_a_put_and_purged_by_force() {
    let e = expand("prod", base()).unwrap();
    let sd = find(&e, "module.monitoring.workspace")
        .soft_delete
        .clone()
        .unwrap();
    assert_eq!(sd.deleted_id, None);
    assert_eq!(sd.recover, strata_core::Recover::PutRecovers);
    assert_eq!(sd.purge, strata_core::Purge::ForceDelete);
    assert!(!sd.purge_protected);
    assert_eq!(find(&e, "module.monitoring.insights").soft_delete, None);
    assert!(!find(&e, "module.monitoring.workspace").lifecycle.prevent_destroy);
}

#[test]
fn the_standby_runs_its_own_workspace() {
    let e = deploys_alike_in_the_standby(&MonitoringModule, "mon", "prod", inputs(base()));
    assert!(e.diagnostics.is_some(), "the standby's own resources send to it");
}
