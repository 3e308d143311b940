//! The identity endpoint: a token for each grant (client secret, certificate assertion,
//! federated token, managed identity), and Entra's refusals.

use std::path::PathBuf;

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::Method;
use serde_json::{Value, json};
use strata_emulator::{
    AuthConfig, EMULATOR_TENANT_ID, EmulatorConfig, SYSTEM_IDENTITY_CLIENT_ID, TestClient,
};

use crate::support::{Emu, Resp, SUB, SUB2};
use crate::wire::{Body, claims};

pub const TENANT: &str = EMULATOR_TENANT_ID;
pub const OTHER_TENANT: &str = "33333333-4444-5555-6666-777777777777";
pub const SECRET: &str = "s3cret-VALUE-42";
pub const NARROW_SECRET: &str = "narrow-secret";
pub const SUBJECT: &str = "repo:org/infra:ref:refs/heads/main";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Every kind of client, one restricted to `SUB2`.
pub fn auth_config() -> AuthConfig {
    let cert = fixture("client.pem");
    AuthConfig {
        other_tenants: vec![OTHER_TENANT.into()],
        clients: vec![
            TestClient::parse_secret(&format!("app-secret:{SECRET}")).unwrap(),
            TestClient::parse_secret(&format!("app-narrow:{NARROW_SECRET}:{SUB2}")).unwrap(),
            TestClient::parse_certificate(&format!("app-cert:{}", cert.display())).unwrap(),
            TestClient::parse_federated(&format!("app-fed:{SUBJECT}")).unwrap(),
            TestClient::parse_managed_identity("system").unwrap(),
            TestClient::parse_managed_identity("uami-1").unwrap(),
        ],
        ..AuthConfig::default()
    }
}

pub async fn start_auth(auth: AuthConfig) -> Emu {
    Emu::start_with(EmulatorConfig {
        latency: strata_emulator::Latency::none(),
        auth: Some(auth),
        ..EmulatorConfig::default()
    })
    .await
}

impl Emu {
    /// A client-secret token for `client` in `tenant`.
    pub async fn secret_token(&self, tenant: &str, client: &str, secret: &str) -> String {
        let scope = self.scope();
        let r = self
            .token_request(
                tenant,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", client),
                    ("client_secret", secret),
                    ("scope", &scope),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "{r:?}");
        r.body["access_token"].as_str().unwrap().to_string()
    }

    /// A federated token from the emulator's OIDC issuer.
    pub async fn federated_token(&self, body: Value) -> Resp {
        self.send(Method::POST, "/_emulator/oidc/token", &[], Body::Json(body))
            .await
            .unwrap()
    }

    async fn assertion_request(&self, client: &str, assertion: &str) -> Resp {
        let scope = self.scope();
        self.token_request(
            TENANT,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", client),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", assertion),
                ("scope", &scope),
            ],
        )
        .await
    }

    async fn can_list_groups(&self, token: &str) {
        let r = self
            .arm(
                Method::GET,
                &format!("/subscriptions/{SUB}/resourcegroups?api-version=2024-11-01"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{r:?}");
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A certificate client assertion signed with the key in `pem`, as MSAL builds it.
fn assertion(pem: &str, client: &str, audience: &str, exp_from_now: i64) -> String {
    let text = std::fs::read_to_string(fixture(pem)).unwrap();
    let block = |label: &str| -> Vec<u8> {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let start = text.find(&begin).unwrap() + begin.len();
        let stop = text.find(&end).unwrap();
        STANDARD
            .decode(text[start..stop].split_whitespace().collect::<String>())
            .unwrap()
    };
    let certificate = block("CERTIFICATE");
    let key = RsaKeyPair::from_pkcs8(&block("PRIVATE KEY")).unwrap();
    let x5t = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &certificate));
    let header = json!({"alg": "RS256", "typ": "JWT", "x5t": x5t});
    let now = now();
    let body = json!({"aud": audience, "iss": client, "sub": client, "jti": uuid::Uuid::new_v4().to_string(),
        "iat": now, "nbf": now, "exp": now + exp_from_now});
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(body.to_string())
    );
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        signed.as_bytes(),
        &mut signature,
    )
    .unwrap();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
}

#[tokio::test]
async fn client_secret_tokens_are_signed_jwts_for_arm() {
    let emu = start_auth(auth_config()).await;
    let scope = emu.scope();
    let r = emu
        .token_request(
            TENANT,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "app-secret"),
                ("client_secret", SECRET),
                ("scope", &scope),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(
        (r.body["expires_in"].as_u64(), r.body["ext_expires_in"].as_u64()),
        (Some(3600), Some(3600))
    );
    let token = r.body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    let c = claims(token);
    assert_eq!(c["aud"], emu.base);
    assert_eq!(
        (c["tid"].as_str(), c["appid"].as_str()),
        (Some(TENANT), Some("app-secret"))
    );
    assert!(uuid::Uuid::parse_str(c["oid"].as_str().unwrap()).is_ok());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 3600);
    assert!(c["nbf"].as_i64().unwrap() <= now());
    emu.can_list_groups(token).await;
    // Tokens differ at each request.
    assert_ne!(emu.secret_token(TENANT, "app-secret", SECRET).await, token);
    emu.stop().await;
}

#[tokio::test]
async fn certificate_assertions_are_verified() {
    let emu = start_auth(auth_config()).await;
    let audience = format!("{}/{TENANT}/oauth2/v2.0/token", emu.base);
    let r = emu
        .assertion_request("app-cert", &assertion("client.pem", "app-cert", &audience, 600))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let token = r.body["access_token"].as_str().unwrap();
    assert_eq!(claims(token)["appid"], "app-cert");
    emu.can_list_groups(token).await;

    let refusal = |r: &Resp| {
        (
            r.status,
            r.body["error"].as_str().map(str::to_string),
            r.body["error_codes"][0].as_u64(),
        )
    };
    // Signed by a key the application does not have.
    let r = emu
        .assertion_request("app-cert", &assertion("other.pem", "app-cert", &audience, 600))
        .await;
    assert_eq!(
        refusal(&r),
        (401, Some("invalid_client".into()), Some(700_027)),
        "{r:?}"
    );
    // For another token endpoint.
    let elsewhere = "https://login.microsoftonline.com/t/oauth2/v2.0/token";
    let r = emu
        .assertion_request("app-cert", &assertion("client.pem", "app-cert", elsewhere, 600))
        .await;
    assert_eq!(
        refusal(&r),
        (401, Some("invalid_client".into()), Some(700_023)),
        "{r:?}"
    );
    // Expired.
    let r = emu
        .assertion_request("app-cert", &assertion("client.pem", "app-cert", &audience, -10))
        .await;
    assert_eq!(
        refusal(&r),
        (401, Some("invalid_client".into()), Some(700_024)),
        "{r:?}"
    );
    // Issued for another application.
    let r = emu
        .assertion_request("app-cert", &assertion("client.pem", "someone", &audience, 600))
        .await;
    assert_eq!(
        refusal(&r),
        (401, Some("invalid_client".into()), Some(700_021)),
        "{r:?}"
    );
    // Not a JWT at all.
    let r = emu.assertion_request("app-cert", "not-a-jwt").await;
    assert_eq!(
        refusal(&r),
        (400, Some("invalid_request".into()), Some(50_027)),
        "{r:?}"
    );
    emu.stop().await;
}

#[tokio::test]
async fn federated_tokens_from_the_test_issuer() {
    let emu = start_auth(auth_config()).await;
    let minted = emu.federated_token(json!({"subject": SUBJECT})).await;
    assert_eq!(minted.status, 200, "{minted:?}");
    assert_eq!(minted.body["issuer"], format!("{}/_emulator/oidc", emu.base));
    assert_eq!(minted.body["audience"], "api://AzureADTokenExchange");
    let federated = minted.body["token"].as_str().unwrap();
    assert_eq!(claims(federated)["sub"], SUBJECT);
    let r = emu.assertion_request("app-fed", federated).await;
    assert_eq!(r.status, 200, "{r:?}");
    emu.can_list_groups(r.body["access_token"].as_str().unwrap())
        .await;
    // The handle mints them too, for tests that set ARM_OIDC_TOKEN.
    let direct = emu
        .handle
        .federated_token(SUBJECT, std::time::Duration::from_secs(60))
        .unwrap();
    assert_eq!(emu.assertion_request("app-fed", &direct).await.status, 200);

    // The CI-style endpoints: GitHub Actions (GET, `value`) and Azure DevOps (POST, `oidcToken`).
    let github = format!(
        "/_emulator/oidc/github?subject={}&audience=api://AzureADTokenExchange",
        urlencode(SUBJECT)
    );
    let r = emu
        .send(
            Method::GET,
            &github,
            &[("authorization", "Bearer request-token")],
            Body::None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    let r = emu
        .assertion_request("app-fed", r.body["value"].as_str().unwrap())
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = emu.send(Method::GET, &github, &[], Body::None).await.unwrap();
    assert_eq!(r.status, 401, "a CI token request needs its bearer token");
    let ado = format!(
        "/_emulator/oidc/ado?api-version=7.1&serviceConnectionId=c1&subject={}",
        urlencode(SUBJECT)
    );
    let r = emu
        .send(
            Method::POST,
            &ado,
            &[("authorization", "Bearer system-token")],
            Body::None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    let r = emu
        .assertion_request("app-fed", r.body["oidcToken"].as_str().unwrap())
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    let code = |r: &Resp| r.body["error_codes"][0].as_u64().unwrap_or_default();
    // Another subject, another audience, an expired token, a token the issuer did not sign.
    let other = emu
        .federated_token(json!({"subject": "repo:org/other:ref:refs/heads/main"}))
        .await;
    let r = emu
        .assertion_request("app-fed", other.body["token"].as_str().unwrap())
        .await;
    assert_eq!((r.status, code(&r)), (400, 70_021), "{r:?}");
    assert!(
        r.body["error_description"]
            .as_str()
            .unwrap()
            .contains("repo:org/other"),
        "{r:?}"
    );
    let wrong = emu
        .federated_token(json!({"subject": SUBJECT, "audience": "api://elsewhere"}))
        .await;
    let r = emu
        .assertion_request("app-fed", wrong.body["token"].as_str().unwrap())
        .await;
    assert_eq!((r.status, code(&r)), (400, 700_212), "{r:?}");
    let expired = emu
        .federated_token(json!({"subject": SUBJECT, "lifetime": 0}))
        .await;
    let r = emu
        .assertion_request("app-fed", expired.body["token"].as_str().unwrap())
        .await;
    assert_eq!((r.status, code(&r)), (401, 700_024), "{r:?}");
    let token = federated.to_string();
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[2] = "AAAA";
    let r = emu.assertion_request("app-fed", &parts.join(".")).await;
    assert_eq!((r.status, code(&r)), (400, 700_211), "{r:?}");
    let r = emu.federated_token(json!({"audience": "x"})).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (400, Some("InvalidRequest"))
    );
    emu.stop().await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn managed_identities_from_the_metadata_endpoint() {
    let emu = start_auth(auth_config()).await;
    let imds = |extra: &str| {
        format!(
            "/metadata/identity/oauth2/token?api-version=2018-02-01&resource={}{extra}",
            urlencode(&emu.base)
        )
    };
    let r = emu
        .send(Method::GET, &imds(""), &[("metadata", "true")], Body::None)
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    // The metadata service writes numbers as strings.
    assert_eq!(r.body["expires_in"], "3600");
    assert_eq!(r.body["client_id"], SYSTEM_IDENTITY_CLIENT_ID);
    assert_eq!(r.body["resource"], emu.base);
    let token = r.body["access_token"].as_str().unwrap();
    assert_eq!(claims(token)["appid"], SYSTEM_IDENTITY_CLIENT_ID);
    emu.can_list_groups(token).await;
    let r = emu
        .send(
            Method::GET,
            &imds("&client_id=uami-1"),
            &[("metadata", "true")],
            Body::None,
        )
        .await
        .unwrap();
    assert_eq!(
        (
            r.status,
            claims(r.body["access_token"].as_str().unwrap())["appid"].as_str()
        ),
        (200, Some("uami-1"))
    );

    let description = |r: &Resp| {
        r.body["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let r = emu.send(Method::GET, &imds(""), &[], Body::None).await.unwrap();
    assert_eq!(
        (r.status, description(&r).as_str()),
        (400, "Required metadata header not specified")
    );
    let r = emu
        .send(
            Method::GET,
            &imds("&client_id=nobody"),
            &[("metadata", "true")],
            Body::None,
        )
        .await
        .unwrap();
    assert_eq!((r.status, description(&r).as_str()), (400, "Identity not found"));
    // An application is not a managed identity.
    let r = emu
        .send(
            Method::GET,
            &imds("&client_id=app-secret"),
            &[("metadata", "true")],
            Body::None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    emu.stop().await;
}

#[tokio::test]
async fn token_endpoint_refusals_look_like_entra() {
    let emu = start_auth(auth_config()).await;
    let scope = emu.scope();
    let form = |client: &str, secret: &str| -> Vec<(String, String)> {
        vec![
            ("grant_type".into(), "client_credentials".into()),
            ("client_id".into(), client.into()),
            ("client_secret".into(), secret.into()),
            ("scope".into(), scope.clone()),
        ]
    };
    let ask = |tenant: &str, pairs: Vec<(String, String)>| {
        let emu = &emu;
        let tenant = tenant.to_string();
        async move {
            let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            emu.token_request(&tenant, &borrowed).await
        }
    };
    let expect = |r: &Resp, status: u16, error: &str, code: u64| {
        assert_eq!(r.status, status, "{r:?}");
        assert_eq!(r.body["error"], error, "{r:?}");
        assert_eq!(r.body["error_codes"], json!([code]), "{r:?}");
        let description = r.body["error_description"].as_str().unwrap();
        assert!(
            description.starts_with(&format!("AADSTS{code}: ")),
            "{description}"
        );
        assert!(description.contains("Correlation ID: "), "{description}");
        assert!(
            r.body["correlation_id"]
                .as_str()
                .is_some_and(|c| uuid::Uuid::parse_str(c).is_ok())
        );
        assert!(!r.body.to_string().contains("wrong-secret"), "a secret in {r:?}");
    };
    let r = ask("nowhere", form("app-secret", SECRET)).await;
    expect(&r, 400, "invalid_request", 90_002);
    assert!(
        r.body["error_description"]
            .as_str()
            .unwrap()
            .contains("Tenant 'nowhere' not found")
    );
    expect(
        &ask(TENANT, form("app-secret", "wrong-secret")).await,
        401,
        "invalid_client",
        7_000_215,
    );
    expect(
        &ask(TENANT, form("ghost", SECRET)).await,
        400,
        "unauthorized_client",
        700_016,
    );
    // A federated-only application has no secret to match.
    expect(
        &ask(TENANT, form("app-fed", "wrong-secret")).await,
        401,
        "invalid_client",
        7_000_215,
    );
    let mut no_scope = form("app-secret", SECRET);
    no_scope.pop();
    expect(&ask(TENANT, no_scope).await, 400, "invalid_request", 900_144);
    let mut bad_scope = form("app-secret", SECRET);
    bad_scope[3].1 = "https://management.azure.com/user_impersonation".into();
    expect(&ask(TENANT, bad_scope).await, 400, "invalid_scope", 1_002_012);
    let mut grant = form("app-secret", SECRET);
    grant[0].1 = "password".into();
    expect(&ask(TENANT, grant).await, 400, "unsupported_grant_type", 70_003);
    let mut no_credential = form("app-secret", SECRET);
    no_credential.remove(2);
    expect(
        &ask(TENANT, no_credential).await,
        401,
        "invalid_client",
        7_000_218,
    );
    // The client's correlation id comes back.
    let correlation = "0d1e2f30-1111-2222-3333-444455556666";
    let r = emu
        .send(
            Method::POST,
            "/nowhere/oauth2/v2.0/token",
            &[("client-request-id", correlation)],
            Body::Form(form("app-secret", SECRET)),
        )
        .await
        .unwrap();
    assert_eq!(r.body["correlation_id"], correlation);
    // Another known tenant issues tokens too (ARM refuses them: see the ARM tests).
    assert_eq!(
        claims(&emu.secret_token(OTHER_TENANT, "app-secret", SECRET).await)["tid"],
        OTHER_TENANT
    );
    let stats = emu.stats().await;
    assert!(stats["auth"]["tokens_refused"].as_u64().unwrap() >= 9, "{stats}");
    emu.stop().await;
}

#[tokio::test]
async fn without_auth_the_identity_endpoint_is_off() {
    let emu = Emu::start(strata_emulator::Latency::none()).await;
    let r = emu
        .token_request(TENANT, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(r.status, 404, "{r:?}");
    assert!(r.message().contains("--auth"), "{r:?}");
    let r = emu.federated_token(json!({"subject": "x"})).await;
    assert_eq!(r.status, 404, "{r:?}");
    assert!(
        emu.handle
            .federated_token("x", std::time::Duration::from_secs(60))
            .is_none()
    );
    // ARM needs no token then.
    let r = emu
        .arm(
            Method::GET,
            &format!("/subscriptions/{SUB}/resourcegroups?api-version=2024-11-01"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    // The cloud metadata names the emulator as ARM and authority.
    let r = emu
        .send(
            Method::GET,
            "/metadata/endpoints?api-version=2022-09-01",
            &[],
            Body::None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    // At 2022-09-01 it is one cloud object, as ARM's.
    assert_eq!(r.body["resourceManager"], format!("{}/", emu.base));
    assert_eq!(
        r.body["authentication"]["loginEndpoint"],
        format!("{}/", emu.base)
    );
    emu.stop().await;
}
