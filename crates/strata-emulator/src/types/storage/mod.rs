//! Microsoft.Storage: storage accounts, their blob service and containers.
//!
//! - Accounts are created the legacy way: 202 + `Location:
//!   …/providers/Microsoft.Storage/operations/{id}?monitor=true` + `Retry-After`; the account is
//!   404 until the operation ends, then the poll answers 200 with it [V ASYNC]. A PUT on an
//!   existing account answers 200 synchronously, as do PATCH and DELETE [V STO].
//! - Names are global: `StorageAccountAlreadyTaken` anywhere else,
//!   `StorageAccountInAnotherResourceGroup` in another group of the same subscription.
//! - `POST …/listKeys` gives two keys, made at creation and stable until regenerated;
//!   `checkNameAvailability` answers for the whole estate.
//! - Every account has its blob service `default`; containers live under it (synchronous
//!   PUT, `{}` is a valid body), and public access is refused when the account forbids it.

pub(crate) mod accounts;
pub(crate) mod blob;
mod endpoints;
mod failover;
mod keys;

use super::TypeRules;
use super::generic::Generic;

pub(crate) const NAMESPACE: &str = "Microsoft.Storage";

/// Published Microsoft.Storage versions.
pub(crate) const VERSIONS: &[&str] = &[
    "2025-06-01",
    "2025-01-01",
    "2024-01-01",
    "2023-05-01",
    "2023-04-01",
    "2023-01-01",
    "2022-09-01",
    "2022-05-01",
    "2021-09-01",
    "2021-08-01",
    "2021-06-01",
    "2021-04-01",
    "2021-02-01",
    "2021-01-01",
    "2019-06-01",
    "2019-04-01",
    "2018-11-01",
    "2018-07-01",
    "2018-02-01",
    "2017-10-01",
    "2017-06-01",
    "2016-12-01",
    "2016-05-01",
    "2016-01-01",
    "2015-06-15",
];

/// The other storage types (file shares, queues, management policies): stored as they are.
static OTHER: Generic = Generic::with_versions(VERSIONS);

pub(crate) fn rules_for(t: &str) -> Option<&'static dyn TypeRules> {
    Some(match t {
        "microsoft.storage/storageaccounts" => &accounts::Accounts,
        "microsoft.storage/storageaccounts/blobservices" => &blob::BlobServices,
        "microsoft.storage/storageaccounts/blobservices/containers" => &blob::Containers,
        _ if t.starts_with("microsoft.storage/") => &OTHER,
        _ => return None,
    })
}

/// The private part (both keys) of an account put in an estate from outside, as a new
/// account's: what `listKeys` answers.
pub(crate) fn new_account_private() -> serde_json::Map<String, serde_json::Value> {
    keys::new_keys()
}
