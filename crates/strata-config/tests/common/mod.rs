//! Helpers for the integration tests: stacks in temporary folders and a small registry of
//! test modules (the real built-ins live elsewhere).

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use strata_config::{EvalOptions, Evaluated, Stack, evaluate};
use strata_core::{
    ArmId, Diagnostics, Expansion, InputError, InputSpec, Layer, Module, ModuleContext, ModuleRegistry,
    OutputSpec, ResourceAddr, Value, id_for,
};
use tempfile::TempDir;

/// Writes `files` (paths relative to the stack) into a new temporary folder.
pub fn write(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

pub fn load(dir: &Path) -> Stack {
    Stack::load(dir).unwrap_or_else(|d| panic!("load failed:\n{d}"))
}

pub fn eval_env(dir: &Path, env: &str, vars: &[(&str, &str)]) -> Result<Evaluated, Diagnostics> {
    let stack = load(dir);
    let env = stack
        .environment(env)
        .unwrap_or_else(|d| panic!("environment failed:\n{d}"));
    let registry = TestRegistry::new();
    let opts = EvalOptions {
        registry: &registry,
        var_overrides: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    };
    evaluate(&stack, &env, &opts)
}

/// Evaluates a one-environment stack made of `strata.hcl` = `text` and a `dev` environment.
pub fn eval_text(text: &str) -> Result<Evaluated, Diagnostics> {
    let dir = write(&[("strata.hcl", text), ("envs/dev.hcl", DEV_ENV)]);
    eval_env(dir.path(), "dev", &[])
}

pub const DEV_ENV: &str = r#"environment "dev" {
  target   = "emulator"
  location = "westeurope"
}
"#;

/// The diagnostics, which must be errors, as one string.
pub fn errors(r: Result<Evaluated, Diagnostics>) -> Diagnostics {
    match r {
        Ok(_) => panic!("evaluation should have failed"),
        Err(d) => {
            assert!(d.has_errors());
            d
        }
    }
}

/// The single diagnostic whose summary contains `needle`.
#[track_caller]
pub fn find<'a>(d: &'a Diagnostics, needle: &str) -> &'a strata_core::Diagnostic {
    let found: Vec<_> = d.0.iter().filter(|x| x.summary.contains(needle)).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one diagnostic containing `{needle}` in:\n{d}"
    );
    found[0]
}

/// `file:line` of a diagnostic, with the file's name only.
pub fn at(d: &strata_core::Diagnostic) -> String {
    let loc = d.loc.as_ref().unwrap_or_else(|| panic!("no location: {d}"));
    format!("{}:{}", loc.file.file_name().unwrap().to_string_lossy(), loc.line)
}

pub struct TestRegistry {
    modules: Vec<Box<dyn Module>>,
}

impl TestRegistry {
    pub fn new() -> TestRegistry {
        TestRegistry {
            modules: vec![
                Box::new(ResourceGroup),
                Box::new(Network),
                Box::new(Vm),
                Box::new(Storage),
            ],
        }
    }
}

impl ModuleRegistry for TestRegistry {
    fn get(&self, source: &str) -> Option<&dyn Module> {
        self.modules
            .iter()
            .find(|m| m.source() == source)
            .map(|m| m.as_ref())
    }

    fn sources(&self) -> Vec<&'static str> {
        self.modules.iter().map(|m| m.source()).collect()
    }
}

fn input<'a>(inputs: &'a BTreeMap<String, Value>, name: &str) -> Option<&'a Value> {
    inputs.get(name).filter(|v| !v.is_null())
}

struct ResourceGroup;

impl Module for ResourceGroup {
    fn source(&self) -> &'static str {
        "resource_group"
    }
    fn description(&self) -> &'static str {
        "a resource group"
    }
    fn inputs(&self) -> &'static [InputSpec] {
        &[
            InputSpec {
                name: "name",
                ty: "string",
                required: true,
                description: "the group's name",
            },
            InputSpec {
                name: "location",
                ty: "string",
                required: false,
                description: "region",
            },
            InputSpec {
                name: "tags",
                ty: "map(string)",
                required: false,
                description: "tags",
            },
        ]
    }
    fn outputs(&self) -> &'static [OutputSpec] {
        &[
            OutputSpec {
                name: "id",
                sensitive: false,
                description: "",
            },
            OutputSpec {
                name: "name",
                sensitive: false,
                description: "",
            },
            OutputSpec {
                name: "location",
                sensitive: false,
                description: "",
            },
        ]
    }
    fn layer(&self) -> Layer {
        Layer::ResourceGroups
    }
    fn expand(
        &self,
        ctx: &ModuleContext<'_>,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<Expansion, Vec<InputError>> {
        let name = input(inputs, "name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if name.len() < 3 {
            return Err(vec![
                InputError::new(&["name"], format!("resource group name `{name}` is too short"))
                    .hint("use at least 3 characters"),
            ]);
        }
        let location = input(inputs, "location")
            .cloned()
            .unwrap_or_else(|| ctx.location.into());
        let id = ArmId::resource_group(ctx.subscription_id, &name);
        let mut body = BTreeMap::from([("location".to_string(), location.clone())]);
        if let Some(t) = input(inputs, "tags") {
            body.insert("tags".into(), t.clone());
        }
        let r = strata_core::DesiredResource::new(
            ResourceAddr::module(ctx.label, "group", None),
            id.clone(),
            "2024-03-01",
            Value::Object(body),
            Layer::ResourceGroups,
        );
        Ok(Expansion {
            diagnostics: None,
            resources: vec![r],
            outputs: BTreeMap::from([
                ("id".to_string(), Value::from(id.as_str())),
                ("name".to_string(), Value::from(name)),
                ("location".to_string(), location),
            ]),
        })
    }
}

struct Network;

impl Module for Network {
    fn source(&self) -> &'static str {
        "networking"
    }
    fn description(&self) -> &'static str {
        "a virtual network with subnets"
    }
    fn inputs(&self) -> &'static [InputSpec] {
        &[
            InputSpec {
                name: "resource_group_id",
                ty: "string",
                required: true,
                description: "the group",
            },
            InputSpec {
                name: "address_space",
                ty: "list(string)",
                required: true,
                description: "CIDRs",
            },
            InputSpec {
                name: "subnets",
                ty: "map(object({address_prefix = string}))",
                required: false,
                description: "subnets by name",
            },
        ]
    }
    fn outputs(&self) -> &'static [OutputSpec] {
        &[
            OutputSpec {
                name: "vnet_id",
                sensitive: false,
                description: "",
            },
            OutputSpec {
                name: "subnet_ids",
                sensitive: false,
                description: "",
            },
        ]
    }
    fn layer(&self) -> Layer {
        Layer::Network
    }
    fn expand(
        &self,
        ctx: &ModuleContext<'_>,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<Expansion, Vec<InputError>> {
        let rg = input(inputs, "resource_group_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let rg =
            ArmId::parse(rg).map_err(|e| vec![InputError::new(&["resource_group_id"], e.to_string())])?;
        let vnet = id_for(
            &rg,
            "Microsoft.Network/virtualNetworks",
            &format!("vnet-{}", ctx.label),
        )
        .map_err(|e| vec![InputError::new(&["resource_group_id"], e)])?;
        let mut errors = Vec::new();
        let mut resources = vec![strata_core::DesiredResource::new(
            ResourceAddr::module(ctx.label, "vnet", None),
            vnet.clone(),
            "2024-05-01",
            Value::object([(
                "properties",
                Value::object([(
                    "addressSpace",
                    Value::object([(
                        "addressPrefixes",
                        input(inputs, "address_space").cloned().unwrap_or_default(),
                    )]),
                )]),
            )]),
            Layer::Network,
        )];
        let mut subnet_ids = BTreeMap::new();
        if let Some(subnets) = input(inputs, "subnets").and_then(Value::as_object) {
            for (key, s) in subnets {
                let prefix = s.get("address_prefix").cloned().unwrap_or_default();
                if let Some(p) = prefix.as_str()
                    && p.parse::<ipnet::Ipv4Net>().is_err()
                {
                    errors.push(
                        InputError::new(
                            &["subnets", key, "address_prefix"],
                            format!("`{p}` is not an IPv4 CIDR block"),
                        )
                        .hint("write it like 10.0.1.0/24"),
                    );
                    continue;
                }
                let id = vnet.child("subnets", key);
                subnet_ids.insert(key.clone(), Value::from(id.as_str()));
                let mut r = strata_core::DesiredResource::new(
                    ResourceAddr::module(ctx.label, "subnet", Some(key)),
                    id,
                    "2024-05-01",
                    Value::object([("properties", Value::object([("addressPrefix", prefix)]))]),
                    Layer::Network,
                );
                r.depends_on
                    .push(strata_core::Dependency::Resource(ResourceAddr::module(
                        ctx.label, "vnet", None,
                    )));
                resources.push(r);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Expansion {
            diagnostics: None,
            resources,
            outputs: BTreeMap::from([
                ("vnet_id".to_string(), Value::from(vnet.as_str())),
                ("subnet_ids".to_string(), Value::Object(subnet_ids)),
            ]),
        })
    }
}

struct Vm;

impl Module for Vm {
    fn source(&self) -> &'static str {
        "vm"
    }
    fn description(&self) -> &'static str {
        "a network interface whose address is known after apply"
    }
    fn inputs(&self) -> &'static [InputSpec] {
        &[
            InputSpec {
                name: "name",
                ty: "string",
                required: true,
                description: "the NIC's name",
            },
            InputSpec {
                name: "subnet_id",
                ty: "string",
                required: true,
                description: "subnet",
            },
        ]
    }
    fn outputs(&self) -> &'static [OutputSpec] {
        &[
            OutputSpec {
                name: "id",
                sensitive: false,
                description: "",
            },
            OutputSpec {
                name: "private_ip",
                sensitive: false,
                description: "",
            },
        ]
    }
    fn layer(&self) -> Layer {
        Layer::Compute
    }
    fn expand(
        &self,
        ctx: &ModuleContext<'_>,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<Expansion, Vec<InputError>> {
        let subnet = ArmId::parse(
            input(inputs, "subnet_id")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
        .map_err(|e| vec![InputError::new(&["subnet_id"], e.to_string())])?;
        let name = input(inputs, "name").and_then(Value::as_str).unwrap_or_default();
        let rg = ArmId::resource_group(
            subnet.subscription_id(),
            subnet.resource_group_name().unwrap_or_default(),
        );
        let id = ArmId::provider_resource(&rg, "Microsoft.Network/networkInterfaces", name);
        let addr = ResourceAddr::module(ctx.label, "nic", None);
        let body = Value::object([(
            "properties",
            Value::object([(
                "ipConfigurations",
                Value::List(vec![Value::object([(
                    "properties",
                    Value::object([("subnet", Value::object([("id", Value::from(subnet.as_str()))]))]),
                )])]),
            )]),
        )]);
        Ok(Expansion {
            diagnostics: None,
            resources: vec![strata_core::DesiredResource::new(
                addr.clone(),
                id.clone(),
                "2024-05-01",
                body,
                Layer::Network,
            )],
            outputs: BTreeMap::from([
                ("id".to_string(), Value::from(id.as_str())),
                (
                    "private_ip".to_string(),
                    Value::attr(
                        &addr,
                        "properties.ipConfigurations[0].properties.privateIPAddress",
                    ),
                ),
            ]),
        })
    }
}

struct Storage;

impl Module for Storage {
    fn source(&self) -> &'static str {
        "storage"
    }
    fn description(&self) -> &'static str {
        "a storage account"
    }
    fn inputs(&self) -> &'static [InputSpec] {
        &[
            InputSpec {
                name: "name",
                ty: "string",
                required: true,
                description: "account name",
            },
            InputSpec {
                name: "resource_group_id",
                ty: "string",
                required: true,
                description: "group",
            },
        ]
    }
    fn outputs(&self) -> &'static [OutputSpec] {
        &[
            OutputSpec {
                name: "id",
                sensitive: false,
                description: "",
            },
            OutputSpec {
                name: "primary_key",
                sensitive: true,
                description: "",
            },
        ]
    }
    fn layer(&self) -> Layer {
        Layer::Data
    }
    fn expand(
        &self,
        _ctx: &ModuleContext<'_>,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<Expansion, Vec<InputError>> {
        let rg = ArmId::parse(
            input(inputs, "resource_group_id")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
        .map_err(|e| vec![InputError::new(&["resource_group_id"], e.to_string())])?;
        let name = input(inputs, "name").and_then(Value::as_str).unwrap_or_default();
        let id = ArmId::provider_resource(&rg, "Microsoft.Storage/storageAccounts", name);
        let addr = ResourceAddr::module(_ctx.label, "account", None);
        Ok(Expansion {
            diagnostics: None,
            resources: vec![strata_core::DesiredResource::new(
                addr.clone(),
                id.clone(),
                "2023-05-01",
                Value::object([
                    ("kind", Value::from("StorageV2")),
                    ("location", Value::from("westeurope")),
                    ("sku", Value::object([("name", Value::from("Standard_LRS"))])),
                ]),
                Layer::Data,
            )],
            outputs: BTreeMap::from([
                ("id".to_string(), Value::from(id.as_str())),
                // Deliberately not marked: the output spec says it is sensitive.
                (
                    "primary_key".to_string(),
                    Value::attr(&addr, "$action:listKeys.keys[0].value"),
                ),
            ]),
        })
    }
}

/// Copies the `.hcl` files of `from` (and of its folders, except hidden ones) to `to`.
pub fn copy_hcl(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_hcl(&entry.path(), &to.join(&name));
        } else if entry.path().extension().is_some_and(|x| x == "hcl") {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}
