use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use serde_json::json;
use strata_arm::{AccessToken, ArmClient, ArmError, ArmErrorKind, StaticToken, TokenCredential};
use strata_core::Secret;

use crate::server::{Reply, Scripted};

const RG: &str = "/subscriptions/s/resourceGroups/rg";
const API: &str = "2024-11-01";

#[tokio::test]
async fn get_answers_none_for_missing_resources() {
    let server = Scripted::start().await;
    let arm = server.client();
    for (i, code) in [
        "ResourceNotFound",
        "ResourceGroupNotFound",
        "NotFound",
        "ParentResourceNotFound",
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("{RG}/providers/Microsoft.Network/virtualNetworks/v{i}");
        server.on("GET", &id, vec![Reply::error(404, code, "not found")]);
        assert_eq!(arm.get(&id, API).await.unwrap(), None, "{code}");
    }
    assert_eq!(arm.stats().retries, 0, "a 404 is an answer, not a failure");
}

#[tokio::test]
async fn a_404_about_the_request_is_an_error() {
    let server = Scripted::start().await;
    server.on(
        "GET",
        RG,
        vec![Reply::error(
            404,
            "SubscriptionNotFound",
            "The subscription 's' could not be found.",
        )],
    );

    let err = server.client().get(RG, API).await.unwrap_err();

    assert_eq!(err.kind(), &ArmErrorKind::Http { status: 404 });
    assert_eq!(err.code(), Some("SubscriptionNotFound"));
}

#[tokio::test]
async fn errors_carry_code_message_and_ids() {
    let server = Scripted::start().await;
    server.on(
        "PUT",
        RG,
        vec![Reply::json(
            409,
            json!({"error": {
                "code": "ResourceGroupBeingDeleted",
                "message": "The resource group 'rg' is in deprovisioning state and cannot perform this operation.",
                "details": [{"code": "Detail", "message": "more"}]
            }}),
        )
        .header("x-ms-correlation-request-id", "corr-from-arm")],
    );

    let err = server
        .client()
        .put(RG, API, &json!({"location": "westeurope"}))
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(409));
    assert_eq!(err.code(), Some("ResourceGroupBeingDeleted"));
    assert!(
        err.message()
            .starts_with("The resource group 'rg' is in deprovisioning state")
    );
    assert_eq!(err.request_id(), Some("req-1"));
    assert_eq!(err.correlation_id(), Some("corr-from-arm"));
    assert_eq!(err.details()[0].code.as_deref(), Some("Detail"));
    assert_eq!(
        err.to_string(),
        "ResourceGroupBeingDeleted: The resource group 'rg' is in deprovisioning state and cannot perform \
         this operation. [Detail: more] (status 409, request id req-1)"
    );
}

#[tokio::test]
async fn list_follows_next_links() {
    let server = Scripted::start().await;
    let path = "/subscriptions/s/resourcegroups";
    // An absolute link first (as ARM sends), then a relative one.
    server.on(
        "GET",
        path,
        vec![Reply::json(
            200,
            json!({"value": [{"name": "a"}, {"name": "b"}], "nextLink": server.url("/page/2?api-version=2024-11-01&$skiptoken=x")}),
        )],
    );
    server.on(
        "GET",
        "/page/2",
        vec![Reply::json(
            200,
            json!({"value": [{"name": "c"}], "nextLink": "/page/3"}),
        )],
    );
    server.on(
        "GET",
        "/page/3",
        vec![Reply::json(
            200,
            json!({"value": [{"name": "d"}], "nextLink": null}),
        )],
    );

    let items = server.client().list(path, API).await.unwrap();

    let names: Vec<_> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[1].query, "api-version=2024-11-01&$skiptoken=x");
    assert_eq!(
        seen[2].query, "api-version=2024-11-01",
        "api-version is added to links without one"
    );
}

#[tokio::test]
async fn list_refuses_a_next_link_loop() {
    let server = Scripted::start().await;
    server.on(
        "GET",
        "/loop",
        vec![Reply::json(200, json!({"value": [1], "nextLink": "/loop"}))],
    );

    let err = server.client().list("/loop", API).await.unwrap_err();

    assert_eq!(err.kind(), &ArmErrorKind::InvalidResponse);
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn every_request_carries_api_version_user_agent_and_correlation_id() {
    let server = Scripted::start().await;
    server.on("PUT", RG, vec![Reply::json(201, json!({"name": "rg"}))]);
    server.on("GET", RG, vec![Reply::json(200, json!({"name": "rg"}))]);
    let arm = server.client();

    arm.put(RG, API, &json!({"location": "westeurope"}))
        .await
        .unwrap();
    arm.get(RG, API).await.unwrap();

    for seen in server.seen() {
        assert_eq!(seen.query, "api-version=2024-11-01");
        let header = |name: &str| seen.headers.get(name).map(|v| v.to_str().unwrap().to_string());
        assert!(header("user-agent").unwrap().starts_with("strata/"));
        assert_eq!(
            header("x-ms-correlation-request-id").as_deref(),
            Some(arm.correlation_id())
        );
        assert_eq!(
            header("authorization"),
            None,
            "no credential, no Authorization header"
        );
    }
    let put = &server.seen()[0];
    assert_eq!(put.headers["content-type"], "application/json");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&put.body).unwrap(),
        json!({"location": "westeurope"})
    );
}

#[tokio::test]
async fn bearer_token_is_sent_but_never_printed() {
    let server = Scripted::start().await;
    server.on("GET", RG, vec![Reply::json(200, json!({"name": "rg"}))]);
    let mut options = server.options();
    options.credential = Some(Arc::new(StaticToken::new(Secret::new("tok-SECRET-456"))));

    assert!(!format!("{options:?}").contains("tok-SECRET-456"));
    let arm = ArmClient::new(options).unwrap();
    assert!(!format!("{arm:?}").contains("tok-SECRET-456"));
    arm.get(RG, API).await.unwrap();

    assert_eq!(server.seen()[0].headers["authorization"], "Bearer tok-SECRET-456");
}

/// Hands out `t0`, `t1`… and counts the calls.
struct Rotating(AtomicU32);

#[async_trait::async_trait]
impl TokenCredential for Rotating {
    async fn token(&self, scope: &str) -> Result<AccessToken, ArmError> {
        assert!(scope.ends_with("/.default"));
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        Ok(AccessToken::new(
            Secret::new(format!("t{n}")),
            SystemTime::now() + Duration::from_secs(3600),
        ))
    }
}

#[tokio::test]
async fn a_rejected_token_is_renewed_once() {
    let server = Scripted::start().await;
    server.on(
        "GET",
        RG,
        vec![
            Reply::error(
                401,
                "ExpiredAuthenticationToken",
                "The access token expiry has passed.",
            ),
            Reply::json(200, json!({"name": "rg"})),
        ],
    );
    let credential = Arc::new(Rotating(AtomicU32::new(0)));
    let mut options = server.options();
    options.credential = Some(credential.clone());
    let arm = ArmClient::new(options).unwrap();

    arm.get(RG, API).await.unwrap();
    arm.get(RG, API).await.unwrap();

    let auth: Vec<_> = server
        .seen()
        .iter()
        .map(|s| s.headers["authorization"].clone())
        .collect();
    assert_eq!(auth, ["Bearer t0", "Bearer t1", "Bearer t1"]);
    assert_eq!(credential.0.load(Ordering::SeqCst), 2);

    server.on("GET", RG, vec![Reply::error(403, "AuthorizationFailed", "no")]);
    let err = arm.get(RG, API).await.unwrap_err();
    assert_eq!(err.kind(), &ArmErrorKind::Auth);
    assert_eq!(err.retries(), 0);
}

/// A credential that cannot produce a token.
struct Broken;

#[async_trait::async_trait]
impl TokenCredential for Broken {
    async fn token(&self, _scope: &str) -> Result<AccessToken, ArmError> {
        Err(ArmError::auth("no Azure CLI login found; run `az login`"))
    }
}

#[tokio::test]
async fn a_credential_failure_sends_nothing() {
    let server = Scripted::start().await;
    let mut options = server.options();
    options.credential = Some(Arc::new(Broken));
    let arm = ArmClient::new(options).unwrap();

    let err = arm.get(RG, API).await.unwrap_err();

    assert_eq!(err.kind(), &ArmErrorKind::Auth);
    assert_eq!(err.message(), "no Azure CLI login found; run `az login`");
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn one_client_serves_many_tasks() {
    let server = Scripted::start().await;
    server.on("GET", RG, vec![Reply::json(200, json!({"name": "rg"}))]);
    let arm = server.client();

    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let arm = arm.clone();
            tokio::spawn(async move { arm.get(RG, API).await })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().unwrap().is_some());
    }

    assert_eq!(arm.stats().requests_sent, 32);
}

#[tokio::test]
async fn non_json_success_is_an_invalid_response() {
    let server = Scripted::start().await;
    server.on("GET", RG, vec![Reply::text(200, "<html>proxy login</html>")]);

    let err = server.client().get(RG, API).await.unwrap_err();

    assert_eq!(err.kind(), &ArmErrorKind::InvalidResponse);
    assert!(err.message().contains("<html>proxy login</html>"));
    assert_eq!(err.request_id(), Some("req-1"));
}
