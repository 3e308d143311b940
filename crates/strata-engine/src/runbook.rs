//! Disaster recovery's runbook: the steps that move an environment with a warm standby from
//! its primary estate to its standby (failover) and back (failback), worked out from the two
//! estates' states and what Azure answers now, so that a runbook started again after an
//! interruption picks up where it stopped.
//!
//! - [`plan`] reads the live documents it needs and returns the [`Step`]s still to do, each
//!   with the duration Azure documents for it ([`Documented`]). What a step does to a type is
//!   strata-azure's [`failover`] knowledge; this module names no type.
//! - [`execute`] carries out one ARM step. Steps that need a whole run (applying an estate),
//!   an outside check (the app answering through Front Door) or a state write (which estate
//!   serves) are the caller's: [`StepAction::ApplyEstate`], [`StepAction::CheckHealth`],
//!   [`StepAction::Record`].
//!
//! Failover, unplanned (the primary's region does not answer): promote each replica to a
//! standalone server (forced), fail each geo-replicated storage account over (it becomes
//! locally redundant in the secondary region), give the standby's Front Door origins the first
//! priority, record that the standby serves, apply the standby estate, check the app. Planned
//! (both regions answer): the replicas switch over (the old primaries become their replicas)
//! and storage fails over planned (it stays geo-redundant).
//!
//! Failback (the primary's region answers again): a primary server that is not a replica of
//! the serving one holds data from before the failover; it is deleted and created again as a
//! replica of the serving server, then switched over, so the serving server's data comes back
//! and the roles are as before. Storage gets its geo-redundancy back and fails over planned to
//! the primary region. Front Door's priorities go back, the primary serves again, and both
//! estates are applied (what a promotion does not carry over, such as high availability, comes
//! back with the primary's apply).

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use strata_azure::behaviour::failover::{self, Part};
use strata_azure::behaviour::regions::Figure;
use strata_core::EstateRole;
use strata_state::{ResourceState, State};

use crate::arm::Arm;

/// Which way the runbook goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Failover,
    Failback,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Failover => "failover",
            Direction::Failback => "failback",
        }
    }
}

/// The duration Azure documents for a step, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Documented {
    pub mechanism: String,
    pub seconds: u64,
    pub source: String,
}

impl From<Figure> for Documented {
    fn from(f: Figure) -> Documented {
        Documented {
            mechanism: f.mechanism.to_string(),
            seconds: f.rto_seconds,
            source: f.source.to_string(),
        }
    }
}

/// One request to ARM.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verb", rename_all = "lowercase")]
pub enum ArmCall {
    Patch {
        id: String,
        api_version: String,
        body: Json,
    },
    Put {
        id: String,
        api_version: String,
        body: Json,
    },
    Delete {
        id: String,
        api_version: String,
    },
    Post {
        id: String,
        api_version: String,
        action: String,
    },
    /// Read `id` and require it ready ([`crate::drill::ready`]).
    Ready {
        id: String,
        api_version: String,
    },
}

/// What a step does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepAction {
    Arm(ArmCall),
    /// Plan and apply an estate (the caller runs it): all of it, or only the modules in
    /// `only`, without reading the rest from ARM when `refresh` is off (the primary's Front
    /// Door while its region is out: Front Door is global).
    ApplyEstate {
        environment: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        only: Vec<String>,
        #[serde(default = "yes")]
        refresh: bool,
    },
    /// Check that the app answers through Front Door (the caller checks).
    CheckHealth,
    /// Record which estate serves (the caller writes it to the standby's state).
    Record {
        serving: EstateRole,
    },
}

fn yes() -> bool {
    true
}

/// One step of the runbook.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Stable across runs of the same runbook (`promote module.database.server`), so an
    /// interrupted runbook knows what it did.
    pub id: String,
    pub title: String,
    pub action: StepAction,
    pub documented: Option<Documented>,
}

/// What [`plan`] needs.
pub struct Inputs<'a> {
    pub direction: Direction,
    pub primary_env: &'a str,
    pub standby_env: &'a str,
    pub primary: &'a State,
    pub standby: &'a State,
    pub primary_location: &'a str,
    /// Both regions answer: switchovers and planned storage failovers.
    pub planned: bool,
    /// A cold strategy: the standby is built by the failover (its database geo-restored),
    /// and Front Door learns its origin from the primary's configuration.
    pub cold: bool,
    /// Ids of steps already done (an interrupted runbook resumed).
    pub done: &'a [String],
}

fn of_part(state: &State, part: Part) -> impl Iterator<Item = &ResourceState> {
    state
        .resources
        .values()
        .filter(move |r| failover::part(&r.resource_type) == Some(part))
}

async fn live(arm: &dyn Arm, id: &str, api_version: &str) -> Result<Option<Json>, String> {
    arm.get(id, api_version)
        .await
        .map_err(|e| format!("cannot read {id}: {e}"))
}

/// The steps still to do, in order.
pub async fn plan(arm: &dyn Arm, x: &Inputs<'_>) -> Result<Vec<Step>, String> {
    let mut steps = match x.direction {
        Direction::Failover => failover_steps(arm, x).await?,
        Direction::Failback => failback_steps(arm, x).await?,
    };
    let cold_failover = x.cold && x.direction == Direction::Failover;
    if !cold_failover {
        steps.extend(front_door_steps(x));
    }
    let (serving, apply): (EstateRole, Vec<&str>) = match x.direction {
        Direction::Failover => (EstateRole::Standby, vec![x.standby_env]),
        Direction::Failback => (EstateRole::Primary, vec![x.primary_env, x.standby_env]),
    };
    steps.push(Step {
        id: format!("record {}", serving.as_str()),
        title: format!("record that the {} estate serves", serving.as_str()),
        action: StepAction::Record { serving },
        documented: None,
    });
    for env in apply {
        let building = cold_failover && env == x.standby_env;
        steps.push(Step {
            id: format!("apply {env}"),
            title: if building {
                format!("build the estate {env} from code, its database geo-restored")
            } else {
                format!("apply the estate {env}")
            },
            action: StepAction::ApplyEstate {
                environment: env.to_string(),
                only: Vec::new(),
                refresh: true,
            },
            documented: building.then(|| failover::geo_restore_figure().into()),
        });
    }
    if cold_failover {
        // The primary's Front Door takes the new standby's app as its first origin: an apply
        // of the modules that hold the origins, from state (their region may be out; Front
        // Door is not).
        let mut only: Vec<String> = of_part(x.primary, Part::Origin)
            .filter_map(|o| o.addr.module.as_ref().map(|m| format!("module.{m}")))
            .collect();
        only.sort();
        only.dedup();
        if !only.is_empty() {
            steps.push(Step {
                id: format!("apply {} front door", x.primary_env),
                title: format!(
                    "give Front Door the standby's app first ({} of {})",
                    only.join(", "),
                    x.primary_env
                ),
                action: StepAction::ApplyEstate {
                    environment: x.primary_env.to_string(),
                    only,
                    refresh: false,
                },
                documented: Some(failover::FRONT_DOOR_PRIORITY.into()),
            });
        }
    }
    steps.push(Step {
        id: "check health".into(),
        title: "check that the app answers through Front Door".into(),
        action: StepAction::CheckHealth,
        documented: None,
    });
    steps.retain(|s| !x.done.contains(&s.id));
    Ok(steps)
}

async fn failover_steps(arm: &dyn Arm, x: &Inputs<'_>) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for r in of_part(x.standby, Part::Database) {
        let Some(doc) = live(arm, r.id.as_str(), &r.api_version).await? else {
            continue;
        };
        if !failover::is_replica(&doc) {
            continue; // promoted already
        }
        let how = if x.planned {
            "switch over to"
        } else {
            "promote (forced, standalone)"
        };
        steps.push(Step {
            id: format!("promote {}", r.addr),
            title: format!("{how} the read replica {} in {}", r.addr, x.standby_env),
            action: StepAction::Arm(ArmCall::Patch {
                id: r.id.to_string(),
                api_version: r.api_version.clone(),
                body: failover::promote_body(x.planned),
            }),
            documented: Some(failover::promote_figure().into()),
        });
    }
    for r in of_part(x.primary, Part::Storage) {
        let doc = live(arm, r.id.as_str(), &r.api_version).await?;
        let doc = doc.as_ref().unwrap_or(&r.attributes);
        let moved = failover::storage_primary_location(doc)
            .is_some_and(|l| !l.eq_ignore_ascii_case(x.primary_location));
        if moved || !failover::storage_is_geo(doc) {
            continue;
        }
        let kind = if x.planned { "planned" } else { "unplanned" };
        steps.push(Step {
            id: format!("fail over {}", r.addr),
            title: format!("fail the storage account {} over ({kind})", r.addr),
            action: StepAction::Arm(ArmCall::Post {
                id: r.id.to_string(),
                api_version: r.api_version.clone(),
                action: failover::storage_failover_action(x.planned).into(),
            }),
            documented: Some(failover::storage_failover_figure().into()),
        });
    }
    Ok(steps)
}

async fn failback_steps(arm: &dyn Arm, x: &Inputs<'_>) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for serving in of_part(x.standby, Part::Database) {
        let Some(p) = x.primary.resources.get(&serving.addr) else {
            continue;
        };
        let doc = live(arm, p.id.as_str(), &p.api_version).await?;
        let replica_of_serving = doc.as_ref().is_some_and(|d| {
            failover::is_replica(d)
                && failover::replica_source(d).is_some_and(|s| s.eq_ignore_ascii_case(serving.id.as_str()))
        });
        let replaced_already = doc.as_ref().is_some_and(|d| !failover::is_replica(d))
            && x.done.contains(&format!("switch back {}", p.addr));
        if replaced_already {
            continue;
        }
        if !replica_of_serving {
            if doc.is_some() {
                steps.push(Step {
                    id: format!("remove stale {}", p.addr),
                    title: format!(
                        "delete {} in {}: it holds the data from before the failover",
                        p.addr, x.primary_location
                    ),
                    action: StepAction::Arm(ArmCall::Delete {
                        id: p.id.to_string(),
                        api_version: p.api_version.clone(),
                    }),
                    documented: None,
                });
            }
            steps.push(Step {
                id: format!("reseed {}", p.addr),
                title: format!(
                    "create {} again in {} as a replica of the serving server",
                    p.addr, x.primary_location
                ),
                action: StepAction::Arm(ArmCall::Put {
                    id: p.id.to_string(),
                    api_version: p.api_version.clone(),
                    body: failover::replica_body(x.primary_location, serving.id.as_str(), &p.attributes),
                }),
                documented: Some(failover::promote_figure().into()),
            });
        }
        steps.push(Step {
            id: format!("switch back {}", p.addr),
            title: format!(
                "switch over to {} in {} (the standby becomes its replica again)",
                p.addr, x.primary_location
            ),
            action: StepAction::Arm(ArmCall::Patch {
                id: p.id.to_string(),
                api_version: p.api_version.clone(),
                body: failover::promote_body(true),
            }),
            documented: Some(failover::promote_figure().into()),
        });
    }
    for r in of_part(x.primary, Part::Storage) {
        let Some(doc) = live(arm, r.id.as_str(), &r.api_version).await? else {
            continue;
        };
        let wanted = failover::storage_sku(&r.attributes)
            .unwrap_or_default()
            .to_string();
        if !failover::storage_is_geo(&doc) && !wanted.is_empty() {
            steps.push(Step {
                id: format!("geo-redundancy {}", r.addr),
                title: format!("make the storage account {} {wanted} again", r.addr),
                action: StepAction::Arm(ArmCall::Patch {
                    id: r.id.to_string(),
                    api_version: r.api_version.clone(),
                    body: failover::restore_sku_body(&wanted),
                }),
                documented: None,
            });
        }
        let moved = failover::storage_primary_location(&doc)
            .is_some_and(|l| !l.eq_ignore_ascii_case(x.primary_location));
        if moved {
            steps.push(Step {
                id: format!("fail back {}", r.addr),
                title: format!(
                    "fail the storage account {} back to {} (planned)",
                    r.addr, x.primary_location
                ),
                action: StepAction::Arm(ArmCall::Post {
                    id: r.id.to_string(),
                    api_version: r.api_version.clone(),
                    action: failover::storage_failover_action(true).into(),
                }),
                documented: Some(failover::storage_failover_figure().into()),
            });
        }
    }
    Ok(steps)
}

/// Front Door's origins: the serving estate's app first.
fn front_door_steps(x: &Inputs<'_>) -> Vec<Step> {
    let standby_hosts: Vec<String> = of_part(x.standby, Part::Site)
        .filter_map(|r| failover::site_host(&r.attributes).map(str::to_ascii_lowercase))
        .collect();
    let mut steps = Vec::new();
    for o in of_part(x.primary, Part::Origin) {
        let Some(host) = failover::origin_host(&o.attributes) else {
            continue;
        };
        let in_standby = standby_hosts.contains(&host.to_ascii_lowercase());
        let first = match x.direction {
            Direction::Failover => in_standby,
            Direction::Failback => !in_standby,
        };
        let priority = if first { 1 } else { 2 };
        steps.push(Step {
            id: format!("priority {} {}", o.addr, x.direction.as_str()),
            title: format!("give the origin {host} priority {priority}"),
            action: StepAction::Arm(ArmCall::Patch {
                id: o.id.to_string(),
                api_version: o.api_version.clone(),
                body: failover::priority_body(priority),
            }),
            documented: Some(failover::FRONT_DOOR_PRIORITY.into()),
        });
    }
    steps
}

/// Carries out an ARM step; a one-line account of what Azure answered.
pub async fn execute(arm: &dyn Arm, call: &ArmCall) -> Result<String, String> {
    match call {
        ArmCall::Patch {
            id,
            api_version,
            body,
        } => arm
            .patch(id, api_version, body)
            .await
            .map(|doc| summary(&doc))
            .map_err(|e| e.to_string()),
        ArmCall::Put {
            id,
            api_version,
            body,
        } => arm
            .put(id, api_version, body)
            .await
            .map(|doc| summary(&doc))
            .map_err(|e| e.to_string()),
        ArmCall::Delete { id, api_version } => arm
            .delete(id, api_version)
            .await
            .map(|()| "deleted".to_string())
            .map_err(|e| e.to_string()),
        ArmCall::Ready { id, api_version } => crate::drill::ready(arm, id, api_version).await,
        ArmCall::Post {
            id,
            api_version,
            action,
        } => arm
            .post(id, action, api_version, None)
            .await
            .map(|_| "done".to_string())
            .map_err(|e| e.to_string()),
    }
}

fn summary(doc: &Json) -> String {
    let state = doc
        .get("properties")
        .and_then(|p| p.get("provisioningState").or_else(|| p.get("state")))
        .and_then(Json::as_str);
    match state {
        Some(s) => format!("provisioning state {s}"),
        None => "done".into(),
    }
}

/// Whether the primary estate's region answers: the first regional resource of `primary`
/// that is read tells (a 5xx or no answer means it is out). `None` when nothing could tell.
pub async fn primary_answers(arm: &dyn Arm, primary: &State) -> Option<bool> {
    let r = of_part(primary, Part::Database)
        .chain(of_part(primary, Part::Site))
        .next()?;
    match arm.get(r.id.as_str(), &r.api_version).await {
        Ok(_) => Some(true),
        Err(e) if e.status().is_some_and(|s| s >= 500) || e.status().is_none() => Some(false),
        Err(_) => Some(true),
    }
}
