//! Turning an ARM URL path into a [`Route`].
//!
//! ARM matches the fixed words of its paths (`subscriptions`, `resourceGroups`, `providers`, …)
//! case-insensitively, so routing is done here by hand rather than with a case-sensitive router.

/// A resource below a resource group: `…/providers/{ns}/{type}/{name}[/{type}/{name}]…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResourcePath {
    pub subscription: String,
    pub group: String,
    pub namespace: String,
    /// `(type, name)` pairs from the top-level resource down.
    pub segments: Vec<(String, String)>,
}

impl ResourcePath {
    /// `Microsoft.Network/virtualNetworks/subnets`, as written in the request.
    pub fn full_type(&self) -> String {
        let mut t = self.namespace.clone();
        for (kind, _) in &self.segments {
            t.push('/');
            t.push_str(kind);
        }
        t
    }

    pub fn name(&self) -> &str {
        self.segments.last().map_or("", |(_, n)| n.as_str())
    }

    /// The lowercase key of the resource group.
    pub fn group_key(&self) -> String {
        format!(
            "/subscriptions/{}/resourcegroups/{}",
            self.subscription.to_ascii_lowercase(),
            self.group.to_ascii_lowercase()
        )
    }

    /// The lowercase key of the first `depth` segments (`depth` ≥ 1).
    pub fn key_at(&self, depth: usize) -> String {
        let mut k = format!(
            "{}/providers/{}",
            self.group_key(),
            self.namespace.to_ascii_lowercase()
        );
        for (kind, name) in self.segments.iter().take(depth) {
            k.push('/');
            k.push_str(&kind.to_ascii_lowercase());
            k.push('/');
            k.push_str(&name.to_ascii_lowercase());
        }
        k
    }

    pub fn key(&self) -> String {
        self.key_at(self.segments.len())
    }

    /// ARM's way of naming a resource in messages: `Microsoft.Network/virtualNetworks/v/subnets/a`.
    pub fn type_and_names(&self, depth: usize) -> String {
        let mut t = self.namespace.clone();
        for (kind, name) in self.segments.iter().take(depth) {
            t.push_str(&format!("/{kind}/{name}"));
        }
        t
    }
}

/// A collection below a resource group: `…/providers/{ns}/{type}` or `…/{type}/{name}/{childType}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CollectionPath {
    /// The parent (`segments` empty for a top-level collection) …
    pub parent: ResourcePath,
    /// … and the type listed under it.
    pub kind: String,
}

/// An extension resource (or their collection) on a resource:
/// `{resource id}/providers/{ns}/{type}[/{name}]`, e.g. diagnostic settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExtensionPath {
    /// The resource extended.
    pub scope: ResourcePath,
    pub namespace: String,
    pub kind: String,
    /// `None` for the collection.
    pub name: Option<String>,
}

impl ExtensionPath {
    /// `Microsoft.Insights/diagnosticSettings`
    pub fn full_type(&self) -> String {
        format!("{}/{}", self.namespace, self.kind)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    Subscriptions,
    Subscription {
        sub: String,
    },
    Groups {
        sub: String,
    },
    Group {
        sub: String,
        group: String,
    },
    SubscriptionResources {
        sub: String,
    },
    GroupResources {
        sub: String,
        group: String,
    },
    /// The `Location` of a resource group deletion.
    GroupOperationResult {
        sub: String,
        op: String,
    },
    Providers {
        sub: String,
    },
    Provider {
        sub: String,
        namespace: String,
    },
    ProviderRegister {
        sub: String,
        namespace: String,
    },
    /// `…/providers/{ns}/locations/{loc}/operations/{id}` (`Azure-AsyncOperation`).
    OperationStatus {
        sub: String,
        op: String,
    },
    /// `…/providers/{ns}/locations/{loc}/operationResults/{id}` (`Location`).
    OperationResult {
        sub: String,
        op: String,
    },
    /// `/subscriptions/{s}/providers/{ns}/{type}`: every resource of a type in the subscription.
    SubscriptionCollection {
        sub: String,
        namespace: String,
        kind: String,
    },
    /// `POST /subscriptions/{s}/providers/{ns}/{action}` (`checkNameAvailability`).
    ProviderAction {
        sub: String,
        namespace: String,
        action: String,
    },
    /// `/subscriptions/{s}/providers/{ns}/locations/{loc}/{type}/{name}[/{action}]`: resources
    /// a provider keeps per location (soft-deleted Key Vaults) and actions on them.
    LocationResource {
        sub: String,
        namespace: String,
        location: String,
        kind: String,
        name: String,
        action: Option<String>,
    },
    Resource(ResourcePath),
    Collection(CollectionPath),
    Extension(ExtensionPath),
}

impl Route {
    /// The ARM resource type a request is about, where it has one (for the api-version rules):
    /// a resource's or extension's own type, a collection's listed type, and for an action
    /// (`POST …/{name}/{action}`) the resource's type.
    pub fn arm_type(&self, is_post: bool) -> Option<String> {
        match self {
            Route::Resource(p) => Some(p.full_type()),
            Route::Collection(c) if is_post => Some(c.parent.full_type()),
            Route::Collection(c) => Some(format!("{}/{}", c.parent.full_type(), c.kind)),
            Route::Extension(e) => Some(e.full_type()),
            Route::SubscriptionCollection { namespace, kind, .. } => Some(format!("{namespace}/{kind}")),
            Route::Groups { .. } | Route::Group { .. } => {
                Some("Microsoft.Resources/resourceGroups".to_string())
            }
            _ => None,
        }
    }

    /// The key of the resource group a request is below, if any.
    pub fn group_key(&self) -> Option<String> {
        match self {
            Route::Resource(p) => Some(p.group_key()),
            Route::Collection(c) => Some(c.parent.group_key()),
            Route::Extension(e) => Some(e.scope.group_key()),
            _ => None,
        }
    }
}

fn is(word: &str, expected: &str) -> bool {
    word.eq_ignore_ascii_case(expected)
}

/// Parses a URL path. `None` when the emulator does not serve it.
pub(crate) fn parse(path: &str, is_post: bool) -> Option<Route> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        return None;
    }
    let parts: Vec<String> = trimmed.split('/').map(percent_decode).collect::<Option<_>>()?;
    if parts.iter().any(String::is_empty) || !is(&parts[0], "subscriptions") {
        return None;
    }
    let p: Vec<&str> = parts.iter().map(String::as_str).collect();
    if p.len() == 1 {
        return Some(Route::Subscriptions);
    }
    let sub = p[1].to_string();
    let rest = &p[2..];
    match rest {
        [] => Some(Route::Subscription { sub }),
        [rg] if is(rg, "resourceGroups") => Some(Route::Groups { sub }),
        [res] if is(res, "resources") => Some(Route::SubscriptionResources { sub }),
        [pr] if is(pr, "providers") => Some(Route::Providers { sub }),
        [o, op] if is(o, "operationResults") => Some(Route::GroupOperationResult {
            sub,
            op: op.to_string(),
        }),
        [rg, group] if is(rg, "resourceGroups") => Some(Route::Group {
            sub,
            group: group.to_string(),
        }),
        [rg, group, res] if is(rg, "resourceGroups") && is(res, "resources") => Some(Route::GroupResources {
            sub,
            group: group.to_string(),
        }),
        [pr, ns] if is(pr, "providers") => Some(Route::Provider {
            sub,
            namespace: ns.to_string(),
        }),
        [pr, ns, reg] if is(pr, "providers") && is_post && is(reg, "register") => {
            Some(Route::ProviderRegister {
                sub,
                namespace: ns.to_string(),
            })
        }
        [pr, ns, action] if is(pr, "providers") && is_post => Some(Route::ProviderAction {
            sub,
            namespace: ns.to_string(),
            action: action.to_string(),
        }),
        // Storage's `Location` for account creation: `…/providers/Microsoft.Storage/operations/{id}`.
        [pr, _ns, ops, op] if is(pr, "providers") && is(ops, "operations") => Some(Route::OperationResult {
            sub,
            op: op.to_string(),
        }),
        [pr, ns, kind] if is(pr, "providers") => Some(Route::SubscriptionCollection {
            sub,
            namespace: ns.to_string(),
            kind: kind.to_string(),
        }),
        [pr, ns, loc, l, kind, name, tail @ ..] if is(pr, "providers") && is(loc, "locations") => {
            let (op, kind_s, name_s) = (name.to_string(), kind.to_string(), name.to_string());
            match tail {
                // PostgreSQL names its status resource `azureAsyncOperation`.
                [] if is(kind, "operations") || is(kind, "azureAsyncOperation") => {
                    Some(Route::OperationStatus { sub, op })
                }
                [] if is(kind, "operationResults") => Some(Route::OperationResult { sub, op }),
                [] => Some(Route::LocationResource {
                    sub,
                    namespace: ns.to_string(),
                    location: l.to_string(),
                    kind: kind_s,
                    name: name_s,
                    action: None,
                }),
                [action] if is_post => Some(Route::LocationResource {
                    sub,
                    namespace: ns.to_string(),
                    location: l.to_string(),
                    kind: kind_s,
                    name: name_s,
                    action: Some(action.to_string()),
                }),
                _ => None,
            }
        }
        [rg, group, pr, ns, tail @ ..]
            if is(rg, "resourceGroups") && is(pr, "providers") && !tail.is_empty() =>
        {
            let pairs = |t: &[&str]| -> Vec<(String, String)> {
                t.chunks(2)
                    .filter(|c| c.len() == 2)
                    .map(|c| (c[0].to_string(), c[1].to_string()))
                    .collect()
            };
            // A second `providers` makes an extension resource of the resource before it.
            if let Some(at) = tail.iter().position(|t| is(t, "providers")) {
                let (scope, ext) = (&tail[..at], &tail[at + 1..]);
                if scope.is_empty() || scope.len() % 2 != 0 || ext.iter().any(|t| is(t, "providers")) {
                    return None;
                }
                let scope = ResourcePath {
                    subscription: sub,
                    group: group.to_string(),
                    namespace: ns.to_string(),
                    segments: pairs(scope),
                };
                return match ext {
                    [ns2, kind] => Some(Route::Extension(ExtensionPath {
                        scope,
                        namespace: ns2.to_string(),
                        kind: kind.to_string(),
                        name: None,
                    })),
                    [ns2, kind, name] => Some(Route::Extension(ExtensionPath {
                        scope,
                        namespace: ns2.to_string(),
                        kind: kind.to_string(),
                        name: Some(name.to_string()),
                    })),
                    _ => None,
                };
            }
            let parent = ResourcePath {
                subscription: sub,
                group: group.to_string(),
                namespace: ns.to_string(),
                segments: pairs(tail),
            };
            if tail.len() % 2 == 0 {
                Some(Route::Resource(parent))
            } else {
                Some(Route::Collection(CollectionPath {
                    parent,
                    kind: tail[tail.len() - 1].to_string(),
                }))
            }
        }
        _ => None,
    }
}

/// Decodes `%XX` escapes. `None` for malformed escapes or invalid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_resources_case_insensitively() {
        let r = parse(
            "/SUBSCRIPTIONS/s/resourcegroups/RG/PROVIDERS/Microsoft.Network/virtualNetworks/v/subnets/a%2Db",
            false,
        );
        let Some(Route::Resource(p)) = r else {
            panic!("not a resource: {r:?}")
        };
        assert_eq!(p.group, "RG");
        assert_eq!(p.full_type(), "Microsoft.Network/virtualNetworks/subnets");
        assert_eq!(p.name(), "a-b");
        assert_eq!(
            p.key(),
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v/subnets/a-b"
        );
        assert_eq!(p.type_and_names(1), "Microsoft.Network/virtualNetworks/v");
    }

    #[test]
    fn routes_collections_and_operations() {
        let c = parse(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets",
            false,
        );
        assert!(
            matches!(c, Some(Route::Collection(ref c)) if c.kind == "subnets" && c.parent.segments.len() == 1)
        );
        let c = parse(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks",
            false,
        );
        assert!(matches!(c, Some(Route::Collection(ref c)) if c.parent.segments.is_empty()));
        assert_eq!(
            parse(
                "/subscriptions/s/providers/Microsoft.Network/locations/westeurope/operations/x",
                false
            ),
            Some(Route::OperationStatus {
                sub: "s".into(),
                op: "x".into()
            })
        );
        assert!(matches!(
            parse("/subscriptions/s/providers/Microsoft.Network/register", true),
            Some(Route::ProviderRegister { .. })
        ));
        assert!(matches!(
            parse("/subscriptions/s/resourcegroups", false),
            Some(Route::Groups { .. })
        ));
        assert!(matches!(
            parse("/subscriptions", false),
            Some(Route::Subscriptions)
        ));
    }

    #[test]
    fn routes_extensions_actions_and_location_resources() {
        let r = parse(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/blobServices/default/providers/Microsoft.Insights/diagnosticSettings/d",
            false,
        );
        let Some(Route::Extension(e)) = r else {
            panic!("not an extension: {r:?}")
        };
        assert_eq!(
            e.scope.full_type(),
            "Microsoft.Storage/storageAccounts/blobServices"
        );
        assert_eq!(e.full_type(), "Microsoft.Insights/diagnosticSettings");
        assert_eq!(e.name.as_deref(), Some("d"));
        assert!(matches!(
            parse(
                "/subscriptions/s/resourceGroups/rg/providers/A/b/c/providers/X/y",
                false
            ),
            Some(Route::Extension(ExtensionPath { name: None, .. }))
        ));
        assert!(matches!(
            parse(
                "/subscriptions/s/providers/Microsoft.Storage/checkNameAvailability",
                true
            ),
            Some(Route::ProviderAction { .. })
        ));
        assert!(matches!(
            parse(
                "/subscriptions/s/providers/Microsoft.Storage/checkNameAvailability",
                false
            ),
            Some(Route::SubscriptionCollection { .. })
        ));
        assert_eq!(
            parse("/subscriptions/s/providers/Microsoft.Storage/operations/x", false),
            Some(Route::OperationResult {
                sub: "s".into(),
                op: "x".into()
            })
        );
        assert!(matches!(
            parse(
                "/subscriptions/s/providers/Microsoft.DBforPostgreSQL/locations/l/azureAsyncOperation/x",
                false
            ),
            Some(Route::OperationStatus { .. })
        ));
        assert!(matches!(
            parse(
                "/subscriptions/s/providers/Microsoft.KeyVault/locations/l/deletedVaults/v/purge",
                true
            ),
            Some(Route::LocationResource { action: Some(_), .. })
        ));
        assert!(matches!(
            parse(
                "/subscriptions/s/providers/Microsoft.KeyVault/locations/l/deletedVaults/v",
                false
            ),
            Some(Route::LocationResource { action: None, .. })
        ));
    }

    #[test]
    fn rejects_what_is_not_served() {
        for bad in [
            "/",
            "/tenants",
            "/subscriptions//resourceGroups",
            "/subscriptions/s/resourceGroups/rg/providers/A/b/c/providers/X/y/z/w",
            "/subscriptions/s/resourceGroups/rg/providers/A/b/providers/X/y/z",
            "/subscriptions/s/providers/Microsoft.KeyVault/locations/l/deletedVaults/v/purge/x",
            "/subscriptions/s/bogus/thing/more",
            "/subscriptions/s/resourceGroups/rg/x%zz",
        ] {
            assert!(parse(bad, false).is_none(), "{bad}");
        }
    }
}
