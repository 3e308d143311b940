//! `kind = "vmss"`: one Uniform VM scale set, zone-balanced over the profile's zones.
//!
//! Disaster recovery: Azure Backup does not protect a scale set's instances as VMs, so a scale
//! set gets no backup vault; it holds no state of its own and is redeployed from code in the
//! secondary region (the standby estate deploys its own).

use std::collections::BTreeMap;

use strata_core::{DesiredResource, Layer, ResourceAddr, Value};

use super::{Common, count, os};
use crate::common::{self, reference};
use crate::inputs::Errors;

pub const API_VERSION: &str = strata_azure::api_versions::COMPUTE;
const TYPE: &str = "Microsoft.Compute/virtualMachineScaleSets";

type Built = (Vec<DesiredResource>, BTreeMap<String, Value>);

pub(super) fn expand(c: &Common<'_>, errs: &mut Errors) -> Option<Built> {
    let f = &c.fields;
    let machine = os::read(c, errs);
    let capacity = count(c, 0..=1000, errs);
    let upgrade =
        match errs.take(f.known_string_or("upgrade_policy", "Automatic", "it is part of the scale set")) {
            Some(u) => match ["Automatic", "Manual"]
                .iter()
                .find(|a| a.eq_ignore_ascii_case(&u))
            {
                Some(a) => Some(*a),
                None if u.eq_ignore_ascii_case("Rolling") => {
                    errs.push(
                        f.error(
                            "upgrade_policy",
                            "rolling upgrades need a health probe, which this module does not configure",
                        )
                        .hint("use \"Automatic\" or \"Manual\""),
                    );
                    None
                }
                None => {
                    errs.push(
                        f.error("upgrade_policy", format!("`{u}` is not an upgrade policy"))
                            .hint("use \"Automatic\" or \"Manual\""),
                    );
                    None
                }
            },
            None => None,
        };
    let subnet = match &c.subnet {
        Some(s) => {
            if let Err(e) = s.require_no_delegation("a scale set") {
                errs.push(e);
            }
            Some(s)
        }
        None => {
            errs.push(
                f.error("subnet", "a scale set needs a `subnet`")
                    .hint("pass e.g. `subnet = module.network.subnets[\"app\"]`"),
            );
            None
        }
    };
    if let Err(e) = common::check_derived_name(f, "name", TYPE, &c.name) {
        errs.push(e);
    }
    let (machine, capacity, upgrade, subnet) = (machine?, capacity?, upgrade?, subnet?);
    if !errs.is_empty() {
        return None;
    }

    let group = c.place.group_id(c.ctx.subscription_id);
    let id = common::id_in(errs, f, "name", &group, TYPE, &c.name)?;
    let prefix: String = c.name.chars().take(58).collect();
    let mut props = vec![
        ("orchestrationMode", Value::from("Uniform")),
        ("upgradePolicy", Value::object([("mode", Value::from(upgrade))])),
        (
            "virtualMachineProfile",
            Value::object([
                ("storageProfile", machine.storage_profile(false)),
                (
                    "osProfile",
                    Value::object([
                        ("computerNamePrefix", Value::from(prefix)),
                        ("adminUsername", Value::from(machine.admin_username.as_str())),
                        ("linuxConfiguration", machine.linux_configuration()),
                    ]),
                ),
                (
                    "networkProfile",
                    Value::object([(
                        "networkInterfaceConfigurations",
                        Value::List(vec![Value::object([
                            ("name", Value::from(format!("{}-nic", c.name))),
                            (
                                "properties",
                                Value::object([
                                    ("primary", Value::from(true)),
                                    (
                                        "ipConfigurations",
                                        Value::List(vec![Value::object([
                                            ("name", Value::from("ipconfig1")),
                                            (
                                                "properties",
                                                Value::object([("subnet", reference(subnet.id.clone()))]),
                                            ),
                                        ])]),
                                    ),
                                ]),
                            ),
                        ])]),
                    )]),
                ),
            ]),
        ),
    ];
    if machine.zones.len() > 1 {
        // Keep the instance count of every zone within one of the others.
        props.push(("zoneBalance", Value::from(true)));
    }
    let mut body = c.place.top();
    if !machine.zones.is_empty() {
        body.push((
            "zones",
            Value::List(machine.zones.iter().map(|z| Value::from(z.as_str())).collect()),
        ));
    }
    body.push((
        "sku",
        Value::object([
            ("name", Value::from(machine.size.as_str())),
            ("tier", Value::from("Standard")),
            ("capacity", Value::from(capacity)),
        ]),
    ));
    body.push(("properties", Value::object(props)));
    let mut vmss = common::resource(
        ResourceAddr::module(c.ctx.label, "scale_set", None),
        id.clone(),
        API_VERSION,
        Value::object(body),
        Layer::Compute,
        &[],
    );
    vmss.force_new = strata_azure::replace_on_change(&vmss.resource_type());
    let outputs = BTreeMap::from([("scale_set_id".to_string(), Value::from(id.as_str()))]);
    Some((vec![vmss], outputs))
}
