//! Addresses of resources in a stack, as the user sees them in plans and state.
//!
//! `module.network.subnet["app"]` is the subnet `app` that the module block `network` created;
//! `resource.hub` is a generic `resource "hub" { … }` block. Addresses are stable across runs:
//! they are the keys of the state.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Separates a block's label from the environment in a peer address.
const PEER_MARK: char = '@';

/// Where a resource was declared and under what local name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    /// The module block's label, or `None` for a top-level `resource` block.
    pub module: Option<String>,
    /// The kind of resource inside the module (`vnet`, `subnet`), or the `resource` label.
    pub name: String,
    /// The instance key for repeated resources (`app` in `subnet["app"]`).
    pub key: Option<String>,
}

impl ResourceAddr {
    pub fn module(module: &str, name: &str, key: Option<&str>) -> ResourceAddr {
        ResourceAddr {
            module: Some(module.to_string()),
            name: name.to_string(),
            key: key.map(str::to_string),
        }
    }

    pub fn resource(name: &str) -> ResourceAddr {
        ResourceAddr {
            module: None,
            name: name.to_string(),
            key: None,
        }
    }

    /// The address of this resource in the other estate of the environment `environment`
    /// (`module.storage@prod.account`): values of one estate that wait on the other's
    /// resources refer to them this way, and the engine resolves them from that estate's state.
    pub fn peer(&self, environment: &str) -> ResourceAddr {
        match &self.module {
            Some(m) => ResourceAddr {
                module: Some(format!("{m}{PEER_MARK}{environment}")),
                name: self.name.clone(),
                key: self.key.clone(),
            },
            None => ResourceAddr {
                module: None,
                name: format!("{}{PEER_MARK}{environment}", self.name),
                key: self.key.clone(),
            },
        }
    }

    /// For a peer address, the environment it lives in and its address there.
    pub fn split_peer(&self) -> Option<(&str, ResourceAddr)> {
        let (part, is_module) = match &self.module {
            Some(m) => (m.as_str(), true),
            None => (self.name.as_str(), false),
        };
        let (local, env) = part.split_once(PEER_MARK)?;
        let mut addr = self.clone();
        if is_module {
            addr.module = Some(local.to_string());
        } else {
            addr.name = local.to_string();
        }
        Some((env, addr))
    }

    /// Parses the [`Display`](fmt::Display) form back.
    pub fn parse(s: &str) -> Option<ResourceAddr> {
        let (head, key) = match s.find('[') {
            Some(i) => {
                let k = s[i..].strip_prefix("[\"")?.strip_suffix("\"]")?;
                (&s[..i], Some(k.to_string()))
            }
            None => (s, None),
        };
        let parts: Vec<&str> = head.split('.').collect();
        match parts.as_slice() {
            ["module", m, n] => Some(ResourceAddr {
                module: Some((*m).into()),
                name: (*n).into(),
                key,
            }),
            ["resource", n] => Some(ResourceAddr {
                module: None,
                name: (*n).into(),
                key,
            }),
            _ => None,
        }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.module {
            Some(m) => write!(f, "module.{m}.{}", self.name)?,
            None => write!(f, "resource.{}", self.name)?,
        }
        if let Some(k) = &self.key {
            write!(f, "[\"{k}\"]")?;
        }
        Ok(())
    }
}

impl Serialize for ResourceAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ResourceAddr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ResourceAddr::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("bad resource address `{s}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse() {
        for a in [
            ResourceAddr::module("network", "subnet", Some("app")),
            ResourceAddr::module("rg", "group", None),
            ResourceAddr::resource("hub"),
        ] {
            assert_eq!(ResourceAddr::parse(&a.to_string()), Some(a));
        }
        assert_eq!(
            ResourceAddr::module("n", "subnet", Some("app")).to_string(),
            "module.n.subnet[\"app\"]"
        );
        assert_eq!(ResourceAddr::parse("bogus"), None);
    }
}
