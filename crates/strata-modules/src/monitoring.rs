//! `monitoring`: a Log Analytics workspace and Application Insights linked to it, and the
//! destination of the stack's automatic diagnostic settings.
//!
//! Resources: `workspace` and `insights`. With `collect_diagnostics` (the default) the
//! expansion names the workspace as the stack's [`DiagnosticsSink`]: the configuration then
//! gives every resource of the stack whose type supports it a diagnostic setting sending its
//! logs and metrics here (a module or resource block opts out with `diagnostics = false`).
//! App Insights' connection string and instrumentation key are secrets: the outputs are
//! sensitive and the state masks them.

use std::collections::BTreeMap;

use strata_core::module::DiagnosticsSink;
use strata_core::{
    Expansion, InputError, InputSpec, Layer, Module, ModuleContext, OutputSpec, ResourceAddr, Value,
};

use crate::common::{self, Placement, secret};
use crate::inputs::{Errors, Fields};
use crate::profiles::Profile;

pub const WORKSPACE_API_VERSION: &str = strata_azure::api_versions::LOG_ANALYTICS;
pub const INSIGHTS_API_VERSION: &str = strata_azure::api_versions::APPLICATION_INSIGHTS;
const WORKSPACE_TYPE: &str = "Microsoft.OperationalInsights/workspaces";
const INSIGHTS_TYPE: &str = "Microsoft.Insights/components";
const SKUS: &[&str] = &["PerGB2018", "CapacityReservation"];

/// The `monitoring` module.
#[derive(Clone, Copy, Debug, Default)]
pub struct MonitoringModule;

const INPUTS: &[InputSpec] = &[
    InputSpec {
        name: "resource_group",
        ty: "string",
        required: true,
        description: "The name of the resource group to create the workspace in.",
    },
    InputSpec {
        name: "location",
        ty: "string",
        required: false,
        description: "The Azure region; defaults to the environment's location.",
    },
    InputSpec {
        name: "name",
        ty: "string",
        required: true,
        description: "The workspace name (4-63 letters, digits and `-`); App Insights is `<name>-insights` unless \
                      `insights_name` says otherwise.",
    },
    InputSpec {
        name: "insights_name",
        ty: "string",
        required: false,
        description: "The Application Insights name.",
    },
    InputSpec {
        name: "sku",
        ty: "string",
        required: false,
        description: "PerGB2018 (default) or CapacityReservation.",
    },
    InputSpec {
        name: "retention_days",
        ty: "number",
        required: false,
        description: "Days logs are kept, 30-730 (profile: 30, 60, 90).",
    },
    InputSpec {
        name: "daily_quota_gb",
        ty: "number",
        required: false,
        description: "A daily ingestion cap in GB, or -1 for none (profile: 1 GB in dev, none otherwise).",
    },
    InputSpec {
        name: "collect_diagnostics",
        ty: "bool",
        required: false,
        description: "Send every resource's diagnostics of the stack here (default true); a block opts out with \
                      `diagnostics = false`.",
    },
    InputSpec {
        name: "tags",
        ty: "map(string)",
        required: false,
        description: "Tags on the workspace and App Insights.",
    },
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "workspace_id",
        sensitive: false,
        description: "The Log Analytics workspace's ARM id.",
    },
    OutputSpec {
        name: "workspace_name",
        sensitive: false,
        description: "The workspace's name.",
    },
    OutputSpec {
        name: "workspace_customer_id",
        sensitive: false,
        description: "The workspace's id for agents and queries (known after apply).",
    },
    OutputSpec {
        name: "app_insights_id",
        sensitive: false,
        description: "The Application Insights component's ARM id.",
    },
    OutputSpec {
        name: "app_insights_connection_string",
        sensitive: true,
        description: "The connection string applications send telemetry with (known after apply).",
    },
    OutputSpec {
        name: "app_insights_instrumentation_key",
        sensitive: true,
        description: "The instrumentation key, for older SDKs (known after apply).",
    },
];

impl Module for MonitoringModule {
    fn source(&self) -> &'static str {
        "monitoring"
    }

    fn description(&self) -> &'static str {
        "A Log Analytics workspace and Application Insights, receiving every resource's diagnostic settings."
    }

    fn inputs(&self) -> &'static [InputSpec] {
        INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }

    fn layer(&self) -> Layer {
        Layer::Monitoring
    }

    fn expand(
        &self,
        ctx: &ModuleContext<'_>,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<Expansion, Vec<InputError>> {
        let defaults = Profile::of(ctx).defaults();
        let fields = Fields::root(inputs);
        let mut errs = Errors::default();
        let place = Placement::read(&fields, ctx.location, &mut errs);
        let name = common::read_name(&fields, "name", WORKSPACE_TYPE, &mut errs);
        let insights_name =
            match errs.take(fields.opt_known_string("insights_name", "it is part of the resource's id")) {
                Some(Some(n)) => errs.take(crate::resource_group::check_name(
                    &fields,
                    "insights_name",
                    INSIGHTS_TYPE,
                    n,
                )),
                Some(None) => name.as_ref().map(|n| format!("{n}-insights")),
                None => None,
            };
        let sku = errs.take(common::choice(&fields, "sku", SKUS, "PerGB2018"));
        let retention = errs.take(common::int_in(
            &fields,
            "retention_days",
            30..=730,
            defaults.log_retention_days,
            "Log Analytics keeps data for 30 to 730 days",
        ));
        let quota = errs.take(fields.int_or("daily_quota_gb", defaults.log_daily_quota_gb.unwrap_or(-1)));
        if let Some(q) = quota.as_ref().and_then(|q| q.known)
            && q != -1
            && q < 1
        {
            errs.push(
                fields
                    .error("daily_quota_gb", format!("{q} is not a daily cap"))
                    .hint("give a number of GB (1 or more), or -1 for no cap"),
            );
        }
        let collect = errs.take(fields.known_bool_or(
            "collect_diagnostics",
            true,
            "it decides which diagnostic settings exist",
        ));
        errs.finish()?;
        let (
            Some(place),
            Some(name),
            Some(insights_name),
            Some(sku),
            Some(retention),
            Some(quota),
            Some(collect),
        ) = (place, name, insights_name, sku, retention, quota, collect)
        else {
            return Err(Vec::new());
        };

        let group = place.group_id(ctx.subscription_id);
        let workspace_id = common::id(&fields, "name", &group, WORKSPACE_TYPE, &name)?;
        let workspace_addr = ResourceAddr::module(ctx.label, "workspace", None);
        let mut body = place.top();
        body.push((
            "properties",
            Value::object([
                ("sku", Value::object([("name", Value::from(sku))])),
                ("retentionInDays", retention.value),
                ("workspaceCapping", Value::object([("dailyQuotaGb", quota.value)])),
            ]),
        ));
        let mut workspace = common::resource(
            workspace_addr.clone(),
            workspace_id.clone(),
            WORKSPACE_API_VERSION,
            Value::object(body),
            Layer::Monitoring,
            &[],
        );
        workspace.soft_delete = strata_azure::soft_delete::for_resource(&workspace);

        let insights_id = common::id(&fields, "insights_name", &group, INSIGHTS_TYPE, &insights_name)?;
        let insights_addr = ResourceAddr::module(ctx.label, "insights", None);
        let mut body = place.top();
        body.push(("kind", Value::from("web")));
        body.push((
            "properties",
            Value::object([
                ("Application_Type", Value::from("web")),
                ("WorkspaceResourceId", Value::from(workspace_id.as_str())),
                ("IngestionMode", Value::from("LogAnalytics")),
            ]),
        ));
        let mut body = Value::object(body);
        common::mark_secret_attributes(
            &mut body,
            &["properties.ConnectionString", "properties.InstrumentationKey"],
        );
        let mut insights = common::resource(
            insights_addr.clone(),
            insights_id.clone(),
            INSIGHTS_API_VERSION,
            body,
            Layer::Monitoring,
            &[&workspace_addr],
        );
        insights.force_new = strata_azure::replace_on_change(&insights.resource_type());

        let outputs = BTreeMap::from([
            ("workspace_id".to_string(), Value::from(workspace_id.as_str())),
            ("workspace_name".to_string(), Value::from(name)),
            (
                "workspace_customer_id".to_string(),
                Value::attr(&workspace_addr, "properties.customerId"),
            ),
            ("app_insights_id".to_string(), Value::from(insights_id.as_str())),
            (
                "app_insights_connection_string".to_string(),
                secret(Value::attr(&insights_addr, "properties.ConnectionString")),
            ),
            (
                "app_insights_instrumentation_key".to_string(),
                secret(Value::attr(&insights_addr, "properties.InstrumentationKey")),
            ),
        ]);
        let diagnostics = collect.then(|| DiagnosticsSink {
            workspace_id: workspace_id.to_string(),
            workspace: workspace_addr,
        });
        Ok(Expansion {
            resources: vec![workspace, insights],
            outputs,
            diagnostics,
        })
    }
}

#[cfg(test)]
mod tests;
