//! Refactoring and adoption without touching Azure: `moved` and `import` blocks, and the
//! environment's choice about soft-deleted resources.
//!
//! - [`AddrSelector`]: what a `moved` endpoint names — a whole module block
//!   (`module.storage`), every instance of one resource (`module.network.subnet`,
//!   `resource.hub`) or one instance (`module.network.subnet["app"]`).
//! - [`Moved`]: `moved { from = … to = … }`; [`Moved::apply`] re-keys one address.
//! - [`Import`]: `import { to = ADDR  id = "…" }`.
//! - [`SoftDeleteChoice`]: per environment, what a create does about a soft-deleted namesake
//!   and whether a destroy purges.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::address::ResourceAddr;
use crate::arm_id::ArmId;
use crate::diag::SourceLoc;

/// A set of resource addresses named by a `moved` endpoint or `strata state mv`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddrSelector {
    /// Every resource of a module block: `module.storage`.
    Module(String),
    /// Every instance of one resource, keys kept: `module.network.subnet`, `resource.hub`.
    Resource { module: Option<String>, name: String },
    /// Exactly one instance: `module.network.subnet["app"]`.
    Instance(ResourceAddr),
}

impl AddrSelector {
    /// Parses `module.M`, `module.M.NAME`, `module.M.NAME["KEY"]`, `resource.NAME` or
    /// `resource.NAME["KEY"]`.
    pub fn parse(s: &str) -> Option<AddrSelector> {
        let s = s.trim();
        if s.contains('[') {
            return ResourceAddr::parse(s).map(AddrSelector::Instance);
        }
        let parts: Vec<&str> = s.split('.').collect();
        let ident = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        match parts.as_slice() {
            ["module", m] if ident(m) => Some(AddrSelector::Module((*m).to_string())),
            ["module", m, n] if ident(m) && ident(n) => Some(AddrSelector::Resource {
                module: Some((*m).to_string()),
                name: (*n).to_string(),
            }),
            ["resource", n] if ident(n) => Some(AddrSelector::Resource {
                module: None,
                name: (*n).to_string(),
            }),
            _ => None,
        }
    }

    /// Whether `addr` is one of the addresses this names.
    pub fn matches(&self, addr: &ResourceAddr) -> bool {
        match self {
            AddrSelector::Module(m) => addr.module.as_deref() == Some(m.as_str()),
            AddrSelector::Resource { module, name } => &addr.module == module && &addr.name == name,
            AddrSelector::Instance(a) => a == addr,
        }
    }

    /// `addr` (matched by `self`) re-keyed under `to`: the parts `self` does not name are kept.
    /// `None` when `addr` does not match or the two selectors are not of the same kind.
    pub fn rewrite(&self, to: &AddrSelector, addr: &ResourceAddr) -> Option<ResourceAddr> {
        if !self.matches(addr) {
            return None;
        }
        match (self, to) {
            (AddrSelector::Module(_), AddrSelector::Module(m)) => Some(ResourceAddr {
                module: Some(m.clone()),
                name: addr.name.clone(),
                key: addr.key.clone(),
            }),
            (AddrSelector::Resource { .. }, AddrSelector::Resource { module, name }) => Some(ResourceAddr {
                module: module.clone(),
                name: name.clone(),
                key: addr.key.clone(),
            }),
            (AddrSelector::Instance(_), AddrSelector::Instance(a)) => Some(a.clone()),
            _ => None,
        }
    }

    /// Whether `self` and `other` name the same kind of thing (both modules, both resources,
    /// both instances): a move between different kinds is an error.
    pub fn same_kind(&self, other: &AddrSelector) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

impl fmt::Display for AddrSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddrSelector::Module(m) => write!(f, "module.{m}"),
            AddrSelector::Resource {
                module: Some(m),
                name,
            } => write!(f, "module.{m}.{name}"),
            AddrSelector::Resource { module: None, name } => write!(f, "resource.{name}"),
            AddrSelector::Instance(a) => write!(f, "{a}"),
        }
    }
}

/// `moved { from = … to = … }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    pub from: AddrSelector,
    pub to: AddrSelector,
    pub loc: Option<SourceLoc>,
}

impl Moved {
    /// The new address of `addr`, if this block moves it.
    pub fn apply(&self, addr: &ResourceAddr) -> Option<ResourceAddr> {
        self.from.rewrite(&self.to, addr)
    }
}

/// `import { to = ADDR  id = "…" }`: adopt an existing Azure resource at an address.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Import {
    pub to: ResourceAddr,
    pub id: ArmId,
    pub loc: Option<SourceLoc>,
}

/// What a create does when a soft-deleted resource of the same name exists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnCreate {
    /// Recover it, with its contents (the default; the only way under purge protection).
    #[default]
    Recover,
    /// Purge it, then create a new one (refused under purge protection).
    Purge,
    /// Stop: the plan names the resource and the choices.
    Fail,
}

/// What a destroy does to a soft-deletable resource.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDestroy {
    /// Leave it in soft delete, recoverable until its retention ends.
    #[default]
    Keep,
    /// Purge it after deleting it, freeing the name (impossible under purge protection: such a
    /// resource is kept, and the plan says so).
    Purge,
}

/// An environment's `soft_delete { on_create = "recover"  on_destroy = "purge" }`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftDeleteChoice {
    pub on_create: OnCreate,
    pub on_destroy: OnDestroy,
}

impl SoftDeleteChoice {
    /// The profile's default: dev purges on destroy, so its apply/destroy/apply loop leaves
    /// nothing behind; staging and prod keep deleted resources recoverable. Both recover a
    /// namesake on create.
    pub fn for_profile(profile: &str) -> SoftDeleteChoice {
        SoftDeleteChoice {
            on_create: OnCreate::Recover,
            on_destroy: if profile == "dev" {
                OnDestroy::Purge
            } else {
                OnDestroy::Keep
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_parse_match_and_rewrite() {
        let m = AddrSelector::parse("module.storage").unwrap();
        let to = AddrSelector::parse("module.store").unwrap();
        let a = ResourceAddr::module("storage", "container", Some("logs"));
        assert_eq!(
            m.rewrite(&to, &a),
            Some(ResourceAddr::module("store", "container", Some("logs")))
        );
        assert_eq!(m.rewrite(&to, &ResourceAddr::module("net", "vnet", None)), None);

        let r = AddrSelector::parse("resource.hub").unwrap();
        let r2 = AddrSelector::parse("module.net.hub").unwrap();
        assert_eq!(
            r.rewrite(&r2, &ResourceAddr::resource("hub")),
            Some(ResourceAddr::module("net", "hub", None))
        );
        assert_eq!(
            r.rewrite(&m, &ResourceAddr::resource("hub")),
            None,
            "kinds differ"
        );

        let i = AddrSelector::parse("module.network.subnet[\"app\"]").unwrap();
        let j = AddrSelector::parse("module.network.subnet[\"web\"]").unwrap();
        assert_eq!(
            i.rewrite(&j, &ResourceAddr::module("network", "subnet", Some("app"))),
            Some(ResourceAddr::module("network", "subnet", Some("web")))
        );
        for s in [
            "module.storage",
            "module.network.subnet",
            "resource.hub",
            "module.n.subnet[\"a\"]",
        ] {
            assert_eq!(AddrSelector::parse(s).unwrap().to_string(), s);
        }
        for bad in ["", "module", "module.", "storage", "resource.a.b", "module.a b"] {
            assert_eq!(AddrSelector::parse(bad), None, "{bad}");
        }
    }
}
