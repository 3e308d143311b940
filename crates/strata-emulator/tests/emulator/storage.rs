//! Storage accounts, keys, names, blob service and containers.

use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{Emu, RES, STORAGE, SUB, SUB2, res, res_in, rg};

fn account(sku: &str) -> Value {
    json!({"location": "westeurope", "sku": {"name": sku}, "kind": "StorageV2"})
}

fn path(rg_name: &str, name: &str) -> String {
    res(rg_name, &format!("Microsoft.Storage/storageAccounts/{name}"))
}

#[tokio::test]
async fn accounts_are_created_the_legacy_way() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let acct = path("rg1", "stshopdev01");
    let r = emu.put(&acct, STORAGE, account("Standard_RAGRS")).await;
    assert_eq!(r.status, 202, "{r:?}");
    assert!(r.body.is_null(), "a 202 has no body");
    let location = r.header("location").unwrap();
    assert!(
        location.starts_with(&format!(
            "{}/subscriptions/{SUB}/providers/Microsoft.Storage/operations/",
            emu.base
        )) && location.contains("monitor=true"),
        "{location}"
    );
    assert!(r.header("retry-after").is_some());
    assert!(r.header("azure-asyncoperation").is_none());

    let done = emu.wait_location(&r).await;
    assert_eq!(done.status, 200);
    let doc = &done.body;
    assert_eq!(doc["id"], acct);
    assert_eq!(doc["sku"], json!({"name": "Standard_RAGRS", "tier": "Standard"}));
    let p = &doc["properties"];
    assert_eq!(p["provisioningState"], "Succeeded");
    assert_eq!(
        p["primaryEndpoints"]["blob"],
        "https://stshopdev01.blob.core.windows.net/"
    );
    assert_eq!(
        p["primaryEndpoints"]["dfs"],
        "https://stshopdev01.dfs.core.windows.net/"
    );
    assert_eq!(p["secondaryLocation"], "northeurope");
    assert_eq!(
        p["secondaryEndpoints"]["blob"],
        "https://stshopdev01-secondary.blob.core.windows.net/"
    );
    assert!(p["creationTime"].is_string());
    // Secure defaults.
    assert_eq!(p["supportsHttpsTrafficOnly"], true);
    assert_eq!(p["minimumTlsVersion"], "TLS1_2");
    assert_eq!(p["allowBlobPublicAccess"], false);
    assert_eq!(p["encryption"]["services"]["blob"]["enabled"], true);

    // An identical PUT: 200 at once.
    let again = emu.put(&acct, STORAGE, account("Standard_RAGRS")).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["properties"]["creationTime"], p["creationTime"]);
    // A changed one updates, synchronously too.
    let mut changed = account("Standard_LRS");
    changed["properties"] = json!({"minimumTlsVersion": "TLS1_3"});
    let r = emu.put(&acct, STORAGE, changed).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["properties"]["minimumTlsVersion"], "TLS1_3");
    assert!(r.body["properties"].get("secondaryLocation").is_none());

    let r = emu
        .patch(
            &acct,
            STORAGE,
            json!({"tags": {"env": "dev"}, "properties": {"accessTier": "Cool"}}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["tags"], json!({"env": "dev"}));
    assert_eq!(r.body["properties"]["accessTier"], "Cool");
    assert_eq!(r.body["properties"]["minimumTlsVersion"], "TLS1_3");

    // Keys: two, stable, regenerated one at a time, never in the document.
    let keys = emu.post(&format!("{acct}/listKeys"), STORAGE, None).await;
    assert_eq!(keys.status, 200);
    let key1 = keys.body["keys"][0]["value"].as_str().unwrap().to_string();
    let key2 = keys.body["keys"][1]["value"].as_str().unwrap().to_string();
    assert_eq!(keys.body["keys"][0]["keyName"], "key1");
    assert_eq!(keys.body["keys"][1]["permissions"], "FULL");
    assert_eq!(key1.len(), 88);
    assert_ne!(key1, key2);
    let again = emu.post(&format!("{acct}/listKeys"), STORAGE, None).await;
    assert_eq!(again.body, keys.body, "keys are stable");
    let doc = emu.get(&acct, STORAGE).await.body.to_string();
    assert!(
        !doc.contains(&key1) && !doc.contains(&key2),
        "keys never appear in the account"
    );
    let r = emu
        .post(
            &format!("{acct}/regenerateKey"),
            STORAGE,
            Some(json!({"keyName": "key1"})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_ne!(r.body["keys"][0]["value"], key1.as_str());
    assert_eq!(r.body["keys"][1]["value"], key2.as_str());
    let r = emu
        .post(
            &format!("{acct}/regenerateKey"),
            STORAGE,
            Some(json!({"keyName": "key3"})),
        )
        .await;
    assert_eq!(r.code(), "InvalidValuesForRequestParameters");

    let r = emu.delete(&acct, STORAGE).await;
    assert_eq!(r.status, 200, "DELETE is synchronous");
    assert_eq!(emu.get(&acct, STORAGE).await.status, 404);
    assert_eq!(emu.delete(&acct, STORAGE).await.status, 204);
    emu.stop().await;
}

#[tokio::test]
async fn accounts_are_404_until_created() {
    let emu = Emu::start(Latency::parse("default=0s,Microsoft.Storage/storageAccounts=60s").unwrap()).await;
    emu.group("rg1").await;
    emu.group_in(SUB2, "other").await;
    let acct = path("rg1", "stslow");
    let first = emu.put(&acct, STORAGE, account("Standard_LRS")).await;
    assert_eq!(first.status, 202);
    assert_eq!(first.header("retry-after"), Some("1"));
    let r = emu.get(&acct, STORAGE).await;
    assert_eq!((r.status, r.code()), (404, "ResourceNotFound"));
    let list = emu.get(&format!("{}/resources", rg("rg1")), RES).await;
    assert_eq!(list.body["value"], json!([]), "not listed either");
    assert_eq!(
        emu.post(&format!("{acct}/listKeys"), STORAGE, None).await.status,
        404
    );
    // Asking again answers with the same operation.
    let second = emu.put(&acct, STORAGE, account("Standard_LRS")).await;
    assert_eq!(second.status, 202);
    assert_eq!(second.header("location"), first.header("location"));
    assert_eq!(emu.get(first.header("location").unwrap(), "").await.status, 202);
    // The name is taken already.
    let r = emu
        .put(
            &res_in(SUB2, "other", "Microsoft.Storage/storageAccounts/stslow"),
            STORAGE,
            account("Standard_LRS"),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "StorageAccountAlreadyTaken"));
    emu.stop().await;
}

#[tokio::test]
async fn account_names_are_global() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    emu.group("rg2").await;
    emu.group_in(SUB2, "other").await;
    emu.create(&path("rg1", "stglobal"), STORAGE, account("Standard_LRS"))
        .await;

    let r = emu
        .put(&path("rg2", "stglobal"), STORAGE, account("Standard_LRS"))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (409, "StorageAccountInAnotherResourceGroup")
    );
    let r = emu
        .put(
            &res_in(SUB2, "other", "Microsoft.Storage/storageAccounts/stglobal"),
            STORAGE,
            account("Standard_LRS"),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "StorageAccountAlreadyTaken"));
    assert_eq!(
        r.message(),
        "The storage account named stglobal is already taken."
    );

    let check = |name: &str| json!({"name": name, "type": "Microsoft.Storage/storageAccounts"});
    let url = format!("/subscriptions/{SUB2}/providers/Microsoft.Storage/checkNameAvailability");
    let r = emu.post(&url, STORAGE, Some(check("stglobal"))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["nameAvailable"], false);
    assert_eq!(r.body["reason"], "AlreadyExists");
    let r = emu.post(&url, STORAGE, Some(check("Bad_Name"))).await;
    assert_eq!(r.body["reason"], "AccountNameInvalid");
    let r = emu.post(&url, STORAGE, Some(check("stfree"))).await;
    assert_eq!(r.body, json!({"nameAvailable": true}));

    let r = emu
        .put(&path("rg1", "Bad_Name"), STORAGE, account("Standard_LRS"))
        .await;
    assert_eq!((r.status, r.code()), (400, "AccountNameInvalid"));
    let r = emu
        .put(&path("rg1", "stbadsku"), STORAGE, account("Standard_XYZ"))
        .await;
    assert_eq!(r.code(), "InvalidValuesForRequestParameters");
    let r = emu
        .put(
            &path("rg1", "stnokind"),
            STORAGE,
            json!({"location": "westeurope", "sku": {"name": "Standard_LRS"}}),
        )
        .await;
    assert_eq!(r.status, 400);
    let mut long_tag = account("Standard_LRS");
    long_tag["tags"] = json!({ "k".repeat(129): "v" });
    assert_eq!(
        emu.put(&path("rg1", "sttags"), STORAGE, long_tag).await.code(),
        "MaxTagKeyLengthExceeded"
    );

    emu.remove(&path("rg1", "stglobal"), STORAGE).await;
    let r = emu.post(&url, STORAGE, Some(check("stglobal"))).await;
    assert_eq!(r.body["nameAvailable"], true, "a deleted account frees its name");
    emu.stop().await;
}

#[tokio::test]
async fn blob_service_and_containers() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let acct = path("rg1", "stblobs");
    emu.create(&acct, STORAGE, account("Standard_LRS")).await;
    let service = format!("{acct}/blobServices/default");
    let r = emu.get(&service, STORAGE).await;
    assert_eq!(r.status, 200, "every account has its blob service");
    assert_eq!(r.body["properties"]["deleteRetentionPolicy"]["enabled"], false);

    let r = emu
        .put(
            &service,
            STORAGE,
            json!({"properties": {"isVersioningEnabled": true,
                "deleteRetentionPolicy": {"enabled": true, "days": 7},
                "containerDeleteRetentionPolicy": {"enabled": true, "days": 7}}}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["properties"]["isVersioningEnabled"], true);
    let r = emu
        .put(
            &service,
            STORAGE,
            json!({"properties": {"deleteRetentionPolicy": {"enabled": true, "days": 400}}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidValuesForRequestParameters"));
    let r = emu
        .put(
            &format!("{acct}/blobServices/other"),
            STORAGE,
            json!({"properties": {}}),
        )
        .await;
    assert_eq!(r.status, 400);

    let container = format!("{service}/containers/assets");
    let r = emu.put(&container, STORAGE, json!({})).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["properties"]["publicAccess"], "None");
    assert_eq!(
        r.body["type"],
        "Microsoft.Storage/storageAccounts/blobServices/containers"
    );
    assert_eq!(emu.put(&container, STORAGE, json!({})).await.status, 200);
    let r = emu
        .put(
            &format!("{service}/containers/public"),
            STORAGE,
            json!({"properties": {"publicAccess": "Blob"}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "PublicAccessNotPermitted"));
    let r = emu
        .put(&format!("{service}/containers/Bad--Name"), STORAGE, json!({}))
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidResourceName"));
    let r = emu
        .put(
            &format!("{acct}/blobServices/other/containers/cont"),
            STORAGE,
            json!({}),
        )
        .await;
    assert_eq!(r.code(), "ParentResourceNotFound", "the parent must be `default`");

    emu.patch(
        &acct,
        STORAGE,
        json!({"properties": {"allowBlobPublicAccess": true}}),
    )
    .await;
    let r = emu
        .put(
            &format!("{service}/containers/public"),
            STORAGE,
            json!({"properties": {"publicAccess": "Blob"}}),
        )
        .await;
    assert_eq!(r.status, 201);
    let list = emu.get(&format!("{service}/containers"), STORAGE).await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 2);

    assert_eq!(emu.delete(&container, STORAGE).await.status, 200);
    assert_eq!(emu.delete(&container, STORAGE).await.status, 204);
    emu.remove(&acct, STORAGE).await;
    assert_eq!(
        emu.get(&format!("{service}/containers/public"), STORAGE)
            .await
            .status,
        404
    );
    emu.stop().await;
}
