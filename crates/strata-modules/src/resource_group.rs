//! `resource_group`: the foundation layer, one Azure resource group.
//!
//! Inputs: `name`, `location` (default: the environment's), `tags`. Outputs: `name`, `id`,
//! `location`, all known at plan time.

use std::collections::BTreeMap;

use strata_azure::naming;
use strata_core::{
    ArmId, DesiredResource, Expansion, InputError, InputSpec, Layer, Module, ModuleContext, OutputSpec,
    ResourceAddr, Value, id_for,
};

use crate::inputs::{self, Errors, Fields};

pub const RESOURCE_TYPE: &str = "Microsoft.Resources/resourceGroups";
pub const API_VERSION: &str = strata_azure::api_versions::RESOURCES;

/// The `resource_group` module.
#[derive(Clone, Copy, Debug, Default)]
pub struct ResourceGroupModule;

const INPUTS: &[InputSpec] = &[
    InputSpec {
        name: "name",
        ty: "string",
        required: true,
        description: "The resource group's name (1-90 letters, digits, `_`, `-`, `.`, `(`, `)`).",
    },
    InputSpec {
        name: "location",
        ty: "string",
        required: false,
        description: "The Azure region; defaults to the environment's location. Changing it replaces the group.",
    },
    InputSpec {
        name: "tags",
        ty: "map(string)",
        required: false,
        description: "Tags on the group.",
    },
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "name",
        sensitive: false,
        description: "The resource group's name.",
    },
    OutputSpec {
        name: "id",
        sensitive: false,
        description: "The resource group's ARM id.",
    },
    OutputSpec {
        name: "location",
        sensitive: false,
        description: "The resource group's region.",
    },
];

impl Module for ResourceGroupModule {
    fn source(&self) -> &'static str {
        "resource_group"
    }

    fn description(&self) -> &'static str {
        "An Azure resource group: the foundation every other layer is placed in."
    }

    fn inputs(&self) -> &'static [InputSpec] {
        INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }

    fn layer(&self) -> Layer {
        Layer::ResourceGroups
    }

    fn expand(
        &self,
        ctx: &ModuleContext<'_>,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<Expansion, Vec<InputError>> {
        let fields = Fields::root(inputs);
        let mut errs = Errors::default();
        let name = errs.take(
            fields
                .req_known_string("name", "it is part of the resource group's id")
                .and_then(|n| check_name(&fields, "name", RESOURCE_TYPE, n)),
        );
        let location = errs.take(inputs::location(&fields, "location", ctx.location));
        let tags = errs.take(inputs::tags(&fields, "tags"));
        errs.finish()?;
        let (Some(name), Some(location), Some(tags)) = (name, location, tags) else {
            return Err(Vec::new());
        };

        let id = id_for(&ArmId::subscription(ctx.subscription_id), RESOURCE_TYPE, &name)
            .map_err(|e| vec![fields.error("name", e)])?;
        let mut body = BTreeMap::from([("location".to_string(), location.value.clone())]);
        if let Some(tags) = tags {
            body.insert("tags".into(), tags.value);
        }
        // `location` cannot change in place: the default `force_new` replaces the group.
        let group = DesiredResource::new(
            ResourceAddr::module(ctx.label, "group", None),
            id.clone(),
            API_VERSION,
            Value::Object(body),
            Layer::ResourceGroups,
        );
        let outputs = BTreeMap::from([
            ("name".to_string(), Value::from(name)),
            ("id".to_string(), Value::from(id.as_str())),
            ("location".to_string(), location.value),
        ]);
        Ok(Expansion {
            resources: vec![group],
            outputs,
            diagnostics: None,
        })
    }
}

/// Checks `name` against Azure's naming rule for `resource_type`.
pub(crate) fn check_name(
    fields: &Fields<'_>,
    field: &str,
    resource_type: &str,
    name: String,
) -> Result<String, InputError> {
    let rule = naming::rule_for(resource_type);
    match rule.check(&name) {
        Ok(()) => Ok(name),
        Err(why) => Err(fields.error(field, why).hint(rule.hint(&name))),
    }
}

#[cfg(test)]
mod tests {
    use strata_core::{PathStep, ResourceAddr};

    use super::*;

    pub(crate) fn ctx() -> ModuleContext<'static> {
        ModuleContext {
            label: "rg",
            subscription_id: "00000000-0000-0000-0000-000000000001",
            location: "westeurope",
            environment: "dev",
            profile: "dev",
            disaster_recovery: None,
            estate: Default::default(),
        }
    }

    fn expand(pairs: Vec<(&str, Value)>) -> Result<Expansion, Vec<InputError>> {
        let inputs = pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        ResourceGroupModule.expand(&ctx(), &inputs)
    }

    #[test]
    fn expands_to_one_group_with_plan_time_outputs() {
        let e = expand(vec![
            ("name", Value::from("rg-shop-dev")),
            ("tags", Value::object([("env", Value::from("dev"))])),
        ])
        .unwrap();
        assert_eq!(e.resources.len(), 1);
        let g = &e.resources[0];
        assert_eq!(g.addr, ResourceAddr::module("rg", "group", None));
        assert_eq!(
            g.id.as_str(),
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-shop-dev"
        );
        assert_eq!(g.api_version, "2024-11-01");
        assert_eq!(g.layer, Layer::ResourceGroups);
        assert_eq!(g.force_new, vec![vec![PathStep::Key("location".into())]]);
        assert!(g.depends_on.is_empty() && g.preserve.is_empty());
        assert_eq!(
            g.body.to_json().unwrap(),
            serde_json::json!({"location": "westeurope", "tags": {"env": "dev"}})
        );
        assert_eq!(e.outputs["name"], Value::from("rg-shop-dev"));
        assert_eq!(e.outputs["id"], Value::from(g.id.as_str()));
        assert_eq!(e.outputs["location"], Value::from("westeurope"));
        assert!(e.outputs.values().all(|v| !v.is_unknown()));
    }

    #[test]
    fn the_standby_has_its_own_group_in_its_region() {
        let e = crate::test_support::deploys_alike_in_the_standby(
            &ResourceGroupModule,
            "rg",
            "prod",
            BTreeMap::from([("name".to_string(), Value::from("rg-shop-prod-dr"))]),
        );
        assert_eq!(e.outputs["location"], Value::from("northeurope"));
    }

    #[test]
    fn location_input_wins_and_is_normalised() {
        let e = expand(vec![
            ("name", Value::from("rg")),
            ("location", Value::from("North Europe")),
        ])
        .unwrap();
        assert_eq!(
            e.resources[0].body.to_json().unwrap(),
            serde_json::json!({"location": "northeurope"})
        );
        assert_eq!(e.outputs["location"], Value::from("northeurope"));
    }

    #[test]
    fn bad_and_unknown_names() {
        let errs = expand(vec![("name", Value::from("rg."))]).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path, vec![PathStep::Key("name".into())]);
        assert!(errs[0].message.contains("ends with `.`"), "{}", errs[0].message);

        let unknown = Value::attr(&ResourceAddr::module("x", "y", None), "name");
        let errs = expand(vec![("name", unknown)]).unwrap_err();
        assert!(errs[0].message.contains("plan time"));
    }

    #[test]
    fn unknown_tag_values_pass_through() {
        let owner = Value::attr(&ResourceAddr::module("x", "y", None), "properties.owner");
        let e = expand(vec![
            ("name", Value::from("rg")),
            ("tags", Value::object([("owner", owner.clone())])),
        ])
        .unwrap();
        assert_eq!(
            e.resources[0].body.get("tags").and_then(|t| t.get("owner")),
            Some(&owner)
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errs = expand(vec![
            ("name", Value::from("")),
            ("location", Value::List(vec![])),
            ("tags", Value::from("x")),
        ])
        .unwrap_err();
        let paths: Vec<String> = errs
            .iter()
            .map(|e| strata_core::path_to_string(&e.path))
            .collect();
        assert_eq!(paths, ["name", "location", "tags"]);
    }
}
