use serde_json::json;
use strata_arm::{ArmClient, ArmErrorKind, RetryPolicy};

use crate::server::{Flaky, Reply, Scripted, fast_options};

const RG: &str = "/subscriptions/s/resourceGroups/rg";
const API: &str = "2024-11-01";

fn rg() -> serde_json::Value {
    json!({"id": RG, "name": "rg", "location": "westeurope", "properties": {"provisioningState": "Succeeded"}})
}

#[tokio::test]
async fn throttled_request_waits_for_retry_after_then_succeeds() {
    let server = Scripted::start().await;
    server.on(
        "GET",
        RG,
        vec![
            Reply::error(429, "TooManyRequests", "slow down").header("Retry-After", "1"),
            Reply::json(200, rg()),
        ],
    );
    let arm = server.client();

    let doc = arm.get(RG, API).await.unwrap().unwrap();

    assert_eq!(doc["name"], "rg");
    let stats = arm.stats();
    assert_eq!((stats.requests_sent, stats.retries, stats.throttled), (2, 1, 1));
}

#[tokio::test]
async fn throttling_does_not_spend_the_retry_budget() {
    let server = Scripted::start().await;
    let throttled = Reply::error(429, "RetryableError", "referenced resource is provisioning")
        .header("retry-after-ms", "1");
    server.on(
        "PUT",
        RG,
        vec![
            throttled.clone(),
            throttled.clone(),
            throttled,
            Reply::json(200, rg()),
        ],
    );
    let mut options = server.options();
    options.retry = RetryPolicy {
        max_retries: 1,
        ..RetryPolicy::fast()
    };
    let arm = ArmClient::new(options).unwrap();

    arm.put(RG, API, &json!({"location": "westeurope"}))
        .await
        .unwrap();

    assert_eq!(server.count("PUT", RG), 4);
    assert_eq!(arm.stats().throttled, 3);
}

#[tokio::test]
async fn unavailable_then_success() {
    let server = Scripted::start().await;
    server.on(
        "GET",
        RG,
        vec![
            Reply::text(503, "<html>Service Unavailable</html>"),
            Reply::json(200, rg()),
        ],
    );
    let arm = server.client();

    assert!(arm.get(RG, API).await.unwrap().is_some());
    assert_eq!(arm.stats().retries, 1);
}

#[tokio::test]
async fn transient_failures_stop_when_the_budget_is_spent() {
    let server = Scripted::start().await;
    server.on("GET", RG, vec![Reply::error(500, "InternalServerError", "boom")]);
    let mut options = server.options();
    options.retry = RetryPolicy {
        max_retries: 2,
        ..RetryPolicy::fast()
    };
    let arm = ArmClient::new(options).unwrap();

    let err = arm.get(RG, API).await.unwrap_err();

    assert_eq!(server.count("GET", RG), 3);
    assert_eq!(err.retries(), 2);
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.request_id(), Some("req-3"));
    assert!(err.is_retryable());
    assert_eq!(
        err.to_string(),
        "InternalServerError: boom (status 500, request id req-3, after 2 retries)"
    );
}

#[tokio::test]
async fn connection_dropped_then_success() {
    let server = Flaky::start(1, rg()).await;
    let arm = ArmClient::new(fast_options(&server.base)).unwrap();

    let doc = arm.get(RG, API).await.unwrap().unwrap();

    assert_eq!(doc["name"], "rg");
    assert_eq!(arm.stats().requests_sent, 2);
}

#[tokio::test]
async fn refused_connection_is_a_retryable_transport_error() {
    // Bind then drop, so the port is very likely closed.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut options = fast_options(&base);
    options.retry = RetryPolicy {
        max_retries: 1,
        ..RetryPolicy::fast()
    };
    let arm = ArmClient::new(options).unwrap();

    let err = arm.get(RG, API).await.unwrap_err();

    assert_eq!(err.kind(), &ArmErrorKind::Transport);
    assert!(err.is_retryable());
    assert_eq!(err.retries(), 1);
    assert_eq!(err.correlation_id(), Some(arm.correlation_id()));
}

#[tokio::test]
async fn validation_errors_are_never_retried() {
    let server = Scripted::start().await;
    server.on(
        "PUT",
        RG,
        vec![Reply::error(
            400,
            "LocationRequired",
            "The location property is required for this definition.",
        )],
    );
    let arm = server.client();

    let err = arm.put(RG, API, &json!({})).await.unwrap_err();

    assert_eq!(server.seen().len(), 1);
    assert_eq!(err.kind(), &ArmErrorKind::Http { status: 400 });
    assert_eq!(err.code(), Some("LocationRequired"));
    assert!(!err.is_retryable());
    assert_eq!(err.retries(), 0);
}

#[tokio::test]
async fn another_operation_in_progress_is_retried() {
    let server = Scripted::start().await;
    let subnet = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a";
    server.on(
        "PUT",
        subnet,
        vec![
            Reply::error(
                409,
                "AnotherOperationInProgress",
                "Another operation on this or dependent resource is in progress.",
            ),
            Reply::json(
                200,
                json!({"name": "a", "properties": {"provisioningState": "Succeeded"}}),
            ),
        ],
    );
    let arm = server.client();

    let doc = arm.put(subnet, "2024-07-01", &json!({})).await.unwrap();

    assert_eq!(doc["name"], "a");
    assert_eq!(server.count("PUT", subnet), 2);
}

#[tokio::test]
async fn other_conflicts_are_final() {
    let server = Scripted::start().await;
    server.on(
        "PUT",
        RG,
        vec![Reply::error(409, "InvalidResourceGroupLocation", "cannot move")],
    );

    let err = server.client().put(RG, API, &json!({})).await.unwrap_err();

    assert_eq!(server.seen().len(), 1);
    assert!(!err.is_retryable());
}
