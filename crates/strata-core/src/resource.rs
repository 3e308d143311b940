//! The engine's one model of infrastructure: ARM resources that the configuration wants.
//!
//! Built-in modules and generic `resource` blocks both produce [`DesiredResource`]s. Each is an
//! ARM document (`body`) at an id, written with PUT at an api-version. The engine diffs it
//! against what ARM returns, orders it by its [`Dependency`]s and its [`Layer`], and writes it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::address::ResourceAddr;
use crate::arm_id::ArmId;
use crate::diag::SourceLoc;
use crate::value::{PathStep, Value};

/// The seed's layers. Where references alone do not order two modules, the lower layer goes
/// first on apply and last on destroy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    ResourceGroups = 0,
    Network = 1,
    Data = 2,
    Compute = 3,
    Edge = 4,
    Monitoring = 5,
}

impl Layer {
    pub fn name(self) -> &'static str {
        match self {
            Layer::ResourceGroups => "resource groups",
            Layer::Network => "networking",
            Layer::Data => "storage and key vault",
            Layer::Compute => "compute",
            Layer::Edge => "edge",
            Layer::Monitoring => "monitoring",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Something a resource waits for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dependency {
    /// One resource.
    Resource(ResourceAddr),
    /// Every resource of a module block (by label).
    Module(String),
}

/// A POST action run after each successful write, whose JSON answer is kept as attributes of
/// the resource under `$action:<name>` (always sensitive), e.g. storage `listKeys`; or, with
/// `before_write`, one the write needs first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadAction {
    pub name: String,
    pub api_version: String,
    /// Where it is sent: the resource itself (`None`), or another resource's id (a Recovery
    /// Services vault's `…/backupFabrics/Azure` for `refreshContainers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// Sent before the resource is written, for what its write needs (the vault discovering
    /// a machine before protecting it); its answer is not kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub before_write: bool,
}

/// A resource the configuration wants to exist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesiredResource {
    pub addr: ResourceAddr,
    /// Known at plan time: ids are computed from names.
    pub id: ArmId,
    pub api_version: String,
    /// The ARM document to PUT: `location`, `tags`, `sku`, `kind`, `properties`, … Only what
    /// the configuration sets; the diff compares exactly these paths.
    pub body: Value,
    /// Explicit waits, on top of the resources `body` refers to.
    pub depends_on: Vec<Dependency>,
    pub layer: Layer,
    /// Paths whose change cannot be made in place: the resource is replaced.
    pub force_new: Vec<Vec<PathStep>>,
    /// Paths that ARM would reset on a full PUT but that belong to other resources (a VNet's
    /// `properties.subnets` when subnets are child resources): on update, the live value is
    /// carried into the PUT body so the parent never deletes children it does not mention.
    pub preserve: Vec<Vec<PathStep>>,
    pub read_actions: Vec<ReadAction>,
    /// The block that produced it.
    pub loc: Option<SourceLoc>,
    /// `lifecycle { … }` of the block (or the module's defaults for its profile).
    #[serde(default)]
    pub lifecycle: Lifecycle,
    /// How Azure soft-deletes this resource, when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_delete: Option<SoftDelete>,
}

/// A block's `lifecycle { prevent_destroy = true  ignore_changes = [tags, properties.x] }`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// A plan that would delete (or replace) the resource fails, naming it.
    #[serde(default)]
    pub prevent_destroy: bool,
    /// Paths of the body whose differences are not changes (`[tags]`, `[properties.sku]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_changes: Vec<Vec<PathStep>>,
    /// Where `prevent_destroy` was set (the block, or the module call that defaulted it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loc: Option<SourceLoc>,
}

/// How a soft-deletable type keeps a deleted resource, and how strata recovers or purges it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftDelete {
    /// Where a deleted namesake can be read (`…/locations/{loc}/deletedVaults/{name}`), when
    /// Azure exposes one; read at `api_version`.
    pub deleted_id: Option<ArmId>,
    pub api_version: String,
    /// How a deleted namesake is recovered.
    pub recover: Recover,
    /// How a deleted resource is purged.
    pub purge: Purge,
    /// Purge protection is on: nothing can purge it before its retention ends.
    pub purge_protected: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recover {
    /// A PUT with `properties.createMode = "recover"` (Key Vault).
    CreateModeRecover,
    /// A plain PUT of the same name recovers it (Log Analytics workspaces).
    PutRecovers,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purge {
    /// `POST {deleted_id}/purge` after the delete (Key Vault).
    PostPurge,
    /// `DELETE {id}?force=true` instead of a plain delete (Log Analytics workspaces).
    ForceDelete,
}

impl DesiredResource {
    /// A resource in `layer` with the common defaults: `location` forcing replacement,
    /// nothing preserved. (strata-azure's `layer_for` gives the layer of a type.)
    pub fn new(
        addr: ResourceAddr,
        id: ArmId,
        api_version: &str,
        body: Value,
        layer: Layer,
    ) -> DesiredResource {
        DesiredResource {
            addr,
            id,
            api_version: api_version.to_string(),
            body,
            depends_on: Vec::new(),
            layer,
            force_new: vec![vec![PathStep::Key("location".into())]],
            preserve: Vec::new(),
            read_actions: Vec::new(),
            loc: None,
            lifecycle: Lifecycle::default(),
            soft_delete: None,
        }
    }

    pub fn resource_type(&self) -> String {
        self.id.resource_type()
    }
}

/// The id of a resource of `full_type` named `name` under `parent` (a subscription for
/// resource groups, a resource group for top-level types, the parent resource for child types
/// such as `Microsoft.Network/virtualNetworks/subnets`, or any resource for extension types).
pub fn id_for(parent: &ArmId, full_type: &str, name: &str) -> Result<ArmId, String> {
    if full_type.eq_ignore_ascii_case("Microsoft.Resources/resourceGroups") {
        if !parent.is_subscription() {
            return Err(format!(
                "a resource group's parent must be a subscription id, not `{parent}`"
            ));
        }
        return Ok(ArmId::resource_group(parent.subscription_id(), name));
    }
    let segs: Vec<&str> = full_type.split('/').collect();
    if segs.len() < 2 || segs.iter().any(|s| s.is_empty()) {
        return Err(format!(
            "`{full_type}` is not a resource type (expected `Namespace/type[/childType]`)"
        ));
    }
    if segs.len() == 2 {
        if parent.is_subscription() {
            return Err(format!(
                "`{full_type}` must be created in a resource group; its parent is `{parent}`"
            ));
        }
        return Ok(ArmId::provider_resource(parent, full_type, name));
    }
    let parent_type = segs[..segs.len() - 1].join("/");
    if !parent.resource_type().eq_ignore_ascii_case(&parent_type) {
        return Err(format!(
            "a `{full_type}` must be placed under a `{parent_type}`, but its parent `{parent}` is a `{}`",
            parent.resource_type()
        ));
    }
    Ok(parent.child(segs[segs.len() - 1], name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_for_types() {
        let sub = ArmId::subscription("s");
        let rg = id_for(&sub, "Microsoft.Resources/resourceGroups", "rg").unwrap();
        let vnet = id_for(&rg, "Microsoft.Network/virtualNetworks", "v").unwrap();
        let subnet = id_for(&vnet, "Microsoft.Network/virtualNetworks/subnets", "a").unwrap();
        assert_eq!(
            subnet.as_str(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a"
        );
        assert!(id_for(&rg, "Microsoft.Network/virtualNetworks/subnets", "a").is_err());
        assert!(id_for(&sub, "Microsoft.Network/virtualNetworks", "v").is_err());
    }
}
