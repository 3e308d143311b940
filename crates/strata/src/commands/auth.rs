//! `strata auth status`: which credential would be used, for which tenant and subscription —
//! never a secret or a token.

use std::path::Path;

use anyhow::{Result, anyhow};

use crate::cli::AuthCommand;
use crate::session::{self, load_workspace};
use crate::style;

pub async fn run(dir: Option<&Path>, cmd: AuthCommand) -> Result<u8> {
    let AuthCommand::Status { env, check, json } = cmd;
    let ws = load_workspace(dir)?;
    let env = ws.environment(&env)?;
    let Some(endpoint) = session::endpoint_for(&env, false) else {
        println!(
            "{} targets the embedded emulator, which needs no credential.",
            env.name
        );
        return Ok(0);
    };
    if std::env::var(session::ENDPOINT_VAR).is_ok() && !session::endpoint_wants_auth() {
        println!(
            "{} goes to {endpoint} without a credential (no ARM_* credential variable is set).",
            env.name
        );
        return Ok(0);
    }
    let cred = session::credential(&endpoint).await?;
    let mut claims = None;
    if check {
        let token = cred
            .credential
            .token(&cred.cloud.arm_scope())
            .await
            .map_err(|e| anyhow!("the {} credential could not obtain a token: {e}", cred.info.kind))?;
        claims = strata_auth::TokenClaims::decode(token.token.expose());
    }
    if json {
        let v = serde_json::json!({
            "environment": env.name,
            "arm_endpoint": endpoint.as_str(),
            "authority_host": cred.cloud.authority_host.as_str(),
            "subscription_id": env.subscription_id,
            "credential": cred.info,
            "token": claims.as_ref().map(|c| serde_json::json!({
                "tenant_id": c.tenant_id, "client_id": c.client_id, "object_id": c.object_id,
                "audience": c.audience, "expires_on": c.expires_on.map(rfc3339),
            })),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(0);
    }
    println!("{}", style::bold(&format!("Environment {}", env.name)));
    println!("  ARM endpoint:    {endpoint}");
    println!("  authority:       {}", cred.cloud.authority_host);
    println!("  subscription:    {}", env.subscription_id);
    println!("  credential:      {}", cred.info.kind);
    println!(
        "  tenant:          {}",
        cred.info.tenant_id.as_deref().unwrap_or("(from the credential)")
    );
    println!(
        "  client id:       {}",
        cred.info.client_id.as_deref().unwrap_or("-")
    );
    if !cred.info.source.is_empty() {
        println!("  configured from: {}", cred.info.source.join(", "));
    }
    if let Some(c) = claims {
        println!(
            "  token:           {} (tenant {}, expires {})",
            style::green("obtained"),
            c.tenant_id.as_deref().unwrap_or("?"),
            c.expires_on.map_or_else(|| "?".into(), rfc3339)
        );
    } else if !check {
        println!(
            "  {}",
            style::dim("pass --check to obtain a token and prove the credential works")
        );
    }
    Ok(0)
}

fn rfc3339(t: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
