//! Microsoft.DBforPostgreSQL/flexibleServers.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{assemble, at, read_location, read_tags, render_doc, str_of, take_properties};
use super::super::unique::{Unavailable, taken_by};
use super::super::{Ctx, Target, TypeRules};
use super::{VERSIONS, accept_delete, accept_write, check_idle, replication, settings};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State};

pub(crate) const TYPE: &str = "Microsoft.DBforPostgreSQL/flexibleServers";

const VERSIONS_PG: &[&str] = &["11", "12", "13", "14", "15", "16", "17"];
const DEFAULT_VERSION: &str = "16";

const READ_ONLY: &[&str] = &[
    "fullyQualifiedDomainName",
    "state",
    "minorVersion",
    "replicaCapacity",
    "privateEndpointConnections",
    "provisioningState",
];

/// Whether `name` can be used for a new server, in the words of `checkNameAvailability`.
pub(crate) fn availability(state: &State, name: &str) -> Option<Unavailable> {
    if strata_azure::naming::rule_for(TYPE).check(name).is_err() {
        return Some(Unavailable::Invalid(format!(
            "The name '{name}' is not valid: server names are 3-63 lowercase letters, digits and hyphens, not starting \
             or ending with a hyphen."
        )));
    }
    state
        .named(TYPE, name)
        .next()
        .map(|_| Unavailable::Taken("Specified server name is already used.".to_string()))
}

pub(crate) struct Servers;

impl TypeRules for Servers {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let location = read_location(&body, true)?.unwrap_or_default();
        let tags = read_tags(&body)?;
        check_idle(ctx, &t.key, &t.name)?;
        let existing = ctx.state.resource(&t.key).cloned();
        match &existing {
            Some(_) => {}
            None => {
                if taken_by(ctx.state, TYPE, &t.name, &t.key).is_some() {
                    return Err(ArmError::new(
                        StatusCode::CONFLICT,
                        "ServerNameAlreadyExists",
                        "Specified server name is already used.",
                    )
                    .with_target(t.name.clone()));
                }
            }
        }
        let derived = match &existing {
            None => replication::derive(ctx, t, &location, &mut body)?,
            Some(_) => None,
        };
        let (sku_name, tier) = settings::sku(&body)?;
        let mut props = take_properties(&mut body)?;
        for k in READ_ONLY {
            props.remove(*k);
        }
        let promote = replication::take_promote(&mut props)?;
        let old_props = existing.as_ref().and_then(Resource::properties).cloned();
        let mut private = existing.as_ref().map(|e| e.private.clone()).unwrap_or_default();
        if let Some(password) = derived.as_ref().and_then(|d| d.password.clone()) {
            private.entry("administratorLoginPassword").or_insert(password);
        }
        settings::administrator(&mut props, &mut private, old_props.as_ref())?;
        let version = settings::one_of(str_of(&props, "version"), VERSIONS_PG, DEFAULT_VERSION, "version")?;
        let storage = settings::storage(&props)?;
        let backup = settings::backup(&props, old_props.as_ref(), ctx.now)?;
        let (ha, zone) = settings::high_availability(&props, tier, &sku_name)?;
        let mut network = settings::object(&props, "network");
        settings::check_network(ctx, t, &mut network)?;
        let mut auth = settings::object(&props, "authConfig");
        auth.entry("activeDirectoryAuth")
            .or_insert_with(|| json!("Disabled"));
        auth.entry("passwordAuth").or_insert_with(|| json!("Enabled"));

        let mut stored = Map::new();
        stored.insert(
            "fullyQualifiedDomainName".into(),
            json!(format!(
                "{}.postgres.database.azure.com",
                t.name.to_ascii_lowercase()
            )),
        );
        stored.insert("version".into(), json!(version));
        stored.insert("minorVersion".into(), json!("6"));
        stored.insert("replicationRole".into(), json!("Primary"));
        stored.insert("replicaCapacity".into(), json!(5));
        stored.insert("replica".into(), json!({"role": "Primary", "capacity": 5}));
        stored.insert("availabilityZone".into(), json!(zone));
        stored.insert("dataEncryption".into(), json!({"type": "SystemManaged"}));
        stored.insert(
            "maintenanceWindow".into(),
            json!({"customWindow": "Disabled", "dayOfWeek": 0, "startHour": 0, "startMinute": 0}),
        );
        for (k, v) in props {
            stored.insert(k, v);
        }
        stored.remove("createMode");
        stored.remove("pointInTimeUTC");
        if let Some(d) = &derived {
            replication::mark_new(&mut stored, d);
        }
        stored.insert("storage".into(), Value::Object(storage));
        stored.insert("backup".into(), Value::Object(backup));
        stored.insert("highAvailability".into(), Value::Object(ha));
        stored.insert("network".into(), Value::Object(network));
        stored.insert("authConfig".into(), Value::Object(auth));
        if let Some(old) = &old_props {
            replication::keep_and_promote(ctx, t, old, &mut stored, promote)?;
        } else if promote.is_some() {
            return Err(ArmError::bad_request(
                "ServerIsNotReplica",
                format!(
                    "Server '{}' does not exist yet: only an existing read replica can be promoted.",
                    t.name
                ),
            ));
        }
        stored.insert("provisioningState".into(), json!("Updating"));
        body.insert("sku".into(), json!({ "name": sku_name, "tier": tier }));
        let doc = assemble(body, Some(&location), tags, stored);
        let created = existing.is_none();
        let order = existing
            .as_ref()
            .map_or_else(|| ctx.state.next_order(), |e| e.order);
        ctx.state.put_resource(Resource {
            id: t.id.clone(),
            resource_type: TYPE.into(),
            body: doc,
            order,
            private,
            ..Resource::default()
        });
        if created && let Some(d) = &derived {
            replication::copy_databases(ctx, &d.source_id, &t.id);
        }
        Ok(accept_write(ctx, t, &location, created))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        super::super::web::patch(ctx, t, body, self)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        let Some(server) = ctx.state.resource(&t.key) else {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        };
        let location = server.location().unwrap_or(&t.group_location).to_string();
        check_idle(ctx, &t.key, &t.name)?;
        replication::release_replicas(ctx, &t.id);
        if let Some(s) = ctx.state.resource_mut(&t.key) {
            s.set_provisioning_state("Deleting");
        }
        Ok(accept_delete(ctx, t, &location))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        let mut out = render_doc(res);
        let provisioning = res.provisioning_state().to_string();
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            // The service reports `state`, not `provisioningState`.
            props.remove("provisioningState");
            let state = match provisioning.as_str() {
                "Succeeded" => "Ready",
                "Deleting" => "Dropping",
                _ => "Updating",
            };
            props.insert("state".into(), json!(state));
            let ha_state = match at(props, "/highAvailability/mode").and_then(Value::as_str) {
                Some("Disabled") | None => "NotEnabled",
                _ if state == "Ready" => "Healthy",
                _ => "CreatingStandby",
            };
            if let Some(Value::Object(ha)) = props.get_mut("highAvailability") {
                ha.insert("state".into(), json!(ha_state));
            }
        }
        Value::Object(out)
    }
}
