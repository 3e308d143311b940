//! Microsoft.Web: App Service plans (`serverfarms`) and web apps (`sites`).
//!
//! - A new plan or site is created the legacy way: 202 + `Location` (its
//!   `…/providers/Microsoft.Web/locations/{loc}/operationResults/{id}`), 404 until done, then
//!   200 with the document. PUT on an existing one, PATCH and DELETE are synchronous [V WEB:
//!   PUT 200/202].
//! - A Linux plan needs `kind: linux` **and** `reserved: true`; with `kind: linux` alone Azure
//!   makes a Windows plan, and so does the emulator.
//! - Site names are global (`{name}.azurewebsites.net`): "Website with given name … already
//!   exists." (409). VNet integration (`virtualNetworkSubnetId`) needs a subnet delegated to
//!   Microsoft.Web/serverFarms and a plan of Basic tier or above.
//! - A site's `config/web`, `config/appsettings`, `config/connectionstrings` and
//!   `networkConfig/virtualNetwork` are views of the site ([`config`]).

pub(crate) mod config;
pub(crate) mod plans;
pub(crate) mod sites;

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::common::{merge_patch, read_tags};
use super::generic::Generic;
use super::longrun::{NewOp, schedule};
use super::{Ctx, Target, TypeRules};
use crate::protocol::{self, ArmError, Reply};
use crate::store::OpAction;

pub(crate) const NAMESPACE: &str = "Microsoft.Web";

/// Published Microsoft.Web versions.
pub(crate) const VERSIONS: &[&str] = &[
    "2024-11-01",
    "2024-04-01",
    "2023-12-01",
    "2023-01-01",
    "2022-09-01",
    "2022-03-01",
    "2021-03-01",
    "2021-02-01",
    "2021-01-15",
    "2021-01-01",
    "2020-12-01",
    "2020-10-01",
    "2020-09-01",
    "2020-06-01",
    "2019-08-01",
    "2018-11-01",
    "2018-02-01",
    "2016-09-01",
    "2016-08-01",
    "2016-03-01",
];

/// Site configuration, slots and the other Web types: stored as they are.
pub(super) static OTHER: Generic = Generic::with_versions(VERSIONS);

pub(crate) fn rules_for(t: &str) -> Option<&'static dyn TypeRules> {
    Some(match t {
        "microsoft.web/serverfarms" => &plans::Plans,
        "microsoft.web/sites" => &sites::Sites,
        "microsoft.web/sites/config" => &config::SiteConfig,
        "microsoft.web/sites/networkconfig" => &config::NetworkConfig,
        _ if t.starts_with("microsoft.web/") => &OTHER,
        _ => return None,
    })
}

/// Stores a new resource hidden and answers 202 + `Location`; it appears when the operation
/// ends.
pub(crate) fn accept_creation(ctx: &mut Ctx<'_>, t: &Target, location: &str) -> Reply {
    let new = NewOp::on(
        t,
        NAMESPACE,
        location,
        OpAction::Create {
            targets: vec![t.key.clone()],
        },
    )
    .locking(&t.key);
    let op = schedule(ctx, new);
    protocol::accepted(ctx.base_url, &op, ctx.now, false)
}

/// PATCH: tags replace, properties merge, then the same checks as a PUT through `rules`.
pub(crate) fn patch(
    ctx: &mut Ctx<'_>,
    t: &Target,
    mut body: Map<String, Value>,
    rules: &dyn TypeRules,
) -> Result<Reply, ArmError> {
    let tags = read_tags(&body)?;
    let had_tags = body.contains_key("tags");
    let Some(existing) = ctx.state.resource(&t.key).cloned() else {
        return Err(ArmError::resource_not_found(
            &t.path.type_and_names(1),
            &t.group_name,
        ));
    };
    body.remove("tags");
    body.remove("location");
    let mut doc = Value::Object(existing.body.clone());
    merge_patch(&mut doc, &Value::Object(body));
    let mut merged = match doc {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if had_tags {
        match tags {
            Some(tags) => merged.insert("tags".into(), Value::Object(tags)),
            None => merged.remove("tags"),
        };
    }
    rules.put(ctx, t, merged)
}

/// `404 NotFound` as the Web provider words a missing plan.
pub(crate) fn plan_not_found(name: &str) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("Cannot find ServerFarm with name {name}."),
    )
}
