//! The check a runbook ends with: the app answers through Front Door from the estate that
//! serves.

use strata_azure::behaviour::failover;
use strata_config::Environment;
use strata_state::State;

use crate::commands::estates;
use crate::session::{ArmTarget, Workspace};

/// The app answers through Front Door from `serving`'s estate: on the emulator, its routing
/// decision names an app of that estate; on Azure, the endpoint answers on the probe path.
pub(crate) async fn through_front_door(
    ws: &Workspace,
    primary: &Environment,
    serving: &Environment,
    target: &ArmTarget,
    emulator: bool,
) -> Result<String, String> {
    let primary_state = estates::read_state(ws, primary, emulator)
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_else(|| State::new(&primary.name));
    let serving_state = estates::read_state(ws, serving, emulator)
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_else(|| State::new(&serving.name));
    let hosts: Vec<String> = serving_state
        .resources
        .values()
        .filter(|r| failover::part(&r.resource_type) == Some(failover::Part::Site))
        .filter_map(|r| failover::site_host(&r.attributes).map(str::to_ascii_lowercase))
        .collect();
    let endpoint = primary_state
        .resources
        .values()
        .find_map(|r| failover::front_door_endpoint(&r.resource_type, r.id.as_str()).map(|e| (e, r)));
    let Some(((rg, profile, name), endpoint_res)) = endpoint else {
        return Ok("no Front Door in front of the app: nothing to check".into());
    };
    let probe = primary_state
        .resources
        .values()
        .find_map(|r| failover::probe_path(&r.attributes))
        .unwrap_or("/")
        .to_string();
    match crate::commands::dr_emulator::Control::of(target) {
        Some(control) => {
            let origin = control.route(&rg, &profile, &name, &probe).await?;
            if hosts.iter().any(|h| h.eq_ignore_ascii_case(&origin)) {
                Ok(format!(
                    "Front Door {name} sends {probe} to {origin} in {}",
                    serving.location
                ))
            } else {
                Err(format!(
                    "Front Door {name} sends {probe} to {origin}, not to the app of {} ({})",
                    serving.name,
                    hosts.join(", ")
                ))
            }
        }
        None => {
            let host = endpoint_res
                .attributes
                .get("properties")
                .and_then(|p| p.get("hostName"))
                .and_then(|h| h.as_str())
                .ok_or("the Front Door endpoint has no host name in state")?;
            let url = format!("https://{host}{probe}");
            let answer = reqwest::get(&url).await.map_err(|e| format!("{url}: {e}"))?;
            if answer.status().is_success() {
                Ok(format!("{url} answered {}", answer.status()))
            } else {
                Err(format!("{url} answered {}", answer.status()))
            }
        }
    }
}
