//! `networking`: a virtual network, segmented into subnets that each have their own NSG.
//!
//! Resources: `vnet`, then per subnet `nsg["<subnet>"]` (named `nsg-<vnet>-<subnet>`) and
//! `subnet["<subnet>"]`. Subnets are child resources, not the VNet's inline list: the VNet
//! carries `preserve = properties.subnets` so updating it never drops them. Every NSG ends
//! with a deny-all inbound rule; each subnet's role (`app`, `data`, `management`) decides
//! whether its rules may let in the internet. Everything is validated before any call:
//! prefixes, overlaps, containment, priorities, names and enum values.
//!
//! With disaster recovery, each estate (primary and standby) deploys its own network, and
//! its address space must not overlap the other estate's (the block's peer).

mod cidr;
mod nsg;
mod subnet;

use std::collections::BTreeMap;

use strata_azure::naming;
use strata_core::{
    ArmId, Dependency, DesiredResource, Expansion, InputError, InputSpec, Layer, Module, ModuleContext,
    OutputSpec, PathStep, ResourceAddr, Value, id_for,
};

use crate::inputs::{self, Errors, Fields, error_at, join};
use crate::resource_group::check_name;

pub const API_VERSION: &str = strata_azure::api_versions::NETWORK;
const VNET_TYPE: &str = "Microsoft.Network/virtualNetworks";
const SUBNET_TYPE: &str = "Microsoft.Network/virtualNetworks/subnets";
const NSG_TYPE: &str = "Microsoft.Network/networkSecurityGroups";

/// The `networking` module.
#[derive(Clone, Copy, Debug, Default)]
pub struct NetworkingModule;

const INPUTS: &[InputSpec] = &[
    InputSpec {
        name: "resource_group",
        ty: "string",
        required: true,
        description: "The name of the resource group to create the network in.",
    },
    InputSpec {
        name: "location",
        ty: "string",
        required: false,
        description: "The Azure region; defaults to the environment's location.",
    },
    InputSpec {
        name: "name",
        ty: "string",
        required: true,
        description: "The virtual network's name.",
    },
    InputSpec {
        name: "address_space",
        ty: "list(string)",
        required: true,
        description: "The VNet's CIDR prefixes, e.g. [\"10.0.0.0/16\"]; they must not overlap, nor overlap the \
                      other estate's (primary or standby) with disaster recovery.",
    },
    InputSpec {
        name: "subnets",
        ty: "map(object)",
        required: false,
        description: "Subnets by name: { address_prefix, role = \"app\"|\"data\"|\"management\" (default from the \
                      name), nsg_rules = [{ name, priority, direction, access, protocol, source_address_prefix, \
                      source_port_range = \"*\", destination_address_prefix, destination_port_range }], \
                      service_endpoints = [\"Microsoft.Storage\", …], delegation = \"Microsoft.Web/serverFarms\" }. \
                      Each NSG denies all inbound traffic its rules do not allow.",
    },
    InputSpec {
        name: "tags",
        ty: "map(string)",
        required: false,
        description: "Tags on the VNet and the NSGs.",
    },
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "vnet_id",
        sensitive: false,
        description: "The virtual network's ARM id.",
    },
    OutputSpec {
        name: "vnet_name",
        sensitive: false,
        description: "The virtual network's name.",
    },
    OutputSpec {
        name: "subnet_ids",
        sensitive: false,
        description: "Subnet ids by subnet name.",
    },
    OutputSpec {
        name: "subnets",
        sensitive: false,
        description: "Subnets by name, each { id, name, role, address_prefix, delegation, vnet_id, nsg_id }: \
                      pass one to the modules that place resources in a subnet (`subnet = \
                      module.network.subnets[\"data\"]`) so they can check its role and delegation.",
    },
    OutputSpec {
        name: "nsg_ids",
        sensitive: false,
        description: "NSG ids by subnet name.",
    },
    OutputSpec {
        name: "address_space",
        sensitive: false,
        description: "The VNet's address prefixes.",
    },
];

impl Module for NetworkingModule {
    fn source(&self) -> &'static str {
        "networking"
    }

    fn description(&self) -> &'static str {
        "A virtual network with app, data and management subnets, each behind its own deny-by-default NSG."
    }

    fn inputs(&self) -> &'static [InputSpec] {
        INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }

    fn layer(&self) -> Layer {
        Layer::Network
    }

    fn expand(
        &self,
        ctx: &ModuleContext<'_>,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<Expansion, Vec<InputError>> {
        let fields = Fields::root(inputs);
        let mut errs = Errors::default();
        let rg = errs.take(
            fields
                .req_known_string("resource_group", "it is part of every resource's id")
                .and_then(|n| check_name(&fields, "resource_group", "Microsoft.Resources/resourceGroups", n)),
        );
        let name = errs.take(
            fields
                .req_known_string("name", "it is part of the network's resource ids")
                .and_then(|n| check_name(&fields, "name", VNET_TYPE, n)),
        );
        let location = errs.take(inputs::location(&fields, "location", ctx.location));
        let tags = errs.take(inputs::tags(&fields, "tags")).flatten();
        let address_space = errs.take(fields.req_list_string("address_space"));
        let spaces = address_space
            .as_ref()
            .and_then(|a| check_address_space(&fields, a.known.as_deref(), &mut errs));
        if let (Some(spaces), Some(peer)) = (&spaces, &ctx.estate.peer) {
            check_against_peer(&fields, spaces, peer, &mut errs);
        }

        let entries = errs
            .take(fields.opt_known_map_object("subnets", "its keys name the subnets and their NSGs"))
            .unwrap_or_default();
        let mut subnets = Vec::with_capacity(entries.len());
        for (key, subnet_fields) in entries {
            let path = subnet_fields.path().to_vec();
            if let Err(why) = naming::rule_for(SUBNET_TYPE).check(&key) {
                errs.push(error_at(path.clone(), why).hint(naming::rule_for(SUBNET_TYPE).hint(&key)));
            } else if let Some(vnet) = &name {
                let nsg = nsg_name(vnet, &key);
                if let Err(why) = naming::rule_for(NSG_TYPE).check(&nsg) {
                    errs.push(
                        error_at(path, format!("its NSG would be named `{nsg}`, and {why}"))
                            .hint("shorten the VNet or subnet name"),
                    );
                }
            }
            if let Some(s) = subnet::read(&key, subnet_fields, &mut errs) {
                subnets.push(s);
            }
        }
        check_subnet_prefixes(&subnets, spaces.as_deref(), &mut errs);

        errs.finish()?;
        let (Some(rg), Some(name), Some(location), Some(address_space)) = (rg, name, location, address_space)
        else {
            return Err(Vec::new());
        };

        let rg_id = ArmId::resource_group(ctx.subscription_id, &rg);
        let id = |parent: &ArmId, ty: &str, n: &str| {
            id_for(parent, ty, n).map_err(|e| vec![fields.error("name", e)])
        };
        let vnet_id = id(&rg_id, VNET_TYPE, &name)?;
        let vnet_addr = ResourceAddr::module(ctx.label, "vnet", None);

        let mut top = vec![("location", location.value.clone())];
        if let Some(t) = &tags {
            top.push(("tags", t.value.clone()));
        }
        let mut vnet_body = top.clone();
        vnet_body.push((
            "properties",
            Value::object([(
                "addressSpace",
                Value::object([("addressPrefixes", address_space.value.clone())]),
            )]),
        ));
        let mut vnet = DesiredResource::new(
            vnet_addr.clone(),
            vnet_id.clone(),
            API_VERSION,
            Value::object(vnet_body),
            Layer::Network,
        );
        vnet.preserve = vec![vec![
            PathStep::Key("properties".into()),
            PathStep::Key("subnets".into()),
        ]];

        let mut resources = Vec::with_capacity(1 + 2 * subnets.len());
        resources.push(vnet);
        let mut subnet_ids = BTreeMap::new();
        let mut subnet_objects = BTreeMap::new();
        let mut nsg_ids = BTreeMap::new();
        for s in subnets {
            let nsg_id = id(&rg_id, NSG_TYPE, &nsg_name(&name, &s.name))?;
            let nsg_addr = ResourceAddr::module(ctx.label, "nsg", Some(&s.name));
            let mut nsg_body = top.clone();
            nsg_body.push((
                "properties",
                Value::object([("securityRules", Value::List(s.security_rules))]),
            ));
            let nsg = DesiredResource::new(
                nsg_addr.clone(),
                nsg_id.clone(),
                API_VERSION,
                Value::object(nsg_body),
                Layer::Network,
            );

            let subnet_id = id(&vnet_id, SUBNET_TYPE, &s.name)?;
            let mut props = vec![
                ("addressPrefix", s.prefix.value.clone()),
                (
                    "networkSecurityGroup",
                    Value::object([("id", Value::from(nsg_id.as_str()))]),
                ),
            ];
            if let Some(v) = s.service_endpoints {
                props.push(("serviceEndpoints", v));
            }
            if let Some(v) = s.delegations {
                props.push(("delegations", v));
            }
            let mut subnet = DesiredResource::new(
                ResourceAddr::module(ctx.label, "subnet", Some(&s.name)),
                subnet_id.clone(),
                API_VERSION,
                Value::object([("properties", Value::object(props))]),
                Layer::Network,
            );
            // A subnet has no location of its own; a new prefix is an in-place update.
            subnet.force_new = strata_azure::replace_on_change(SUBNET_TYPE);
            subnet.depends_on = vec![
                Dependency::Resource(vnet_addr.clone()),
                Dependency::Resource(nsg_addr),
            ];

            subnet_objects.insert(
                s.name.clone(),
                Value::object([
                    ("id", Value::from(subnet_id.as_str())),
                    ("name", Value::from(s.name.as_str())),
                    ("role", s.role.map_or(Value::Null, |r| Value::from(r.to_string()))),
                    ("address_prefix", s.prefix.value.clone()),
                    ("delegation", s.delegation.clone()),
                    ("vnet_id", Value::from(vnet_id.as_str())),
                    ("nsg_id", Value::from(nsg_id.as_str())),
                ]),
            );
            subnet_ids.insert(s.name.clone(), Value::from(subnet_id.as_str()));
            nsg_ids.insert(s.name, Value::from(nsg_id.as_str()));
            resources.push(nsg);
            resources.push(subnet);
        }

        let outputs = BTreeMap::from([
            ("vnet_id".to_string(), Value::from(vnet_id.as_str())),
            ("vnet_name".to_string(), Value::from(name)),
            ("subnet_ids".to_string(), Value::Object(subnet_ids)),
            ("subnets".to_string(), Value::Object(subnet_objects)),
            ("nsg_ids".to_string(), Value::Object(nsg_ids)),
            ("address_space".to_string(), address_space.value),
        ]);
        Ok(Expansion {
            resources,
            outputs,
            diagnostics: None,
        })
    }
}

fn nsg_name(vnet: &str, subnet: &str) -> String {
    format!("nsg-{vnet}-{subnet}")
}

/// Parses the known address-space prefixes and checks they do not overlap. Returns them
/// with their positions only if every prefix is known and valid, since containment can
/// only be judged against the whole space.
fn check_address_space(
    fields: &Fields<'_>,
    items: Option<&[crate::inputs::Input<String>]>,
    errs: &mut Errors,
) -> Option<Vec<(usize, ipnet::IpNet)>> {
    let path = fields.path_to("address_space");
    let items = items?;
    if items.is_empty() {
        errs.push(
            error_at(path, "`address_space` is empty")
                .hint("give the VNet at least one prefix, e.g. [\"10.0.0.0/16\"]"),
        );
        return None;
    }
    let mut nets = Vec::with_capacity(items.len());
    let mut complete = true;
    for (i, item) in items.iter().enumerate() {
        let Some(text) = &item.known else {
            complete = false;
            continue;
        };
        match cidr::parse(text) {
            Ok(n) => nets.push((i, n)),
            Err(e) => {
                complete = false;
                errs.push(error_at(join(&path, &[PathStep::Index(i)]), e.message).hint(e.hint));
            }
        }
    }
    for (a, b) in cidr::overlaps(&nets) {
        let (na, nb) = (prefix_at(&nets, a), prefix_at(&nets, b));
        errs.push(
            error_at(
                join(&path, &[PathStep::Index(b)]),
                format!("`{nb}` overlaps `{na}` (address_space[{a}])"),
            )
            .hint("the prefixes of one VNet must not overlap; remove one or pick a disjoint range"),
        );
    }
    complete.then_some(nets)
}

/// The two estates of an environment are peered or connected in a failover, so their
/// networks must not share addresses: every prefix is checked against the peer block's known
/// `address_space`.
fn check_against_peer(
    fields: &Fields<'_>,
    spaces: &[(usize, ipnet::IpNet)],
    peer: &strata_core::Peer<'_>,
    errs: &mut Errors,
) {
    let Some(theirs) = peer.inputs.get("address_space").and_then(Value::as_list) else {
        return;
    };
    let theirs: Vec<ipnet::IpNet> = theirs
        .iter()
        .filter_map(|p| p.as_str().and_then(|p| cidr::parse(p).ok()))
        .collect();
    let path = fields.path_to("address_space");
    for (i, net) in spaces {
        if let Some(other) = theirs.iter().find(|o| cidr::overlap(net, o)) {
            errs.push(
                error_at(
                    join(&path, &[PathStep::Index(*i)]),
                    format!(
                        "`{net}` overlaps `{other}` of the {} estate `{}` ({}): the two estates' networks must not \
                         share addresses",
                        peer.role.as_str(),
                        peer.environment,
                        peer.location
                    ),
                )
                .hint(
                    "give the standby a range of its own, apart from the primary's, in the environment's \
                     disaster_recovery { variables = { … } } (the example's prod: vnet_cidr = \"10.31.0.0/16\")",
                ),
            );
        }
    }
}

fn prefix_at(nets: &[(usize, ipnet::IpNet)], index: usize) -> String {
    nets.iter()
        .find(|(i, _)| *i == index)
        .map(|(_, n)| n.to_string())
        .unwrap_or_default()
}

/// Every known subnet prefix lies inside the address space, and no two overlap.
fn check_subnet_prefixes(
    subnets: &[subnet::Subnet<'_>],
    spaces: Option<&[(usize, ipnet::IpNet)]>,
    errs: &mut Errors,
) {
    let nets: Vec<(usize, ipnet::IpNet)> = subnets
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.net.map(|n| (i, n)))
        .collect();
    if let Some(spaces) = spaces {
        for &(i, net) in &nets {
            if !spaces.iter().any(|(_, space)| space.contains(&net)) {
                let list: Vec<String> = spaces.iter().map(|(_, n)| n.to_string()).collect();
                let partial = spaces
                    .iter()
                    .find(|(_, space)| net.contains(space) || space.contains(&net.network()));
                let hint = match partial {
                    Some((_, space)) => format!("it is not wholly inside `{space}`; pick a prefix within it"),
                    None => format!(
                        "the VNet's address space is {}; pick a prefix inside it",
                        list.join(", ")
                    ),
                };
                errs.push(
                    subnets[i]
                        .fields
                        .error(
                            "address_prefix",
                            format!("`{net}` is outside the VNet's address space"),
                        )
                        .hint(hint),
                );
            }
        }
    }
    for (a, b) in cidr::overlaps(&nets) {
        let (first, second) = (&subnets[a], &subnets[b]);
        errs.push(
            second
                .fields
                .error(
                    "address_prefix",
                    format!(
                        "subnet `{}` (`{}`) overlaps subnet `{}` (`{}`)",
                        second.name,
                        second.prefix.known.as_deref().unwrap_or("?"),
                        first.name,
                        first.prefix.known.as_deref().unwrap_or("?"),
                    ),
                )
                .hint("subnets of one VNet must not overlap; pick disjoint prefixes"),
        );
    }
}

#[cfg(test)]
mod tests;
