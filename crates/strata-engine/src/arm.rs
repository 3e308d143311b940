//! The engine's view of Azure Resource Manager: the five verbs it uses and Resource Graph
//! queries, behind a trait.
//!
//! [`strata_arm::ArmClient`] implements it against Azure or the emulator; the engine holds an
//! `Arc<dyn Arm>` so a run can be driven by any ARM endpoint (a rehearsal, a test double of
//! ARM itself) without the engine knowing which.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value as Json;
use strata_arm::{ArmClient, ArmError, ArmErrorKind, GraphQuery, GraphRows};

/// A boxed ARM call.
pub type ArmFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ArmError>> + Send + 'a>>;

/// What the engine asks of ARM. Writes wait for their long-running operation.
pub trait Arm: Send + Sync {
    /// The document at `id`, `None` when ARM says it does not exist.
    fn get<'a>(&'a self, id: &'a str, api_version: &'a str) -> ArmFuture<'a, Option<Json>>;
    /// PUT `body` at `id` and return the final document.
    fn put<'a>(&'a self, id: &'a str, api_version: &'a str, body: &'a Json) -> ArmFuture<'a, Json>;
    /// DELETE `id` (a trailing `?force=true` query is kept).
    fn delete<'a>(&'a self, id: &'a str, api_version: &'a str) -> ArmFuture<'a, ()>;
    /// PATCH `body` onto `id` and return the final document (disaster recovery's runbook:
    /// promoting a replica, moving Front Door's priorities, restoring a storage sku).
    fn patch<'a>(&'a self, id: &'a str, api_version: &'a str, body: &'a Json) -> ArmFuture<'a, Json>;
    /// POST the action `action` of `id`.
    fn post<'a>(
        &'a self,
        id: &'a str,
        action: &'a str,
        api_version: &'a str,
        body: Option<&'a Json>,
    ) -> ArmFuture<'a, Json>;
    /// Runs an Azure Resource Graph query and reads every page (the bulk refresh). An ARM
    /// endpoint without Resource Graph answers an error, and the refresh reads with GETs.
    fn graph<'a>(&'a self, query: &'a GraphQuery) -> ArmFuture<'a, GraphRows> {
        let _ = query;
        Box::pin(async {
            Err(ArmError::invalid_request(
                "this ARM endpoint does not serve Azure Resource Graph".to_string(),
            ))
        })
    }
}

impl Arm for ArmClient {
    fn get<'a>(&'a self, id: &'a str, api_version: &'a str) -> ArmFuture<'a, Option<Json>> {
        Box::pin(ArmClient::get(self, id, api_version))
    }

    fn put<'a>(&'a self, id: &'a str, api_version: &'a str, body: &'a Json) -> ArmFuture<'a, Json> {
        Box::pin(ArmClient::put(self, id, api_version, body))
    }

    fn delete<'a>(&'a self, id: &'a str, api_version: &'a str) -> ArmFuture<'a, ()> {
        Box::pin(ArmClient::delete(self, id, api_version))
    }

    fn patch<'a>(&'a self, id: &'a str, api_version: &'a str, body: &'a Json) -> ArmFuture<'a, Json> {
        Box::pin(ArmClient::patch(self, id, api_version, body))
    }

    fn post<'a>(
        &'a self,
        id: &'a str,
        action: &'a str,
        api_version: &'a str,
        body: Option<&'a Json>,
    ) -> ArmFuture<'a, Json> {
        Box::pin(ArmClient::post(self, id, action, api_version, body))
    }

    fn graph<'a>(&'a self, query: &'a GraphQuery) -> ArmFuture<'a, GraphRows> {
        Box::pin(ArmClient::graph(self, query))
    }
}

/// Whether a failed write may nevertheless have happened in Azure: the request went out and
/// no answer settled it (a dropped connection, a timeout). Such a resource is recorded as
/// "outcome unknown" and read back by the next run, never forgotten.
pub fn outcome_unknown(e: &ArmError) -> bool {
    e.outcome_unknown()
        || e.maybe_applied()
        || matches!(e.kind(), ArmErrorKind::Transport | ArmErrorKind::Timeout)
}
