//! What the modules of the data, compute, edge and monitoring layers share: the resource
//! group / location / tags every block starts with, names checked against Azure's rules,
//! ids, and references to subnets made by the `networking` module.

use std::collections::BTreeMap;

use strata_azure::naming;
use strata_core::{ArmId, Dependency, DesiredResource, InputError, PathStep, ResourceAddr, Value, id_for};

use crate::inputs::{self, Errors, Fields, Input, error_at};
use crate::resource_group::check_name;

/// The fields every resource-placing module reads first.
pub(crate) struct Placement {
    pub resource_group: String,
    pub location: Input<String>,
    pub tags: Option<Value>,
}

impl Placement {
    /// Reads `resource_group`, `location` (default: the environment's) and `tags`.
    pub fn read(fields: &Fields<'_>, default_location: &str, errs: &mut Errors) -> Option<Placement> {
        let rg = errs.take(
            fields
                .req_known_string("resource_group", "it is part of every resource's id")
                .and_then(|n| check_name(fields, "resource_group", "Microsoft.Resources/resourceGroups", n)),
        );
        let location = errs.take(inputs::location(fields, "location", default_location));
        let tags = errs.take(inputs::tags(fields, "tags"));
        Some(Placement {
            resource_group: rg?,
            location: location?,
            tags: tags?.map(|t| t.value),
        })
    }

    /// The resource group's id.
    pub fn group_id(&self, subscription_id: &str) -> ArmId {
        ArmId::resource_group(subscription_id, &self.resource_group)
    }

    /// `location` and `tags`, the start of every tracked resource's body.
    pub fn top(&self) -> Vec<(&'static str, Value)> {
        self.top_at(self.location.value.clone())
    }

    /// `location` (a fixed one, for global resources) and `tags`.
    pub fn top_at(&self, location: Value) -> Vec<(&'static str, Value)> {
        let mut top = vec![("location", location)];
        if let Some(t) = &self.tags {
            top.push(("tags", t.clone()));
        }
        top
    }
}

/// A name that must be known at plan time and follow `resource_type`'s rule.
pub(crate) fn read_name(
    fields: &Fields<'_>,
    field: &str,
    resource_type: &str,
    errs: &mut Errors,
) -> Option<String> {
    errs.take(
        fields
            .req_known_string(field, "it is part of the resource's id")
            .and_then(|n| check_name(fields, field, resource_type, n)),
    )
}

/// Checks a name the module derives from its inputs (`<name>-1`), blaming `field`.
pub(crate) fn check_derived_name(
    fields: &Fields<'_>,
    field: &str,
    resource_type: &str,
    derived: &str,
) -> Result<(), InputError> {
    let rule = naming::rule_for(resource_type);
    rule.check(derived).map_err(|why| {
        fields
            .error(
                field,
                format!("the module would name a resource `{derived}`, and {why}"),
            )
            .hint(format!("shorten `{field}`"))
    })
}

/// The id of `full_type` named `name` under `parent`, blaming `field` if it cannot be built.
pub(crate) fn id(
    fields: &Fields<'_>,
    field: &str,
    parent: &ArmId,
    full_type: &str,
    name: &str,
) -> Result<ArmId, Vec<InputError>> {
    id_for(parent, full_type, name).map_err(|e| vec![fields.error(field, e)])
}

/// [`id`], recording the error in `errs`.
pub(crate) fn id_in(
    errs: &mut Errors,
    fields: &Fields<'_>,
    field: &str,
    parent: &ArmId,
    full_type: &str,
    name: &str,
) -> Option<ArmId> {
    match id(fields, field, parent, full_type, name) {
        Ok(id) => Some(id),
        Err(e) => {
            errs.extend(e);
            None
        }
    }
}

/// A resource of this module, in the module's layer, waiting for `deps`.
pub(crate) fn resource(
    addr: ResourceAddr,
    id: ArmId,
    api_version: &str,
    body: Value,
    layer: strata_core::Layer,
    deps: &[&ResourceAddr],
) -> DesiredResource {
    let mut r = DesiredResource::new(addr, id, api_version, body, layer);
    r.depends_on = deps.iter().map(|a| Dependency::Resource((*a).clone())).collect();
    r
}

/// `{ "id": id }`, the shape ARM uses for references.
pub(crate) fn reference(id: impl Into<Value>) -> Value {
    Value::object([("id", id.into())])
}

/// A path of keys, for `force_new` and `preserve`.
pub(crate) fn path(dotted: &str) -> Vec<PathStep> {
    strata_core::parse_path(dotted)
}

/// Adds the sensitive mark a value must carry whatever the caller gave.
pub(crate) fn secret(v: Value) -> Value {
    v.sensitive()
}

/// Declares server-generated attributes (keys, connection strings) of a resource as
/// sensitive: the body carries a null under the sensitive mark at each path, which ARM
/// ignores (they are read-only) and the diff skips, while the state records the paths as
/// sensitive so that `state show` masks what the server returns there.
pub(crate) fn mark_secret_attributes(body: &mut Value, paths: &[&str]) {
    for p in paths {
        let steps = path(p);
        set_at(body, &steps, Value::Null.sensitive());
    }
}

fn set_at(v: &mut Value, steps: &[PathStep], leaf: Value) {
    let Some((first, rest)) = steps.split_first() else {
        *v = leaf;
        return;
    };
    let PathStep::Key(k) = first else { return };
    if !matches!(v, Value::Object(_)) {
        *v = Value::Object(BTreeMap::new());
    }
    if let Value::Object(map) = v {
        let entry = map.entry(k.clone()).or_insert(Value::Null);
        set_at(entry, rest, leaf);
    }
}

/// A subnet to place resources in: the object the `networking` module outputs in `subnets`
/// (which says its role and delegation), or a plain subnet id.
#[derive(Clone, Debug)]
pub(crate) struct SubnetRef {
    /// The id as given (may be known only after apply for subnets made elsewhere).
    pub id: Value,
    /// The subnet's name, when known.
    pub name: Option<String>,
    /// Its role (`app`, `data`, `management`) when the networking module says so, or when a
    /// plain id names a subnet called like a role.
    pub role: Option<String>,
    /// The service it is delegated to: `Some(None)` when known to have none, `None` when
    /// unknown (a plain id).
    pub delegation: Option<Option<String>>,
    /// The id of its virtual network, when known.
    pub vnet_id: Option<ArmId>,
    /// The input's path, for errors.
    pub path: Vec<PathStep>,
}

const SUBNET_TYPE: &str = "Microsoft.Network/virtualNetworks/subnets";
const ROLES: &[&str] = &["app", "data", "management"];

impl SubnetRef {
    /// Reads `field` of `fields`; `None` when it is not set.
    pub fn read(fields: &Fields<'_>, field: &str) -> Result<Option<SubnetRef>, InputError> {
        let Some(v) = fields.get(field) else {
            return Ok(None);
        };
        let path = fields.path_to(field);
        let from_id = |id: Value, path: Vec<PathStep>| -> Result<SubnetRef, InputError> {
            let Some(text) = id.as_str().map(str::to_string) else {
                return Ok(SubnetRef {
                    id,
                    name: None,
                    role: None,
                    delegation: None,
                    vnet_id: None,
                    path,
                });
            };
            let parsed = ArmId::parse(&text)
                .ok()
                .filter(|i| i.resource_type().eq_ignore_ascii_case(SUBNET_TYPE))
                .ok_or_else(|| {
                    error_at(path.clone(), format!("`{text}` is not a subnet id")).hint(
                        "pass a subnet of the networking module, e.g. `module.network.subnets[\"app\"]`, or an id \
                         like /subscriptions/…/virtualNetworks/<vnet>/subnets/<name>",
                    )
                })?;
            let name = parsed.name().to_string();
            let role = match name.to_ascii_lowercase().as_str() {
                "mgmt" | "management" => Some("management".to_string()),
                n if ROLES.contains(&n) => Some(n.to_string()),
                _ => None,
            };
            Ok(SubnetRef {
                id,
                vnet_id: parsed.parent(),
                name: Some(name),
                role,
                delegation: None,
                path,
            })
        };
        match v.unmarked() {
            Value::Object(o) => {
                let Some(id) = o.get("id").cloned() else {
                    return Err(error_at(path, "this object has no `id`").hint(
                        "pass one subnet of the networking module, e.g. `module.network.subnets[\"app\"]`",
                    ));
                };
                let mut s = from_id(id, path)?;
                if let Some(role) = o.get("role").and_then(Value::as_str) {
                    s.role = Some(role.to_string());
                }
                s.delegation = match o.get("delegation") {
                    None => None,
                    Some(d) if d.is_null() => Some(None),
                    Some(d) => d.as_str().map(|d| Some(d.to_string())),
                };
                if let Some(vnet) = o
                    .get("vnet_id")
                    .and_then(Value::as_str)
                    .and_then(|v| ArmId::parse(v).ok())
                {
                    s.vnet_id = Some(vnet);
                }
                Ok(Some(s))
            }
            Value::String(_) | Value::Unknown(_) => from_id(v.clone(), path).map(Some),
            _ => Err(error_at(path, format!("must be a subnet, not {}", v.type_name()))
                .hint("pass `module.network.subnets[\"<name>\"]` or a subnet id")),
        }
    }

    /// Refuses a subnet whose role is known and is not `role`.
    pub fn require_role(&self, role: &str, what: &str) -> Result<(), InputError> {
        match &self.role {
            Some(r) if r != role => Err(error_at(
                self.path.clone(),
                format!(
                    "{what} must be placed in {} {role} subnet, but subnet `{}` has the {r} role",
                    if role.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" },
                    self.name.as_deref().unwrap_or("?")
                ),
            )
            .hint(format!(
                "pass the {role} subnet, e.g. `module.network.subnets[\"{}\"]`, or give that subnet `role = \"{role}\"` in the networking module",
                if role == "management" { "mgmt" } else { role }
            ))),
            _ => Ok(()),
        }
    }

    /// Refuses a subnet known not to be delegated to `service`.
    pub fn require_delegation(&self, service: &str, what: &str) -> Result<(), InputError> {
        match &self.delegation {
            Some(d) if !d.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(service)) => Err(error_at(
                self.path.clone(),
                format!(
                    "{what} needs a subnet delegated to {service}, but subnet `{}` {}",
                    self.name.as_deref().unwrap_or("?"),
                    match d {
                        Some(other) => format!("is delegated to {other}"),
                        None => "has no delegation".to_string(),
                    }
                ),
            )
            .hint(format!(
                "set `delegation = \"{service}\"` on subnet `{}` in the networking module",
                self.name.as_deref().unwrap_or("?")
            ))),
            _ => Ok(()),
        }
    }

    /// Refuses a subnet known to be delegated (to anything): plain VMs cannot join one.
    pub fn require_no_delegation(&self, what: &str) -> Result<(), InputError> {
        match &self.delegation {
            Some(Some(service)) => Err(error_at(
                self.path.clone(),
                format!(
                    "{what} cannot be placed in subnet `{}`: it is delegated to {service}",
                    self.name.as_deref().unwrap_or("?")
                ),
            )
            .hint("a delegated subnet hosts only the service it is delegated to; use another subnet")),
            _ => Ok(()),
        }
    }
}

/// A list of zones (`"1"`, `"2"`, `"3"`), or the profile's.
pub(crate) fn zones(fields: &Fields<'_>, field: &str, default: &[&str], errs: &mut Errors) -> Vec<String> {
    let given = errs
        .take(fields.opt_known_list_string(field, "it decides where instances are placed"))
        .flatten();
    let Some(list) = given else {
        return default.iter().map(|z| (*z).to_string()).collect();
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, z) in list.into_iter().enumerate() {
        if !["1", "2", "3"].contains(&z.as_str()) {
            errs.push(
                error_at(
                    inputs::join(&fields.path_to(field), &[PathStep::Index(i)]),
                    format!("`{z}` is not an availability zone"),
                )
                .hint("zones are \"1\", \"2\" and \"3\"; use [] for no zones"),
            );
        } else if out.contains(&z) {
            errs.push(error_at(
                inputs::join(&fields.path_to(field), &[PathStep::Index(i)]),
                format!("zone `{z}` is listed twice"),
            ));
        } else {
            out.push(z);
        }
    }
    out
}

/// A firewall rule list from a list of strings: `[{ <key> = entry, …extra }]`. The list's
/// length must be known at plan time; its entries may come from other modules.
pub(crate) fn firewall_rules(
    fields: &Fields<'_>,
    field: &str,
    key: &str,
    extra: &[(&str, Value)],
) -> Result<Value, InputError> {
    let Some(list) = fields.opt_list_string(field)? else {
        return Ok(Value::List(Vec::new()));
    };
    let Some(items) = list.known else {
        return Err(fields
            .error(
                field,
                format!("`{field}` must be known at plan time (its length decides the rules)"),
            )
            .hint("list the entries; each entry may still come from another module"));
    };
    Ok(Value::List(
        items
            .into_iter()
            .map(|Input { value, .. }| {
                let mut rule = vec![(key, value)];
                rule.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
                Value::object(rule)
            })
            .collect(),
    ))
}

/// One of `allowed`, matched case-insensitively and written as Azure spells it, or `default`.
pub(crate) fn choice(
    fields: &Fields<'_>,
    field: &str,
    allowed: &[&str],
    default: &str,
) -> Result<String, InputError> {
    let given = fields.known_string_or(field, default, "it decides what is created")?;
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(&given))
        .map(|a| (*a).to_string())
        .ok_or_else(|| {
            fields
                .error(
                    field,
                    format!("`{given}` is not a valid {}", field.replace('_', " ")),
                )
                .hint(format!("use one of: {}", allowed.join(", ")))
        })
}

/// A whole number within `range`, or `default`.
pub(crate) fn int_in(
    fields: &Fields<'_>,
    field: &str,
    range: std::ops::RangeInclusive<i64>,
    default: i64,
    hint: &str,
) -> Result<Input<i64>, InputError> {
    let input = fields.int_or(field, default)?;
    if let Some(n) = input.known
        && !range.contains(&n)
    {
        return Err(fields
            .error(field, format!("{n} is outside {}-{}", range.start(), range.end()))
            .hint(hint.to_string()));
    }
    Ok(input)
}

/// A block the standby estate shares with its primary (storage replicates itself, Front Door
/// is global): no resources of its own, and the primary's outputs. Without the primary's
/// evaluation of the block, an error at `input` saying what `shared` is.
pub(crate) fn shared_with_primary(
    ctx: &strata_core::ModuleContext<'_>,
    input: &str,
    shared: &str,
) -> Result<strata_core::Expansion, Vec<strata_core::InputError>> {
    let Some(peer) = &ctx.estate.peer else {
        return Err(vec![
            strata_core::InputError::new(
                &[input],
                format!(
                    "the standby estate `{}` {shared}: its outputs are the primary's, and the primary's evaluation \
                     of this block was not given",
                    ctx.environment
                ),
            )
            .hint("evaluate the standby together with its primary environment"),
        ]);
    };
    Ok(strata_core::Expansion {
        resources: Vec::new(),
        outputs: peer.outputs.clone(),
        diagnostics: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(v: &BTreeMap<String, Value>) -> Fields<'_> {
        Fields::root(v)
    }

    const SUBNET: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/data";

    #[test]
    fn subnets_by_object_and_by_id() {
        let inputs = BTreeMap::from([
            ("a".to_string(), Value::from(SUBNET)),
            (
                "b".to_string(),
                Value::object([
                    ("id", Value::from(SUBNET.replace("/data", "/app"))),
                    ("role", Value::from("app")),
                    ("delegation", Value::from("Microsoft.Web/serverFarms")),
                ]),
            ),
            ("c".to_string(), Value::from("/subscriptions/s")),
            ("d".to_string(), Value::from(3)),
        ]);
        let f = fields_of(&inputs);
        let a = SubnetRef::read(&f, "a").unwrap().unwrap();
        assert_eq!(a.role.as_deref(), Some("data"));
        assert_eq!(a.delegation, None);
        assert_eq!(a.vnet_id.as_ref().unwrap().name(), "v");
        assert!(a.require_role("data", "a database").is_ok());
        assert!(
            a.require_delegation("X/y", "it").is_ok(),
            "unknown delegations pass"
        );

        let b = SubnetRef::read(&f, "b").unwrap().unwrap();
        let e = b.require_role("data", "a database").unwrap_err();
        assert!(e.message.contains("has the app role"), "{}", e.message);
        assert!(e.hint.unwrap().contains("subnets[\"data\"]"));
        assert!(b.require_delegation("Microsoft.Web/serverFarms", "it").is_ok());
        let e = b
            .require_delegation("Microsoft.DBforPostgreSQL/flexibleServers", "a database")
            .unwrap_err();
        assert!(e.message.contains("is delegated to Microsoft.Web/serverFarms"));
        assert!(b.require_no_delegation("a VM").is_err());

        assert!(
            SubnetRef::read(&f, "c")
                .unwrap_err()
                .message
                .contains("not a subnet id")
        );
        assert!(SubnetRef::read(&f, "d").is_err());
        assert!(SubnetRef::read(&f, "missing").unwrap().is_none());
    }

    #[test]
    fn secret_attribute_markers_are_sensitive_nulls() {
        let mut body = Value::object([("properties", Value::object([("a", Value::from(1))]))]);
        mark_secret_attributes(&mut body, &["properties.ConnectionString"]);
        assert_eq!(body.sensitive_paths(), vec![path("properties.ConnectionString")]);
        assert_eq!(
            body.to_json().unwrap(),
            serde_json::json!({"properties": {"a": 1, "ConnectionString": null}})
        );
    }
}
