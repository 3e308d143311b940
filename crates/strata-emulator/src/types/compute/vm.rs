//! Microsoft.Compute/virtualMachines.
//!
//! A machine needs a size from the list, an image, an OS profile and at least one NIC that
//! exists and no other machine uses; the NIC then shows it (and its MAC address) and cannot be
//! deleted while it lives. The OS disk is a `Microsoft.Compute/disks` resource made with the
//! machine ([`disks`]); the power state and instance view are in [`power`].

use serde_json::{Map, Value, json};

use super::super::common::{
    assemble, keep_or, new_guid, read_location, read_tags, render_doc, take_properties, timestamp,
};
use super::super::network::check_reference;
use super::super::{Ctx, Target, TypeRules};
use super::profile::{check_image, check_os_profile, is_windows, private_of, read_zones};
use super::{VERSIONS, disks, invalid_parameter, power, sizes};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State, key_of};

pub(crate) const TYPE: &str = "Microsoft.Compute/virtualMachines";

const READ_ONLY: &[&str] = &["provisioningState", "vmId", "timeCreated", "instanceView"];

fn object(props: &Map<String, Value>, field: &str) -> Map<String, Value> {
    props
        .get(field)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// `PropertyChangeNotAllowed` when an update changes what is fixed at creation.
fn check_unchanged(old: &Map<String, Value>, new: &Map<String, Value>, path: &str) -> Result<(), ArmError> {
    let pointer = format!("/{}", path.replace('.', "/"));
    match (
        old.get("properties").and_then(|p| p.pointer(&pointer)),
        new.get("properties").and_then(|p| p.pointer(&pointer)),
    ) {
        (Some(a), Some(b)) if a != b => Err(ArmError::new(
            axum::http::StatusCode::CONFLICT,
            "PropertyChangeNotAllowed",
            format!("Changing property '{path}' is not allowed."),
        )
        .with_target(path.to_string())),
        _ => Ok(()),
    }
}

/// Checks the NICs of the machine: they exist, are provisioned, and serve no other machine.
fn check_nics(ctx: &Ctx<'_>, t: &Target, network: &Map<String, Value>) -> Result<(), ArmError> {
    let nics = network
        .get("networkInterfaces")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if nics.is_empty() {
        return Err(invalid_parameter(
            "networkProfile",
            "Required parameter 'networkProfile' is missing (null): a virtual machine needs at least one network interface.",
        ));
    }
    for nic in &nics {
        check_reference(ctx, &t.id, nic)?;
        let nic_key = key_of(nic.get("id").and_then(Value::as_str).unwrap_or_default());
        let other = ctx
            .state
            .referrers(&nic_key, Some(&nic_key))
            .into_iter()
            .find(|r| r.key() != t.key && r.resource_type.eq_ignore_ascii_case(TYPE));
        if let Some(other) = other {
            return Err(ArmError::bad_request(
                "NicInUse",
                format!(
                    "Network Interface {} is used by existing resource {}. A network interface can serve one virtual \
                     machine only.",
                    nic.get("id").and_then(Value::as_str).unwrap_or_default(),
                    other.id
                ),
            ));
        }
    }
    Ok(())
}

/// The OS disk as Azure describes it.
fn complete_os_disk(storage: &mut Map<String, Value>, t: &Target, windows: bool, previous: Option<&Value>) {
    let mut disk = storage
        .get("osDisk")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // An update keeps the disk's name; a creation takes `osDisk.name`, else Azure's pattern.
    let name = previous
        .and_then(|p| p.get("name"))
        .or_else(|| disk.get("name"))
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .map_or_else(
            || format!("{}_OsDisk_1_{}", t.name, new_guid().replace('-', "")),
            str::to_string,
        );
    disk.entry("osType")
        .or_insert_with(|| json!(if windows { "Windows" } else { "Linux" }));
    disk.insert("name".into(), json!(name));
    disk.entry("createOption").or_insert_with(|| json!("FromImage"));
    disk.entry("caching").or_insert_with(|| json!("ReadWrite"));
    // The spec's default: Detach, but Delete for an ephemeral (diffDiskSettings) OS disk.
    let ephemeral = disk
        .get("diffDiskSettings")
        .and_then(|d| d.get("option"))
        .and_then(Value::as_str)
        .is_some_and(|o| o.eq_ignore_ascii_case("Local"));
    disk.entry("deleteOption")
        .or_insert_with(|| json!(if ephemeral { "Delete" } else { "Detach" }));
    disk.entry("diskSizeGB")
        .or_insert_with(|| json!(if windows { 127 } else { 30 }));
    let mut managed = disk
        .get("managedDisk")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    managed
        .entry("storageAccountType")
        .or_insert_with(|| json!("Premium_LRS"));
    // The disk is a resource of its own, in the machine's group.
    managed.insert("id".into(), json!(disks::id_in_group_of(&t.id, &name)));
    disk.insert("managedDisk".into(), Value::Object(managed));
    storage.insert("osDisk".into(), Value::Object(disk));
    storage.entry("dataDisks").or_insert_with(|| json!([]));
}

pub(crate) struct VirtualMachines;

impl TypeRules for VirtualMachines {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let location = read_location(&body, true)?.unwrap_or_default();
        let tags = read_tags(&body)?;
        let zones = read_zones(&body)?;
        if zones.len() > 1 {
            return Err(invalid_parameter(
                "zones",
                "A virtual machine can be placed in one availability zone only.",
            ));
        }
        let existing = ctx.state.resource(&t.key).cloned();
        if existing
            .as_ref()
            .is_some_and(|old| old.provisioning_state() == "Deleting")
        {
            return Err(ArmError::new(
                axum::http::StatusCode::CONFLICT,
                "OperationNotAllowed",
                format!(
                    "Operation 'PUT' is not allowed on VM '{}' since the VM is marked for deletion.",
                    t.name
                ),
            ));
        }
        let mut props = take_properties(&mut body)?;
        for k in READ_ONLY {
            props.remove(*k);
        }
        let hardware = object(&props, "hardwareProfile");
        let Some(size) = hardware.get("vmSize").and_then(Value::as_str) else {
            return Err(invalid_parameter(
                "vmSize",
                "Required parameter 'hardwareProfile.vmSize' is missing (null).",
            ));
        };
        let size = sizes::check(size, &location)?;
        let mut storage = object(&props, "storageProfile");
        check_image(&storage)?;
        let mut os = object(&props, "osProfile");
        let windows = is_windows(Some(&storage), Some(&os));
        let secrets = check_os_profile(
            &mut os,
            windows,
            "computerName",
            &t.name,
            existing.as_ref().map(|e| &e.private),
        )?;
        check_nics(ctx, t, &object(&props, "networkProfile"))?;
        let previous_disk = existing
            .as_ref()
            .and_then(Resource::properties)
            .and_then(|p| p.get("storageProfile"))
            .and_then(|s| s.get("osDisk"));
        complete_os_disk(&mut storage, t, windows, previous_disk);
        let mut hardware = hardware;
        hardware.insert("vmSize".into(), json!(size));
        props.insert("hardwareProfile".into(), Value::Object(hardware));
        props.insert("storageProfile".into(), Value::Object(storage));
        props.insert("osProfile".into(), Value::Object(os));

        let mut stored = Map::new();
        stored.insert(
            "provisioningState".into(),
            json!(if existing.is_some() {
                "Updating"
            } else {
                "Creating"
            }),
        );
        stored.insert(
            "vmId".into(),
            keep_or(existing.as_ref(), "vmId", || json!(new_guid())),
        );
        stored.insert(
            "timeCreated".into(),
            keep_or(existing.as_ref(), "timeCreated", || json!(timestamp(ctx.now))),
        );
        stored.extend(props);
        if !zones.is_empty() {
            body.insert("zones".into(), json!(zones));
        }
        let doc = assemble(body, Some(&location), tags, stored);
        if let Some(old) = &existing {
            for fixed in [
                "osProfile.computerName",
                "osProfile.adminUsername",
                "storageProfile.imageReference",
            ] {
                check_unchanged(&old.body, &doc, fixed)?;
            }
            if old.body.get("zones") != doc.get("zones") {
                return Err(ArmError::new(
                    axum::http::StatusCode::CONFLICT,
                    "PropertyChangeNotAllowed",
                    "Changing property 'zones' is not allowed.",
                )
                .with_target("zones".to_string()));
            }
        }
        let order = existing
            .as_ref()
            .map_or_else(|| ctx.state.next_order(), |e| e.order);
        let mut private = private_of(secrets);
        if let Some(old) = &existing {
            private.extend(power::carried(&old.private));
        }
        let made_disk = make_os_disk(ctx, &doc, &location, &zones);
        let resource = Resource {
            id: t.id.clone(),
            resource_type: TYPE.into(),
            body: doc,
            order,
            private,
            ..Resource::default()
        };
        let rendered = self.render(ctx.state, &resource);
        ctx.state.put_resource(resource);
        Ok(super::put_reply(
            ctx,
            t,
            &location,
            existing.is_none(),
            rendered,
            made_disk.into_iter().collect(),
        ))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        super::patch(ctx, t, body, READ_ONLY, self)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let doomed_disk = ctx.state.resource(&t.key).and_then(|vm| {
            let disk = vm.properties()?.get("storageProfile")?.get("osDisk")?;
            let deletes = disk
                .get("deleteOption")
                .and_then(Value::as_str)
                .is_some_and(|o| o.eq_ignore_ascii_case("Delete"));
            let id = disk.get("managedDisk")?.get("id")?.as_str()?;
            deletes.then(|| key_of(id))
        });
        Ok(super::delete_with(ctx, t, doomed_disk.into_iter().collect()))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(render_doc(res))
    }

    fn get(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        instance_view_or_doc(ctx, t, false)
    }

    fn action(
        &self,
        ctx: &mut Ctx<'_>,
        t: &Target,
        action: &str,
        _body: Option<Map<String, Value>>,
    ) -> Result<Reply, ArmError> {
        power::act(ctx, t, action).unwrap_or_else(|| {
            Err(ArmError::unsupported_path(
                "POST",
                &format!("{}/{action} (resources of type {})", t.id, t.full_type),
            ))
        })
    }
}

/// GET of the machine (with its instance view under `$expand=instanceView`), or of its
/// instance view alone (`{vm}/instanceView`).
fn instance_view_or_doc(ctx: &mut Ctx<'_>, t: &Target, view_only: bool) -> Result<Reply, ArmError> {
    let Some(vm) = ctx.state.resource(&t.key) else {
        return Err(ArmError::resource_not_found(
            &t.path.type_and_names(1),
            &t.group_name,
        ));
    };
    let view = power::instance_view(ctx.state, vm);
    if view_only {
        return Ok(Reply::json(axum::http::StatusCode::OK, view));
    }
    let mut doc = Value::Object(render_doc(vm));
    let expand = ctx.param("$expand").unwrap_or_default();
    if expand.eq_ignore_ascii_case("instanceView")
        && let Some(Value::Object(props)) = doc.get_mut("properties")
    {
        props.insert("instanceView".into(), view);
    }
    Ok(Reply::json(axum::http::StatusCode::OK, doc))
}

/// `GET {vm}/instanceView`.
pub(crate) fn instance_view_reply(ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
    instance_view_or_doc(ctx, t, true)
}

/// Makes the disk the machine's OS disk names, if it does not exist yet; its key when made.
fn make_os_disk(
    ctx: &mut Ctx<'_>,
    vm: &Map<String, Value>,
    location: &str,
    zones: &[String],
) -> Option<String> {
    let storage = vm.get("properties")?.get("storageProfile")?.clone();
    let disk = storage.get("osDisk")?.as_object()?;
    let id = disk.get("managedDisk")?.get("id")?.as_str()?.to_string();
    let key = key_of(&id);
    if ctx.state.resource(&key).is_some() {
        return None;
    }
    let resource = disks::os_disk_resource(
        ctx,
        &id,
        location,
        zones,
        disk,
        storage.get("imageReference"),
        None,
    );
    ctx.state.put_resource(resource);
    Some(key)
}
