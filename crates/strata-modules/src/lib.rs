//! The built-in modules of strata: typed Rust code that turns a module block's inputs into
//! ARM resources and outputs.
//!
//! - [`builtin_registry`] returns the [`BuiltinRegistry`], a
//!   [`ModuleRegistry`](strata_core::ModuleRegistry) of every built-in module by `source`.
//! - [`ResourceGroupModule`] (`resource_group`): the foundation layer.
//! - [`NetworkingModule`] (`networking`): a VNet with segmented subnets, each behind its own
//!   deny-by-default NSG.
//! - [`inputs`]: typed, path-aware reading of inputs that tolerates values known only after
//!   apply; every module reads its inputs through it.
//!
//! Each module implements [`Module`](strata_core::Module): it validates everything it can
//! before any call to Azure, reporting every problem with the path of the offending input,
//! and expands to [`DesiredResource`](strata_core::DesiredResource)s whose ids are known at
//! plan time.
//!
//! ```
//! use std::collections::BTreeMap;
//! use strata_core::{ModuleContext, ModuleRegistry, Value};
//!
//! let registry = strata_modules::builtin_registry();
//! let rg = registry.get("resource_group").unwrap();
//! let ctx = ModuleContext { label: "rg", subscription_id: "sub", location: "westeurope", environment: "dev", profile: "dev" };
//! let inputs = BTreeMap::from([("name".to_string(), Value::from("rg-shop-dev"))]);
//! let expansion = rg.expand(&ctx, &inputs).unwrap();
//! assert_eq!(expansion.outputs["id"], Value::from("/subscriptions/sub/resourceGroups/rg-shop-dev"));
//! ```

pub mod inputs;
mod networking;
mod resource_group;

pub use networking::NetworkingModule;
pub use resource_group::ResourceGroupModule;

use strata_core::{Module, ModuleRegistry};

/// Every built-in module, found by its `source`.
pub struct BuiltinRegistry {
    modules: Vec<Box<dyn Module>>,
}

impl ModuleRegistry for BuiltinRegistry {
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

impl Default for BuiltinRegistry {
    fn default() -> Self {
        builtin_registry()
    }
}

/// The registry of the built-in modules.
pub fn builtin_registry() -> BuiltinRegistry {
    BuiltinRegistry {
        modules: vec![Box::new(ResourceGroupModule), Box::new(NetworkingModule)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_finds_modules_by_source() {
        let r = builtin_registry();
        assert_eq!(r.sources(), ["resource_group", "networking"]);
        assert_eq!(r.get("networking").map(|m| m.source()), Some("networking"));
        assert!(r.get("storage").is_none());
        for source in r.sources() {
            let m = r.get(source).unwrap();
            assert!(!m.description().is_empty());
            assert!(m.inputs().iter().any(|i| i.required));
            assert!(!m.outputs().is_empty());
        }
    }
}
