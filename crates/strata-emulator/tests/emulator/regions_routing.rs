//! Front Door's routing decision: healthy origins, best priority, then weight; regions out and
//! origins marked down.

use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{CDN, Emu, STORAGE, res};

async fn origin(emu: &Emu, og: &str, name: &str, host: &str, priority: u32, weight: u32) {
    emu.create(
        &format!("{og}/origins/{name}"),
        CDN,
        json!({"properties": {"hostName": host, "priority": priority, "weight": weight}}),
    )
    .await;
}

async fn route(emu: &Emu, path: &str) -> (u16, Value) {
    let r = emu
        .get(
            &format!("/_emulator/frontdoor/afd-shop/shop/route?path={path}"),
            "",
        )
        .await;
    (r.status, r.body)
}

#[tokio::test]
async fn routing_moves_to_priority_two_when_the_region_of_priority_one_is_out() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    for (name, location) in [("stshopwe", "westeurope"), ("stshopne", "northeurope")] {
        emu.create(
            &res("rg1", &format!("Microsoft.Storage/storageAccounts/{name}")),
            STORAGE,
            json!({"location": location, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}),
        )
        .await;
    }
    let afd = res("rg1", "Microsoft.Cdn/profiles/afd-shop");
    emu.create(
        &afd,
        CDN,
        json!({"location": "global", "sku": {"name": "Standard_AzureFrontDoor"}}),
    )
    .await;
    emu.create(
        &format!("{afd}/afdEndpoints/shop"),
        CDN,
        json!({"location": "global", "properties": {}}),
    )
    .await;
    let og = format!("{afd}/originGroups/web");
    emu.create(&og, CDN, json!({"properties": {}})).await;
    origin(&emu, &og, "primary", "stshopwe.z6.web.core.windows.net", 1, 1000).await;
    origin(
        &emu,
        &og,
        "secondary",
        "stshopne.z6.web.core.windows.net",
        2,
        1000,
    )
    .await;
    emu.create(
        &format!("{afd}/afdEndpoints/shop/routes/all"),
        CDN,
        json!({"properties": {"originGroup": {"id": og}}}),
    )
    .await;

    let (status, body) = route(&emu, "/index.html").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["route"], "all");
    assert_eq!(body["originGroup"], "web");
    assert_eq!(body["origin"]["name"], "primary");
    assert_eq!(body["origin"]["region"], "westeurope");

    emu.post("/_emulator/regions/westeurope/outage", "", None).await;
    let (status, body) = route(&emu, "/index.html").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["origin"]["name"], "secondary");
    let primary = body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "primary")
        .unwrap();
    assert_eq!(primary["healthy"], false);
    assert!(primary["reason"].as_str().unwrap().contains("westeurope"));

    // With the second origin marked down as well, nothing serves.
    let r = emu
        .post(
            "/_emulator/origins/health",
            "",
            Some(json!({"hostName": "stshopne.z6.web.core.windows.net", "healthy": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let (status, body) = route(&emu, "/index.html").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "NoHealthyOrigin");

    emu.post("/_emulator/regions/westeurope/restore", "", None).await;
    let (_, body) = route(&emu, "/index.html").await;
    assert_eq!(body["origin"]["name"], "primary", "back after the restore");
    emu.post(
        "/_emulator/origins/health",
        "",
        Some(json!({"hostName": "stshopne.z6.web.core.windows.net", "healthy": null})),
    )
    .await;
    let r = emu
        .post("/_emulator/origins/health", "", Some(json!({"healthy": false})))
        .await;
    assert_eq!(r.status, 400, "a host name is needed");
    emu.stop().await;
}

#[tokio::test]
async fn routing_prefers_weight_within_a_priority_and_the_most_specific_route() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let afd = res("rg1", "Microsoft.Cdn/profiles/afd-shop");
    emu.create(
        &afd,
        CDN,
        json!({"location": "global", "sku": {"name": "Standard_AzureFrontDoor"}}),
    )
    .await;
    emu.create(
        &format!("{afd}/afdEndpoints/shop"),
        CDN,
        json!({"location": "global", "properties": {}}),
    )
    .await;
    let web = format!("{afd}/originGroups/web");
    let api = format!("{afd}/originGroups/api");
    emu.create(&web, CDN, json!({"properties": {}})).await;
    emu.create(&api, CDN, json!({"properties": {}})).await;
    origin(&emu, &web, "light", "light.example.com", 1, 100).await;
    origin(&emu, &web, "heavy", "heavy.example.com", 1, 900).await;
    origin(&emu, &api, "api", "api.example.com", 1, 50).await;
    let routes = format!("{afd}/afdEndpoints/shop/routes");
    emu.create(
        &format!("{routes}/all"),
        CDN,
        json!({"properties": {"originGroup": {"id": web}}}),
    )
    .await;
    emu.create(
        &format!("{routes}/api"),
        CDN,
        json!({"properties": {"originGroup": {"id": api}, "patternsToMatch": ["/api/*"]}}),
    )
    .await;

    let (status, body) = route(&emu, "/api/orders").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["route"], "api");
    assert_eq!(body["origin"]["name"], "api");
    let (_, body) = route(&emu, "/").await;
    assert_eq!(body["route"], "all");
    assert_eq!(body["origin"]["name"], "heavy");
    let share = |name: &str| {
        body["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["share"]
            .as_f64()
            .unwrap()
    };
    assert!((share("heavy") - 0.9).abs() < 1e-9 && (share("light") - 0.1).abs() < 1e-9);

    emu.post(
        "/_emulator/origins/health",
        "",
        Some(json!({"hostName": "HEAVY.example.com", "healthy": false})),
    )
    .await;
    let (_, body) = route(&emu, "/").await;
    assert_eq!(body["origin"]["name"], "light");

    let r = emu.get("/_emulator/frontdoor/nope/shop/route?path=/", "").await;
    assert_eq!(r.status, 404);
    let r = emu
        .get("/_emulator/frontdoor/afd-shop/nope/route?path=/", "")
        .await;
    assert_eq!(r.status, 404);
    emu.stop().await;
}
