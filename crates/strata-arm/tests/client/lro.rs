use std::time::Duration;

use serde_json::json;
use strata_arm::{ArmErrorKind, PollPolicy};

use crate::server::{Reply, Scripted};

const VNET: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v";
const API: &str = "2024-07-01";

fn vnet(state: &str) -> serde_json::Value {
    json!({"id": VNET, "name": "v", "properties": {"provisioningState": state}})
}

#[tokio::test]
async fn put_polls_the_resource_until_its_provisioning_state_is_terminal() {
    let server = Scripted::start().await;
    server.on("PUT", VNET, vec![Reply::json(201, vnet("Creating"))]);
    server.on(
        "GET",
        VNET,
        vec![
            Reply::json(200, vnet("Updating")),
            Reply::json(200, vnet("Succeeded")),
        ],
    );
    let arm = server.client();

    let doc = arm
        .put(VNET, API, &json!({"location": "westeurope"}))
        .await
        .unwrap();

    assert_eq!(doc["properties"]["provisioningState"], "Succeeded");
    assert_eq!(server.count("GET", VNET), 2);
    assert_eq!(arm.stats().lro_polls, 2);
}

#[tokio::test]
async fn put_follows_azure_async_operation_then_reads_the_resource() {
    let server = Scripted::start().await;
    server.on(
        "PUT",
        VNET,
        vec![
            Reply::json(201, vnet("Updating"))
                .header("Azure-AsyncOperation", "{base}/operations/1?api-version=x"),
        ],
    );
    server.on(
        "GET",
        "/operations/1",
        vec![
            Reply::json(200, json!({"status": "InProgress"})).header("Retry-After", "0"),
            Reply::json(200, json!({"status": "Succeeded"})),
        ],
    );
    server.on("GET", VNET, vec![Reply::json(200, vnet("Succeeded"))]);

    let doc = server.client().put(VNET, API, &json!({})).await.unwrap();

    assert_eq!(doc["properties"]["provisioningState"], "Succeeded");
    assert_eq!(server.count("GET", "/operations/1"), 2);
    assert_eq!(server.count("GET", VNET), 1);
    // The status URL is followed as given, keeping its own api-version.
    let poll = server
        .seen()
        .into_iter()
        .find(|s| s.path == "/operations/1")
        .unwrap();
    assert_eq!(poll.query, "api-version=x");
}

#[tokio::test]
async fn put_202_location_returns_the_body_of_the_final_200() {
    let server = Scripted::start().await;
    server.on(
        "PUT",
        VNET,
        vec![Reply::empty(202).header("Location", "{base}/results/1")],
    );
    server.on(
        "GET",
        "/results/1",
        vec![Reply::empty(202), Reply::json(200, vnet("Succeeded"))],
    );

    let doc = server.client().put(VNET, API, &json!({})).await.unwrap();

    assert_eq!(doc["name"], "v");
    assert_eq!(server.count("GET", "/results/1"), 2);
    assert_eq!(server.count("GET", VNET), 0);
}

#[tokio::test]
async fn put_202_location_ending_204_reads_the_resource() {
    let server = Scripted::start().await;
    server.on(
        "PUT",
        VNET,
        vec![Reply::empty(202).header("Location", "/results/2")],
    );
    server.on("GET", "/results/2", vec![Reply::empty(202), Reply::empty(204)]);
    server.on("GET", VNET, vec![Reply::json(200, vnet("Succeeded"))]);

    let doc = server.client().put(VNET, API, &json!({})).await.unwrap();

    assert_eq!(doc["id"], VNET);
    assert_eq!(server.count("GET", VNET), 1);
}

#[tokio::test]
async fn a_resource_missing_right_after_success_is_waited_for() {
    let server = Scripted::start().await;
    server.on("PUT", VNET, vec![Reply::empty(201)]);
    server.on(
        "GET",
        VNET,
        vec![
            Reply::error(404, "ResourceNotFound", "not yet"),
            Reply::json(200, vnet("Succeeded")),
        ],
    );

    let doc = server.client().put(VNET, API, &json!({})).await.unwrap();

    assert_eq!(doc["name"], "v");
    assert_eq!(server.count("GET", VNET), 2);
}

#[tokio::test]
async fn failed_async_operation_becomes_operation_failed() {
    let server = Scripted::start().await;
    server.on(
        "PUT",
        VNET,
        vec![Reply::json(201, vnet("Updating")).header("Azure-AsyncOperation", "{base}/operations/2")],
    );
    server.on(
        "GET",
        "/operations/2",
        vec![Reply::json(
            200,
            json!({"status": "Failed", "error": {
                "code": "NetcfgSubnetRangesOverlap",
                "message": "Subnet 'b' overlaps with that of an existing subnet."
            }}),
        )],
    );
    let arm = server.client();

    let err = arm.put(VNET, API, &json!({})).await.unwrap_err();

    assert_eq!(err.kind(), &ArmErrorKind::OperationFailed);
    assert_eq!(err.code(), Some("NetcfgSubnetRangesOverlap"));
    assert_eq!(
        err.message(),
        "Subnet 'b' overlaps with that of an existing subnet."
    );
    assert_eq!(err.request_id(), Some("req-2"));
    assert_eq!(err.correlation_id(), Some(arm.correlation_id()));
    assert!(!err.is_retryable());
    assert_eq!(server.count("PUT", VNET), 1);
}

#[tokio::test]
async fn failed_provisioning_state_becomes_operation_failed() {
    let server = Scripted::start().await;
    server.on("PUT", VNET, vec![Reply::json(201, vnet("Creating"))]);
    server.on(
        "GET",
        VNET,
        vec![Reply::json(
            200,
            json!({"properties": {"provisioningState": "Canceled"}, "error": {"code": "Stopped", "message": "m"}}),
        )],
    );

    let err = server.client().put(VNET, API, &json!({})).await.unwrap_err();

    assert_eq!(err.kind(), &ArmErrorKind::OperationFailed);
    assert_eq!(err.code(), Some("Stopped"));
}

#[tokio::test]
async fn an_operation_ending_in_another_operation_in_progress_is_started_again() {
    let server = Scripted::start().await;
    server.on(
        "PUT",
        VNET,
        vec![
            Reply::json(201, vnet("Updating")).header("Azure-AsyncOperation", "{base}/operations/a"),
            Reply::json(201, vnet("Updating")).header("Azure-AsyncOperation", "{base}/operations/b"),
        ],
    );
    server.on(
        "GET",
        "/operations/a",
        vec![Reply::json(
            200,
            json!({"status": "Failed", "error": {"code": "AnotherOperationInProgress", "message": "busy"}}),
        )],
    );
    server.on(
        "GET",
        "/operations/b",
        vec![Reply::json(200, json!({"status": "Succeeded"}))],
    );
    server.on("GET", VNET, vec![Reply::json(200, vnet("Succeeded"))]);
    let arm = server.client();

    let doc = arm.put(VNET, API, &json!({})).await.unwrap();

    assert_eq!(doc["name"], "v");
    assert_eq!(server.count("PUT", VNET), 2);
    assert_eq!(arm.stats().retries, 1);
}

#[tokio::test]
async fn links_to_another_host_are_refused() {
    let server = Scripted::start().await;
    server.on(
        "PUT",
        VNET,
        vec![
            Reply::json(201, vnet("Updating"))
                .header("Azure-AsyncOperation", "https://elsewhere.example/op?sig=s"),
        ],
    );

    let err = server.client().put(VNET, API, &json!({})).await.unwrap_err();

    // The write was accepted and then could not be watched: whether it happened is unknown.
    assert_eq!(err.kind(), &ArmErrorKind::OutcomeUnknown);
    assert!(err.message().contains("elsewhere.example"));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn an_operation_that_never_ends_times_out() {
    let server = Scripted::start().await;
    server.on("PUT", VNET, vec![Reply::json(201, vnet("Creating"))]);
    server.on("GET", VNET, vec![Reply::json(200, vnet("Creating"))]);
    let mut options = server.options();
    options.poll = PollPolicy {
        timeout: Duration::from_millis(200),
        ..PollPolicy::fast()
    };
    let arm = strata_arm::ArmClient::new(options).unwrap();

    let err = arm.put(VNET, API, &json!({})).await.unwrap_err();

    assert_eq!(err.kind(), &ArmErrorKind::OutcomeUnknown);
    assert!(err.message().contains("did not finish"), "{err}");
    assert!(
        !err.is_retryable(),
        "the operation may still run; it must not be started again blindly"
    );
}

#[tokio::test]
async fn delete_waits_for_location_and_accepts_absence() {
    let server = Scripted::start().await;
    server.on(
        "DELETE",
        VNET,
        vec![Reply::empty(202).header("Location", "{base}/results/d")],
    );
    server.on("GET", "/results/d", vec![Reply::empty(202), Reply::empty(200)]);
    let arm = server.client();
    arm.delete(VNET, API).await.unwrap();
    assert_eq!(server.count("GET", "/results/d"), 2);

    let gone = "/subscriptions/s/resourceGroups/gone";
    server.on(
        "DELETE",
        gone,
        vec![Reply::error(404, "ResourceGroupNotFound", "no such group")],
    );
    arm.delete(gone, API).await.unwrap();

    let nocontent = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/n";
    server.on("DELETE", nocontent, vec![Reply::empty(204)]);
    arm.delete(nocontent, API).await.unwrap();
}

#[tokio::test]
async fn delete_202_without_links_polls_until_the_resource_is_gone() {
    let server = Scripted::start().await;
    server.on("DELETE", VNET, vec![Reply::empty(202)]);
    server.on(
        "GET",
        VNET,
        vec![
            Reply::json(200, vnet("Deleting")),
            Reply::error(404, "ResourceNotFound", "gone"),
        ],
    );

    server.client().delete(VNET, API).await.unwrap();

    assert_eq!(server.count("GET", VNET), 2);
}

#[tokio::test]
async fn failed_delete_operation_is_an_error() {
    let server = Scripted::start().await;
    server.on(
        "DELETE",
        VNET,
        vec![Reply::empty(202).header("Azure-AsyncOperation", "{base}/operations/d")],
    );
    server.on(
        "GET",
        "/operations/d",
        vec![Reply::json(
            200,
            json!({"status": "Failed", "error": {"code": "InUseSubnetCannotBeDeleted", "message": "in use"}}),
        )],
    );

    let err = server.client().delete(VNET, API).await.unwrap_err();

    assert_eq!(err.code(), Some("InUseSubnetCannotBeDeleted"));
    assert_eq!(server.count("DELETE", VNET), 1);
}

#[tokio::test]
async fn post_actions_return_their_answer() {
    let server = Scripted::start().await;
    let account = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a";
    server.on(
        "POST",
        &format!("{account}/listKeys"),
        vec![Reply::json(200, json!({"keys": [{"value": "k"}]}))],
    );
    server.on(
        "POST",
        &format!("{account}/failover"),
        vec![Reply::empty(202).header("Location", "{base}/results/f")],
    );
    server.on("GET", "/results/f", vec![Reply::empty(202), Reply::empty(204)]);
    let arm = server.client();

    let keys = arm.post(account, "listKeys", "2025-01-01", None).await.unwrap();
    assert_eq!(keys["keys"][0]["value"], "k");

    let answer = arm
        .post(account, "failover", "2025-01-01", Some(&json!({})))
        .await
        .unwrap();
    assert_eq!(answer, serde_json::Value::Null);
    assert_eq!(server.count("GET", "/results/f"), 2);
}

#[tokio::test]
async fn transient_failures_while_polling_are_retried() {
    let server = Scripted::start().await;
    server.on(
        "PATCH",
        VNET,
        vec![Reply::empty(202).header("Azure-AsyncOperation", "{base}/operations/p")],
    );
    server.on(
        "GET",
        "/operations/p",
        vec![
            Reply::error(503, "ServiceUnavailable", "try again"),
            Reply::error(429, "TooManyRequests", "slow down").header("retry-after-ms", "1"),
            Reply::json(200, json!({"status": "Succeeded"})),
        ],
    );
    server.on("GET", VNET, vec![Reply::json(200, json!({"tags": {"a": "b"}}))]);
    let arm = server.client();

    let doc = arm.patch(VNET, API, &json!({"tags": {"a": "b"}})).await.unwrap();

    assert_eq!(doc["tags"]["a"], "b");
    assert_eq!(server.count("PATCH", VNET), 1);
    assert_eq!(server.count("GET", "/operations/p"), 3);
    let stats = arm.stats();
    assert_eq!((stats.retries, stats.throttled), (2, 1));
}
