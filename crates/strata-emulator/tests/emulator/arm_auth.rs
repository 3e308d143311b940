//! ARM with authentication on: 401 for missing, malformed, expired, foreign-audience and
//! foreign-tenant tokens (with `WWW-Authenticate`), 403 `AuthorizationFailed` for a principal
//! without access to the subscription.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use strata_emulator::AuthConfig;

use crate::identity::{NARROW_SECRET, OTHER_TENANT, SECRET, TENANT, auth_config, start_auth};
use crate::support::{NET, RES, Resp, SUB, SUB2, net, rg};
use crate::wire::{Body, claims};

fn groups(sub: &str) -> String {
    format!("/subscriptions/{sub}/resourcegroups?api-version={RES}")
}

/// Status, code, and the `WWW-Authenticate` challenge.
fn refusal(r: &Resp) -> (u16, &str, Option<&str>) {
    (r.status, r.code(), r.header("www-authenticate"))
}

#[tokio::test]
async fn missing_and_malformed_tokens() {
    let emu = start_auth(auth_config()).await;
    let r = emu.arm(Method::GET, &groups(SUB), None, None).await;
    let (status, code, challenge) = refusal(&r);
    assert_eq!((status, code), (401, "AuthenticationFailed"), "{r:?}");
    assert_eq!(
        r.message(),
        "Authentication failed. The 'Authorization' header is missing."
    );
    let challenge = challenge.unwrap();
    assert!(
        challenge.starts_with(&format!(
            "Bearer authorization_uri=\"{}/{TENANT}\", error=\"invalid_token\"",
            emu.base
        )),
        "{challenge}"
    );
    assert!(r.header("x-ms-request-id").is_some(), "ids on refusals too");

    let basic = emu
        .send(
            Method::GET,
            &groups(SUB),
            &[("authorization", "Basic dXNlcjpwdw==")],
            Body::None,
        )
        .await
        .unwrap();
    assert_eq!(refusal(&basic).0, 401);
    assert_eq!(basic.code(), "AuthenticationFailedInvalidHeader", "{basic:?}");
    for bad in ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0."] {
        let r = emu.arm(Method::GET, &groups(SUB), Some(bad), None).await;
        assert_eq!(
            (r.status, r.code()),
            (401, "InvalidAuthenticationToken"),
            "{bad}: {r:?}"
        );
        assert_eq!(r.message(), "The access token is invalid.");
        assert!(r.header("www-authenticate").is_some());
    }
    // A token of another emulator (another signing key) is refused as well.
    let other = start_auth(auth_config()).await;
    let foreign = other.secret_token(TENANT, "app-secret", SECRET).await;
    let r = emu.arm(Method::GET, &groups(SUB), Some(&foreign), None).await;
    assert_eq!(r.code(), "InvalidAuthenticationToken", "{r:?}");
    other.stop().await;
    let stats = emu.stats().await;
    assert_eq!(stats["auth"]["unauthenticated"], 6, "{stats}");
    emu.stop().await;
}

#[tokio::test]
async fn expired_tokens() {
    // Tokens that expire as they are issued.
    let emu = start_auth(AuthConfig {
        token_lifetime: Duration::ZERO,
        ..auth_config()
    })
    .await;
    let token = emu.secret_token(TENANT, "app-secret", SECRET).await;
    let r = emu.arm(Method::GET, &groups(SUB), Some(&token), None).await;
    assert_eq!((r.status, r.code()), (401, "ExpiredAuthenticationToken"), "{r:?}");
    let message = r.message();
    assert!(
        message.starts_with("The access token expiry UTC time '"),
        "{message}"
    );
    assert!(
        message.contains("' is earlier than current UTC time '"),
        "{message}"
    );
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("error_description=\"The access token expiry")
    );
    emu.stop().await;
}

#[tokio::test]
async fn tokens_for_another_audience_or_tenant() {
    let emu = start_auth(auth_config()).await;
    let r = emu
        .token_request(
            TENANT,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "app-secret"),
                ("client_secret", SECRET),
                ("scope", "https://vault.azure.net/.default"),
            ],
        )
        .await;
    let vault = r.body["access_token"].as_str().unwrap();
    let r = emu.arm(Method::GET, &groups(SUB), Some(vault), None).await;
    assert_eq!(
        (r.status, r.code()),
        (401, "InvalidAuthenticationTokenAudience"),
        "{r:?}"
    );
    assert!(
        r.message().starts_with(
            "The access token has been obtained for wrong audience or resource 'https://vault.azure.net'. \
             It should exactly match with one of the allowed audiences "
        ),
        "{}",
        r.message()
    );
    assert!(
        r.message().contains(&format!("'{}/'", emu.base)),
        "{}",
        r.message()
    );

    // A token for the public cloud's ARM is fine: ARM accepts its own resource names.
    let r = emu
        .token_request(
            TENANT,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "app-secret"),
                ("client_secret", SECRET),
                ("scope", "https://management.azure.com//.default"),
            ],
        )
        .await;
    let public = r.body["access_token"].as_str().unwrap();
    assert_eq!(
        emu.arm(Method::GET, &groups(SUB), Some(public), None)
            .await
            .status,
        200
    );

    let foreign = emu.secret_token(OTHER_TENANT, "app-secret", SECRET).await;
    let r = emu.arm(Method::GET, &groups(SUB), Some(&foreign), None).await;
    assert_eq!(
        (r.status, r.code()),
        (401, "InvalidAuthenticationTokenTenant"),
        "{r:?}"
    );
    assert!(
        r.message().starts_with(&format!(
            "The access token is from the wrong issuer '{}/{OTHER_TENANT}/'. It must match the tenant '{}/{TENANT}/' \
             associated with this subscription. Please use the authority (URL) '{}/{TENANT}' to get the token.",
            emu.base, emu.base, emu.base
        )),
        "{}",
        r.message()
    );
    // At the tenant level, a foreign tenant's principal sees no subscription.
    let r = emu
        .arm(
            Method::GET,
            &format!("/subscriptions?api-version={RES}"),
            Some(&foreign),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["value"].as_array().map(Vec::len)),
        (200, Some(0)),
        "{r:?}"
    );
    emu.stop().await;
}

#[tokio::test]
async fn principals_without_access_are_forbidden() {
    let emu = start_auth(auth_config()).await;
    let narrow = emu.secret_token(TENANT, "app-narrow", NARROW_SECRET).await;
    let oid = claims(&narrow)["oid"].as_str().unwrap().to_string();
    let scope = format!("/subscriptions/{SUB}/resourcegroups/rg1");
    let r = emu
        .arm(
            Method::GET,
            &format!("{scope}?api-version={RES}"),
            Some(&narrow),
            None,
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "AuthorizationFailed"), "{r:?}");
    assert_eq!(
        r.message(),
        format!(
            "The client 'app-narrow' with object id '{oid}' does not have authorization to perform action \
             'Microsoft.Resources/subscriptions/resourceGroups/read' over scope '{scope}' or the scope is invalid. \
             If access was recently granted, please refresh your credentials."
        )
    );
    assert!(r.header("www-authenticate").is_none());
    let vnet = net("rg1", "virtualNetworks/v");
    let r = emu
        .arm(
            Method::PUT,
            &format!("{vnet}?api-version={NET}"),
            Some(&narrow),
            Some(json!({"location": "westeurope"})),
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(
        r.message()
            .contains("action 'Microsoft.Network/virtualNetworks/write' over scope"),
        "{}",
        r.message()
    );
    // Its own subscription is fine, and the only one it sees.
    let r = emu
        .arm(
            Method::PUT,
            &format!("/subscriptions/{SUB2}/resourceGroups/mine?api-version={RES}"),
            Some(&narrow),
            Some(json!({"location": "westeurope"})),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let r = emu
        .arm(
            Method::GET,
            &format!("/subscriptions?api-version={RES}"),
            Some(&narrow),
            None,
        )
        .await;
    let ids: Vec<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["subscriptionId"].as_str())
        .collect();
    assert_eq!(ids, [SUB2]);
    assert_eq!(r.body["value"][0]["tenantId"], TENANT);
    // An unrestricted client sees and may use everything.
    let wide = emu.secret_token(TENANT, "app-secret", SECRET).await;
    let r = emu
        .arm(
            Method::PUT,
            &format!("{}?api-version={RES}", rg("rg1")),
            Some(&wide),
            Some(json!({"location": "westeurope"})),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let stats = emu.stats().await;
    assert_eq!(stats["auth"]["forbidden"], 2, "{stats}");
    emu.stop().await;
}
