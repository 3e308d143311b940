//! What a request is about, before it is served: the subscription it is counted against
//! and authorised on, the RBAC action it needs (`Microsoft.Network/virtualNetworks/write`),
//! the scope of that action, and whether it writes to Microsoft.Network (which has its own
//! rate limit).

use axum::http::Method;

use super::route::{self, Route};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestScope {
    /// `None` for tenant-level requests (`GET /subscriptions`) and paths outside ARM's shape.
    pub subscription: Option<String>,
    pub action: String,
    /// The path the action is on, without a trailing slash.
    pub scope: String,
    pub network_write: bool,
}

fn verb(method: &Method) -> &'static str {
    match *method {
        Method::GET | Method::HEAD => "read",
        Method::DELETE => "delete",
        _ => "write",
    }
}

/// Describes a request. Paths the emulator does not route still get their subscription, so
/// that they are throttled and authorised like the rest.
pub(crate) fn describe(method: &Method, path: &str) -> RequestScope {
    let scope = path.trim_end_matches('/').to_string();
    let is_post = *method == Method::POST;
    let Some(route) = route::parse(path, is_post) else {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let subscription = match parts.as_slice() {
            [s, sub, ..] if s.eq_ignore_ascii_case("subscriptions") && !sub.is_empty() => {
                Some((*sub).to_string())
            }
            _ => None,
        };
        return RequestScope {
            subscription,
            action: format!("Microsoft.Resources/{}", verb(method)),
            scope,
            network_write: false,
        };
    };
    let v = verb(method);
    let resources = "Microsoft.Resources/subscriptions";
    let (subscription, action, network_write) = match route {
        Route::Subscriptions => (None, format!("{resources}/read"), false),
        Route::Subscription { sub } => (Some(sub), format!("{resources}/read"), false),
        Route::Groups { sub } => (Some(sub), format!("{resources}/resourceGroups/read"), false),
        Route::Group { sub, .. } => (Some(sub), format!("{resources}/resourceGroups/{v}"), false),
        Route::SubscriptionResources { sub } => (Some(sub), format!("{resources}/resources/read"), false),
        Route::GroupResources { sub, .. } => (
            Some(sub),
            format!("{resources}/resourceGroups/resources/read"),
            false,
        ),
        Route::GroupOperationResult { sub, .. } => {
            (Some(sub), format!("{resources}/operationresults/read"), false)
        }
        Route::Providers { sub } | Route::Provider { sub, .. } => {
            (Some(sub), format!("{resources}/providers/read"), false)
        }
        Route::ProviderRegister { sub, namespace } => {
            (Some(sub), format!("{namespace}/register/action"), false)
        }
        Route::OperationStatus { sub, .. } | Route::OperationResult { sub, .. } => {
            let namespace = path
                .split('/')
                .nth(4)
                .unwrap_or("Microsoft.Resources")
                .to_string();
            (Some(sub), format!("{namespace}/locations/operations/read"), false)
        }
        Route::SubscriptionCollection { sub, namespace, kind } => {
            (Some(sub), format!("{namespace}/{kind}/read"), false)
        }
        Route::ProviderAction {
            sub,
            namespace,
            action,
        } => (Some(sub), format!("{namespace}/{action}/action"), false),
        Route::LocationResource {
            sub,
            namespace,
            kind,
            action,
            ..
        } => {
            let action = match action {
                Some(a) => format!("{namespace}/locations/{kind}/{a}/action"),
                None => format!("{namespace}/locations/{kind}/{v}"),
            };
            (Some(sub), action, false)
        }
        Route::Resource(p) => {
            let network = v != "read" && p.namespace.eq_ignore_ascii_case("Microsoft.Network");
            (
                Some(p.subscription.clone()),
                format!("{}/{v}", p.full_type()),
                network,
            )
        }
        Route::Collection(c) => {
            let parent = c.parent.full_type();
            let action = if is_post && !c.parent.segments.is_empty() {
                format!("{parent}/{}/action", c.kind)
            } else {
                format!("{parent}/{}/read", c.kind)
            };
            (Some(c.parent.subscription), action, false)
        }
        Route::Extension(e) => (
            Some(e.scope.subscription.clone()),
            format!("{}/{v}", e.full_type()),
            false,
        ),
    };
    RequestScope {
        subscription,
        action,
        scope,
        network_write,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "11111111-2222-3333-4444-555555555555";

    #[test]
    fn actions() {
        let vnet =
            format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v");
        let d = describe(&Method::PUT, &vnet);
        assert_eq!(d.subscription.as_deref(), Some(SUB));
        assert_eq!(d.action, "Microsoft.Network/virtualNetworks/write");
        assert_eq!(d.scope, vnet);
        assert!(d.network_write);
        let d = describe(&Method::GET, &format!("{vnet}/subnets/a"));
        assert_eq!(d.action, "Microsoft.Network/virtualNetworks/subnets/read");
        assert!(!d.network_write);
        let d = describe(
            &Method::DELETE,
            &format!("/subscriptions/{SUB}/resourcegroups/rg/"),
        );
        assert_eq!(
            d.action,
            "Microsoft.Resources/subscriptions/resourceGroups/delete"
        );
        assert_eq!(d.scope, format!("/subscriptions/{SUB}/resourcegroups/rg"));
        let keys = format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/listKeys"
        );
        assert_eq!(
            describe(&Method::POST, &keys).action,
            "Microsoft.Storage/storageAccounts/listKeys/action"
        );
        let d = describe(&Method::GET, "/subscriptions");
        assert_eq!(
            (d.subscription, d.action.as_str()),
            (None, "Microsoft.Resources/subscriptions/read")
        );
        let d = describe(&Method::GET, &format!("/subscriptions/{SUB}/bogus/thing/more"));
        assert_eq!(d.subscription.as_deref(), Some(SUB));
        assert_eq!(describe(&Method::GET, "/nowhere").subscription, None);
    }
}
