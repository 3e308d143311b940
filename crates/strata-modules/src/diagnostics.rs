//! Diagnostic settings: the `Microsoft.Insights/diagnosticSettings` extension resource that
//! sends a resource's logs and metrics to a Log Analytics workspace.
//!
//! The configuration asks the registry for a setting for every resource of a stack once a
//! monitoring module collects diagnostics ([`strata_core::ModuleRegistry::diagnostic_setting`]);
//! what each type sends comes from strata-azure's table ([`support`], re-exported). Logs go as
//! the `allLogs` category group; metrics as the type's metric category. Types without
//! diagnostic settings (subnets, secrets, containers, DNS links, resource groups) get none.

pub use strata_azure::diagnostics::{SUPPORT, Support, support};
use strata_core::module::DiagnosticsSink;
use strata_core::{Dependency, DesiredResource, Layer, ResourceAddr, Value, id_for};

pub const TYPE: &str = "Microsoft.Insights/diagnosticSettings";
pub const API_VERSION: &str = strata_azure::api_versions::DIAGNOSTIC_SETTINGS;
/// The name of the settings strata manages on each resource.
pub const SETTING_NAME: &str = "strata-to-log-analytics";

/// The setting at `addr` sending `target`'s diagnostics to `sink`, if its type has any.
pub fn setting(
    addr: ResourceAddr,
    target: &DesiredResource,
    sink: &DiagnosticsSink,
) -> Option<DesiredResource> {
    let support = support(&target.resource_type())?;
    let id = id_for(&target.id, TYPE, SETTING_NAME).ok()?;
    let mut props = vec![("workspaceId", Value::from(sink.workspace_id.as_str()))];
    if support.logs {
        props.push((
            "logs",
            Value::List(vec![Value::object([
                ("categoryGroup", Value::from("allLogs")),
                ("enabled", Value::from(true)),
            ])]),
        ));
    }
    if let Some(category) = support.metrics {
        props.push((
            "metrics",
            Value::List(vec![Value::object([
                ("category", Value::from(category)),
                ("enabled", Value::from(true)),
            ])]),
        ));
    }
    let mut r = DesiredResource::new(
        addr,
        id,
        API_VERSION,
        Value::object([("properties", Value::object(props))]),
        Layer::Monitoring,
    );
    r.force_new = strata_azure::replace_on_change(TYPE);
    r.depends_on = vec![
        Dependency::Resource(target.addr.clone()),
        Dependency::Resource(sink.workspace.clone()),
    ];
    r.loc.clone_from(&target.loc);
    Some(r)
}

#[cfg(test)]
mod tests {
    use strata_core::ArmId;

    use super::*;

    fn target(t: &str) -> DesiredResource {
        let rg = ArmId::resource_group("s", "rg");
        DesiredResource::new(
            ResourceAddr::module("m", "x", None),
            ArmId::provider_resource(&rg, t, "x"),
            "2024-01-01",
            Value::Null,
            strata_azure::layer_for(t),
        )
    }

    fn sink() -> DiagnosticsSink {
        DiagnosticsSink {
            workspace_id:
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w"
                    .into(),
            workspace: ResourceAddr::module("monitoring", "workspace", None),
        }
    }

    #[test]
    fn settings_for_supported_types() {
        let addr = ResourceAddr::module("m", "diagnostics", Some("x"));
        let kv = setting(addr.clone(), &target("Microsoft.KeyVault/vaults"), &sink()).unwrap();
        assert_eq!(
            kv.id.as_str(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/x/providers/Microsoft.Insights/diagnosticSettings/strata-to-log-analytics"
        );
        assert_eq!(kv.resource_type(), TYPE);
        assert_eq!(kv.layer, Layer::Monitoring);
        assert_eq!(
            kv.body.to_json().unwrap(),
            serde_json::json!({"properties": {
                "workspaceId": sink().workspace_id,
                "logs": [{"categoryGroup": "allLogs", "enabled": true}],
                "metrics": [{"category": "AllMetrics", "enabled": true}],
            }})
        );
        assert_eq!(kv.depends_on.len(), 2);
        let nsg = setting(
            addr.clone(),
            &target("Microsoft.Network/networkSecurityGroups"),
            &sink(),
        )
        .unwrap();
        assert!(nsg.body.get("properties").unwrap().get("metrics").is_none());
        assert!(setting(addr, &target("Microsoft.Resources/deployments"), &sink()).is_none());
        assert!(support("microsoft.web/SITES").is_some());
    }
}
