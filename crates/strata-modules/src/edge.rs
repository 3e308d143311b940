//! `edge`: where traffic enters — Azure Front Door Standard/Premium or an Application
//! Gateway v2 in its own subnet, chosen by `kind`.
//!
//! - `kind = "front_door"` ([`front_door`]): a Front Door profile, an endpoint, an origin
//!   group with one origin per entry of `origins`, and a route that redirects HTTP to HTTPS;
//!   with `waf` (the profile's default in staging and prod), a Premium WAF policy with
//!   Microsoft's managed rule sets attached to the endpoint by a security policy.
//! - `kind = "application_gateway"` ([`app_gateway`]): a Standard public IP and a v2 gateway
//!   (HTTP listener, backend pool of `origins`, HTTPS backend settings with a health probe,
//!   and a routing rule with a priority, which Azure requires); `WAF_v2` with `waf`.
//!
//! Disaster recovery: Front Door is global, so in the standby estate a Front Door block
//! creates nothing and answers with the primary's outputs, while the primary's block sends
//! traffic to the standby's origins at a lower priority (swapped while the standby serves).
//! An application gateway is regional: the standby estate deploys its own, the second
//! gateway that Front Door or DNS fails over to.

mod app_gateway;
mod front_door;

use std::collections::BTreeMap;

use strata_core::{
    EstateRole, Expansion, InputError, InputSpec, Layer, Module, ModuleContext, OutputSpec, Value,
};

use crate::common::{Placement, SubnetRef};
use crate::inputs::{Errors, Fields, Input};
use crate::profiles::Profile;

const KINDS: &[&str] = &["front_door", "application_gateway"];

const ONLY_FOR: &[(&str, &str)] = &[
    ("subnet", "application_gateway"),
    ("zones", "application_gateway"),
    ("capacity", "application_gateway"),
];

/// The `edge` module.
#[derive(Clone, Copy, Debug, Default)]
pub struct EdgeModule;

const INPUTS: &[InputSpec] = &[
    InputSpec {
        name: "resource_group",
        ty: "string",
        required: true,
        description: "The name of the resource group to create the edge in.",
    },
    InputSpec {
        name: "location",
        ty: "string",
        required: false,
        description: "The Azure region of an application gateway (Front Door is global).",
    },
    InputSpec {
        name: "name",
        ty: "string",
        required: true,
        description: "The profile or gateway name; a Front Door endpoint of this name gets a host name under azurefd.net.",
    },
    InputSpec {
        name: "kind",
        ty: "string",
        required: false,
        description: "front_door (default) or application_gateway.",
    },
    InputSpec {
        name: "origins",
        ty: "list(string)",
        required: true,
        description: "Host names (or addresses) traffic is sent to, e.g. [module.app.default_hostname]. With a warm \
                      standby, the primary's Front Door also sends to the standby block's origins, at priority 2 \
                      (1 while the standby serves).",
    },
    InputSpec {
        name: "sku",
        ty: "string",
        required: false,
        description: "Front Door: Standard_AzureFrontDoor or Premium_AzureFrontDoor; application gateway: Standard_v2 \
                      or WAF_v2 (profile: Standard in dev, Premium / WAF_v2 otherwise).",
    },
    InputSpec {
        name: "waf",
        ty: "bool",
        required: false,
        description: "Put a Web Application Firewall with managed rules in front (profile: off in dev).",
    },
    InputSpec {
        name: "waf_mode",
        ty: "string",
        required: false,
        description: "Prevention (default: block) or Detection (log only).",
    },
    InputSpec {
        name: "health_probe_path",
        ty: "string",
        required: false,
        description: "The path probed on each origin (default /).",
    },
    InputSpec {
        name: "subnet",
        ty: "any",
        required: false,
        description: "application_gateway: its own subnet, e.g. module.network.subnets[\"gateway\"]; nothing else may \
                      use it, and its NSG must let in GatewayManager on ports 65200-65535.",
    },
    InputSpec {
        name: "zones",
        ty: "list(string)",
        required: false,
        description: "application_gateway: availability zones (profile).",
    },
    InputSpec {
        name: "capacity",
        ty: "number",
        required: false,
        description: "application_gateway: instances, 1-125 (profile: 1, 2, 3).",
    },
    InputSpec {
        name: "tags",
        ty: "map(string)",
        required: false,
        description: "Tags on every resource.",
    },
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "id",
        sensitive: false,
        description: "The Front Door profile's or the application gateway's id.",
    },
    OutputSpec {
        name: "endpoint_hostname",
        sensitive: false,
        description: "Front Door: the endpoint's host name, e.g. shop-dev-….z01.azurefd.net (known after apply).",
    },
    OutputSpec {
        name: "frontend_ip",
        sensitive: false,
        description: "Application gateway: its public address (known after apply).",
    },
    OutputSpec {
        name: "waf_policy_id",
        sensitive: false,
        description: "The Front Door WAF policy's id, when there is one.",
    },
];

/// What both kinds read.
pub(crate) struct Edge<'a> {
    pub ctx: &'a ModuleContext<'a>,
    pub fields: Fields<'a>,
    pub place: Placement,
    pub name: String,
    pub origins: Vec<Input<String>>,
    pub profile: Profile,
    pub waf_mode: String,
    pub probe_path: Value,
}

impl Module for EdgeModule {
    fn source(&self) -> &'static str {
        "edge"
    }

    fn description(&self) -> &'static str {
        "Azure Front Door Standard/Premium or an Application Gateway v2, with a WAF per profile, in front of the app."
    }

    fn inputs(&self) -> &'static [InputSpec] {
        INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }

    fn layer(&self) -> Layer {
        Layer::Edge
    }

    fn expand(
        &self,
        ctx: &ModuleContext<'_>,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<Expansion, Vec<InputError>> {
        let fields = Fields::root(inputs);
        let mut errs = Errors::default();
        let kind = errs.take(crate::common::choice(&fields, "kind", KINDS, "front_door"));
        if kind.as_deref() == Some("front_door") && ctx.estate.role == EstateRole::Standby {
            return front_door_standby(ctx);
        }
        if let Some(kind) = &kind {
            for (input, only) in ONLY_FOR {
                if fields.get(input).is_some() && kind != only {
                    errs.push(
                        fields
                            .error(input, format!("`{input}` does not apply to kind \"{kind}\""))
                            .hint(format!("`{input}` is for kind {only}; remove it")),
                    );
                }
            }
        }
        let place = Placement::read(&fields, ctx.location, &mut errs);
        let name = errs.take(fields.req_known_string("name", "it is part of the resources' ids"));
        let origins = match errs.take(fields.req_list_string("origins")) {
            Some(Input {
                known: Some(items), ..
            }) if items.is_empty() => {
                errs.push(
                    fields
                        .error("origins", "`origins` is empty")
                        .hint("list at least one host, e.g. [module.app.default_hostname]"),
                );
                None
            }
            Some(Input {
                known: Some(items), ..
            }) => Some(items),
            Some(_) => {
                errs.push(
                    fields
                        .error(
                            "origins",
                            "`origins` must be known at plan time as a list (each origin is a resource)",
                        )
                        .hint("write the list literally; its entries may come from other modules"),
                );
                None
            }
            None => None,
        };
        let waf_mode = errs.take(crate::common::choice(
            &fields,
            "waf_mode",
            &["Prevention", "Detection"],
            "Prevention",
        ));
        let probe_path = errs
            .take(fields.string_or("health_probe_path", "/"))
            .and_then(|p| {
                if p.known.as_deref().is_some_and(|s| !s.starts_with('/')) {
                    errs.push(
                        fields
                            .error("health_probe_path", "the probe path must start with `/`")
                            .hint("for example \"/healthz\""),
                    );
                    return None;
                }
                Some(p.value)
            });
        let (Some(kind), Some(place), Some(name), Some(origins), Some(waf_mode), Some(probe_path)) =
            (kind, place, name, origins, waf_mode, probe_path)
        else {
            return Err(errs.finish().err().unwrap_or_default());
        };
        let edge = Edge {
            ctx,
            fields,
            place,
            name,
            origins,
            profile: Profile::of(ctx),
            waf_mode,
            probe_path,
        };
        let built = match kind.as_str() {
            "application_gateway" => app_gateway::expand(&edge, &mut errs),
            _ => front_door::expand(&edge, &mut errs),
        };
        errs.finish()?;
        let Some((resources, produced)) = built else {
            return Err(Vec::new());
        };
        let mut outputs: BTreeMap<String, Value> = OUTPUTS
            .iter()
            .map(|o| (o.name.to_string(), Value::Null))
            .collect();
        outputs.extend(produced);
        Ok(Expansion {
            resources,
            outputs,
            diagnostics: None,
        })
    }
}

/// The standby estate's Front Door: the primary's (Front Door is global, and the primary's
/// block routes to the standby's origins), so no resources and the primary's outputs.
fn front_door_standby(ctx: &ModuleContext<'_>) -> Result<Expansion, Vec<InputError>> {
    crate::common::shared_with_primary(ctx, "kind", "shares the primary's Front Door")
}

/// `subnet`, read for an application gateway.
pub(crate) fn gateway_subnet(e: &Edge<'_>, errs: &mut Errors) -> Option<SubnetRef> {
    match errs.take(SubnetRef::read(&e.fields, "subnet")) {
        Some(Some(s)) => {
            for r in [
                s.require_role("app", "an application gateway"),
                s.require_no_delegation("an application gateway"),
            ] {
                if let Err(err) = r {
                    errs.push(err);
                }
            }
            Some(s)
        }
        Some(None) => {
            errs.push(
                e.fields
                    .error("subnet", "an application gateway needs a `subnet` of its own")
                    .hint("add a subnet for it to the networking module, e.g. `gateway = { address_prefix = … }`, and pass `module.network.subnets[\"gateway\"]`"),
            );
            None
        }
        None => None,
    }
}

#[cfg(test)]
mod tests;
