//! Helpers for the modules' unit tests.

use std::collections::BTreeMap;

use strata_core::{
    DesiredResource, Estate, EstateRole, Expansion, InputError, Module, ModuleContext, Peer, ResourceAddr,
    Value, path_to_string,
};

pub const SUB: &str = "00000000-0000-0000-0000-000000000001";
pub const TENANT: &str = "00000000-0000-0000-0000-0000000000aa";

pub fn ctx(label: &'static str, profile: &'static str) -> ModuleContext<'static> {
    ModuleContext {
        label,
        subscription_id: SUB,
        location: "westeurope",
        environment: profile,
        profile,
        disaster_recovery: None,
        estate: Default::default(),
    }
}

pub fn s(v: &str) -> Value {
    Value::from(v)
}

pub fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

pub fn inputs(pairs: Vec<(&str, Value)>) -> BTreeMap<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A value known only after apply.
pub fn unknown(path: &str) -> Value {
    Value::attr(&ResourceAddr::module("other", "thing", None), path)
}

/// A subnet as the networking module outputs it.
pub fn subnet(name: &str, role: &str, delegation: Option<&str>) -> Value {
    let vnet = format!(
        "/subscriptions/{SUB}/resourceGroups/rg-shop-dev/providers/Microsoft.Network/virtualNetworks/vnet-shop-dev"
    );
    Value::object([
        ("id", Value::from(format!("{vnet}/subnets/{name}"))),
        ("name", s(name)),
        ("role", s(role)),
        ("address_prefix", s("10.10.1.0/24")),
        ("delegation", delegation.map_or(Value::Null, s)),
        ("vnet_id", Value::from(vnet.clone())),
        (
            "nsg_id",
            s("/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/networkSecurityGroups/z"),
        ),
    ])
}

/// Every error of a failed expansion, as (path, message, hint).
pub fn errors(r: Result<Expansion, Vec<InputError>>) -> Vec<(String, String, String)> {
    match r {
        Ok(_) => panic!("the expansion succeeded"),
        Err(errs) => errs
            .into_iter()
            .map(|e| (path_to_string(&e.path), e.message, e.hint.unwrap_or_default()))
            .collect(),
    }
}

/// The single error of a failed expansion.
pub fn one_error(r: Result<Expansion, Vec<InputError>>) -> (String, String, String) {
    let errs = errors(r);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    errs.into_iter().next().unwrap()
}

pub fn find<'a>(e: &'a Expansion, addr: &str) -> &'a DesiredResource {
    e.resources
        .iter()
        .find(|r| r.addr.to_string() == addr)
        .unwrap_or_else(|| panic!("no {addr} in {:?}", addrs(e)))
}

pub fn addrs(e: &Expansion) -> Vec<String> {
    e.resources.iter().map(|r| r.addr.to_string()).collect()
}

/// The JSON at `path` of a resource's body (sensitive marks dropped), `Null` if absent.
pub fn at(r: &DesiredResource, path: &str) -> serde_json::Value {
    r.body
        .at(&strata_core::parse_path(path))
        .and_then(Value::to_json)
        .unwrap_or(serde_json::Value::Null)
}

/// Checks that every declared output is produced and nothing else.
pub fn outputs_match(m: &dyn Module, e: &Expansion) {
    let mut declared: Vec<&str> = m.outputs().iter().map(|o| o.name).collect();
    declared.sort_unstable();
    let produced: Vec<&str> = e.outputs.keys().map(String::as_str).collect();
    assert_eq!(produced, declared, "{}", m.source());
    for o in m.outputs().iter().filter(|o| o.sensitive) {
        let v = &e.outputs[o.name];
        assert!(v.is_sensitive() || v.is_null(), "{} should be sensitive", o.name);
    }
}

/// `ctx` with a warm disaster recovery to northeurope declared.
pub fn with_recovery(ctx: ModuleContext<'static>) -> ModuleContext<'static> {
    let dr: &'static strata_core::DisasterRecovery = Box::leak(Box::new(strata_core::DisasterRecovery {
        secondary_location: "northeurope".into(),
        secondary_is_default: true,
        strategy: strata_core::DrStrategy::Warm,
        rpo: std::time::Duration::from_secs(900),
        rto: std::time::Duration::from_secs(3600),
        loc: None,
    }));
    ModuleContext {
        disaster_recovery: Some(dr),
        estate: Default::default(),
        ..ctx
    }
}

/// What one module block produced in the other estate, held for `'static` like
/// [`with_recovery`]'s block.
pub struct PeerParts {
    pub inputs: BTreeMap<String, Value>,
    pub resources: Vec<DesiredResource>,
    pub outputs: BTreeMap<String, Value>,
}

impl PeerParts {
    /// The peer's inputs, and what `module` expanded them to in `peer_ctx`.
    pub fn expanded(
        module: &dyn Module,
        peer_ctx: &ModuleContext<'_>,
        inputs: BTreeMap<String, Value>,
    ) -> PeerParts {
        let e = module
            .expand(peer_ctx, &inputs)
            .unwrap_or_else(|errs| panic!("the peer's expansion failed: {errs:#?}"));
        PeerParts {
            inputs,
            resources: e.resources,
            outputs: e.outputs,
        }
    }

    fn leak(self, environment: &'static str, location: &'static str, role: EstateRole) -> Peer<'static> {
        let parts: &'static PeerParts = Box::leak(Box::new(self));
        Peer {
            environment,
            location,
            role,
            inputs: &parts.inputs,
            resources: &parts.resources,
            outputs: &parts.outputs,
        }
    }
}

/// The standby estate of `ctx`'s environment (with warm recovery to northeurope): named
/// `<env>-dr`, in northeurope, with the primary's block as its peer when given.
pub fn standby_estate(ctx: ModuleContext<'static>, peer: Option<PeerParts>) -> ModuleContext<'static> {
    let primary = with_recovery(ctx);
    let environment: &'static str = Box::leak(format!("{}-dr", primary.environment).into_boxed_str());
    let peer = peer.map(|p| p.leak(primary.environment, primary.location, EstateRole::Primary));
    ModuleContext {
        location: "northeurope",
        environment,
        estate: Estate {
            role: EstateRole::Standby,
            serving: EstateRole::Primary,
            peer,
            restore_point: None,
            failed_over: false,
        },
        ..primary
    }
}

/// `ctx`'s primary estate (with warm recovery to northeurope), `serving` traffic or not, with
/// the standby's block as its peer.
pub fn primary_with_peer(
    ctx: ModuleContext<'static>,
    peer: PeerParts,
    serving: EstateRole,
) -> ModuleContext<'static> {
    let primary = with_recovery(ctx);
    let environment: &'static str = Box::leak(format!("{}-dr", primary.environment).into_boxed_str());
    ModuleContext {
        estate: Estate {
            role: EstateRole::Primary,
            serving,
            peer: Some(peer.leak(environment, "northeurope", EstateRole::Standby)),
            restore_point: None,
            failed_over: false,
        },
        ..primary
    }
}

/// Every error Azure's published type definition (the catalogue) finds in a resource's body,
/// values known only after apply left out; a type the catalogue does not publish at the
/// resource's api-version is one error.
pub fn schema_errors(r: &DesiredResource) -> Vec<String> {
    fn known(v: &Value) -> serde_json::Value {
        match v {
            Value::Null | Value::Unknown(_) => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(l) => serde_json::Value::Array(l.iter().map(known).collect()),
            Value::Object(o) => {
                serde_json::Value::Object(o.iter().map(|(k, v)| (k.clone(), known(v))).collect())
            }
            Value::Sensitive(inner) => known(inner),
        }
    }
    let t = r.resource_type();
    let catalogue = strata_azure::Catalogue::global().unwrap();
    let Some(schema) = catalogue.schema(&t, &r.api_version).unwrap() else {
        return vec![format!("{}: {t}@{} is not published", r.addr, r.api_version)];
    };
    schema
        .validate(&known(&r.body))
        .into_iter()
        .filter(|v| v.severity == strata_azure::Severity::Error)
        .map(|v| format!("{} ({t}@{}): {v}", r.addr, r.api_version))
        .collect()
}

/// Checks that `module` deploys `inputs` in the standby estate as in the primary, in the
/// standby's region: the same resources with the same bodies, `westeurope` become
/// `northeurope`.
pub fn deploys_alike_in_the_standby(
    module: &dyn Module,
    label: &'static str,
    profile: &'static str,
    inputs: BTreeMap<String, Value>,
) -> Expansion {
    let primary = with_recovery(ctx(label, profile));
    let peer = PeerParts::expanded(module, &primary, inputs.clone());
    let moved = |rs: &[DesiredResource]| -> Vec<(String, String, String)> {
        rs.iter()
            .map(|r| {
                (
                    r.addr.to_string(),
                    r.id.to_string(),
                    format!("{:?}", r.body).replace("westeurope", "northeurope"),
                )
            })
            .collect()
    };
    let expected = moved(&peer.resources);
    let standby = standby_estate(ctx(label, profile), Some(peer));
    let e = module
        .expand(&standby, &inputs)
        .unwrap_or_else(|errs| panic!("the standby's expansion failed: {errs:#?}"));
    assert!(!e.resources.is_empty(), "{}", module.source());
    assert!(
        e.resources.iter().any(|r| at(r, "location") == "northeurope"),
        "{:?}",
        addrs(&e)
    );
    assert!(!format!("{:?}", e.resources).contains("westeurope"));
    assert_eq!(moved(&e.resources), expected);
    e
}
