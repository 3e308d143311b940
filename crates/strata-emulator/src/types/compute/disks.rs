//! Microsoft.Compute/disks: managed disks, made with a machine (its OS disk) or on their own.
//!
//! A machine's OS disk is named `{vm}_OsDisk_1_{32 hex}` unless `osDisk.name` names it, lives in
//! the machine's group, and shows `managedBy` the machine (and `diskState: Attached`) while the
//! machine refers to it. Deleting an attached disk is refused (409 `OperationNotAllowed`); the
//! machine's deletion takes it along when `osDisk.deleteOption` is `Delete` (the default is
//! `Detach`).

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{
    assemble, keep_or, new_guid, read_location, read_tags, render_doc, take_properties, timestamp,
};
use super::super::{Ctx, Target, TypeRules};
use super::{invalid_parameter, vm};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State};

pub(crate) const TYPE: &str = "Microsoft.Compute/disks";

/// Published versions of the disk API (a resource provider version line of its own).
pub(crate) const VERSIONS: &[&str] = &[
    "2026-03-02",
    "2025-01-02",
    "2024-03-02",
    "2023-10-02",
    "2023-04-02",
    "2023-01-02",
    "2022-07-02",
    "2022-03-02",
    "2021-12-01",
    "2021-08-01",
    "2021-04-01",
    "2020-12-01",
    "2020-06-30",
    "2020-05-01",
    "2019-11-01",
    "2019-07-01",
    "2019-03-01",
    "2018-09-30",
    "2018-06-01",
    "2018-04-01",
    "2017-03-30",
    "2016-04-30-preview",
];

const READ_ONLY: &[&str] = &[
    "provisioningState",
    "timeCreated",
    "uniqueId",
    "diskState",
    "diskSizeBytes",
    "managedBy",
];

/// Premium SSD tiers by size (GiB), as the service assigns them by default.
const TIERS: &[(i64, &str, i64, i64)] = &[
    (4, "P1", 120, 25),
    (8, "P2", 120, 25),
    (16, "P3", 120, 25),
    (32, "P4", 120, 25),
    (64, "P6", 240, 50),
    (128, "P10", 500, 100),
    (256, "P15", 1100, 125),
    (512, "P20", 2300, 150),
    (1024, "P30", 5000, 200),
    (2048, "P40", 7500, 250),
    (4096, "P50", 7500, 250),
];

const SKUS: &[(&str, &str)] = &[
    ("Standard_LRS", "Standard"),
    ("Premium_LRS", "Premium"),
    ("StandardSSD_LRS", "StandardSSD"),
    ("UltraSSD_LRS", "Ultra"),
    ("Premium_ZRS", "Premium"),
    ("StandardSSD_ZRS", "StandardSSD"),
    ("PremiumV2_LRS", "PremiumV2"),
];

/// The disk's id for a machine's OS disk named `name`, in the machine's group.
pub(crate) fn id_in_group_of(vm_id: &str, name: &str) -> String {
    let group = vm_id.find("/providers/").map_or(vm_id, |at| &vm_id[..at]);
    format!("{group}/providers/{TYPE}/{name}")
}

/// The stored document of a disk made from a machine's OS disk description.
pub(crate) fn os_disk_resource(
    ctx: &mut Ctx<'_>,
    id: &str,
    location: &str,
    zones: &[String],
    disk: &Map<String, Value>,
    image: Option<&Value>,
    existing: Option<&Resource>,
) -> Resource {
    let size = disk.get("diskSizeGB").and_then(Value::as_i64).unwrap_or(30);
    let sku = disk
        .get("managedDisk")
        .and_then(|m| m.get("storageAccountType"))
        .and_then(Value::as_str)
        .unwrap_or("Premium_LRS");
    let mut props = Map::new();
    props.insert(
        "osType".into(),
        disk.get("osType").cloned().unwrap_or(json!("Linux")),
    );
    props.insert("hyperVGeneration".into(), json!("V2"));
    let mut creation = Map::new();
    creation.insert("createOption".into(), json!("FromImage"));
    if let Some(image) = image {
        creation.insert("imageReference".into(), image.clone());
    }
    props.insert("creationData".into(), Value::Object(creation));
    props.insert("diskSizeGB".into(), json!(size));
    let stored = complete(ctx, props, existing, sku);
    let mut body = Map::new();
    body.insert("sku".into(), json!({"name": sku, "tier": tier_of_sku(sku)}));
    if !zones.is_empty() {
        body.insert("zones".into(), json!(zones));
    }
    let order = existing.map_or_else(|| ctx.state.next_order(), |e| e.order);
    Resource {
        id: id.to_string(),
        resource_type: TYPE.into(),
        body: assemble(body, Some(location), None, stored),
        order,
        ..Resource::default()
    }
}

fn tier_of_sku(sku: &str) -> &'static str {
    SKUS.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(sku))
        .map_or("Premium", |(_, t)| t)
}

/// The read-only properties Azure adds to every disk.
fn complete(
    ctx: &Ctx<'_>,
    mut props: Map<String, Value>,
    existing: Option<&Resource>,
    sku: &str,
) -> Map<String, Value> {
    let size = props.get("diskSizeGB").and_then(Value::as_i64).unwrap_or(0);
    let mut stored = Map::new();
    stored.insert("provisioningState".into(), json!("Updating"));
    stored.insert(
        "uniqueId".into(),
        keep_or(existing, "uniqueId", || json!(new_guid())),
    );
    stored.insert(
        "timeCreated".into(),
        keep_or(existing, "timeCreated", || json!(timestamp(ctx.now))),
    );
    stored.insert("diskSizeBytes".into(), json!(size * 1024 * 1024 * 1024));
    stored.insert(
        "encryption".into(),
        json!({"type": "EncryptionAtRestWithPlatformKey"}),
    );
    stored.insert("networkAccessPolicy".into(), json!("AllowAll"));
    stored.insert("publicNetworkAccess".into(), json!("Enabled"));
    if sku.to_ascii_lowercase().starts_with("premium_")
        && let Some((_, tier, iops, mbps)) = TIERS.iter().find(|(gb, ..)| *gb >= size)
    {
        stored.insert("tier".into(), json!(tier));
        stored.insert("diskIOPSReadWrite".into(), json!(iops));
        stored.insert("diskMBpsReadWrite".into(), json!(mbps));
    }
    for k in READ_ONLY {
        props.remove(*k);
    }
    stored.extend(props);
    stored
}

/// The machine a disk is attached to: one whose storage profile names it.
pub(crate) fn attached_to<'a>(state: &'a State, disk: &Resource) -> Option<&'a Resource> {
    let key = disk.key();
    state
        .referrers(&key, None)
        .into_iter()
        .find(|r| r.resource_type.eq_ignore_ascii_case(vm::TYPE))
}

pub(crate) struct Disks;

impl TypeRules for Disks {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let location = read_location(&body, true)?.unwrap_or_default();
        let tags = read_tags(&body)?;
        let existing = ctx.state.resource(&t.key).cloned();
        let props = take_properties(&mut body)?;
        let option = props
            .get("creationData")
            .and_then(|c| c.get("createOption"))
            .and_then(Value::as_str);
        if option.is_none() {
            return Err(invalid_parameter(
                "creationData.createOption",
                "Required parameter 'creationData.createOption' is missing (null).",
            ));
        }
        let size = props.get("diskSizeGB").and_then(Value::as_i64);
        if option.is_some_and(|o| o.eq_ignore_ascii_case("Empty")) && size.is_none_or(|s| s <= 0) {
            return Err(invalid_parameter(
                "diskSizeGB",
                "Required parameter 'diskSizeGB' is missing (null): an empty disk needs a size.",
            ));
        }
        let sku_name = body
            .get("sku")
            .and_then(|s| s.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("Standard_LRS")
            .to_string();
        let Some((sku, tier)) = SKUS.iter().find(|(n, _)| n.eq_ignore_ascii_case(&sku_name)) else {
            return Err(invalid_parameter(
                "sku.name",
                format!(
                    "The value '{sku_name}' of parameter 'sku.name' is not allowed. Allowed values are: {}.",
                    SKUS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        body.insert("sku".into(), json!({"name": sku, "tier": tier}));
        let stored = complete(ctx, props, existing.as_ref(), sku);
        let doc = assemble(body, Some(&location), tags, stored);
        let rendered = crate::types::common::store(ctx, self, t, TYPE, doc, existing.as_ref(), |_| {});
        Ok(super::put_reply(
            ctx,
            t,
            &location,
            existing.is_none(),
            rendered,
            Vec::new(),
        ))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        super::patch(ctx, t, body, READ_ONLY, self)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        if let Some(disk) = ctx.state.resource(&t.key)
            && let Some(machine) = attached_to(ctx.state, disk)
        {
            return Err(ArmError::new(
                StatusCode::CONFLICT,
                "OperationNotAllowed",
                format!("Disk {} is attached to VM {}.", t.name, machine.id),
            ));
        }
        Ok(super::delete(ctx, t))
    }

    fn render(&self, state: &State, res: &Resource) -> Value {
        let mut out = render_doc(res);
        let machine = attached_to(state, res).map(|m| m.id.clone());
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            props.insert(
                "diskState".into(),
                json!(if machine.is_some() {
                    "Attached"
                } else {
                    "Unattached"
                }),
            );
        }
        if let Some(id) = machine {
            out.insert("managedBy".into(), json!(id));
        }
        Value::Object(out)
    }
}
