//! Microsoft.Compute/virtualMachineScaleSets.
//!
//! Checked as the compute provider does: the sku (a VM size and a capacity), zones, the fault
//! domain count of the orchestration mode [V Learn "Choosing the right number of fault
//! domains…"]: Uniform zonal 1 or 5, regional 1-5 (default 5); Flexible zonal 1, regional 1-3
//! (default 1); the upgrade policy (Uniform), and the subnets its NIC configurations name.

use serde_json::{Map, Value, json};

use super::super::common::{
    assemble, at, keep_or, new_guid, read_location, read_tags, render_doc, take_properties, timestamp,
};
use super::super::network::check_reference;
use super::super::{Ctx, Target, TypeRules};
use super::profile::{check_image, check_os_profile, is_windows, private_of, read_zones};
use super::{VERSIONS, invalid_parameter, sizes};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State};

pub(crate) const TYPE: &str = "Microsoft.Compute/virtualMachineScaleSets";

const READ_ONLY: &[&str] = &["provisioningState", "uniqueId", "timeCreated"];

const MAX_CAPACITY: i64 = 1000;

/// The fault domain count of a scale set: checked against its mode and zones, or defaulted.
pub(crate) fn fault_domains(flexible: bool, zonal: bool, asked: Option<i64>) -> Result<i64, ArmError> {
    let (allowed, default): (&[i64], i64) = match (flexible, zonal) {
        (false, true) => (&[1, 5], 5),
        (false, false) => (&[1, 2, 3, 4, 5], 5),
        (true, true) => (&[1], 1),
        (true, false) => (&[1, 2, 3], 1),
    };
    let Some(n) = asked else {
        return Ok(default);
    };
    if allowed.contains(&n) {
        return Ok(n);
    }
    let mode = if flexible { "Flexible" } else { "Uniform" };
    let placement = if zonal { "zonal" } else { "regional" };
    Err(invalid_parameter(
        "platformFaultDomainCount",
        format!(
            "The value {n} provided for platformFaultDomainCount is not valid for a {placement} scale set in {mode} \
             orchestration mode. Allowed values: {}.",
            allowed
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

fn object(map: &Map<String, Value>, field: &str) -> Map<String, Value> {
    map.get(field)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The NIC configurations of the VM profile: their subnets must exist.
fn check_network(
    ctx: &Ctx<'_>,
    t: &Target,
    network: &Map<String, Value>,
    flexible: bool,
) -> Result<(), ArmError> {
    let configs = network
        .get("networkInterfaceConfigurations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if flexible && !configs.is_empty() && network.get("networkApiVersion").is_none() {
        return Err(invalid_parameter(
            "networkApiVersion",
            "The property 'networkApiVersion' must be set in the network profile of a scale set in Flexible \
             orchestration mode that defines network interface configurations.",
        ));
    }
    for config in &configs {
        let ip_configs = config
            .pointer("/properties/ipConfigurations")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for ip in ip_configs {
            if let Some(subnet) = ip.pointer("/properties/subnet").filter(|v| !v.is_null()) {
                check_reference(ctx, &t.id, subnet)?;
            }
        }
    }
    Ok(())
}

pub(crate) struct ScaleSets;

impl TypeRules for ScaleSets {
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
        let existing = ctx.state.resource(&t.key).cloned();
        let mut props = take_properties(&mut body)?;
        for k in READ_ONLY {
            props.remove(*k);
        }
        let sku = object(&body, "sku");
        let Some(size) = sku.get("name").and_then(Value::as_str) else {
            return Err(invalid_parameter(
                "sku.name",
                "Required parameter 'sku.name' is missing (null).",
            ));
        };
        let size = sizes::check(size, &location)?;
        let capacity = match sku.get("capacity") {
            None | Some(Value::Null) => 0,
            Some(v) => v.as_i64().unwrap_or(-1),
        };
        if !(0..=MAX_CAPACITY).contains(&capacity) {
            return Err(invalid_parameter(
                "sku.capacity",
                format!(
                    "The value {capacity} of sku.capacity is invalid: it must be between 0 and {MAX_CAPACITY}."
                ),
            ));
        }
        let mode = match props.get("orchestrationMode").and_then(Value::as_str) {
            None => "Uniform",
            Some(m) if m.eq_ignore_ascii_case("Uniform") => "Uniform",
            Some(m) if m.eq_ignore_ascii_case("Flexible") => "Flexible",
            Some(m) => {
                return Err(invalid_parameter(
                    "orchestrationMode",
                    format!("The value '{m}' of orchestrationMode is invalid; use Uniform or Flexible."),
                ));
            }
        };
        let flexible = mode == "Flexible";
        let asked = props.get("platformFaultDomainCount").and_then(Value::as_i64);
        let fault_domains = fault_domains(flexible, !zones.is_empty(), asked)?;

        let mut profile = object(&props, "virtualMachineProfile");
        let mut private = Map::new();
        if profile.is_empty() {
            if !flexible && capacity > 0 {
                return Err(invalid_parameter(
                    "virtualMachineProfile",
                    "Required parameter 'virtualMachineProfile' is missing (null).",
                ));
            }
        } else {
            let mut storage = object(&profile, "storageProfile");
            check_image(&storage)?;
            let mut os = object(&profile, "osProfile");
            let windows = is_windows(Some(&storage), Some(&os));
            let prefix: String = t.name.chars().take(if windows { 9 } else { 58 }).collect();
            let secrets = check_os_profile(
                &mut os,
                windows,
                "computerNamePrefix",
                &prefix,
                existing.as_ref().map(|e| &e.private),
            )?;
            private = private_of(secrets);
            check_network(ctx, t, &object(&profile, "networkProfile"), flexible)?;
            let mut disk = object(&storage, "osDisk");
            disk.entry("osType")
                .or_insert_with(|| json!(if windows { "Windows" } else { "Linux" }));
            disk.entry("createOption").or_insert_with(|| json!("FromImage"));
            disk.entry("caching").or_insert_with(|| json!("ReadWrite"));
            let mut managed = object(&disk, "managedDisk");
            managed
                .entry("storageAccountType")
                .or_insert_with(|| json!("Premium_LRS"));
            disk.insert("managedDisk".into(), Value::Object(managed));
            storage.insert("osDisk".into(), Value::Object(disk));
            profile.insert("storageProfile".into(), Value::Object(storage));
            profile.insert("osProfile".into(), Value::Object(os));
            props.insert("virtualMachineProfile".into(), Value::Object(profile));
        }

        if !flexible {
            let mut upgrade = object(&props, "upgradePolicy");
            let upgrade_mode = match upgrade.get("mode").and_then(Value::as_str) {
                None => "Manual",
                Some(m) => ["Automatic", "Manual", "Rolling"]
                    .into_iter()
                    .find(|a| a.eq_ignore_ascii_case(m))
                    .ok_or_else(|| {
                        invalid_parameter(
                            "upgradePolicy.mode",
                            format!("The value '{m}' of upgradePolicy.mode is invalid; use Automatic, Manual or Rolling."),
                        )
                    })?,
            };
            if upgrade_mode == "Rolling" {
                let probe = at(&props, "/virtualMachineProfile/networkProfile/healthProbe/id").is_some();
                let health_extension = at(&props, "/virtualMachineProfile/extensionProfile/extensions")
                    .and_then(Value::as_array)
                    .is_some_and(|e| {
                        e.iter().any(|x| {
                            x.pointer("/properties/type")
                                .and_then(Value::as_str)
                                .is_some_and(|t| t.starts_with("ApplicationHealth"))
                        })
                    });
                if !probe && !health_extension {
                    return Err(invalid_parameter(
                        "upgradePolicy.mode",
                        "Rolling Upgrade mode is not supported for this Virtual Machine Scale Set because a health \
                         probe or health extension was not provided.",
                    ));
                }
            }
            upgrade.insert("mode".into(), json!(upgrade_mode));
            props.insert("upgradePolicy".into(), Value::Object(upgrade));
            props.entry("overprovision").or_insert_with(|| json!(true));
            props
                .entry("doNotRunExtensionsOnOverprovisionedVMs")
                .or_insert_with(|| json!(false));
            props
                .entry("singlePlacementGroup")
                .or_insert_with(|| json!(capacity <= 100 && zones.len() <= 1));
        }
        props.insert("orchestrationMode".into(), json!(mode));
        props.insert("platformFaultDomainCount".into(), json!(fault_domains));

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
            "uniqueId".into(),
            keep_or(existing.as_ref(), "uniqueId", || json!(new_guid())),
        );
        stored.insert(
            "timeCreated".into(),
            keep_or(existing.as_ref(), "timeCreated", || json!(timestamp(ctx.now))),
        );
        stored.extend(props);
        let mut sku_out = sku;
        sku_out.insert("name".into(), json!(size));
        sku_out.entry("tier").or_insert_with(|| json!("Standard"));
        sku_out.insert("capacity".into(), json!(capacity));
        body.insert("sku".into(), Value::Object(sku_out));
        if !zones.is_empty() {
            body.insert("zones".into(), json!(zones));
        }
        let doc = assemble(body, Some(&location), tags, stored);
        let order = existing
            .as_ref()
            .map_or_else(|| ctx.state.next_order(), |e| e.order);
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
            Vec::new(),
        ))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        super::patch(ctx, t, body, READ_ONLY, self)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        Ok(super::delete(ctx, t))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(render_doc(res))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_domain_rules() {
        assert_eq!(fault_domains(false, false, None).unwrap(), 5);
        assert_eq!(fault_domains(false, true, Some(1)).unwrap(), 1);
        assert!(fault_domains(false, true, Some(3)).is_err());
        assert_eq!(fault_domains(true, false, None).unwrap(), 1);
        assert_eq!(fault_domains(true, false, Some(3)).unwrap(), 3);
        assert!(fault_domains(true, false, Some(5)).is_err());
        assert!(fault_domains(true, true, Some(2)).is_err());
    }
}
