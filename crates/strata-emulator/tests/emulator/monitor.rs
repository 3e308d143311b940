//! Log Analytics workspaces, Application Insights and diagnostic settings.

use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{AI, DS, Emu, LAW, NET, RES, STORAGE, SUB, net, res, rg};

fn workspace(retention: i64) -> Value {
    json!({"location": "westeurope", "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": retention}})
}

fn ws_path(name: &str) -> String {
    res("rg1", &format!("Microsoft.OperationalInsights/workspaces/{name}"))
}

#[tokio::test]
async fn workspaces_soft_delete_and_recover() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let ws = ws_path("log-shop");
    let r = emu.put(&ws, LAW, workspace(30)).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.state(), "Creating");
    let doc = emu.poll_resource(&ws, LAW).await.body;
    assert_eq!(doc["properties"]["provisioningState"], "Succeeded");
    let customer = doc["properties"]["customerId"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&customer).is_ok());
    assert_eq!(
        doc["properties"]["features"]["enableLogAccessUsingOnlyResourcePermissions"],
        true
    );
    assert_eq!(emu.put(&ws, LAW, workspace(90)).await.status, 200);

    for bad in [10, 731] {
        let r = emu.put(&ws_path("log-bad"), LAW, workspace(bad)).await;
        assert_eq!((r.status, r.code()), (400, "InvalidParameter"), "{bad}");
    }
    let r = emu
        .put(
            &ws_path("log-bad"),
            LAW,
            json!({"location": "westeurope", "properties": {"sku": {}}}),
        )
        .await;
    assert_eq!(r.status, 400, "sku.name is required within sku");
    let free = json!({"location": "westeurope", "properties": {"sku": {"name": "Free"}}});
    assert_eq!(
        emu.create(&ws_path("log-free"), LAW, free).await["properties"]["retentionInDays"],
        7
    );

    // Soft delete: listed, then recovered by re-creating it, with its customer id.
    assert_eq!(emu.delete(&ws, LAW).await.status, 200);
    assert_eq!(emu.get(&ws, LAW).await.status, 404);
    let deleted = emu
        .get(
            &format!("/subscriptions/{SUB}/providers/Microsoft.OperationalInsights/deletedWorkspaces"),
            LAW,
        )
        .await;
    assert_eq!(deleted.body["value"][0]["name"], "log-shop");
    let in_group = emu
        .get(
            &format!(
                "{}/providers/Microsoft.OperationalInsights/deletedWorkspaces",
                rg("rg1")
            ),
            LAW,
        )
        .await;
    assert_eq!(in_group.body["value"].as_array().unwrap().len(), 1);
    let mut moved = workspace(30);
    moved["location"] = json!("eastus");
    assert_eq!(emu.put(&ws, LAW, moved).await.status, 409);
    let back = emu.create(&ws, LAW, workspace(30)).await;
    assert_eq!(back["properties"]["customerId"], customer.as_str());

    // `force=true` purges.
    assert_eq!(emu.delete(&format!("{ws}?force=true"), LAW).await.status, 200);
    let deleted = emu
        .get(
            &format!("/subscriptions/{SUB}/providers/Microsoft.OperationalInsights/deletedWorkspaces"),
            LAW,
        )
        .await;
    assert_eq!(deleted.body["value"], json!([]));
    let fresh = emu.create(&ws, LAW, workspace(30)).await;
    assert_ne!(fresh["properties"]["customerId"], customer.as_str());
    emu.stop().await;
}

#[tokio::test]
async fn application_insights_is_synchronous() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let ws = ws_path("log-ai");
    emu.create(&ws, LAW, workspace(30)).await;
    let ai = res("rg1", "Microsoft.Insights/components/appi-shop");
    let body = json!({"location": "westeurope", "kind": "web",
        "properties": {"Application_Type": "web", "WorkspaceResourceId": ws}});
    let r = emu.put(&ai, AI, body.clone()).await;
    assert_eq!(r.status, 200, "even a new component answers 200: {r:?}");
    assert!(r.header("azure-asyncoperation").is_none() && r.header("location").is_none());
    let p = &r.body["properties"];
    let key = p["InstrumentationKey"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&key).is_ok());
    let app_id = p["AppId"].as_str().unwrap();
    assert_eq!(
        p["ConnectionString"],
        format!(
            "InstrumentationKey={key};IngestionEndpoint=https://westeurope-0.in.applicationinsights.azure.com/;\
             LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId={app_id}"
        )
    );
    assert_eq!(p["provisioningState"], "Succeeded");
    assert_eq!(p["IngestionMode"], "LogAnalytics");
    let again = emu.put(&ai, AI, body).await;
    assert_eq!(
        again.body["properties"]["InstrumentationKey"],
        key.as_str(),
        "the key is stable"
    );

    let r = emu
        .put(
            &res("rg1", "Microsoft.Insights/components/no-kind"),
            AI,
            json!({"location": "westeurope", "properties": {"Application_Type": "web"}}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = emu
        .put(
            &res("rg1", "Microsoft.Insights/components/no-type"),
            AI,
            json!({"location": "westeurope", "kind": "web", "properties": {}}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = emu.put(&res("rg1", "Microsoft.Insights/components/no-ws"), AI,
        json!({"location": "westeurope", "kind": "web", "properties": {"Application_Type": "web", "WorkspaceResourceId": ws_path("nope")}})).await;
    assert_eq!(r.status, 400);
    let r = emu.patch(&ai, AI, json!({"tags": {"env": "dev"}})).await;
    assert_eq!((r.status, &r.body["tags"]), (200, &json!({"env": "dev"})));
    assert_eq!(emu.delete(&ai, AI).await.status, 200);
    assert_eq!(emu.delete(&ai, AI).await.status, 204);
    emu.stop().await;
}

fn setting(workspace: &str) -> Value {
    json!({"properties": {
        "workspaceId": workspace,
        "logs": [{"categoryGroup": "allLogs", "enabled": true}],
        "metrics": [{"category": "AllMetrics", "enabled": true}]
    }})
}

#[tokio::test]
async fn diagnostic_settings_are_extension_resources() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let ws = ws_path("log-diag");
    emu.create(&ws, LAW, workspace(30)).await;
    let vnet = emu.network("rg1", &[("app", "10.0.1.0/24", None)]).await;
    let ds = |name: &str| format!("{vnet}/providers/Microsoft.Insights/diagnosticSettings/{name}");

    let r = emu.put(&ds("to-law"), DS, setting(&ws)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.header("azure-asyncoperation").is_none());
    assert_eq!(r.body["id"], ds("to-law"));
    assert_eq!(r.body["type"], "Microsoft.Insights/diagnosticSettings");
    assert_eq!(r.body["properties"]["workspaceId"], ws);
    assert_eq!(emu.put(&ds("to-law"), DS, setting(&ws)).await.status, 200);
    assert_eq!(emu.get(&ds("to-law"), DS).await.status, 200);

    // Destinations: at least one, and they exist.
    let r = emu
        .put(
            &ds("nowhere"),
            DS,
            json!({"properties": {"logs": [{"categoryGroup": "allLogs", "enabled": true}]}}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = emu.put(&ds("missing"), DS, setting(&ws_path("nope"))).await;
    assert_eq!(r.status, 400);
    let r = emu
        .put(
            &ds("no-enabled"),
            DS,
            json!({"properties": {"workspaceId": ws, "logs": [{"categoryGroup": "allLogs"}]}}),
        )
        .await;
    assert_eq!(r.status, 400);
    // The target must exist.
    let r = emu
        .put(
            &format!(
                "{}/providers/Microsoft.Insights/diagnosticSettings/x",
                net("rg1", "virtualNetworks/nope")
            ),
            DS,
            setting(&ws),
        )
        .await;
    assert_eq!((r.status, r.code()), (404, "ResourceNotFound"));
    assert_eq!(
        emu.put(&ds("old-api"), "2099-01-01", setting(&ws)).await.code(),
        "NoRegisteredProviderFound"
    );

    // At most five per resource.
    for i in 2..=5 {
        assert_eq!(emu.put(&ds(&format!("s{i}")), DS, setting(&ws)).await.status, 200);
    }
    let r = emu.put(&ds("s6"), DS, setting(&ws)).await;
    assert_eq!(r.status, 409);
    assert_eq!(
        r.message(),
        "The limit of 5 diagnostic settings was reached. To create new setting 's6', delete an existing one."
    );
    assert_eq!(
        emu.put(&ds("s5"), DS, setting(&ws)).await.status,
        200,
        "updating one is fine"
    );
    let list = emu
        .get(
            &format!("{vnet}/providers/Microsoft.Insights/diagnosticSettings"),
            DS,
        )
        .await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 5);
    // Not listed among the group's resources.
    let resources = emu.get(&format!("{}/resources", rg("rg1")), RES).await;
    assert!(
        !resources.body.to_string().contains("diagnosticSettings"),
        "{}",
        resources.body
    );
    assert_eq!(emu.delete(&ds("s5"), DS).await.status, 200);
    assert_eq!(emu.delete(&ds("s5"), DS).await.status, 204);

    // They go with their resource.
    emu.remove(&vnet, NET).await;
    let vnet = emu.network("rg1", &[("app", "10.0.1.0/24", None)]).await;
    let list = emu
        .get(
            &format!("{vnet}/providers/Microsoft.Insights/diagnosticSettings"),
            DS,
        )
        .await;
    assert_eq!(list.body["value"], json!([]));

    // Any resource can have them, children included (a storage account's blob service).
    let acct = res("rg1", "Microsoft.Storage/storageAccounts/stdiag");
    emu.create(
        &acct,
        STORAGE,
        json!({"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}),
    )
    .await;
    let blob_ds = format!("{acct}/blobServices/default/providers/Microsoft.Insights/diagnosticSettings/blob");
    let r = emu.put(&blob_ds, DS, json!({"properties": {"storageAccountId": acct, "logs": [{"category": "StorageRead", "enabled": true}]}})).await;
    assert_eq!(r.status, 200, "{r:?}");
    emu.stop().await;
}

#[tokio::test]
async fn workspace_names_are_refused_as_log_analytics_does() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    for bad in ["law", "-law-shop", "law_shop", "law-shop-"] {
        let r = emu.put(&ws_path(bad), LAW, workspace(30)).await;
        assert_eq!((r.status, r.code()), (400, "InvalidParameter"), "{bad}: {r:?}");
        assert!(r.message().contains(bad), "{}", r.message());
    }
    emu.create(&ws_path("law-shop-1"), LAW, workspace(30)).await;
    emu.stop().await;
}
