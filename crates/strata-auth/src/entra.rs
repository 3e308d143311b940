//! Microsoft Entra ID's token endpoint: the OAuth2 client-credentials grant
//! (`POST {authority}/{tenant}/oauth2/v2.0/token`) with a client secret or a client assertion
//! (a certificate-signed JWT, or a federated token from CI or Kubernetes).
//!
//! Refusals are turned into [`Rejection`]s whose hint names the variable to fix; the most
//! common `AADSTS` codes get a sentence of their own.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use strata_arm::AccessToken;
use strata_core::Secret;
use url::Url;

use crate::error::{AuthError, Rejection, first_line, scrub};
use crate::http::{self, json_object, text_field};

const SERVICE: &str = "Microsoft Entra ID";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The variables a credential was configured from, for hints.
#[derive(Clone, Debug)]
pub(crate) struct Names {
    pub(crate) client_id: String,
    pub(crate) tenant_id: String,
    /// What holds the secret, certificate or federated token.
    pub(crate) credential: String,
}

impl Names {
    pub(crate) fn new(client_id: &str, tenant_id: &str, credential: &str) -> Names {
        Names {
            client_id: client_id.to_string(),
            tenant_id: tenant_id.to_string(),
            credential: credential.to_string(),
        }
    }
}

/// How the application proves who it is.
pub(crate) enum ClientAuth<'a> {
    Secret(&'a Secret),
    /// A signed JWT: our own (certificate) or a federated identity provider's.
    Assertion(&'a Secret),
}

/// One application in one tenant, at one authority.
pub(crate) struct Entra {
    http: reqwest::Client,
    token_url: Url,
    tenant_id: String,
    client_id: String,
    names: Names,
}

impl Entra {
    pub(crate) fn new(
        authority: &Url,
        tenant_id: &str,
        client_id: &str,
        names: Names,
    ) -> Result<Entra, AuthError> {
        // The tenant becomes a path segment: anything but a GUID or a domain name is a mistake
        // (or an attempt to point the request elsewhere).
        if tenant_id.is_empty()
            || !tenant_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(AuthError::invalid(
                &names.tenant_id,
                "a tenant is a GUID or a domain name such as contoso.onmicrosoft.com",
            ));
        }
        if client_id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AuthError::invalid(
                &names.client_id,
                "a client id is the application's GUID",
            ));
        }
        let base = authority.as_str().trim_end_matches('/');
        let token_url = Url::parse(&format!("{base}/{tenant_id}/oauth2/v2.0/token"))
            .map_err(|e| AuthError::invalid("the authority host", e.to_string()))?;
        Ok(Entra {
            http: http::client_for(&token_url, Duration::from_secs(30), Duration::from_secs(10))?,
            token_url,
            tenant_id: tenant_id.to_string(),
            client_id: client_id.to_string(),
            names,
        })
    }

    /// The token endpoint, which is also the audience of a certificate's client assertion.
    pub(crate) fn token_url(&self) -> &Url {
        &self.token_url
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }

    pub(crate) fn names(&self) -> &Names {
        &self.names
    }

    /// A token for `scope` (`https://management.azure.com/.default`).
    pub(crate) async fn token(&self, scope: &str, auth: ClientAuth<'_>) -> Result<AccessToken, AuthError> {
        let (secret, body) = match auth {
            ClientAuth::Secret(secret) => (
                secret,
                http::form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", &self.client_id),
                    ("client_secret", secret.expose()),
                    ("scope", scope),
                ]),
            ),
            ClientAuth::Assertion(assertion) => (
                assertion,
                http::form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", &self.client_id),
                    ("client_assertion_type", ASSERTION_TYPE),
                    ("client_assertion", assertion.expose()),
                    ("scope", scope),
                ]),
            ),
        };
        let answer = http::send(SERVICE, &self.token_url, &[], || {
            self.http
                .post(self.token_url.clone())
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(ACCEPT, "application/json")
                .body(body.clone())
        })
        .await?;
        if (200..300).contains(&answer.status) {
            return http::token_answer(SERVICE, &answer.body);
        }
        Err(AuthError::Rejected(Box::new(self.rejection(
            answer.status,
            &answer.body,
            &[secret.expose()],
        ))))
    }

    fn rejection(&self, status: u16, body: &[u8], secrets: &[&str]) -> Rejection {
        let map = json_object(SERVICE, body).unwrap_or_default();
        let description = text_field(&map, "error_description").map(|d| first_line(&scrub(&d, secrets), 300));
        let aadsts = map
            .get("error_codes")
            .and_then(|c| c.as_array())
            .and_then(|c| c.first())
            .and_then(serde_json::Value::as_u64)
            .map(|n| format!("AADSTS{n}"))
            .or_else(|| description.as_deref().and_then(aadsts_in));
        let error = text_field(&map, "error");
        let hint = aadsts
            .as_deref()
            .and_then(|code| self.hint_for_code(code))
            .or_else(|| self.hint_for_error(error.as_deref()?));
        let description = description.or_else(|| {
            // Not an OAuth error body (a proxy's page?): show its start.
            let text = String::from_utf8_lossy(body);
            let line = first_line(&scrub(&text, secrets), 200);
            (!line.is_empty() && map.is_empty()).then_some(line)
        });
        Rejection {
            service: SERVICE,
            status,
            error,
            aadsts,
            description,
            correlation_id: text_field(&map, "correlation_id"),
            hint,
        }
    }

    fn hint_for_code(&self, code: &str) -> Option<String> {
        let Names {
            client_id: id_var,
            tenant_id: tenant_var,
            credential: cred_var,
        } = &self.names;
        let (client, tenant) = (&self.client_id, &self.tenant_id);
        let hint = match code {
            "AADSTS7000215" => format!(
                "the client secret is wrong or expired ({cred_var}); use the secret's value, not its id"
            ),
            "AADSTS7000222" => format!(
                "the client secret has expired ({cred_var}); create a new one for application '{client}'"
            ),
            "AADSTS700016" => format!(
                "no application with client id '{client}' exists in tenant '{tenant}' (check {id_var} and {tenant_var})"
            ),
            "AADSTS90002" | "AADSTS900023" => {
                format!("tenant '{tenant}' was not found (check {tenant_var})")
            }
            "AADSTS700024" => format!(
                "the federated token is expired or not yet valid ({cred_var}); CI tokens live minutes, request it right before use"
            ),
            "AADSTS70021" | "AADSTS700211" | "AADSTS700212" | "AADSTS700213" => format!(
                "no federated credential of application '{client}' matches this token's issuer, subject and audience ({cred_var})"
            ),
            "AADSTS700027" => format!(
                "the certificate is not registered on application '{client}', or its key does not match ({cred_var})"
            ),
            "AADSTS500011" => format!(
                "the requested resource is unknown in tenant '{tenant}'; check ARM_ENVIRONMENT or the ARM endpoint"
            ),
            "AADSTS7000112" => format!("application '{client}' is disabled in tenant '{tenant}'"),
            "AADSTS53003" => "a conditional access policy blocked the sign-in".to_string(),
            _ => return None,
        };
        Some(hint)
    }

    fn hint_for_error(&self, error: &str) -> Option<String> {
        match error {
            "invalid_client" | "unauthorized_client" => Some(format!(
                "the application's credentials were refused (check {} and {})",
                self.names.client_id, self.names.credential
            )),
            "invalid_scope" => {
                Some("the requested scope is not valid for this tenant; check the ARM endpoint".into())
            }
            _ => None,
        }
    }
}

/// The first `AADSTS<digits>` in a text.
fn aadsts_in(text: &str) -> Option<String> {
    let at = text.find("AADSTS")?;
    let digits: String = text[at + 6..].chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then(|| format!("AADSTS{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entra() -> Entra {
        Entra::new(
            &"http://127.0.0.1:1/".parse().unwrap(),
            "tenant-1",
            "app-1",
            Names::new("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_CLIENT_SECRET"),
        )
        .unwrap()
    }

    #[test]
    fn token_url_and_validation() {
        assert_eq!(
            entra().token_url().as_str(),
            "http://127.0.0.1:1/tenant-1/oauth2/v2.0/token"
        );
        let names = Names::new("ARM_CLIENT_ID", "ARM_TENANT_ID", "X");
        let authority: Url = "https://login.microsoftonline.com".parse().unwrap();
        for bad in ["", "a/b", "x?y", "t#", "../t"] {
            let err = Entra::new(&authority, bad, "c", names.clone()).err().unwrap();
            assert!(err.to_string().starts_with("ARM_TENANT_ID is set"), "{err}");
        }
        assert!(Entra::new(&authority, "contoso.onmicrosoft.com", "c", names).is_ok());
    }

    #[test]
    fn rejections_explain_aadsts_codes_without_secrets() {
        let body = serde_json::json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided: sekrit-123.\r\nTrace ID: t\r\nCorrelation ID: c",
            "error_codes": [7000215],
            "correlation_id": "c-9",
        });
        let r = entra().rejection(401, body.to_string().as_bytes(), &["sekrit-123"]);
        assert_eq!(r.aadsts.as_deref(), Some("AADSTS7000215"));
        let text = r.to_string();
        assert!(
            text.contains("the client secret is wrong or expired (ARM_CLIENT_SECRET)"),
            "{text}"
        );
        assert!(!text.contains("sekrit-123"), "{text}");
        assert!(!text.contains("Trace ID"), "{text}");
        assert!(text.contains("correlation id c-9"), "{text}");

        let body =
            br#"{"error":"invalid_request","error_description":"AADSTS90002: Tenant 'nope' not found."}"#;
        let r = entra().rejection(400, body, &[]);
        assert_eq!(
            r.hint.as_deref(),
            Some("tenant 'tenant-1' was not found (check ARM_TENANT_ID)")
        );

        let r = entra().rejection(502, b"<html>bad gateway</html>", &[]);
        assert_eq!(r.description.as_deref(), Some("<html>bad gateway</html>"));
        assert_eq!(r.hint, None);
    }

    #[test]
    fn aadsts_extraction() {
        assert_eq!(aadsts_in("x AADSTS700016: y").as_deref(), Some("AADSTS700016"));
        assert_eq!(aadsts_in("AADSTS: y"), None);
        assert_eq!(aadsts_in("none"), None);
    }
}
