//! Microsoft.KeyVault: vaults (with soft delete, recovery and purge) and their secrets on the
//! management plane.
//!
//! - Vault PUT answers 200/201 with a non-terminal `provisioningState` (`RegisteringDns`) and
//!   no operation header: clients poll the vault [V KV: long-running, no final-state option].
//!   PATCH and DELETE are synchronous.
//! - DELETE soft-deletes: the vault leaves its group but its name stays taken everywhere
//!   (`VaultAlreadyExists`; in the same subscription `ConflictError` "…already exists in deleted
//!   state…") until purged or past its retention. It is listed under
//!   `…/providers/Microsoft.KeyVault/deletedVaults` and recovered by a PUT with
//!   `createMode: recover`. `POST …/locations/{loc}/deletedVaults/{n}/purge` is long-running and
//!   refused under purge protection. A vault deleted with its resource group is soft-deleted
//!   too.
//! - Secrets: synchronous PUT/PATCH, no DELETE on the management plane; the value is never
//!   returned.

pub(crate) mod deleted;
pub(crate) mod secrets;
pub(crate) mod vaults;

use super::TypeRules;

pub(crate) const NAMESPACE: &str = "Microsoft.KeyVault";

/// Published Microsoft.KeyVault versions.
pub(crate) const VERSIONS: &[&str] = &[
    "2025-05-01",
    "2024-12-01-preview",
    "2024-11-01",
    "2024-04-01-preview",
    "2023-08-01-preview",
    "2023-07-01",
    "2023-02-01",
    "2022-11-01",
    "2022-07-01",
    "2022-02-01-preview",
    "2021-11-01-preview",
    "2021-10-01",
    "2021-06-01-preview",
    "2021-04-01-preview",
    "2020-04-01-preview",
    "2019-09-01",
    "2018-02-14",
    "2016-10-01",
    "2015-06-01",
];

pub(crate) fn rules_for(t: &str) -> Option<&'static dyn TypeRules> {
    Some(match t {
        "microsoft.keyvault/vaults" => &vaults::Vaults,
        "microsoft.keyvault/vaults/secrets" => &secrets::Secrets,
        _ => return None,
    })
}
