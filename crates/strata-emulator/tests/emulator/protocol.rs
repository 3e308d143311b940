//! The generic ARM layer: api-version, request ids, envelopes, subscriptions, names, generic types.

use reqwest::Method;
use serde_json::json;
use strata_emulator::{DEFAULT_SUBSCRIPTION_ID, Latency};

use crate::support::{Emu, NET, RES, SUB, net, rg};

#[tokio::test]
async fn api_version_is_required() {
    let emu = Emu::start(Latency::none()).await;
    let r = emu.get(&rg("rg1"), "").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "MissingApiVersionParameter");
    assert_eq!(
        r.message(),
        "The api-version query parameter (?api-version=) is required for all requests."
    );
    assert!(
        r.header("x-ms-request-id").is_some(),
        "errors carry request ids too"
    );

    let r = emu.get(&rg("rg1"), "yesterday").await;
    assert_eq!((r.status, r.code()), (400, "InvalidApiVersionParameter"));

    emu.group("rg1").await;
    let r = emu
        .put(
            &net("rg1", "virtualNetworks/v1"),
            "2099-01-01",
            json!({"location": "westeurope"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "NoRegisteredProviderFound"));
    assert!(r.message().contains("'2099-01-01'"), "{}", r.message());
    emu.stop().await;
}

/// The current SDKs default to api-versions released after the emulator's type catalogue was
/// made: they are served (with the newest schema and a `Warning` header) unless api-versions
/// are strict; a version dated in the future never is.
#[tokio::test]
async fn versions_newer_than_the_catalogue() {
    let vnets = "Microsoft.Network/virtualNetworks";
    let catalogue = strata_azure::Catalogue::global().unwrap();
    let newest = catalogue.api_versions(vnets).last().unwrap().clone();
    let year: i32 = newest[..4].parse().unwrap();
    // The first of a month after the newest published version, and not after today.
    let today = chrono::Utc::now().date_naive();
    let later = (1..=12)
        .map(|m| format!("{year}-{m:02}-01"))
        .chain((1..=12).map(|m| format!("{}-{m:02}-01", year + 1)))
        .find(|v| {
            strata_azure::version::compare(v, &newest) == std::cmp::Ordering::Greater
                && chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").unwrap() <= today
        })
        .expect("a month between the catalogue and today");

    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let body = json!({"location": "westeurope",
        "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}});
    let r = emu
        .put(&net("rg1", "virtualNetworks/v1"), &later, body.clone())
        .await;
    assert!(r.status == 200 || r.status == 201, "{} {:?}", r.status, r.body);
    let warning = r.header("warning").expect("a Warning header").to_string();
    assert!(warning.starts_with("299 "), "{warning}");
    assert!(warning.contains(&later), "{warning}");
    let r = emu.get(&net("rg1", "virtualNetworks/v1"), &later).await;
    assert_eq!(r.status, 200);
    assert!(r.header("warning").is_some());
    // Published versions carry no warning.
    let r = emu.get(&net("rg1", "virtualNetworks/v1"), NET).await;
    assert_eq!(r.status, 200);
    assert!(r.header("warning").is_none());
    emu.stop().await;

    let emu = Emu::start_with(strata_emulator::EmulatorConfig {
        latency: Latency::none(),
        strict_api_versions: true,
        ..Default::default()
    })
    .await;
    emu.group("rg1").await;
    let r = emu.put(&net("rg1", "virtualNetworks/v1"), &later, body).await;
    assert_eq!((r.status, r.code()), (400, "NoRegisteredProviderFound"));
    assert!(r.message().contains(&format!("'{later}'")), "{}", r.message());
    assert!(r.message().contains("'westeurope'"), "{}", r.message());
    let r = emu.get(&rg("rg1"), RES).await;
    assert_eq!(r.status, 200, "published versions still work");
    emu.stop().await;
}

/// Bodies are checked like ARM checks them against the published definitions: what a type
/// does not publish and read-only properties are dropped silently; wrong types are refused with
/// the provider's code; strict bodies refuse what would be dropped.
#[tokio::test]
async fn bodies_follow_the_published_definitions() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let body = json!({"location": "westeurope",
        "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]},
                       "madeUpSetting": true, "resourceGuid": "mine"}});
    let vnet = net("rg1", "virtualNetworks/v1");
    let r = emu.put(&vnet, NET, body.clone()).await;
    assert!(r.status == 200 || r.status == 201, "{:?}", r.body);
    let r = emu.get(&vnet, NET).await;
    assert!(r.body["properties"].get("madeUpSetting").is_none(), "{}", r.body);
    assert_ne!(
        r.body["properties"]["resourceGuid"], "mine",
        "read-only: Azure's own"
    );
    let r = emu
        .put(
            &vnet,
            NET,
            json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": 7}}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidRequestFormat"));
    assert_eq!(
        r.body["error"]["target"],
        "properties.addressSpace.addressPrefixes"
    );
    emu.stop().await;

    let emu = Emu::start_with(strata_emulator::EmulatorConfig {
        latency: Latency::none(),
        strict_bodies: true,
        ..Default::default()
    })
    .await;
    emu.group("rg1").await;
    let r = emu.put(&vnet, NET, body).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("madeUpSetting"), "{}", r.message());
    emu.stop().await;
}

/// `If-Match` and `If-None-Match` on any resource with an etag: a stale etag or a create over
/// an existing resource answers 412 `PreconditionFailed`, and nothing changes.
#[tokio::test]
async fn conditional_writes_follow_the_etag() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = net("rg1", "virtualNetworks/v1");
    let body = json!({"location": "westeurope",
        "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}});
    emu.create(&vnet, NET, body.clone()).await;
    let etag = emu.get(&vnet, NET).await.body["etag"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("{}{vnet}?api-version={NET}", emu.base);
    let send = |method: Method, header: &'static str, value: String, body: Option<serde_json::Value>| {
        let mut req = emu.client.request(method, &url).header(header, value);
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        req.send()
    };
    let r = send(Method::PUT, "if-match", "W/\"stale\"".into(), Some(body.clone()))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 412);
    let err: serde_json::Value = r.json().await.unwrap();
    assert_eq!(err["error"]["code"], "PreconditionFailed");
    let r = send(Method::PUT, "if-none-match", "*".into(), Some(body.clone()))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 412);
    let r = send(Method::DELETE, "if-match", "\"stale\"".into(), None)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 412);
    assert_eq!(emu.get(&vnet, NET).await.status, 200, "nothing deleted");
    let r = send(Method::PUT, "if-match", etag, Some(body.clone()))
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    // A create guarded by If-None-Match goes through when nothing is there.
    let other = format!(
        "{}{}?api-version={NET}",
        emu.base,
        net("rg1", "virtualNetworks/v2")
    );
    let r = emu
        .client
        .put(&other)
        .header("if-none-match", "*")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    emu.stop().await;
}

#[tokio::test]
async fn every_response_carries_request_ids() {
    let emu = Emu::start(Latency::none()).await;
    let url = format!("{}/subscriptions?api-version={RES}", emu.base);

    let r = emu.client.get(&url).send().await.unwrap();
    let h = r.headers();
    let request_id = h["x-ms-request-id"].to_str().unwrap().to_string();
    let correlation = h["x-ms-correlation-request-id"].to_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&request_id).is_ok());
    assert!(uuid::Uuid::parse_str(&correlation).is_ok());
    assert!(
        h["x-ms-routing-request-id"]
            .to_str()
            .unwrap()
            .ends_with(&correlation)
    );
    assert!(h["server"].to_str().unwrap().starts_with("strata-emulator"));
    assert!(h.get("x-ms-client-request-id").is_none());

    let mine = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let r = emu
        .client
        .get(&url)
        .header("x-ms-correlation-request-id", mine)
        .header("x-ms-client-request-id", "client-1")
        .header("x-ms-return-client-request-id", "true")
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert_eq!(h["x-ms-correlation-request-id"], mine);
    assert_eq!(h["x-ms-client-request-id"], "client-1");
    assert_ne!(
        h["x-ms-request-id"].to_str().unwrap(),
        request_id,
        "request ids are new each time"
    );
    emu.stop().await;
}

#[tokio::test]
async fn bad_bodies_and_paths() {
    let emu = Emu::start(Latency::none()).await;
    let url = format!("{}{}?api-version={RES}", emu.base, rg("rg1"));
    let r = emu.client.put(&url).body("{\"location\": ").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidRequestContent");

    let r = emu.put(&rg("rg1"), RES, json!(["westeurope"])).await;
    assert_eq!(r.code(), "InvalidRequestContent");

    let r = emu.get("/subscriptions/not-a-guid/resourcegroups", RES).await;
    assert_eq!((r.status, r.code()), (400, "InvalidSubscriptionId"));

    let r = emu.get("/tenants", RES).await;
    assert_eq!(r.status, 404);
    assert!(r.message().contains("strata emulator"), "{}", r.message());
    emu.stop().await;
}

#[tokio::test]
async fn subscriptions_are_listed() {
    let emu = Emu::start(Latency::none()).await;
    let r = emu.get("/subscriptions", "2022-12-01").await;
    assert_eq!(r.status, 200);
    let ids: Vec<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subscriptionId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [DEFAULT_SUBSCRIPTION_ID]);

    emu.group("rg1").await;
    let r = emu.get("/subscriptions", "2022-12-01").await;
    let ids: Vec<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subscriptionId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [DEFAULT_SUBSCRIPTION_ID, SUB]);
    assert!(
        r.body["value"][1]["displayName"]
            .as_str()
            .unwrap()
            .contains("emulator")
    );

    let r = emu.get(&format!("/subscriptions/{SUB}"), "2022-12-01").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["id"], format!("/subscriptions/{SUB}"));
    assert_eq!(r.body["state"], "Enabled");

    let r = emu
        .get(&format!("/subscriptions/{SUB}/providers"), "2021-04-01")
        .await;
    let namespaces: Vec<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["namespace"].as_str().unwrap())
        .collect();
    for ns in [
        "Microsoft.Network",
        "Microsoft.Storage",
        "Microsoft.KeyVault",
        "Microsoft.Compute",
    ] {
        assert!(namespaces.contains(&ns), "{namespaces:?}");
    }
    let r = emu
        .get(
            &format!("/subscriptions/{SUB}/providers/Microsoft.Network"),
            "2021-04-01",
        )
        .await;
    assert_eq!(r.body["registrationState"], "Registered");
    // The provider lists what Microsoft publishes: every type and api-version of the catalogue,
    // newest first, including types the emulator has no rules of its own for.
    let catalogue = strata_azure::Catalogue::global().unwrap();
    let types = r.body["resourceTypes"].as_array().unwrap();
    let published = catalogue
        .resource_types()
        .filter(|e| e.name.to_ascii_lowercase().starts_with("microsoft.network/"))
        .count();
    assert_eq!(types.len(), published);
    let vnets = types
        .iter()
        .find(|t| t["resourceType"] == "virtualNetworks")
        .unwrap();
    let mut expected = catalogue
        .api_versions("Microsoft.Network/virtualNetworks")
        .to_vec();
    expected.reverse();
    let listed: Vec<String> = vnets["apiVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    for v in &expected {
        assert!(listed.contains(v), "{v} missing");
    }
    assert_eq!(listed[0], expected[0], "newest first");
    assert!(
        types.iter().any(|t| t["resourceType"] == "firewallPolicies"),
        "types without emulator rules are listed too"
    );
    let r = emu
        .get(&format!("/subscriptions/{SUB}/providers"), "2021-04-01")
        .await;
    let all = r.body["value"].as_array().unwrap();
    assert!(
        all.iter().any(|p| p["namespace"] == "Microsoft.ContainerService"),
        "every published namespace is listed"
    );
    emu.stop().await;
}

#[tokio::test]
async fn names_follow_azure_rules() {
    let emu = Emu::start(Latency::none()).await;
    let r = emu
        .put(&rg("bad%23name"), RES, json!({"location": "westeurope"}))
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidResourceGroup"));
    let r = emu.put(&rg("rg."), RES, json!({"location": "westeurope"})).await;
    assert_eq!(r.code(), "InvalidResourceGroup");

    emu.group("rg1").await;
    let vnet = json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}});
    for bad in ["v", "-vnet", "vnet-", "vn%20et"] {
        let r = emu
            .put(&net("rg1", &format!("virtualNetworks/{bad}")), NET, vnet.clone())
            .await;
        assert_eq!((r.status, r.code()), (400, "InvalidResourceName"), "{bad}: {r:?}");
        assert!(r.message().contains("is invalid"), "{}", r.message());
    }
    let long = "s".repeat(81);
    let r = emu
        .put(&net("rg1", "virtualNetworks/vnet1"), NET, vnet.clone())
        .await;
    assert_eq!(r.status, 201);
    let r = emu
        .put(
            &net("rg1", &format!("virtualNetworks/vnet1/subnets/{long}")),
            NET,
            json!({"properties": {"addressPrefix": "10.0.1.0/24"}}),
        )
        .await;
    assert_eq!(r.code(), "InvalidResourceName");
    let r = emu.put(&net("rg1", "virtualNetworks/vnet_"), NET, vnet).await;
    assert_eq!(r.status, 201, "a trailing underscore is allowed");
    emu.stop().await;
}

#[tokio::test]
async fn generic_resources_are_stored_synchronously() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let path = format!("{}/providers/Contoso.Widgets/gadgets/G1", rg("rg1"));
    let body = json!({
        "id": "ignored", "name": "ignored", "location": "West Europe",
        "tags": {"env": "dev"}, "sku": {"name": "S1"},
        "properties": {"size": 3, "nested": {"a": 1, "b": 2}}
    });
    let r = emu.put(&path, "2023-01-01-preview", body.clone()).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["id"], path);
    assert_eq!(r.body["name"], "G1");
    assert_eq!(r.body["type"], "Contoso.Widgets/gadgets");
    assert_eq!(r.body["location"], "westeurope");
    assert_eq!(r.state(), "Succeeded");
    assert_eq!(r.body["properties"]["size"], 3);
    assert!(r.header("azure-asyncoperation").is_none());

    assert_eq!(emu.put(&path, "2023-01-01-preview", body).await.status, 200);

    // Case-insensitive matching; the casing of the first create is returned.
    let r = emu.get(&path.to_uppercase(), "2023-01-01-preview").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["id"], path);

    let r = emu
        .patch(
            &path,
            "2023-01-01-preview",
            json!({"tags": {"team": "a"}, "properties": {"nested": {"a": null, "c": 3}}}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["tags"], json!({"team": "a"}));
    assert_eq!(r.body["properties"]["nested"], json!({"b": 2, "c": 3}));
    assert_eq!(r.body["properties"]["size"], 3);

    let r = emu
        .put(
            &format!("{path}/parts/p1"),
            "2023-01-01-preview",
            json!({"properties": {}}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["type"], "Contoso.Widgets/gadgets/parts");
    let r = emu
        .put(
            &format!("{}/providers/Contoso.Widgets/gadgets/nope/parts/p1", rg("rg1")),
            "2023-01-01",
            json!({}),
        )
        .await;
    assert_eq!((r.status, r.code()), (404, "ParentResourceNotFound"));
    assert_eq!(
        r.message(),
        "Can not perform requested operation on nested resource. Parent resource 'nope' not found."
    );

    let r = emu.call(Method::HEAD, &path, "2023-01-01", None).await;
    assert_eq!(r.status, 204);
    let r = emu
        .call(Method::POST, &format!("{path}/listKeys"), "2023-01-01", None)
        .await;
    assert_eq!(r.status, 404, "no actions on generic types");
    assert!(r.message().contains("strata emulator"), "{}", r.message());
    let r = emu
        .call(Method::POST, &format!("{path}x/listKeys"), "2023-01-01", None)
        .await;
    assert_eq!(r.code(), "ResourceNotFound");
    assert_eq!(emu.delete(&path, "2023-01-01").await.status, 200);
    assert_eq!(emu.delete(&path, "2023-01-01").await.status, 204);
    let r = emu.get(&format!("{path}/parts/p1"), "2023-01-01").await;
    assert_eq!(
        (r.status, r.code()),
        (404, "ResourceNotFound"),
        "children go with their parent"
    );
    let r = emu.get(&path, "2023-01-01").await;
    assert_eq!(
        r.message(),
        "The Resource 'Contoso.Widgets/gadgets/G1' under resource group 'rg1' was not found. \
         For more details please go to https://aka.ms/ARMResourceNotFoundFix"
    );
    let r = emu.patch(&path, "2023-01-01", json!({"tags": {}})).await;
    assert_eq!((r.status, r.code()), (404, "ResourceNotFound"));

    let r = emu
        .get(
            &format!("{}/providers/Contoso.Widgets/gadgets/x", rg("nope")),
            "2023-01-01",
        )
        .await;
    assert_eq!((r.status, r.code()), (404, "ResourceGroupNotFound"));
    assert_eq!(r.message(), "Resource group 'nope' could not be found.");
    emu.stop().await;
}
