//! [`AzureCliCredential`]: the account the user signed in to with `az login`.
//!
//! Runs `az account get-access-token --resource {arm} --output json` and reads `accessToken`
//! and `expires_on` (seconds since the epoch; older CLIs only give `expiresOn`, a local time).

use std::ffi::OsString;
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use strata_arm::{AccessToken, ArmError, TokenCredential};
use strata_core::Secret;
use tokio::process::Command;

use crate::cache::TokenCache;
use crate::error::{AuthError, first_line};
use crate::http::text_field;

/// `az` can be slow (it may refresh its own tokens), but not this slow.
const CLI_TIMEOUT: Duration = Duration::from_secs(60);

/// Tokens from the Azure CLI.
#[derive(Debug)]
pub struct AzureCliCredential {
    program: OsString,
    tenant_id: Option<String>,
    cache: TokenCache,
}

impl AzureCliCredential {
    /// `program` is `az` (found on `PATH`) or a path to it; `tenant_id` asks the CLI for a
    /// token of that tenant rather than its default one.
    pub fn new(program: impl Into<OsString>, tenant_id: Option<String>) -> AzureCliCredential {
        AzureCliCredential {
            program: program.into(),
            tenant_id,
            cache: TokenCache::default(),
        }
    }

    async fn fetch(&self, scope: &str) -> Result<AccessToken, AuthError> {
        let resource = scope.strip_suffix("/.default").unwrap_or(scope);
        let mut command = Command::new(&self.program);
        command
            .args([
                "account",
                "get-access-token",
                "--output",
                "json",
                "--resource",
                resource,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(tenant) = &self.tenant_id {
            command.args(["--tenant", tenant]);
        }
        let program = self.program.to_string_lossy().into_owned();
        let output = match tokio::time::timeout(CLI_TIMEOUT, command.output()).await {
            Err(_) => {
                return Err(AuthError::AzureCli {
                    message: format!("`{program} account get-access-token` did not answer within a minute"),
                });
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(AuthError::AzureCli {
                    message: format!(
                        "`{program}` was not found; install the Azure CLI and run `az login`, \
                         or configure another credential (e.g. ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID)"
                    ),
                });
            }
            Ok(Err(e)) => {
                return Err(AuthError::AzureCli {
                    message: format!("cannot run `{program}`: {e}"),
                });
            }
            Ok(Ok(output)) => output,
        };
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let said = stderr
                .lines()
                .map(str::trim)
                .find(|l| l.starts_with("ERROR") || l.contains("az login"))
                .map_or_else(|| first_line(&stderr, 300), |l| first_line(l, 300));
            let hint = if stderr.contains("az login") {
                "; run `az login` (with --tenant if needed)"
            } else {
                ""
            };
            return Err(AuthError::AzureCli {
                message: format!(
                    "`{program} account get-access-token` failed ({}): {said}{hint}",
                    output.status
                ),
            });
        }
        parse_cli_token(&output.stdout)
    }
}

#[async_trait::async_trait]
impl TokenCredential for AzureCliCredential {
    async fn token(&self, scope: &str) -> Result<AccessToken, ArmError> {
        self.cache.get(scope, || self.fetch(scope)).await
    }
}

/// Reads the CLI's JSON answer.
pub(crate) fn parse_cli_token(stdout: &[u8]) -> Result<AccessToken, AuthError> {
    let invalid = |message: String| AuthError::AzureCli { message };
    let value: Value =
        serde_json::from_slice(stdout).map_err(|e| invalid(format!("its answer is not JSON ({e})")))?;
    let Some(map) = value.as_object() else {
        return Err(invalid("its answer is not a JSON object".into()));
    };
    let token =
        text_field(map, "accessToken").ok_or_else(|| invalid("its answer has no `accessToken`".into()))?;
    let expires_on = match text_field(map, "expires_on").and_then(|s| s.parse::<u64>().ok()) {
        Some(epoch) => SystemTime::UNIX_EPOCH + Duration::from_secs(epoch),
        None => {
            let local = text_field(map, "expiresOn")
                .ok_or_else(|| invalid("its answer has neither `expires_on` nor `expiresOn`".into()))?;
            parse_local_time(&local)
                .ok_or_else(|| invalid(format!("cannot read its `expiresOn` `{local}`")))?
        }
    };
    Ok(AccessToken::new(Secret::new(token), expires_on))
}

/// `2024-05-01 13:45:00.123456`, in the machine's time zone (what older CLIs print).
fn parse_local_time(text: &str) -> Option<SystemTime> {
    use chrono::{Local, NaiveDateTime, TimeZone};
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").ok()?;
    let local = Local.from_local_datetime(&naive).earliest()?;
    Some(SystemTime::from(local))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_answers() {
        let t = parse_cli_token(
            br#"{"accessToken":"tok","expiresOn":"2099-01-01 00:00:00.000000","expires_on":1700000000,
                 "subscription":"s","tenant":"t","tokenType":"Bearer"}"#,
        )
        .unwrap();
        assert_eq!(t.token.expose(), "tok");
        assert_eq!(
            t.expires_on,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
        );
        let t =
            parse_cli_token(br#"{"accessToken":"tok","expiresOn":"2099-01-01 00:00:00.000000"}"#).unwrap();
        assert!(t.expires_on > SystemTime::now() + Duration::from_secs(365 * 24 * 3600));
        for bad in [
            &b"not json"[..],
            br#"{"expiresOn":"x"}"#,
            br#"{"accessToken":"a","expiresOn":"soon"}"#,
        ] {
            let err = parse_cli_token(bad).unwrap_err().to_string();
            assert!(
                err.starts_with("the Azure CLI could not provide a token"),
                "{err}"
            );
        }
    }
}
