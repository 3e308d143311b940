//! Microsoft.DBforPostgreSQL: flexible servers and their databases.
//!
//! Writes are long-running with `final-state-via: azure-async-operation` [V spec
//! `FlexibleServers.json` 2024-08-01]: 202 + `Azure-AsyncOperation`
//! (`…/locations/{loc}/azureAsyncOperation/{id}`) + `Location`. A new server or database is 404
//! until its operation ends. Server names are global (`{name}.postgres.database.azure.com`).
//! Private access needs a subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers and an
//! existing private DNS zone ending in `postgres.database.azure.com`; the subnet then counts as
//! in use. `administratorLoginPassword` is never returned. Server parameters are in
//! [`configurations`]; restores, replicas and promotion in [`replication`] (region pairs from
//! strata-azure's `behaviour::regions`).

pub(crate) mod configurations;
pub(crate) mod databases;
mod parameters;
pub(crate) mod replication;
pub(crate) mod servers;
mod settings;

use super::longrun::{NewOp, schedule};
use super::{Ctx, Target, TypeRules};
use crate::protocol::{self, Reply};
use crate::store::OpAction;

pub(crate) const NAMESPACE: &str = "Microsoft.DBforPostgreSQL";

/// Published versions of the flexible server API.
pub(crate) const VERSIONS: &[&str] = &[
    "2025-08-01",
    "2025-06-01-preview",
    "2025-01-01-preview",
    "2024-11-01-preview",
    "2024-08-01",
    "2024-03-01-preview",
    "2023-12-01-preview",
    "2023-06-01-preview",
    "2023-03-01-preview",
    "2022-12-01",
    "2022-05-01-preview",
    "2022-03-08-preview",
    "2022-01-20-preview",
    "2021-06-01",
    "2021-06-01-preview",
    "2020-02-14-preview",
];

pub(crate) fn rules_for(t: &str) -> Option<&'static dyn TypeRules> {
    Some(match t {
        "microsoft.dbforpostgresql/flexibleservers" => &servers::Servers,
        "microsoft.dbforpostgresql/flexibleservers/databases" => &databases::Databases,
        "microsoft.dbforpostgresql/flexibleservers/configurations" => &configurations::Configurations,
        _ => return None,
    })
}

/// Schedules a write of `t` and answers 202 with both polling headers. A creation hides the
/// resource until it ends.
pub(crate) fn accept_write(ctx: &mut Ctx<'_>, t: &Target, location: &str, created: bool) -> Reply {
    let targets = vec![t.key.clone()];
    let action = if created {
        OpAction::Create { targets }
    } else {
        OpAction::Provision { targets }
    };
    let op = schedule(ctx, NewOp::on(t, NAMESPACE, location, action).locking(&t.key));
    protocol::accepted(ctx.base_url, &op, ctx.now, true)
}

/// DELETE: 202 with both headers; gone when the operation ends.
pub(crate) fn accept_delete(ctx: &mut Ctx<'_>, t: &Target, location: &str) -> Reply {
    let action = OpAction::Delete {
        target: t.key.clone(),
        settle: Vec::new(),
        also: Vec::new(),
    };
    let op = schedule(ctx, NewOp::on(t, NAMESPACE, location, action).locking(&t.key));
    protocol::accepted(ctx.base_url, &op, ctx.now, true)
}

/// `ServerBusy`-like conflict while another write on the server runs.
pub(crate) fn check_idle(ctx: &Ctx<'_>, key: &str, name: &str) -> Result<(), crate::protocol::ArmError> {
    if ctx.state.lock_holder(key).is_some() {
        return Err(crate::protocol::ArmError::new(
            axum::http::StatusCode::CONFLICT,
            "ServerBusy",
            format!("Another operation is in progress on server '{name}'. Please wait for it to complete and retry."),
        )
        .retry_after(1));
    }
    Ok(())
}
