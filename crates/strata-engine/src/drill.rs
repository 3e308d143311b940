//! A drill that changes nothing the environment runs on (`strata dr drill` against Azure):
//! the primary's databases geo-restored as copies into a resource group of the drill's own in
//! the secondary region, checked, and deleted with the group. What each request is comes from
//! strata-azure's `behaviour::drill`; this module names no type. The caller adds the checks
//! that are not ARM's (the standby's app answering) and measures.

use strata_azure::behaviour::drill;
use strata_azure::behaviour::failover::{self, Part};
use strata_state::State;

use crate::arm::Arm;
use crate::runbook::{ArmCall, Step, StepAction};

/// The drill's resource group and its steps: remove what an earlier drill left, create the
/// copies, check them. The group's deletion is [`teardown`], run whatever happened.
pub fn copy_steps(
    primary: &State,
    subscription: &str,
    environment: &str,
    location: &str,
    point: &str,
) -> (String, Vec<Step>) {
    let group = drill::group_id(subscription, environment);
    let servers: Vec<String> = primary
        .resources
        .values()
        .filter(|r| failover::part(&r.resource_type) == Some(Part::Database))
        .map(|r| r.id.to_string())
        .collect();
    let mut steps = vec![Step {
        id: "clear".into(),
        title: "remove what an earlier drill left (its resource group)".into(),
        action: StepAction::Arm(ArmCall::Delete {
            id: group.clone(),
            api_version: drill::GROUP_API_VERSION.into(),
        }),
        documented: None,
    }];
    let mut restored = Vec::new();
    for req in drill::copy_requests(&group, location, environment, &servers, point) {
        if req.restores {
            restored.push(req.id.clone());
        }
        steps.push(Step {
            id: req.key,
            title: req.title,
            action: StepAction::Arm(ArmCall::Put {
                id: req.id,
                api_version: req.api_version.into(),
                body: req.body,
            }),
            documented: req.restores.then(|| failover::geo_restore_figure().into()),
        });
    }
    for id in restored {
        let name = id.rsplit('/').next().unwrap_or_default().to_string();
        steps.push(Step {
            id: format!("check {name}"),
            title: format!("check that {name} is ready with the restored data"),
            action: StepAction::Arm(ArmCall::Ready {
                id,
                api_version: drill::SERVER_API_VERSION.into(),
            }),
            documented: None,
        });
    }
    (group, steps)
}

/// The step that deletes the drill's resource group and everything in it.
pub fn teardown(group: &str) -> Step {
    Step {
        id: "tear down".into(),
        title: "delete the drill's resource group and the copies in it".into(),
        action: StepAction::Arm(ArmCall::Delete {
            id: group.to_string(),
            api_version: drill::GROUP_API_VERSION.into(),
        }),
        documented: None,
    }
}

/// Whether `id` reads as ready (a restored server taking connections).
pub async fn ready(arm: &dyn Arm, id: &str, api_version: &str) -> Result<String, String> {
    match arm.get(id, api_version).await {
        Ok(Some(doc)) if drill::server_ready(&doc) => Ok("ready".into()),
        Ok(Some(_)) => Err(format!("{id} is not ready")),
        Ok(None) => Err(format!("{id} does not exist")),
        Err(e) => Err(e.to_string()),
    }
}
