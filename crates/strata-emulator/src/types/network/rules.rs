//! Microsoft.Network/networkSecurityGroups/securityRules: written inline in an NSG PUT or on
//! their own, validated as the network provider does.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{render_base, take_properties};
use super::super::{Ctx, Target, TypeRules};
use super::{begin, begin_delete, check_not_busy, mark_parent_updating, parent_etag, put_reply, touch_etag};
use crate::protocol::{ArmError, NETWORK_VERSIONS, Reply};
use crate::store::{OpAction, Resource, State};

pub(crate) const TYPE: &str = "Microsoft.Network/networkSecurityGroups/securityRules";

const PROTOCOLS: &[&str] = &["Tcp", "Udp", "Icmp", "Esp", "Ah", "*"];
const ACCESS: &[&str] = &["Allow", "Deny"];
const DIRECTIONS: &[&str] = &["Inbound", "Outbound"];
const PRIORITY_MIN: i64 = 100;
const PRIORITY_MAX: i64 = 4096;

/// The facts about a rule that decide conflicts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct RuleKey {
    pub name: String,
    pub priority: i64,
    pub direction: String,
}

impl RuleKey {
    pub fn of(res: &Resource) -> Option<RuleKey> {
        let p = res.properties()?;
        Some(RuleKey {
            name: res.name().to_string(),
            priority: p.get("priority")?.as_i64()?,
            direction: p.get("direction")?.as_str()?.to_string(),
        })
    }
}

fn invalid_enum(rule_id: &str, field: &str, value: &Value, allowed: &[&str]) -> ArmError {
    let shown = match value {
        Value::Null => "null".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    ArmError::bad_request(
        "InvalidRequestFormat",
        format!(
            "Cannot parse the request. Value '{shown}' of properties.{field} of security rule {rule_id} is not \
             valid; allowed values: {}.",
            allowed.join(", ")
        ),
    )
}

/// One of `allowed`, case-insensitively, in the provider's casing.
fn one_of(
    props: &Map<String, Value>,
    field: &str,
    allowed: &[&str],
    rule_id: &str,
) -> Result<String, ArmError> {
    let value = props.get(field).unwrap_or(&Value::Null);
    value
        .as_str()
        .and_then(|s| allowed.iter().find(|a| a.eq_ignore_ascii_case(s.trim())))
        .map(|s| s.to_string())
        .ok_or_else(|| invalid_enum(rule_id, field, value, allowed))
}

fn is_port_range(s: &str) -> bool {
    let port = |p: &str| p.trim().parse::<u32>().is_ok_and(|n| n <= 65535);
    match s.split_once('-') {
        _ if s == "*" => true,
        Some((a, b)) => port(a) && port(b) && a.trim().parse::<u32>().ok() <= b.trim().parse::<u32>().ok(),
        None => port(s),
    }
}

fn check_ports(props: &Map<String, Value>, single: &str, plural: &str) -> Result<(), ArmError> {
    let bad = |v: &str| {
        ArmError::bad_request(
            "SecurityRuleInvalidPortRange",
            format!(
                "Security rule has invalid Port range. Value provided: {v}. Value should be an integer OR integer \
                 range with '-' delimiter. Valid range 0-65535."
            ),
        )
    };
    if let Some(v) = props.get(single).filter(|v| !v.is_null()) {
        let s = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        if !is_port_range(&s) {
            return Err(bad(&s));
        }
    }
    if let Some(list) = props.get(plural).and_then(Value::as_array) {
        for v in list {
            let s = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            if s == "*" || !is_port_range(&s) {
                return Err(bad(&s));
            }
        }
    }
    Ok(())
}

/// An IP address, a CIDR prefix, or (singular fields only) `*` or a service tag.
fn is_ip_or_prefix(s: &str) -> bool {
    s.parse::<ipnet::IpNet>().is_ok() || s.parse::<std::net::IpAddr>().is_ok()
}

fn is_service_tag(s: &str) -> bool {
    s == "*"
        || (s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
}

fn check_prefixes(
    props: &Map<String, Value>,
    single: &str,
    plural: &str,
    rule_id: &str,
) -> Result<(), ArmError> {
    let bad = |v: &str| {
        ArmError::bad_request(
            "SecurityRuleInvalidAddressPrefix",
            format!("Security rule has invalid Address prefix. Value provided: {v}"),
        )
    };
    if let Some(v) = props.get(single).filter(|v| !v.is_null()) {
        let s = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        if !is_ip_or_prefix(&s) && !is_service_tag(&s) {
            return Err(bad(&s));
        }
    }
    if let Some(list) = props.get(plural).and_then(Value::as_array) {
        for v in list {
            let s = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            if is_ip_or_prefix(&s) {
                continue;
            }
            if is_service_tag(&s) {
                let field = format!("{}{}", plural[..1].to_ascii_uppercase(), &plural[1..]);
                return Err(ArmError::bad_request(
                    "SecurityRuleParameterContainsUnsupportedValue",
                    format!(
                        "Security rule parameter {field} for rule with Id {rule_id} cannot specify existing \
                         VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or system tags. Unsupported value used: \
                         {s}."
                    ),
                ));
            }
            return Err(bad(&s));
        }
    }
    Ok(())
}

/// Checks a rule's properties and completes them as the provider returns them.
pub(super) fn validate(rule_id: &str, mut props: Map<String, Value>) -> Result<Map<String, Value>, ArmError> {
    props.remove("provisioningState");
    let priority = match props.get("priority") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_i64().unwrap_or(-1),
    };
    if !(PRIORITY_MIN..=PRIORITY_MAX).contains(&priority) {
        let shown = props.get("priority").map_or_else(|| "0".into(), Value::to_string);
        return Err(ArmError::bad_request(
            "SecurityRuleInvalidPriority",
            format!(
                "Security rule has invalid Priority. Value provided: {shown} Allowed range {PRIORITY_MIN}-{PRIORITY_MAX}."
            ),
        ));
    }
    let protocol = one_of(&props, "protocol", PROTOCOLS, rule_id)?;
    let access = one_of(&props, "access", ACCESS, rule_id)?;
    let direction = one_of(&props, "direction", DIRECTIONS, rule_id)?;
    check_ports(&props, "sourcePortRange", "sourcePortRanges")?;
    check_ports(&props, "destinationPortRange", "destinationPortRanges")?;
    check_prefixes(&props, "sourceAddressPrefix", "sourceAddressPrefixes", rule_id)?;
    check_prefixes(
        &props,
        "destinationAddressPrefix",
        "destinationAddressPrefixes",
        rule_id,
    )?;
    let mut out = Map::new();
    out.insert("provisioningState".into(), json!("Updating"));
    out.extend(props);
    out.insert("protocol".into(), json!(protocol));
    out.insert("access".into(), json!(access));
    out.insert("priority".into(), json!(priority));
    out.insert("direction".into(), json!(direction));
    for list in [
        "sourcePortRanges",
        "destinationPortRanges",
        "sourceAddressPrefixes",
        "destinationAddressPrefixes",
    ] {
        out.entry(list).or_insert_with(|| json!([]));
    }
    Ok(out)
}

/// `SecurityRuleConflict` if `new` shares priority and direction with one of `others`.
pub(super) fn check_conflict<'a>(
    new: &RuleKey,
    others: impl Iterator<Item = &'a RuleKey>,
) -> Result<(), ArmError> {
    for other in others {
        if other.priority == new.priority && other.direction == new.direction {
            return Err(ArmError::bad_request(
                "SecurityRuleConflict",
                format!(
                    "Security rule {} conflicts with rule {}. Rules cannot have the same Priority and Direction. \
                     To learn more, see aka.ms/nsgrules.",
                    other.name, new.name
                ),
            ));
        }
    }
    Ok(())
}

/// The six rules every NSG has, with Azure's exact properties.
pub(super) fn default_rules(nsg_id: &str, etag: Option<&str>) -> Vec<Value> {
    const RULES: [(&str, &str, &str, &str, &str, u32, &str); 6] = [
        (
            "AllowVnetInBound",
            "Allow inbound traffic from all VMs in VNET",
            "VirtualNetwork",
            "VirtualNetwork",
            "Allow",
            65000,
            "Inbound",
        ),
        (
            "AllowAzureLoadBalancerInBound",
            "Allow inbound traffic from azure load balancer",
            "AzureLoadBalancer",
            "*",
            "Allow",
            65001,
            "Inbound",
        ),
        (
            "DenyAllInBound",
            "Deny all inbound traffic",
            "*",
            "*",
            "Deny",
            65500,
            "Inbound",
        ),
        (
            "AllowVnetOutBound",
            "Allow outbound traffic from all VMs to all VMs in VNET",
            "VirtualNetwork",
            "VirtualNetwork",
            "Allow",
            65000,
            "Outbound",
        ),
        (
            "AllowInternetOutBound",
            "Allow outbound traffic from all VMs to Internet",
            "*",
            "Internet",
            "Allow",
            65001,
            "Outbound",
        ),
        (
            "DenyAllOutBound",
            "Deny all outbound traffic",
            "*",
            "*",
            "Deny",
            65500,
            "Outbound",
        ),
    ];
    RULES
        .iter()
        .map(
            |(name, description, source, destination, access, priority, direction)| {
                let mut rule = Map::new();
                rule.insert("name".into(), json!(name));
                rule.insert(
                    "id".into(),
                    json!(format!("{nsg_id}/defaultSecurityRules/{name}")),
                );
                if let Some(e) = etag {
                    rule.insert("etag".into(), json!(e));
                }
                rule.insert(
                    "type".into(),
                    json!("Microsoft.Network/networkSecurityGroups/defaultSecurityRules"),
                );
                rule.insert(
                    "properties".into(),
                    json!({
                        "provisioningState": "Succeeded",
                        "description": description,
                        "protocol": "*",
                        "sourcePortRange": "*",
                        "destinationPortRange": "*",
                        "sourceAddressPrefix": source,
                        "destinationAddressPrefix": destination,
                        "access": access,
                        "priority": priority,
                        "direction": direction,
                        "sourcePortRanges": [],
                        "destinationPortRanges": [],
                        "sourceAddressPrefixes": [],
                        "destinationAddressPrefixes": []
                    }),
                );
                Value::Object(rule)
            },
        )
        .collect()
}

pub(crate) struct SecurityRules;

impl TypeRules for SecurityRules {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(NETWORK_VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let Some(nsg) = t.parent_key.as_deref().and_then(|k| ctx.state.resource(k)) else {
            return Err(ArmError::parent_not_found(&t.path.segments[0].1));
        };
        let nsg_key = nsg.key();
        let location = nsg.location().unwrap_or(&t.group_location).to_string();
        check_not_busy(ctx, &t.top_key)?;
        let props = validate(&t.id, take_properties(&mut body)?)?;
        let new_key = RuleKey {
            name: t.name.clone(),
            priority: props.get("priority").and_then(Value::as_i64).unwrap_or_default(),
            direction: props
                .get("direction")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        };
        let siblings: Vec<RuleKey> = ctx
            .state
            .children(&nsg_key, "securityRules")
            .into_iter()
            .filter(|r| r.key() != t.key)
            .filter_map(RuleKey::of)
            .collect();
        check_conflict(&new_key, siblings.iter())?;
        let existing = ctx.state.resource(&t.key);
        let created = existing.is_none();
        let order = match existing {
            Some(e) => e.order,
            None => ctx.state.next_order(),
        };
        let mut doc = Map::new();
        doc.insert("properties".into(), Value::Object(props));
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
        Err(ArmError::method_not_allowed("PATCH"))
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        if ctx.state.resource(&t.key).is_none() {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        check_not_busy(ctx, &t.top_key)?;
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
        out.insert(
            "properties".into(),
            res.body.get("properties").cloned().unwrap_or_else(|| json!({})),
        );
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(v: Value) -> Result<Map<String, Value>, ArmError> {
        validate("r", v.as_object().cloned().unwrap())
    }

    fn base() -> Value {
        json!({"protocol": "tcp", "access": "Allow", "direction": "Inbound", "priority": 100,
               "sourcePortRange": "*", "destinationPortRange": "443",
               "sourceAddressPrefix": "Internet", "destinationAddressPrefix": "10.0.0.0/24"})
    }

    fn with(field: &str, value: Value) -> Value {
        let mut b = base();
        b[field] = value;
        b
    }

    #[test]
    fn valid_rules_are_completed() {
        let p = rule(base()).unwrap();
        assert_eq!(p["protocol"], "Tcp");
        assert_eq!(p["sourcePortRanges"], json!([]));
        assert_eq!(p["provisioningState"], "Updating");
        assert!(rule(with("destinationPortRanges", json!(["80", "8000-8080"]))).is_ok());
        assert!(
            rule(with(
                "sourceAddressPrefixes",
                json!(["10.0.0.0/8", "192.168.1.1"])
            ))
            .is_ok()
        );
        assert!(rule(with("priority", json!(4096))).is_ok());
    }

    #[test]
    fn invalid_rules_get_the_providers_codes() {
        let code = |v: Value| rule(v).unwrap_err().code().to_string();
        assert_eq!(code(with("priority", json!(99))), "SecurityRuleInvalidPriority");
        assert_eq!(code(with("priority", json!(4097))), "SecurityRuleInvalidPriority");
        assert_eq!(code(with("priority", Value::Null)), "SecurityRuleInvalidPriority");
        assert_eq!(code(with("protocol", json!("Gre"))), "InvalidRequestFormat");
        assert_eq!(code(with("access", json!("Maybe"))), "InvalidRequestFormat");
        assert_eq!(
            code(with("destinationPortRange", json!("80,81"))),
            "SecurityRuleInvalidPortRange"
        );
        assert_eq!(
            code(with("destinationPortRange", json!("90-80"))),
            "SecurityRuleInvalidPortRange"
        );
        assert_eq!(
            code(with("destinationPortRange", json!("70000"))),
            "SecurityRuleInvalidPortRange"
        );
        assert_eq!(
            code(with("sourceAddressPrefix", json!("10.0.0/0/16"))),
            "SecurityRuleInvalidAddressPrefix"
        );
        assert_eq!(
            code(with("destinationAddressPrefixes", json!(["10.0.0.0/8", "*"]))),
            "SecurityRuleParameterContainsUnsupportedValue"
        );
    }

    #[test]
    fn conflicts_need_same_priority_and_direction() {
        let k = |n: &str, p, d: &str| RuleKey {
            name: n.into(),
            priority: p,
            direction: d.into(),
        };
        let existing = [k("a", 100, "Inbound"), k("b", 200, "Outbound")];
        assert!(check_conflict(&k("c", 100, "Outbound"), existing.iter()).is_ok());
        let e = check_conflict(&k("c", 200, "Outbound"), existing.iter()).unwrap_err();
        assert_eq!(e.code(), "SecurityRuleConflict");
        assert!(
            e.body
                .message
                .contains("Rules cannot have the same Priority and Direction")
        );
    }

    #[test]
    fn six_default_rules() {
        let rules = default_rules("/n", None);
        assert_eq!(rules.len(), 6);
        assert_eq!(rules[2]["properties"]["priority"], 65500);
        assert_eq!(rules[4]["properties"]["destinationAddressPrefix"], "Internet");
    }
}
