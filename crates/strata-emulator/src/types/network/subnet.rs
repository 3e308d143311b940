//! Microsoft.Network/virtualNetworks/subnets: written inline in a VNet PUT or on their own.
//!
//! A subnet shows, read-only, what lives in it: the IP configurations of NICs and application
//! gateways, private endpoints, and the service association links of delegated services (App
//! Service VNet integration, PostgreSQL flexible servers). Any of them keeps it from being
//! deleted, and a delegation cannot be taken away while its service uses the subnet.

use axum::http::StatusCode;
use ipnet::IpNet;
use serde_json::{Map, Value, json};

use super::super::common::{render_base, take_properties};
use super::super::{Ctx, Target, TypeRules};
use super::{
    begin, begin_delete, check_not_busy, check_reference, cidr, mark_parent_updating, parent_etag, put_reply,
    touch_etag,
};
use crate::protocol::{ArmError, NETWORK_VERSIONS, Reply};
use crate::store::{OpAction, Resource, State};

pub(crate) const TYPE: &str = "Microsoft.Network/virtualNetworks/subnets";

/// Fields the provider sets; values sent for them are ignored.
const READ_ONLY: &[&str] = &[
    "provisioningState",
    "applicationGatewayIPConfigurations",
    "ipConfigurations",
    "ipConfigurationProfiles",
    "privateEndpoints",
    "serviceAssociationLinks",
    "resourceNavigationLinks",
    "purpose",
];

/// References a subnet may hold to other network resources.
const REFERENCES: &[&str] = &["networkSecurityGroup", "routeTable", "natGateway"];

/// Services a subnet can be delegated to, with the actions the delegation grants them.
const DELEGATIONS: &[(&str, &[&str])] = &[
    (
        "Microsoft.Web/serverFarms",
        &["Microsoft.Network/virtualNetworks/subnets/action"],
    ),
    (
        "Microsoft.DBforPostgreSQL/flexibleServers",
        &["Microsoft.Network/virtualNetworks/subnets/join/action"],
    ),
    (
        "Microsoft.ContainerInstance/containerGroups",
        &["Microsoft.Network/virtualNetworks/subnets/action"],
    ),
    (
        "Microsoft.Sql/managedInstances",
        &[
            "Microsoft.Network/virtualNetworks/subnets/join/action",
            "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action",
            "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action",
        ],
    ),
];

/// The service a resource type needs its subnet delegated to.
pub(crate) fn delegation_needed_by(resource_type: &str) -> Option<&'static str> {
    match resource_type.to_ascii_lowercase().as_str() {
        "microsoft.web/sites" => Some("Microsoft.Web/serverFarms"),
        "microsoft.dbforpostgresql/flexibleservers" => Some("Microsoft.DBforPostgreSQL/flexibleServers"),
        _ => None,
    }
}

/// The services a stored subnet is delegated to.
pub(crate) fn delegated_services(subnet: &Resource) -> Vec<String> {
    subnet
        .properties()
        .and_then(|p| p.get("delegations"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|d| d.pointer("/properties/serviceName").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Checks and completes the `delegations` of a subnet.
fn read_delegations(ctx: &Ctx<'_>, subnet_id: &str, props: &mut Map<String, Value>) -> Result<(), ArmError> {
    let items = super::inline_list(props, "delegations", subnet_id)?;
    let mut out = Vec::with_capacity(items.len());
    let mut services = Vec::new();
    for mut item in items {
        let name = super::inline_name(&item, subnet_id, "delegations")?.to_string();
        let d = take_properties(&mut item)?;
        let asked = d.get("serviceName").and_then(Value::as_str).unwrap_or_default();
        // Services the emulator does not list are accepted with no actions, so that valid
        // Azure configurations are not refused; a name without `Namespace/type` shape is not one.
        let (service, actions): (String, Vec<&str>) = match DELEGATIONS
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(asked))
        {
            Some((s, a)) => ((*s).to_string(), a.to_vec()),
            None if asked
                .split_once('/')
                .is_some_and(|(ns, t)| ns.contains('.') && !t.is_empty()) =>
            {
                (asked.to_string(), Vec::new())
            }
            None => {
                return Err(ArmError::bad_request(
                    "InvalidServiceNameOnDelegation",
                    format!("Delegation {name} of subnet {subnet_id} has an invalid service name '{asked}'."),
                ));
            }
        };
        services.push(service.clone());
        out.push(json!({
            "name": name,
            "id": format!("{subnet_id}/delegations/{name}"),
            "type": "Microsoft.Network/virtualNetworks/subnets/delegations",
            "properties": {"serviceName": service, "actions": actions, "provisioningState": "Succeeded"},
        }));
    }
    // A service using the subnet keeps its delegation.
    for user in ctx.state.referrers(&subnet_id.to_ascii_lowercase(), None) {
        if let Some(needed) = delegation_needed_by(&user.resource_type)
            && !services.iter().any(|s| s.eq_ignore_ascii_case(needed))
        {
            return Err(ArmError::bad_request(
                "SubnetMissingRequiredDelegation",
                format!(
                    "Subnet {subnet_id} requires the delegation to {needed}, because {} uses it. Remove that resource \
                     before removing the delegation.",
                    user.id
                ),
            ));
        }
    }
    props.insert("delegations".into(), Value::Array(out));
    Ok(())
}

/// A subnet's properties, checked and completed with the provider's defaults.
pub(super) struct SubnetSpec {
    pub props: Map<String, Value>,
    pub prefixes: Vec<IpNet>,
}

/// Checks a subnet against its VNet's address space and fills the defaults.
pub(super) fn validate(
    ctx: &Ctx<'_>,
    vnet_name: &str,
    space: &[IpNet],
    subnet_id: &str,
    subnet_name: &str,
    mut props: Map<String, Value>,
) -> Result<SubnetSpec, ArmError> {
    for k in READ_ONLY {
        props.remove(*k);
    }
    let mut prefixes = Vec::new();
    match props.get("addressPrefix") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.trim().is_empty() => {}
        Some(Value::String(s)) => prefixes.push(cidr::parse(s, subnet_id)?),
        Some(other) => prefixes.push(cidr::parse(&other.to_string(), subnet_id)?),
    }
    if let Some(list) = props.get("addressPrefixes").filter(|v| !v.is_null()) {
        prefixes.extend(cidr::parse_list(list, subnet_id, "addressPrefixes")?);
    }
    if prefixes.is_empty() {
        return Err(ArmError::bad_request(
            "AddressPrefixStringCannotBeNullOrEmpty",
            format!("Address prefix string for resource {subnet_id} cannot be null or empty."),
        ));
    }
    if prefixes.iter().any(|p| !cidr::within(p, space)) {
        return Err(ArmError::bad_request(
            "NetcfgSubnetRangeOutsideVnet",
            format!(
                "Subnet '{subnet_name}' is not valid because its IP address range is outside the IP address \
                 range of virtual network '{vnet_name}'."
            ),
        ));
    }
    for field in REFERENCES {
        match props.get(*field) {
            None | Some(Value::Null) => {}
            Some(v) => check_reference(ctx, subnet_id, v)?,
        }
    }
    read_delegations(ctx, subnet_id, &mut props)?;
    props
        .entry("privateEndpointNetworkPolicies")
        .or_insert_with(|| json!("Disabled"));
    props
        .entry("privateLinkServiceNetworkPolicies")
        .or_insert_with(|| json!("Enabled"));
    let mut ordered = Map::new();
    ordered.insert("provisioningState".into(), json!("Updating"));
    ordered.extend(props);
    Ok(SubnetSpec {
        props: ordered,
        prefixes,
    })
}

/// The prefixes of a stored subnet.
pub(super) fn prefixes_of(res: &Resource) -> Vec<IpNet> {
    let Some(p) = res.properties() else {
        return Vec::new();
    };
    let mut out: Vec<IpNet> = p
        .get("addressPrefix")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .into_iter()
        .collect();
    if let Some(Value::Array(list)) = p.get("addressPrefixes") {
        out.extend(
            list.iter()
                .filter_map(Value::as_str)
                .filter_map(|s| s.parse::<IpNet>().ok()),
        );
    }
    out
}

/// `NetcfgSubnetRangesOverlap` if `prefixes` overlap any of `others`.
pub(super) fn check_overlap<'a>(
    name: &str,
    prefixes: &[IpNet],
    others: impl Iterator<Item = &'a [IpNet]>,
    vnet_name: &str,
) -> Result<(), ArmError> {
    for other in others {
        if prefixes
            .iter()
            .any(|a| other.iter().any(|b| cidr::overlaps(a, b)))
        {
            return Err(ArmError::bad_request(
                "NetcfgSubnetRangesOverlap",
                format!(
                    "Subnet '{name}' is not valid because its IP address range overlaps with that of an existing \
                     subnet in virtual network '{vnet_name}'."
                ),
            ));
        }
    }
    Ok(())
}

/// `InUseSubnetCannotBeDeleted` if something outside `except_under` refers to the subnet.
pub(super) fn check_not_in_use(state: &State, subnet: &Resource, except_under: &str) -> Result<(), ArmError> {
    let users = state.referrers(&subnet.key(), Some(except_under));
    let Some(user) = users.first() else {
        return Ok(());
    };
    Err(ArmError::bad_request(
        "InUseSubnetCannotBeDeleted",
        format!(
            "Subnet {} is in use by {} and cannot be deleted. In order to delete the subnet, delete all the \
             resources within the subnet. See aka.ms/deletesubnet.",
            subnet.name(),
            user.id
        ),
    ))
}

pub(crate) struct Subnets;

impl TypeRules for Subnets {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(NETWORK_VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let Some(vnet) = t.parent_key.as_deref().and_then(|k| ctx.state.resource(k)) else {
            return Err(ArmError::parent_not_found(&t.path.segments[0].1));
        };
        let (vnet_key, vnet_name) = (vnet.key(), vnet.name().to_string());
        let location = vnet.location().unwrap_or(&t.group_location).to_string();
        let space = super::vnet::address_space(vnet);
        check_not_busy(ctx, &t.top_key)?;
        let props = take_properties(&mut body)?;
        let spec = validate(ctx, &vnet_name, &space, &t.id, &t.name, props)?;
        let siblings: Vec<Vec<IpNet>> = ctx
            .state
            .children(&vnet_key, "subnets")
            .into_iter()
            .filter(|s| s.key() != t.key)
            .map(prefixes_of)
            .collect();
        check_overlap(
            &t.name,
            &spec.prefixes,
            siblings.iter().map(Vec::as_slice),
            &vnet_name,
        )?;
        let existing = ctx.state.resource(&t.key);
        let created = existing.is_none();
        let order = match existing {
            Some(e) => e.order,
            None => ctx.state.next_order(),
        };
        let mut doc = Map::new();
        doc.insert("properties".into(), Value::Object(spec.props));
        ctx.state.put_resource(Resource {
            id: t.id.clone(),
            resource_type: TYPE.into(),
            body: doc,
            etag: None,
            order,
            ..Resource::default()
        });
        touch_etag(ctx.state, &t.top_key);
        let mut targets = vec![t.key.clone()];
        targets.extend(mark_parent_updating(ctx.state, t));
        let action = OpAction::Provision { targets };
        let op = begin(ctx, t, &location, action);
        Ok(put_reply(ctx, created, &t.key, &op))
    }

    fn patch(&self, _ctx: &mut Ctx<'_>, _t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        // Subnets have no tags; the provider publishes no PATCH for them.
        Err(ArmError::method_not_allowed("PATCH"))
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let Some(subnet) = ctx.state.resource(&t.key) else {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        };
        check_not_busy(ctx, &t.top_key)?;
        check_not_in_use(ctx.state, subnet, &t.key)?;
        let location = ctx
            .state
            .resource(&t.top_key)
            .and_then(Resource::location)
            .unwrap_or(&t.group_location)
            .to_string();
        Ok(begin_delete(ctx, t, &location))
    }

    fn render(&self, state: &State, res: &Resource) -> Value {
        let mut out = render_base(res, parent_etag(state, res));
        let mut props = res.properties().cloned().unwrap_or_default();
        add_users(state, res, &mut props);
        out.insert("properties".into(), Value::Object(props));
        Value::Object(out)
    }
}

/// The read-only lists of what lives in the subnet, present only when not empty (as Azure
/// answers).
fn add_users(state: &State, subnet: &Resource, props: &mut Map<String, Value>) {
    let key = subnet.key();
    let mut ip_configurations = Vec::new();
    let mut gateway_configurations = Vec::new();
    let mut endpoints = Vec::new();
    let mut links = Vec::new();
    for user in state.referrers(&key, Some(&key)) {
        let t = user.resource_type.to_ascii_lowercase();
        let lists = |field: &str| -> Vec<Value> {
            user.properties()
                .and_then(|p| p.get(field))
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter(|c| {
                            c.pointer("/properties/subnet/id")
                                .and_then(Value::as_str)
                                .is_some_and(|id| id.eq_ignore_ascii_case(&subnet.id))
                        })
                        .filter_map(|c| c.get("id").cloned())
                        .map(|id| json!({ "id": id }))
                        .collect()
                })
                .unwrap_or_default()
        };
        match t.as_str() {
            "microsoft.network/networkinterfaces" => ip_configurations.extend(lists("ipConfigurations")),
            "microsoft.network/applicationgateways" => {
                gateway_configurations.extend(lists("gatewayIPConfigurations"))
            }
            "microsoft.network/privateendpoints" => endpoints.push(json!({ "id": user.id })),
            _ => {
                if let Some(service) = delegation_needed_by(&t) {
                    let name = format!("{}Link", user.name());
                    links.push(json!({
                        "name": name,
                        "id": format!("{}/serviceAssociationLinks/{name}", subnet.id),
                        "type": "Microsoft.Network/virtualNetworks/subnets/serviceAssociationLinks",
                        "properties": {
                            "provisioningState": "Succeeded",
                            "linkedResourceType": service,
                            "link": user.id,
                            "enabledForArmDeployments": false,
                            "allowDelete": false,
                        },
                    }));
                }
            }
        }
    }
    for (field, list) in [
        ("ipConfigurations", ip_configurations),
        ("applicationGatewayIPConfigurations", gateway_configurations),
        ("privateEndpoints", endpoints),
        ("serviceAssociationLinks", links),
    ] {
        if !list.is_empty() {
            props.insert(field.into(), Value::Array(list));
        }
    }
}
