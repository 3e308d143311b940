//! Azure Resource Manager resource ids.
//!
//! An id is `/subscriptions/{sub}[/resourceGroups/{rg}][/providers/{ns}/{type}/{name}[/{type}/{name}]…]`,
//! optionally followed by an extension resource (`{scope}/providers/{ns}/{type}/{name}`).
//! ARM compares ids case-insensitively and may answer with a different casing than was sent, so
//! [`ArmId`] keeps the original text for display and compares with [`ArmId::eq_ignore_case`] /
//! [`ArmId::key`].

use std::fmt;

/// A parsed ARM resource id. Construct with [`ArmId::parse`] or the builders.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArmId {
    raw: String,
}

/// Why a string is not an ARM id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{id}` is not an Azure resource id: {reason}")]
pub struct ArmIdError {
    pub id: String,
    pub reason: &'static str,
}

/// One `{type}/{name}` step of an id, with the provider namespace it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdSegment<'a> {
    pub namespace: &'a str,
    pub type_name: &'a str,
    pub name: &'a str,
}

impl ArmId {
    /// Parses and checks the shape of an id. Trailing slashes are removed.
    pub fn parse(s: &str) -> Result<ArmId, ArmIdError> {
        let err = |reason| ArmIdError {
            id: s.to_string(),
            reason,
        };
        let trimmed = s.trim_end_matches('/');
        if !trimmed.starts_with('/') {
            return Err(err("it must start with `/subscriptions/`"));
        }
        let parts: Vec<&str> = trimmed[1..].split('/').collect();
        if parts.len() < 2 || !parts[0].eq_ignore_ascii_case("subscriptions") {
            return Err(err("it must start with `/subscriptions/{id}`"));
        }
        if parts.iter().any(|p| p.is_empty()) {
            return Err(err("it contains an empty segment"));
        }
        let mut i = 2;
        if i < parts.len() && parts[i].eq_ignore_ascii_case("resourceGroups") {
            if i + 1 >= parts.len() {
                return Err(err("`resourceGroups` needs a name"));
            }
            i += 2;
        }
        while i < parts.len() {
            if !parts[i].eq_ignore_ascii_case("providers") {
                return Err(err("expected `providers` after the scope"));
            }
            // providers/{ns}/{type}/{name}[/{type}/{name}]… up to the next `providers`
            if i + 1 >= parts.len() {
                return Err(err("`providers` needs a namespace, a type and a name"));
            }
            i += 2;
            let mut pairs = 0;
            while i < parts.len() && !parts[i].eq_ignore_ascii_case("providers") {
                if i + 1 >= parts.len() {
                    return Err(err("a resource type is missing its name"));
                }
                i += 2;
                pairs += 1;
            }
            if pairs == 0 {
                return Err(err("`providers` needs a namespace, a type and a name"));
            }
        }
        Ok(ArmId {
            raw: trimmed.to_string(),
        })
    }

    /// `/subscriptions/{sub}`
    pub fn subscription(sub: &str) -> ArmId {
        ArmId {
            raw: format!("/subscriptions/{sub}"),
        }
    }

    /// `/subscriptions/{sub}/resourceGroups/{rg}`
    pub fn resource_group(sub: &str, rg: &str) -> ArmId {
        ArmId {
            raw: format!("/subscriptions/{sub}/resourceGroups/{rg}"),
        }
    }

    /// A top-level resource of `full_type` (`Microsoft.Network/virtualNetworks`) under `scope`
    /// (a resource group id, a subscription id, or any resource id for extension resources).
    pub fn provider_resource(scope: &ArmId, full_type: &str, name: &str) -> ArmId {
        ArmId {
            raw: format!("{}/providers/{full_type}/{name}", scope.raw),
        }
    }

    /// A child resource: `{self}/{child_type}/{name}` (`child_type` is the last type segment only,
    /// e.g. `subnets`).
    pub fn child(&self, child_type: &str, name: &str) -> ArmId {
        ArmId {
            raw: format!("{}/{child_type}/{name}", self.raw),
        }
    }

    /// The id text as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// A lowercase key for maps and comparisons.
    pub fn key(&self) -> String {
        self.raw.to_ascii_lowercase()
    }

    /// ARM's comparison rule for ids: case-insensitive.
    pub fn eq_ignore_case(&self, other: &ArmId) -> bool {
        self.raw.eq_ignore_ascii_case(&other.raw)
    }

    fn parts(&self) -> Vec<&str> {
        self.raw[1..].split('/').collect()
    }

    /// The subscription id.
    pub fn subscription_id(&self) -> &str {
        self.parts()[1]
    }

    /// The resource group name, if the id is in one.
    pub fn resource_group_name(&self) -> Option<&str> {
        let p = self.parts();
        if p.len() >= 4 && p[2].eq_ignore_ascii_case("resourceGroups") {
            Some(p[3])
        } else {
            None
        }
    }

    /// True for `/subscriptions/{s}/resourceGroups/{rg}` itself.
    pub fn is_resource_group(&self) -> bool {
        self.parts().len() == 4 && self.resource_group_name().is_some()
    }

    /// True for `/subscriptions/{s}`.
    pub fn is_subscription(&self) -> bool {
        self.parts().len() == 2
    }

    /// The segments after the last `providers` (the resource this id names).
    pub fn segments(&self) -> Vec<IdSegment<'_>> {
        let p = self.parts();
        let Some(pos) = p.iter().rposition(|s| s.eq_ignore_ascii_case("providers")) else {
            return Vec::new();
        };
        let ns = p[pos + 1];
        p[pos + 2..]
            .chunks(2)
            .filter(|c| c.len() == 2)
            .map(|c| IdSegment {
                namespace: ns,
                type_name: c[0],
                name: c[1],
            })
            .collect()
    }

    /// The full resource type: `Microsoft.Resources/resourceGroups`,
    /// `Microsoft.Network/virtualNetworks/subnets`, …
    pub fn resource_type(&self) -> String {
        if self.is_resource_group() {
            return "Microsoft.Resources/resourceGroups".into();
        }
        if self.is_subscription() {
            return "Microsoft.Resources/subscriptions".into();
        }
        let segs = self.segments();
        let Some(first) = segs.first() else {
            return String::new();
        };
        let mut t = first.namespace.to_string();
        for s in &segs {
            t.push('/');
            t.push_str(s.type_name);
        }
        t
    }

    /// The last name in the id.
    pub fn name(&self) -> &str {
        self.raw.rsplit('/').next().unwrap_or_default()
    }

    /// The id of the parent: the parent resource for a child, the scope for a top-level or
    /// extension resource, the subscription for a resource group.
    pub fn parent(&self) -> Option<ArmId> {
        if self.is_subscription() {
            return None;
        }
        let p = self.parts();
        let cut = if p.len() >= 4 && p[p.len() - 4].eq_ignore_ascii_case("providers") {
            p.len() - 4
        } else {
            p.len() - 2
        };
        Some(ArmId {
            raw: format!("/{}", p[..cut].join("/")),
        })
    }

    /// True when `self` is `other` or lies below it (case-insensitive).
    pub fn is_within(&self, other: &ArmId) -> bool {
        let a = self.key();
        let b = other.key();
        a == b || a.starts_with(&format!("{b}/"))
    }
}

impl fmt::Display for ArmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl std::str::FromStr for ArmId {
    type Err = ArmIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ArmId::parse(s)
    }
}

impl serde::Serialize for ArmId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> serde::Deserialize<'de> for ArmId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ArmId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "00000000-0000-0000-0000-000000000001";

    #[test]
    fn parses_and_navigates() {
        let rg = ArmId::resource_group(SUB, "rg-app");
        let vnet = ArmId::provider_resource(&rg, "Microsoft.Network/virtualNetworks", "vnet");
        let subnet = vnet.child("subnets", "app");
        assert_eq!(
            subnet.resource_type(),
            "Microsoft.Network/virtualNetworks/subnets"
        );
        assert_eq!(subnet.name(), "app");
        assert_eq!(subnet.parent(), Some(vnet.clone()));
        assert_eq!(vnet.parent(), Some(rg.clone()));
        assert_eq!(rg.parent(), Some(ArmId::subscription(SUB)));
        assert_eq!(rg.resource_type(), "Microsoft.Resources/resourceGroups");
        assert_eq!(subnet.resource_group_name(), Some("rg-app"));
        assert!(subnet.is_within(&rg));
        let reparsed = ArmId::parse(&subnet.as_str().to_uppercase()).unwrap();
        assert!(reparsed.eq_ignore_case(&subnet));
    }

    #[test]
    fn extension_resources() {
        let rg = ArmId::resource_group(SUB, "rg");
        let vnet = ArmId::provider_resource(&rg, "Microsoft.Network/virtualNetworks", "v");
        let ds = ArmId::provider_resource(&vnet, "Microsoft.Insights/diagnosticSettings", "d");
        let parsed = ArmId::parse(ds.as_str()).unwrap();
        assert_eq!(parsed.resource_type(), "Microsoft.Insights/diagnosticSettings");
        assert_eq!(parsed.parent(), Some(vnet));
    }

    #[test]
    fn rejects_bad_ids() {
        for bad in [
            "",
            "subscriptions/x",
            "/subscriptions",
            "/subscriptions/x/resourceGroups",
            "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network",
            "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks",
            "/subscriptions//resourceGroups/rg",
            "/subscriptions/x/foo/bar",
        ] {
            assert!(ArmId::parse(bad).is_err(), "{bad}");
        }
    }
}
