//! Every credential against a local stand-in for Entra ID, IMDS, App Service, the CI token
//! endpoints and ARM; the Azure CLI as a small script playing `az`.

// Test code: a failure is a broken test, best reported by a panic.
#![allow(clippy::unwrap_used)]

// Tokens from each kind of credential, and what a refusal says.
mod flows;
// Which credential the environment picks, and what `auth status` shows.
mod selection;
// The Azure CLI, played by a script.
mod cli;
mod server;

use std::collections::HashMap;

use strata_auth::CloudConfig;

use crate::server::IdentityServer;

/// A lookup function over fixed variables.
pub fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

/// The server as both authority and ARM.
pub fn cloud(server: &IdentityServer) -> CloudConfig {
    CloudConfig {
        authority_host: server.base.parse().unwrap(),
        arm_endpoint: server.base.parse().unwrap(),
    }
}
