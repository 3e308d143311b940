//! `GET /_emulator/stats`: requests by class, creates per id (an update is not a create; a
//! create after a delete is a second one), and `DELETE` to start afresh.

use reqwest::Method;
use serde_json::json;
use strata_emulator::Latency;

use crate::support::{Emu, RES, rg};
use crate::wire::Body;

#[tokio::test]
async fn counts_requests_and_creates() {
    let emu = Emu::start(Latency::none()).await;
    let stats = emu.stats().await;
    assert_eq!(
        stats["requests"],
        json!({"total": 0, "reads": 0, "writes": 0, "deletes": 0})
    );
    assert_eq!(stats["faults"]["total"], 0);

    let group = rg("Rg1");
    emu.group("Rg1").await;
    // An update, then a delete and a create again.
    assert_eq!(
        emu.put(&group, RES, json!({"location": "westeurope"}))
            .await
            .status,
        200
    );
    emu.remove(&group, RES).await;
    assert_eq!(emu.get(&rg("rg1"), RES).await.status, 404);
    assert_eq!(
        emu.put(&rg("rg1"), RES, json!({"location": "westeurope"}))
            .await
            .status,
        201
    );
    emu.group("other").await;
    let stats = emu.stats().await;
    let creates = &stats["creates"];
    assert_eq!(creates["total"], 3, "{stats}");
    // The id as first created; ids compare without case.
    assert_eq!(creates["by_id"][&group], 2, "{stats}");
    assert_eq!(creates["by_id"][&rg("other")], 1, "{stats}");
    assert_eq!(creates["duplicates"], json!([group]), "{stats}");
    assert_eq!(stats["requests"]["writes"], 4, "{stats}");
    assert_eq!(stats["requests"]["deletes"], 1, "{stats}");
    assert!(stats["requests"]["reads"].as_u64().unwrap() >= 1, "{stats}");
    assert_eq!(stats["throttled"]["total"], 0);
    // The handle answers the same without HTTP.
    assert_eq!(emu.handle.stats()["creates"], stats["creates"]);

    // Requests to the emulator's own paths are not counted.
    let before = emu.stats().await["requests"]["total"].clone();
    assert_eq!(emu.stats().await["requests"]["total"], before);

    let r = emu
        .send(Method::DELETE, "/_emulator/stats", &[], Body::None)
        .await
        .unwrap();
    assert_eq!(r.status, 204);
    let stats = emu.stats().await;
    assert_eq!(stats["requests"]["total"], 0);
    assert_eq!(
        stats["creates"],
        json!({"total": 0, "by_id": {}, "duplicates": []})
    );
    emu.group("again").await;
    emu.handle.reset_stats();
    assert_eq!(emu.handle.stats()["creates"]["total"], 0);
    emu.stop().await;
}
