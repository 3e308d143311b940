//! Microsoft.RecoveryServices: Recovery Services vaults and Azure Backup of virtual machines.
//!
//! - [`vaults`]: the vault (sku RS0 / Standard), its storage redundancy and cross-region
//!   restore (`properties.redundancySettings`, and the older
//!   `backupstorageconfig/vaultstorageconfig` view of the same settings), locked once anything
//!   is protected; a vault holding protected items refuses deletion.
//! - [`policies`]: `vaults/{v}/backupPolicies/{p}` for `AzureIaasVM`, schedule and retention
//!   checked; answered 202 + `Location` + `Retry-After`.
//! - [`items`]: the `Azure` fabric (made with the vault), discovery
//!   (`backupFabrics/Azure/refreshContainers` registers a container for each machine of the
//!   vault's subscription and region), protected machines at
//!   `protectionContainers/iaasvmcontainer;iaasvmcontainerv2;{rg};{vm}/protectedItems/vm;iaasvmcontainerv2;{rg};{vm}`,
//!   their recovery points and the `restore` action on a recovery point, which records a
//!   backup job (`vaults/{v}/backupJobs/{id}`).
//!
//! What is left out: scheduled backups (protection takes one initial recovery point),
//! on-demand backups (`backup` action), the Cross Region Restore endpoints of the secondary
//! region (`locations/{region}/backupCrossRegionRestore`, `backupCrrJobs`, `backupAadProperties`:
//! here a restore into the paired region goes through the ordinary `restore` action, allowed
//! only when the vault has cross-region restore), the machine an `AlternateLocation` restore
//! creates, soft delete of backup data, workloads other than virtual machines and Site
//! Recovery.

pub(crate) mod items;
pub(crate) mod policies;
mod restore;
pub(crate) mod vaults;

use super::TypeRules;
use crate::protocol::ArmError;

pub(crate) const NAMESPACE: &str = "Microsoft.RecoveryServices";

pub(crate) fn rules_for(t: &str) -> Option<&'static dyn TypeRules> {
    Some(match t {
        "microsoft.recoveryservices/vaults" => &vaults::Vaults,
        "microsoft.recoveryservices/vaults/backupstorageconfig" => &vaults::StorageConfig,
        "microsoft.recoveryservices/vaults/backuppolicies" => &policies::Policies,
        "microsoft.recoveryservices/vaults/backupfabrics" => &items::Fabrics,
        "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers" => &items::Containers,
        "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems" => {
            &items::ProtectedItems
        }
        "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems/recoverypoints" => {
            &items::RecoveryPoints
        }
        "microsoft.recoveryservices/vaults/backupjobs" => &items::Jobs,
        _ => return None,
    })
}

/// A refusal of the backup service (400 with its code).
pub(super) fn refuse(code: &str, message: String) -> ArmError {
    ArmError::bad_request(code, message)
}

/// The key of the vault a resource below it belongs to.
pub(super) fn vault_key(t: &super::Target) -> String {
    t.path.key_at(1)
}
