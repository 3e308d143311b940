//! Before planning against Azure (or an ARM endpoint with a credential): prove the credential
//! works and can see the environment's subscription, so a bad login fails at once with a
//! clear message, before any state is written.

use anyhow::{Result, anyhow};
use strata_arm::{ArmClient, ArmErrorKind};
use strata_config::Environment;

use crate::style;

/// The api-version of `GET /subscriptions/{id}`.
pub const SUBSCRIPTIONS_API: &str = "2022-12-01";

/// Gets a token and reads the environment's subscription; an error says what to check.
pub async fn check_subscription(arm: &ArmClient, env: &Environment) -> Result<()> {
    let sub = env.subscription_id.trim();
    if sub.is_empty() {
        return Ok(());
    }
    let id = format!("/subscriptions/{sub}");
    let hint = style::hint_label();
    match arm.get(&id, SUBSCRIPTIONS_API).await {
        Ok(Some(doc)) => {
            let state = doc.get("state").and_then(|s| s.as_str()).unwrap_or("Enabled");
            if matches!(state, "Enabled" | "PastDue" | "Warned") {
                Ok(())
            } else {
                Err(anyhow!(
                    "subscription {sub} of {} is {state}; nothing can be deployed to it\n  {hint} choose another subscription_id in envs/{}.hcl, or re-enable it",
                    env.name,
                    env.name
                ))
            }
        }
        Ok(None) => Err(anyhow!(
            "subscription {sub} of {} was not found with this credential\n  {hint} check subscription_id in envs/{}.hcl and that the credential has a role on it (`strata auth status -e {} --check`)",
            env.name,
            env.name,
            env.name
        )),
        Err(e) if matches!(e.kind(), ArmErrorKind::Auth) || matches!(e.status(), Some(401 | 403 | 404)) => {
            Err(anyhow!(
                "the credential cannot use subscription {sub} of {}: {e}\n  {hint} `strata auth status -e {} --check` shows which credential strata uses; it needs a role on the subscription (Reader at least to plan)",
                env.name,
                env.name
            ))
        }
        Err(e) => Err(anyhow!(
            "cannot read subscription {sub} of {} before planning: {e}",
            env.name
        )),
    }
}
