//! One entry of `subnets`: its prefix, role, rules, service endpoints and delegation.

use ipnet::IpNet;
use strata_core::Value;

use super::cidr;
use super::nsg::{self, Role};
use crate::inputs::{Errors, Fields, Input};

const FIELDS: &[&str] = &[
    "address_prefix",
    "role",
    "nsg_rules",
    "service_endpoints",
    "delegation",
];

/// A subnet as read from the inputs.
pub(super) struct Subnet<'a> {
    pub name: String,
    pub fields: Fields<'a>,
    pub prefix: Input<String>,
    /// The parsed prefix, when known and valid.
    pub net: Option<IpNet>,
    /// The NSG's `securityRules`, `deny-all-inbound` last.
    pub security_rules: Vec<Value>,
    /// ARM `serviceEndpoints`, if set.
    pub service_endpoints: Option<Value>,
    /// ARM `delegations`, if set.
    pub delegations: Option<Value>,
    /// What the subnet is for (`None` while its `role` input is unknown).
    pub role: Option<Role>,
    /// The service it is delegated to, as given (`Null` when none).
    pub delegation: Value,
}

/// Reads one subnet, recording every problem in `errs`; `None` if it cannot be built.
pub(super) fn read<'a>(name: &str, fields: Fields<'a>, errs: &mut Errors) -> Option<Subnet<'a>> {
    errs.extend(fields.unknown_fields(FIELDS));
    let prefix = errs.take(fields.req_string("address_prefix"));
    let mut net = None;
    if let Some(text) = prefix.as_ref().and_then(|p| p.known.as_deref()) {
        match cidr::parse(text) {
            Ok(n) => match cidr::subnet_size_problem(&n) {
                None => net = Some(n),
                Some((message, hint)) => errs.push(fields.error("address_prefix", message).hint(hint)),
            },
            Err(e) => errs.push(fields.error("address_prefix", e.message).hint(e.hint)),
        }
    }

    let mut known_role = true;
    let role = match errs.take(fields.opt_string("role")) {
        Some(Some(Input { known: Some(r), .. })) => match Role::parse(&r) {
            Some(role) => role,
            None => {
                errs.push(
                    fields
                        .error("role", format!("`{r}` is not a subnet role"))
                        .hint(format!("use one of: {}", Role::NAMES.join(", "))),
                );
                Role::infer(name)
            }
        },
        // Unknown until apply: validate as the safest role would need.
        Some(Some(Input { known: None, .. })) => {
            known_role = false;
            Role::Data
        }
        _ => Role::infer(name),
    };

    let rules = errs
        .take(fields.opt_known_list_object("nsg_rules", "each rule becomes part of the subnet's NSG"))
        .unwrap_or_default();
    let security_rules = nsg::security_rules(&rules, role, name, errs);

    let service_endpoints = service_endpoints(&fields, errs);
    let delegation = fields.get("delegation").cloned().unwrap_or(Value::Null);
    let delegations = delegations(&fields, errs);
    Some(Subnet {
        role: known_role.then_some(role),
        delegation,
        name: name.to_string(),
        prefix: prefix?,
        net,
        security_rules,
        service_endpoints,
        delegations,
        fields,
    })
}

/// `service_endpoints = ["Microsoft.Storage"]` → `[{ "service": "Microsoft.Storage" }]`.
fn service_endpoints(fields: &Fields<'_>, errs: &mut Errors) -> Option<Value> {
    let list = errs.take(fields.opt_list_string("service_endpoints"))??;
    let Some(items) = list.known else {
        errs.push(
            fields
                .error(
                    "service_endpoints",
                    "`service_endpoints` must be known at plan time because each entry becomes an endpoint",
                )
                .hint("list the services literally, e.g. [\"Microsoft.Storage\", \"Microsoft.KeyVault\"]"),
        );
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        if let Some(s) = &item.known {
            let well_formed = s.strip_prefix("Microsoft.").is_some_and(|rest| {
                !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
            });
            if !well_formed {
                errs.push(
                    crate::inputs::error_at(
                        crate::inputs::join(
                            &fields.path_to("service_endpoints"),
                            &[strata_core::PathStep::Index(i)],
                        ),
                        format!("`{s}` is not a service endpoint"),
                    )
                    .hint("service endpoints are named like `Microsoft.Storage`, `Microsoft.Sql`, `Microsoft.KeyVault`"),
                );
            }
        }
        out.push(Value::object([("service", item.value)]));
    }
    Some(Value::List(out))
}

/// `delegation = "Microsoft.Web/serverFarms"` → one ARM delegation.
fn delegations(fields: &Fields<'_>, errs: &mut Errors) -> Option<Value> {
    let service = errs.take(fields.opt_string("delegation"))??;
    if let Some(s) = &service.known {
        let well_formed = matches!(s.split_once('/'), Some((ns, ty)) if ns.contains('.') && !ty.is_empty() && !ty.contains('/'));
        if !well_formed {
            errs.push(
                fields
                    .error("delegation", format!("`{s}` is not a service to delegate to"))
                    .hint("name the resource type, e.g. `Microsoft.Web/serverFarms` or `Microsoft.DBforPostgreSQL/flexibleServers`"),
            );
            return None;
        }
    }
    Some(Value::List(vec![Value::object([
        ("name", Value::from("delegation")),
        ("properties", Value::object([("serviceName", service.value)])),
    ])]))
}
