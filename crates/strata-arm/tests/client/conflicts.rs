use std::time::Duration;

use serde_json::{Value, json};
use strata_arm::{ArmClient, ArmErrorKind, PollPolicy, RetryPolicy};

use crate::server::{Reply, Scripted};

const SUBNET: &str =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a";
const API: &str = "2024-07-01";
const OPS: &str = "/subscriptions/s/providers/Microsoft.Network/locations/westeurope/operations";

fn subnet(state: &str) -> Value {
    json!({"id": SUBNET, "name": "a", "properties": {"provisioningState": state}})
}

/// The Network RP's refusal, naming the operation that holds the resource.
fn busy(server: &Scripted, operation: &str) -> Reply {
    Reply::error(
        409,
        "AnotherOperationInProgress",
        &format!(
            "Another operation on this or dependent resource is in progress. To retrieve status of the operation \
             use uri: {}{OPS}/{operation}?api-version={API}.",
            server.base
        ),
    )
}

fn status(s: &str) -> Reply {
    Reply::json(200, json!({"status": s}))
}

fn client(server: &Scripted, retry: RetryPolicy) -> ArmClient {
    let mut options = server.options();
    options.retry = retry;
    ArmClient::new(options).expect("a client")
}

/// Index of the `n`th (1-based) request for `method path` among all requests seen.
fn nth(server: &Scripted, method: &str, path: &str, n: usize) -> usize {
    server
        .seen()
        .iter()
        .enumerate()
        .filter(|(_, s)| s.method == method && s.path == path)
        .nth(n - 1)
        .map(|(i, _)| i)
        .expect("that many requests")
}

#[tokio::test]
async fn a_refused_write_waits_for_the_named_operation_then_is_sent_again() {
    let server = Scripted::start().await;
    server.on(
        "PUT",
        SUBNET,
        vec![busy(&server, "op1"), Reply::json(200, subnet("Succeeded"))],
    );
    let op = format!("{OPS}/op1");
    server.on(
        "GET",
        &op,
        vec![status("InProgress"), status("InProgress"), status("Succeeded")],
    );
    // No retry budget at all: waiting for another operation does not spend it.
    let arm = client(
        &server,
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::fast()
        },
    );

    let doc = arm.put(SUBNET, API, &json!({})).await.unwrap();

    assert_eq!(doc["name"], "a");
    assert_eq!(server.count("PUT", SUBNET), 2);
    assert_eq!(server.count("GET", &op), 3);
    assert!(
        nth(&server, "PUT", SUBNET, 2) > nth(&server, "GET", &op, 3),
        "the write was sent again before the operation holding it ended: {:?}",
        server
            .seen()
            .iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect::<Vec<_>>()
    );
    assert_eq!(arm.stats().conflict_waits, 1);
}

#[tokio::test]
async fn refusals_naming_no_operation_are_waited_out_by_time_not_by_count() {
    let server = Scripted::start().await;
    let refused = Reply::error(
        409,
        "AnotherOperationInProgress",
        "Another operation is in progress.",
    );
    let mut replies = vec![refused; 6];
    replies.push(Reply::json(200, subnet("Succeeded")));
    server.on("PUT", SUBNET, replies);
    let arm = client(
        &server,
        RetryPolicy {
            max_retries: 1,
            ..RetryPolicy::fast()
        },
    );

    arm.put(SUBNET, API, &json!({})).await.unwrap();

    assert_eq!(server.count("PUT", SUBNET), 7);
    assert_eq!(arm.stats().conflict_waits, 6);
}

#[tokio::test]
async fn a_write_refused_past_the_deadline_fails_with_what_azure_said() {
    let server = Scripted::start().await;
    server.on("PUT", SUBNET, vec![busy(&server, "op1")]);
    server.on("GET", &format!("{OPS}/op1"), vec![status("InProgress")]);
    let arm = client(
        &server,
        RetryPolicy {
            conflict_wait: Duration::from_millis(150),
            ..RetryPolicy::fast()
        },
    );

    let err = arm.put(SUBNET, API, &json!({})).await.unwrap_err();

    // Refused every time: nothing was done, and that is known.
    assert_eq!(err.kind(), &ArmErrorKind::Http { status: 409 });
    assert_eq!(err.code(), Some("AnotherOperationInProgress"));
    assert!(!err.outcome_unknown() && !err.maybe_applied());
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_lost_answer_then_refusals_past_the_deadline_is_an_unknown_outcome() {
    let server = Scripted::start().await;
    server.on(
        "PUT",
        SUBNET,
        vec![Reply::json(201, subnet("Updating")).lost(), busy(&server, "op1")],
    );
    server.on("GET", &format!("{OPS}/op1"), vec![status("InProgress")]);
    let arm = client(
        &server,
        RetryPolicy {
            conflict_wait: Duration::from_millis(150),
            ..RetryPolicy::fast()
        },
    );

    let err = arm.put(SUBNET, API, &json!({})).await.unwrap_err();

    assert_eq!(err.kind(), &ArmErrorKind::OutcomeUnknown);
    assert!(err.outcome_unknown() && err.maybe_applied());
    assert!(!err.is_retryable(), "it must be read back, not written blindly");
    assert_eq!(
        (err.status(), err.code()),
        (Some(409), Some("AnotherOperationInProgress"))
    );
    assert!(err.to_string().starts_with("outcome unknown"), "{err}");
}

#[tokio::test]
async fn a_lost_answer_is_settled_by_waiting_for_its_own_operation_and_sending_the_put_again() {
    let server = Scripted::start().await;
    let op = format!("{OPS}/own");
    server.on(
        "PUT",
        SUBNET,
        vec![
            Reply::json(201, subnet("Updating"))
                .header("Azure-AsyncOperation", &format!("{{base}}{op}?api-version={API}"))
                .lost(),
            busy(&server, "own"),
            Reply::json(200, subnet("Succeeded")),
        ],
    );
    server.on("GET", &op, vec![status("InProgress"), status("Succeeded")]);
    let arm = client(
        &server,
        RetryPolicy {
            max_retries: 1,
            ..RetryPolicy::fast()
        },
    );

    let doc = arm.put(SUBNET, API, &json!({})).await.unwrap();

    assert_eq!(doc["properties"]["provisioningState"], "Succeeded");
    assert_eq!(server.count("PUT", SUBNET), 3);
}

#[tokio::test]
async fn a_lost_delete_answer_is_settled_by_deleting_again() {
    let server = Scripted::start().await;
    server.on(
        "DELETE",
        SUBNET,
        vec![
            Reply::empty(202).lost(),
            busy(&server, "del"),
            Reply::error(404, "NotFound", "gone"),
        ],
    );
    server.on(
        "GET",
        &format!("{OPS}/del"),
        vec![status("InProgress"), status("Succeeded")],
    );

    server.client().delete(SUBNET, API).await.unwrap();

    assert_eq!(server.count("DELETE", SUBNET), 3);
}

#[tokio::test]
async fn an_operation_that_cannot_be_watched_to_its_end_is_an_unknown_outcome() {
    let server = Scripted::start().await;
    let op = format!("{OPS}/x");
    server.on(
        "PUT",
        SUBNET,
        vec![Reply::json(201, subnet("Updating")).header("Azure-AsyncOperation", &format!("{{base}}{op}"))],
    );
    server.on("GET", &op, vec![Reply::error(500, "InternalServerError", "boom")]);
    let arm = client(
        &server,
        RetryPolicy {
            max_retries: 1,
            ..RetryPolicy::fast()
        },
    );

    let err = arm.put(SUBNET, API, &json!({})).await.unwrap_err();

    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(err.status(), Some(500));
    assert_eq!(
        server.count("PUT", SUBNET),
        1,
        "an accepted write is not sent again"
    );
}

#[tokio::test]
async fn an_operation_failing_is_a_known_outcome() {
    let server = Scripted::start().await;
    let op = format!("{OPS}/f");
    server.on(
        "PUT",
        SUBNET,
        vec![Reply::json(201, subnet("Updating")).header("Azure-AsyncOperation", &format!("{{base}}{op}"))],
    );
    server.on(
        "GET",
        &op,
        vec![Reply::json(
            200,
            json!({"status": "Failed", "error": {"code": "InUseSubnetCannotBeDeleted", "message": "in use"}}),
        )],
    );

    let err = server.client().put(SUBNET, API, &json!({})).await.unwrap_err();

    assert_eq!(err.kind(), &ArmErrorKind::OperationFailed);
    assert!(!err.outcome_unknown());
}

#[tokio::test]
async fn an_operation_lost_to_a_race_waits_for_the_winner_it_names() {
    let server = Scripted::start().await;
    let ours = format!("{OPS}/ours");
    let winner = format!("{OPS}/winner");
    server.on(
        "PUT",
        SUBNET,
        vec![
            Reply::json(201, subnet("Updating")).header("Azure-AsyncOperation", &format!("{{base}}{ours}")),
            Reply::json(200, subnet("Succeeded")),
        ],
    );
    let message = format!(
        "Another operation on this or dependent resource is in progress. To retrieve status of the operation use \
         uri: {}{winner}?api-version={API}.",
        server.base
    );
    server.on(
        "GET",
        &ours,
        vec![Reply::json(
            200,
            json!({"status": "Failed", "error": {"code": "AnotherOperationInProgress", "message": message}}),
        )],
    );
    server.on("GET", &winner, vec![status("InProgress"), status("Succeeded")]);

    server.client().put(SUBNET, API, &json!({})).await.unwrap();

    assert_eq!(server.count("GET", &winner), 2);
    assert!(nth(&server, "PUT", SUBNET, 2) > nth(&server, "GET", &winner, 2));
}

#[tokio::test]
async fn an_unknown_operation_is_backed_off_from_not_polled_forever() {
    let server = Scripted::start().await;
    server.on(
        "PUT",
        SUBNET,
        vec![busy(&server, "gone"), Reply::json(200, subnet("Succeeded"))],
    );
    server.on(
        "GET",
        &format!("{OPS}/gone"),
        vec![Reply::error(
            404,
            "OperationNotFound",
            "The operation 'gone' could not be found.",
        )],
    );
    let mut options = server.options();
    options.poll = PollPolicy::fast();
    let arm = ArmClient::new(options).unwrap();

    arm.put(SUBNET, API, &json!({})).await.unwrap();

    assert_eq!(server.count("GET", &format!("{OPS}/gone")), 1);
    assert_eq!(server.count("PUT", SUBNET), 2);
}

#[tokio::test]
async fn a_busy_database_server_is_waited_for_like_a_busy_network() {
    let server = Scripted::start().await;
    let pg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/db";
    let busy = Reply::error(
        409,
        "ServerBusy",
        "Server 'db' is busy with another operation. Please try again later.",
    );
    // The first delete started (its answer was lost); the server is busy deleting.
    server.on(
        "DELETE",
        pg,
        vec![
            Reply::empty(202).lost(),
            busy.clone(),
            busy,
            Reply::error(404, "ResourceNotFound", "gone"),
        ],
    );
    let arm = client(
        &server,
        RetryPolicy {
            max_retries: 1,
            ..RetryPolicy::fast()
        },
    );

    arm.delete(pg, "2024-08-01").await.unwrap();

    assert_eq!(server.count("DELETE", pg), 4);
    assert_eq!(arm.stats().conflict_waits, 2);
}
