//! Network security group rules: reading, checking and the ARM form.
//!
//! Every subnet's NSG ends with `deny-all-inbound` at priority 4096, below every rule a user
//! can write (100-4095), so a subnet receives only what its rules allow; Azure's own
//! defaults (65000+) would otherwise let in the whole virtual network and the load balancer.

use std::collections::BTreeMap;
use std::fmt;

use strata_azure::naming;
use strata_core::{InputError, Value};

use crate::inputs::{Errors, Fields, Input};

pub(super) const DENY_ALL_NAME: &str = "deny-all-inbound";
pub(super) const DENY_ALL_PRIORITY: i64 = 4096;
const RULE_TYPE: &str = "Microsoft.Network/networkSecurityGroups/securityRules";
const PRIORITIES: std::ops::RangeInclusive<i64> = 100..=4095;

pub(super) const RULE_FIELDS: &[&str] = &[
    "name",
    "priority",
    "direction",
    "access",
    "protocol",
    "source_address_prefix",
    "source_port_range",
    "destination_address_prefix",
    "destination_port_range",
    "description",
];

/// What a subnet is for. It decides which traffic its rules may let in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// Application components; may serve the internet.
    App,
    /// Databases and storage endpoints; never reachable from the internet.
    Data,
    /// Administrative access; never reachable from the internet (use a bastion or VPN).
    Management,
}

impl Role {
    pub const NAMES: &[&str] = &["app", "data", "management"];

    pub fn parse(s: &str) -> Option<Role> {
        match s.to_ascii_lowercase().as_str() {
            "app" => Some(Role::App),
            "data" => Some(Role::Data),
            "management" | "mgmt" => Some(Role::Management),
            _ => None,
        }
    }

    /// The role a subnet named `app`, `data`, `mgmt` or `management` has without saying so;
    /// anything else is an app subnet.
    pub fn infer(subnet: &str) -> Role {
        Role::parse(subnet).unwrap_or(Role::App)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::App => "app",
            Role::Data => "data",
            Role::Management => "management",
        })
    }
}

/// The ARM `securityRules` of one subnet's NSG: the user's rules, then `deny-all-inbound`.
pub(super) fn security_rules(
    rules: &[Fields<'_>],
    role: Role,
    subnet: &str,
    errs: &mut Errors,
) -> Vec<Value> {
    let mut bodies = Vec::with_capacity(rules.len() + 1);
    // (direction, priority) → rule name, and lowercase name → name: Azure compares rule
    // names case-insensitively and refuses two rules with one priority in one direction.
    let mut priorities: BTreeMap<(String, i64), String> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (i, rule) in rules.iter().enumerate() {
        errs.extend(rule.unknown_fields(RULE_FIELDS));
        let Some(r) = read_rule(rule, errs) else { continue };
        let label = r.name.known.clone().unwrap_or_else(|| format!("#{}", i + 1));
        if let Some(name) = &r.name.known {
            if name.eq_ignore_ascii_case(DENY_ALL_NAME) {
                errs.push(rule.error("name", format!("`{name}` is reserved for the rule strata adds")).hint(
                    format!("every NSG ends with `{DENY_ALL_NAME}` at priority {DENY_ALL_PRIORITY}; name your rule otherwise"),
                ));
            } else if let Some(first) = names.insert(name.to_ascii_lowercase(), name.clone()) {
                errs.push(rule.error(
                    "name",
                    format!("rule `{name}` is defined twice (first as `{first}`)"),
                ));
            }
        }
        if let (Some(direction), Some(priority)) = (&r.direction.known, r.priority.known) {
            let slot = (direction.clone(), priority);
            if let Some(other) = priorities.get(&slot) {
                errs.push(
                    rule.error(
                        "priority",
                        format!(
                            "rules `{other}` and `{label}` both have {} priority {priority}",
                            direction.to_ascii_lowercase()
                        ),
                    )
                    .hint(
                        "Azure allows one rule per priority and direction; give each rule its own priority",
                    ),
                );
            } else {
                priorities.insert(slot, label.clone());
            }
        }
        if let Err(e) = role_allows(rule, &r, role, subnet) {
            errs.push(e);
        }
        bodies.push(r.body());
    }
    bodies.push(deny_all());
    bodies
}

/// One rule as read.
struct Rule {
    name: Input<String>,
    priority: Input<i64>,
    direction: Input<String>,
    access: Input<String>,
    protocol: Input<String>,
    source_address_prefix: Input<String>,
    source_port_range: Input<String>,
    destination_address_prefix: Input<String>,
    destination_port_range: Input<String>,
    description: Option<Input<String>>,
}

impl Rule {
    fn body(self) -> Value {
        let mut props = vec![
            ("priority", self.priority.value),
            ("direction", self.direction.value),
            ("access", self.access.value),
            ("protocol", self.protocol.value),
            ("sourceAddressPrefix", self.source_address_prefix.value),
            ("sourcePortRange", self.source_port_range.value),
            ("destinationAddressPrefix", self.destination_address_prefix.value),
            ("destinationPortRange", self.destination_port_range.value),
        ];
        if let Some(d) = self.description {
            props.push(("description", d.value));
        }
        Value::object([("name", self.name.value), ("properties", Value::object(props))])
    }
}

fn read_rule(rule: &Fields<'_>, errs: &mut Errors) -> Option<Rule> {
    let name = errs.take(rule.req_string("name").and_then(|n| {
        if let Some(known) = &n.known
            && let Err(why) = naming::rule_for(RULE_TYPE).check(known)
        {
            return Err(rule
                .error("name", why)
                .hint(naming::rule_for(RULE_TYPE).hint(known)));
        }
        Ok(n)
    }));
    let priority =
        errs.take(rule.req_int("priority").and_then(|p| {
            match p.known {
        Some(n) if n == DENY_ALL_PRIORITY => Err(rule
            .error("priority", format!("priority {n} is taken by `{DENY_ALL_NAME}`"))
            .hint("use a priority from 100 to 4095")),
        Some(n) if !PRIORITIES.contains(&n) => Err(rule
            .error("priority", format!("priority {n} is outside 100-4095"))
            .hint("Azure evaluates rules from 100 (first) to 4096; 4096 is the deny-all rule strata adds")),
        _ => Ok(p),
    }
        }));
    let direction = errs.take(choice(rule, "direction", &["Inbound", "Outbound"]));
    let access = errs.take(choice(rule, "access", &["Allow", "Deny"]));
    let protocol = errs.take(choice(rule, "protocol", &["Tcp", "Udp", "Icmp", "*"]));
    let source_address_prefix = errs.take(address_prefix(rule, "source_address_prefix"));
    let source_port_range = errs.take(port_range(rule, "source_port_range", Some("*")));
    let destination_address_prefix = errs.take(address_prefix(rule, "destination_address_prefix"));
    let destination_port_range = errs.take(port_range(rule, "destination_port_range", None));
    let description = errs.take(rule.opt_string("description"));
    Some(Rule {
        name: name?,
        priority: priority?,
        direction: direction?,
        access: access?,
        protocol: protocol?,
        source_address_prefix: source_address_prefix?,
        source_port_range: source_port_range?,
        destination_address_prefix: destination_address_prefix?,
        destination_port_range: destination_port_range?,
        description: description?,
    })
}

/// One of `allowed`, matched case-insensitively and written as ARM spells it (so the diff
/// does not see `tcp` and `Tcp` as a change).
fn choice(rule: &Fields<'_>, field: &str, allowed: &[&str]) -> Result<Input<String>, InputError> {
    let input = rule.req_string(field)?;
    let Some(given) = &input.known else {
        return Ok(input);
    };
    match allowed.iter().find(|a| a.eq_ignore_ascii_case(given)) {
        Some(canonical) => Ok(Input {
            value: Value::from(*canonical),
            known: Some((*canonical).to_string()),
        }),
        None => Err(rule
            .error(
                field,
                format!("`{given}` is not a valid {}", field.replace('_', " ")),
            )
            .hint(format!("use one of: {}", allowed.join(", ")))),
    }
}

/// `*`, a port, or a range `low-high`, within 0-65535.
fn port_range(rule: &Fields<'_>, field: &str, default: Option<&str>) -> Result<Input<String>, InputError> {
    let input = match default {
        Some(d) => rule.string_or(field, d)?,
        None => rule.req_string(field)?,
    };
    let Some(s) = &input.known else {
        return Ok(input);
    };
    let port = |p: &str| p.trim().parse::<u16>().ok();
    let ok = match s.split_once('-') {
        _ if s.trim() == "*" => true,
        Some((lo, hi)) => matches!((port(lo), port(hi)), (Some(l), Some(h)) if l <= h),
        None => port(s).is_some(),
    };
    if ok {
        Ok(input)
    } else {
        Err(rule
            .error(field, format!("`{s}` is not a port range"))
            .hint("use `*`, a port such as `443`, or a range such as `1024-65535` (0-65535), one per rule"))
    }
}

/// `*`, an address, a CIDR prefix, or a service tag such as `VirtualNetwork`.
fn address_prefix(rule: &Fields<'_>, field: &str) -> Result<Input<String>, InputError> {
    let input = rule.req_string(field)?;
    let Some(s) = &input.known else {
        return Ok(input);
    };
    let ok = if s.contains('/') {
        s.parse::<ipnet::IpNet>().is_ok()
    } else {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '*'))
    };
    if ok {
        Ok(input)
    } else {
        Err(rule
            .error(field, format!("`{s}` is not an address prefix"))
            .hint("use `*`, an address, a CIDR prefix such as `10.0.1.0/24`, or a service tag such as `VirtualNetwork`, one per rule"))
    }
}

fn is_internet(prefix: &str) -> bool {
    ["*", "internet", "any", "0.0.0.0/0", "::/0"].contains(&prefix.to_ascii_lowercase().as_str())
}

/// Data and management subnets never let the internet in.
fn role_allows(rule: &Fields<'_>, r: &Rule, role: Role, subnet: &str) -> Result<(), InputError> {
    if role == Role::App {
        return Ok(());
    }
    let inbound_allow =
        r.direction.known.as_deref() == Some("Inbound") && r.access.known.as_deref() == Some("Allow");
    match &r.source_address_prefix.known {
        Some(source) if inbound_allow && is_internet(source) => Err(rule
            .error(
                "source_address_prefix",
                format!(
                    "subnet `{subnet}` has the {role} role, so rule `{}` must not let in traffic from the internet (`{source}`)",
                    r.name.known.as_deref().unwrap_or("?")
                ),
            )
            .hint(match role {
                Role::Management => "allow only known admin networks (a VPN or bastion prefix), not the internet",
                _ => "allow only the subnets that need it (their prefixes, or `VirtualNetwork`); if this subnet really serves the internet, give it `role = \"app\"`",
            })),
        _ => Ok(()),
    }
}

fn deny_all() -> Value {
    let s = |v: &str| Value::from(v);
    Value::object([
        ("name", s(DENY_ALL_NAME)),
        (
            "properties",
            Value::object([
                ("priority", Value::from(DENY_ALL_PRIORITY)),
                ("direction", s("Inbound")),
                ("access", s("Deny")),
                ("protocol", s("*")),
                ("sourceAddressPrefix", s("*")),
                ("sourcePortRange", s("*")),
                ("destinationAddressPrefix", s("*")),
                ("destinationPortRange", s("*")),
                (
                    "description",
                    s("Deny inbound traffic that no rule above allows (added by strata)"),
                ),
            ]),
        ),
    ])
}
