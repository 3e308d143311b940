//! The built-in modules of strata: typed Rust code that turns a module block's inputs into
//! ARM resources and outputs.
//!
//! - [`builtin_registry`] returns the [`BuiltinRegistry`], a
//!   [`ModuleRegistry`](strata_core::ModuleRegistry) of every built-in module by `source`.
//! - [`ResourceGroupModule`] (`resource_group`): the foundation layer.
//! - [`NetworkingModule`] (`networking`): a VNet with segmented subnets, each behind its own
//!   deny-by-default NSG; its `subnets` output tells later layers each subnet's role.
//! - [`StorageModule`] (`storage`) and [`KeyVaultModule`] (`key_vault`): secured services,
//!   and [`DatabaseModule`] (`database`): PostgreSQL with private access only.
//! - [`ComputeModule`] (`compute`): VMs, a scale set or an App Service web app; VMs of an
//!   environment with disaster recovery get an Azure Backup vault and daily policy.
//! - [`EdgeModule`] (`edge`): Front Door or an Application Gateway, with a WAF per profile.
//! - [`MonitoringModule`] (`monitoring`): Log Analytics and Application Insights, the sink of
//!   the stack's automatic diagnostic settings, built by [`diagnostics`] from strata-azure's
//!   per-type categories.
//! - [`profiles`]: what `dev`, `staging` and `prod` choose where a block does not say (the
//!   one table of profile defaults, including `prevent_destroy` on the stateful resources:
//!   storage accounts, Key Vaults and PostgreSQL servers), and the VM sizes each refuses.
//! - [`inputs`]: typed, path-aware reading of inputs that tolerates values known only after
//!   apply; every module reads its inputs through it.
//!
//! Disaster recovery: an environment with a warm standby expands each block twice, for the
//! primary and the standby estate ([`ModuleContext::estate`](strata_core::ModuleContext)).
//! In the standby, `storage` and a Front Door `edge` create nothing and answer with the
//! primary's outputs (geo-replication and a global Front Door are their copies), `database`
//! is a cross-region read replica of the primary's server, `networking` refuses an address
//! space that overlaps the other estate's, and the other modules deploy as in the primary.
//! The primary's Front Door adds the standby's origins at the next priority.
//!
//! Each module implements [`Module`](strata_core::Module): it validates everything it can
//! before any call to Azure, reporting every problem with the path of the offending input,
//! and expands to [`DesiredResource`](strata_core::DesiredResource)s whose ids are known at
//! plan time. Per-type Azure facts the modules rely on (naming rules, replace-on-change
//! paths, soft delete, diagnostic categories, the api-version each module writes) live in
//! strata-azure's `behaviour`, not here.
//!
//! ```
//! use std::collections::BTreeMap;
//! use strata_core::{ModuleContext, ModuleRegistry, Value};
//!
//! let registry = strata_modules::builtin_registry();
//! let rg = registry.get("resource_group").unwrap();
//! let ctx = ModuleContext { label: "rg", subscription_id: "sub", location: "westeurope", environment: "dev", profile: "dev", disaster_recovery: None, estate: Default::default() };
//! let inputs = BTreeMap::from([("name".to_string(), Value::from("rg-shop-dev"))]);
//! let expansion = rg.expand(&ctx, &inputs).unwrap();
//! assert_eq!(expansion.outputs["id"], Value::from("/subscriptions/sub/resourceGroups/rg-shop-dev"));
//! ```

mod common;
mod compute;
mod database;
pub mod diagnostics;
mod edge;
pub mod inputs;
mod key_vault;
mod monitoring;
mod networking;
pub mod profiles;
mod resource_group;
mod storage;
#[cfg(test)]
mod test_support;

pub use compute::ComputeModule;
pub use database::DatabaseModule;
pub use edge::EdgeModule;
pub use key_vault::KeyVaultModule;
pub use monitoring::MonitoringModule;
pub use networking::NetworkingModule;
pub use resource_group::ResourceGroupModule;
pub use storage::StorageModule;

use strata_core::module::DiagnosticsSink;
use strata_core::{DesiredResource, Module, ModuleRegistry, ResourceAddr, SoftDelete};

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

    fn diagnostic_setting(
        &self,
        addr: ResourceAddr,
        target: &DesiredResource,
        sink: &DiagnosticsSink,
    ) -> Option<DesiredResource> {
        diagnostics::setting(addr, target, sink)
    }

    fn soft_delete(&self, target: &DesiredResource) -> Option<SoftDelete> {
        strata_azure::soft_delete::for_resource(target)
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
        modules: vec![
            Box::new(ResourceGroupModule),
            Box::new(NetworkingModule),
            Box::new(StorageModule),
            Box::new(KeyVaultModule),
            Box::new(DatabaseModule),
            Box::new(ComputeModule),
            Box::new(EdgeModule),
            Box::new(MonitoringModule),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_finds_modules_by_source() {
        let r = builtin_registry();
        assert_eq!(
            r.sources(),
            [
                "resource_group",
                "networking",
                "storage",
                "key_vault",
                "database",
                "compute",
                "edge",
                "monitoring"
            ]
        );
        assert_eq!(r.get("networking").map(|m| m.source()), Some("networking"));
        assert!(r.get("sql").is_none());
        for source in r.sources() {
            let m = r.get(source).unwrap();
            assert!(!m.description().is_empty());
            assert!(m.inputs().iter().any(|i| i.required));
            assert!(!m.outputs().is_empty());
        }
    }
}
