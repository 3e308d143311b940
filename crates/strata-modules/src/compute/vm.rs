//! `kind = "vm"`: Linux VMs with their NICs and, when asked, public IPs; with disaster
//! recovery, a backup vault and policy in their region ([`super::backup`]).

use std::collections::BTreeMap;

use strata_core::{DesiredResource, Layer, ResourceAddr, Value};

use super::{Common, backup, count, os};
use crate::common::{self, reference};
use crate::inputs::Errors;

pub const API_VERSION: &str = strata_azure::api_versions::COMPUTE;
pub const NETWORK_API_VERSION: &str = strata_azure::api_versions::NETWORK;
const VM_TYPE: &str = "Microsoft.Compute/virtualMachines";
const NIC_TYPE: &str = "Microsoft.Network/networkInterfaces";
const PIP_TYPE: &str = "Microsoft.Network/publicIPAddresses";

type Built = (Vec<DesiredResource>, BTreeMap<String, Value>);

pub(super) fn expand(c: &Common<'_>, errs: &mut Errors) -> Option<Built> {
    let f = &c.fields;
    let machine = os::read(c, errs);
    let n = count(c, 1..=50, errs);
    let public_ip =
        errs.take(f.known_bool_or("public_ip", false, "it decides whether public IPs are created"));
    let subnet = match &c.subnet {
        Some(s) => {
            if let Err(e) = s.require_no_delegation("a VM") {
                errs.push(e);
            }
            Some(s)
        }
        None => {
            errs.push(
                f.error("subnet", "VMs need a `subnet`")
                    .hint("pass e.g. `subnet = module.network.subnets[\"mgmt\"]`"),
            );
            None
        }
    };
    if let Some(n) = n {
        // Derived names must be valid too: `<name>-<n>`, `<name>-<n>-nic`, `<name>-<n>-pip`.
        let last = format!("{}-{n}", c.name);
        for (ty, name) in [
            (VM_TYPE, last.clone()),
            (NIC_TYPE, format!("{last}-nic")),
            (PIP_TYPE, format!("{last}-pip")),
        ] {
            if let Err(e) = common::check_derived_name(f, "name", ty, &name) {
                errs.push(e);
                break;
            }
        }
    }
    let backed_up = c.ctx.disaster_recovery.is_some();
    if backed_up {
        backup::check(c, errs);
    }
    let (machine, n, public_ip, subnet) = (machine?, n?, public_ip?, subnet?);
    if !errs.is_empty() {
        return None;
    }

    let group = c.place.group_id(c.ctx.subscription_id);
    let mut resources = Vec::new();
    let (mut vm_ids, mut nic_ids, mut private_ips, mut public_ips) = (vec![], vec![], vec![], vec![]);
    let mut machines: Vec<(strata_core::ArmId, ResourceAddr)> = Vec::new();
    for i in 1..=n {
        let key = i.to_string();
        let vm_name = format!("{}-{i}", c.name);
        let zone = (!machine.zones.is_empty())
            .then(|| machine.zones[(i as usize - 1) % machine.zones.len()].clone());

        let mut pip_addr = None;
        let mut ip_config = vec![
            ("subnet", reference(subnet.id.clone())),
            ("privateIPAllocationMethod", Value::from("Dynamic")),
        ];
        if public_ip {
            let addr = ResourceAddr::module(c.ctx.label, "public_ip", Some(&key));
            let id = common::id_in(errs, f, "name", &group, PIP_TYPE, &format!("{vm_name}-pip"))?;
            let mut body = c.place.top();
            body.push((
                "sku",
                Value::object([
                    ("name", Value::from("Standard")),
                    ("tier", Value::from("Regional")),
                ]),
            ));
            if let Some(z) = &zone {
                body.push(("zones", Value::List(vec![Value::from(z.as_str())])));
            }
            body.push((
                "properties",
                Value::object([
                    ("publicIPAllocationMethod", Value::from("Static")),
                    ("publicIPAddressVersion", Value::from("IPv4")),
                ]),
            ));
            let mut pip = common::resource(
                addr.clone(),
                id.clone(),
                NETWORK_API_VERSION,
                Value::object(body),
                Layer::Compute,
                &[],
            );
            pip.force_new = strata_azure::replace_on_change(&pip.resource_type());
            ip_config.push(("publicIPAddress", reference(id.as_str())));
            public_ips.push(Value::attr(&addr, "properties.ipAddress"));
            resources.push(pip);
            pip_addr = Some(addr);
        }

        let nic_addr = ResourceAddr::module(c.ctx.label, "nic", Some(&key));
        let nic_id = common::id_in(errs, f, "name", &group, NIC_TYPE, &format!("{vm_name}-nic"))?;
        let mut nic_body = c.place.top();
        nic_body.push((
            "properties",
            Value::object([(
                "ipConfigurations",
                Value::List(vec![Value::object([
                    ("name", Value::from("ipconfig1")),
                    ("properties", Value::object(ip_config)),
                ])]),
            )]),
        ));
        let deps: Vec<&ResourceAddr> = pip_addr.iter().collect();
        let nic = common::resource(
            nic_addr.clone(),
            nic_id.clone(),
            NETWORK_API_VERSION,
            Value::object(nic_body),
            Layer::Compute,
            &deps,
        );
        private_ips.push(Value::attr(
            &nic_addr,
            "properties.ipConfigurations[0].properties.privateIPAddress",
        ));
        nic_ids.push(Value::from(nic_id.as_str()));
        resources.push(nic);

        let vm_addr = ResourceAddr::module(c.ctx.label, "vm", Some(&key));
        let vm_id = common::id_in(errs, f, "name", &group, VM_TYPE, &vm_name)?;
        let mut body = c.place.top();
        if let Some(z) = &zone {
            body.push(("zones", Value::List(vec![Value::from(z.as_str())])));
        }
        body.push((
            "properties",
            Value::object([
                (
                    "hardwareProfile",
                    Value::object([("vmSize", Value::from(machine.size.as_str()))]),
                ),
                ("storageProfile", machine.storage_profile(true)),
                (
                    "osProfile",
                    Value::object([
                        ("computerName", Value::from(vm_name.as_str())),
                        ("adminUsername", Value::from(machine.admin_username.as_str())),
                        ("linuxConfiguration", machine.linux_configuration()),
                    ]),
                ),
                (
                    "networkProfile",
                    Value::object([(
                        "networkInterfaces",
                        Value::List(vec![Value::object([
                            ("id", Value::from(nic_id.as_str())),
                            ("properties", Value::object([("primary", Value::from(true))])),
                        ])]),
                    )]),
                ),
            ]),
        ));
        let mut vm = common::resource(
            vm_addr.clone(),
            vm_id.clone(),
            API_VERSION,
            Value::object(body),
            Layer::Compute,
            &[&nic_addr],
        );
        vm.force_new = strata_azure::replace_on_change(&vm.resource_type());
        vm_ids.push(Value::from(vm_id.as_str()));
        machines.push((vm_id.clone(), vm_addr));
        resources.push(vm);
    }
    let mut vault_id = Value::Null;
    if backed_up {
        let (backup, id) = backup::resources(c, errs, &machines)?;
        resources.extend(backup);
        vault_id = Value::from(id.as_str());
    }
    let outputs = BTreeMap::from([
        ("backup_vault_id".to_string(), vault_id),
        ("vm_ids".to_string(), Value::List(vm_ids)),
        ("nic_ids".to_string(), Value::List(nic_ids)),
        ("private_ip_addresses".to_string(), Value::List(private_ips)),
        ("public_ip_addresses".to_string(), Value::List(public_ips)),
    ]);
    Some((resources, outputs))
}
