//! A strata [`Plan`] in OpenTofu's plan JSON shape.
//!
//! strata plans list, per resource, only the properties the configuration sets (all of them on
//! create, the differing ones on update), so `before`/`after` hold exactly those, plus the
//! resource's ARM `id`, `name` and `type`, which are known at plan time. Values in a [`Plan`]
//! are already masked; this module adds no value of its own beyond the resource identity.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use strata_engine::{Action, OutputChange, Plan, ResourceChange, Shown};

use super::timestamp::rfc3339;
use super::tree::{Side, path_steps_json};
use super::{
    FORMAT_VERSION, TofuAction, TofuChange, TofuModule, TofuOutput, TofuPlan, TofuResource,
    TofuResourceChange, TofuValues,
};

/// The provider every strata resource is attributed to: ARM itself.
pub const PROVIDER_NAME: &str = "registry.strata.dev/azure/arm";

const MODE_MANAGED: &str = "managed";

/// The plan as OpenTofu plan JSON, ready to print.
pub fn to_tofu_json(plan: &Plan) -> Json {
    // Serialising these types cannot fail: every map key is a string and no type has a
    // fallible `Serialize`. `Null` is only a formal fallback.
    serde_json::to_value(to_tofu_plan(plan)).unwrap_or(Json::Null)
}

/// The plan as typed OpenTofu plan JSON.
pub fn to_tofu_plan(plan: &Plan) -> TofuPlan {
    TofuPlan {
        format_version: FORMAT_VERSION.to_string(),
        terraform_version: Some(format!("strata {}", plan.strata_version)),
        variables: None,
        planned_values: Some(planned_values(plan)),
        resource_drift: plan
            .changes
            .iter()
            .filter(|c| c.drifted)
            .map(drift_change)
            .collect(),
        resource_changes: plan.changes.iter().map(|c| resource_change(plan, c)).collect(),
        output_changes: plan
            .outputs
            .iter()
            .map(|o| (o.name.clone(), output_change(o)))
            .collect(),
        prior_state: None,
        configuration: None,
        relevant_attributes: None,
        checks: None,
        timestamp: Some(rfc3339(&plan.created_at)),
        errored: false,
    }
}

/// The OpenTofu action list for a strata action. strata replaces by deleting first.
fn actions(action: Action) -> Vec<TofuAction> {
    match action {
        Action::NoOp => vec![TofuAction::NoOp],
        Action::Create => vec![TofuAction::Create],
        Action::Update => vec![TofuAction::Update],
        Action::Replace => vec![TofuAction::Delete, TofuAction::Create],
        Action::Delete => vec![TofuAction::Delete],
    }
}

/// A side of a resource that exists: the given properties plus the resource's identity.
fn existing_side(change: &ResourceChange, side: Side) -> Side {
    let mut side = side;
    side.set_default("id", change.id.as_str());
    side.set_default("name", change.id.name());
    side.set_default("type", &change.resource_type);
    side
}

/// The change's `before` and `after` sides (`None` where the resource does not exist).
fn sides(change: &ResourceChange) -> (Option<Side>, Option<Side>) {
    let before = || existing_side(change, Side::from_changes(&change.changes, |p| &p.before));
    let after = || existing_side(change, Side::from_changes(&change.changes, |p| &p.after));
    match change.action {
        Action::Create => (None, Some(after())),
        Action::Delete => (Some(before()), None),
        Action::NoOp | Action::Update | Action::Replace => (Some(before()), Some(after())),
    }
}

fn tofu_change(actions: Vec<TofuAction>, before: Option<Side>, after: Option<Side>) -> TofuChange {
    let (before, before_sensitive) = match before {
        Some(side) => (side.value, side.sensitive),
        None => (Json::Null, Json::Bool(false)),
    };
    // OpenTofu writes `{}` for the unknowns of an object that will not exist.
    let (after, after_unknown, after_sensitive) = match after {
        Some(side) => (side.value, side.unknown, side.sensitive),
        None => (
            Json::Null,
            Json::Object(serde_json::Map::new()),
            Json::Bool(false),
        ),
    };
    TofuChange {
        actions,
        before,
        after,
        after_unknown,
        before_sensitive,
        after_sensitive,
        replace_paths: None,
        importing: None,
        generated_config: None,
        before_identity: None,
        after_identity: None,
    }
}

/// The address fields shared by `resource_changes` and `resource_drift`.
fn resource_entry(
    change: &ResourceChange,
    tofu: TofuChange,
    action_reason: Option<&str>,
) -> TofuResourceChange {
    TofuResourceChange {
        address: change.addr.to_string(),
        previous_address: None,
        module_address: change.addr.module.as_ref().map(|m| format!("module.{m}")),
        mode: MODE_MANAGED.to_string(),
        resource_type: change.resource_type.clone(),
        name: change.addr.name.clone(),
        index: change.addr.key.clone().map(Json::String),
        provider_name: PROVIDER_NAME.to_string(),
        deposed: None,
        change: tofu,
        action_reason: action_reason.map(str::to_string),
    }
}

fn resource_change(plan: &Plan, change: &ResourceChange) -> TofuResourceChange {
    let (before, after) = sides(change);
    let mut tofu = tofu_change(actions(change.action), before, after);
    let reason = match change.action {
        Action::Replace => {
            let paths: Vec<Vec<Json>> = change
                .changes
                .iter()
                .filter(|p| p.forces_replacement)
                .map(|p| path_steps_json(&p.path))
                .collect();
            if !paths.is_empty() {
                tofu.replace_paths = Some(paths);
            }
            Some("replace_because_cannot_update")
        }
        // A resource that left the configuration; a destroy plan deletes on request.
        Action::Delete if !plan.destroy => Some("delete_because_no_resource_config"),
        _ => None,
    };
    resource_entry(change, tofu, reason)
}

/// What changed outside strata. The planner flags drift when the last applied attributes
/// matched the configuration but Azure no longer does, so the drift runs from the planned
/// value (what strata last wrote) to the current one (what it will change back); a resource
/// recreated because it vanished was deleted outside strata.
fn drift_change(change: &ResourceChange) -> TofuResourceChange {
    let tofu = if change.action == Action::Create {
        let gone = existing_side(change, Side::existing());
        tofu_change(vec![TofuAction::Delete], Some(gone), None)
    } else {
        let mut was = existing_side(change, Side::from_changes(&change.changes, |p| &p.after));
        // The applied value was known; an unknown here only means strata cannot show it.
        was.unknown = Json::Object(serde_json::Map::new());
        let now = existing_side(change, Side::from_changes(&change.changes, |p| &p.before));
        tofu_change(vec![TofuAction::Update], Some(was), Some(now))
    };
    resource_entry(change, tofu, None)
}

fn shown_json(shown: &Shown) -> Json {
    match shown {
        Shown::Known(json) => json.clone(),
        Shown::Absent | Shown::Unknown | Shown::Sensitive => Json::Null,
    }
}

fn output_change(output: &OutputChange) -> TofuChange {
    TofuChange {
        actions: actions(output.action),
        before: shown_json(&output.before),
        after: shown_json(&output.after),
        after_unknown: Json::Bool(output.after == Shown::Unknown),
        before_sensitive: Json::Bool(output.before == Shown::Sensitive),
        after_sensitive: Json::Bool(output.after == Shown::Sensitive),
        replace_paths: None,
        importing: None,
        generated_config: None,
        before_identity: None,
        after_identity: None,
    }
}

/// `planned_values`: every resource and output that exists after apply, grouped by module
/// like OpenTofu (root resources, then one child module per module block), sorted by address.
fn planned_values(plan: &Plan) -> TofuValues {
    let mut root = TofuModule::default();
    let mut children: BTreeMap<String, Vec<TofuResource>> = BTreeMap::new();
    for change in plan.changes.iter().filter(|c| c.action != Action::Delete) {
        let (_, after) = sides(change);
        let Some(after) = after else { continue };
        let resource = TofuResource {
            address: change.addr.to_string(),
            mode: MODE_MANAGED.to_string(),
            resource_type: change.resource_type.clone(),
            name: change.addr.name.clone(),
            index: change.addr.key.clone().map(Json::String),
            provider_name: PROVIDER_NAME.to_string(),
            schema_version: 0,
            values: after.value,
            sensitive_values: after.sensitive,
        };
        match &change.addr.module {
            Some(module) => children.entry(module.clone()).or_default().push(resource),
            None => root.resources.push(resource),
        }
    }
    root.resources.sort_by(|a, b| a.address.cmp(&b.address));
    root.child_modules = children
        .into_iter()
        .map(|(module, mut resources)| {
            resources.sort_by(|a, b| a.address.cmp(&b.address));
            TofuModule {
                address: Some(format!("module.{module}")),
                resources,
                child_modules: Vec::new(),
            }
        })
        .collect();
    let outputs = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::Delete)
        .map(|o| {
            let value = match &o.after {
                Shown::Known(json) => Some(json.clone()),
                Shown::Absent | Shown::Unknown | Shown::Sensitive => None,
            };
            let output = TofuOutput {
                sensitive: o.after == Shown::Sensitive,
                value_type: None,
                value,
            };
            (o.name.clone(), output)
        })
        .collect();
    TofuValues {
        outputs,
        root_module: root,
    }
}
