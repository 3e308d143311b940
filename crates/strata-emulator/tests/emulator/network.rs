//! Virtual networks and subnets.

use reqwest::Method;
use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{Emu, NET, SUB, net};

fn vnet(subnets: Option<Value>) -> Value {
    let mut props = json!({"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}});
    if let Some(s) = subnets {
        props["subnets"] = s;
    }
    json!({"location": "westeurope", "properties": props})
}

fn subnet(name: &str, prefix: &str) -> Value {
    json!({"name": name, "properties": {"addressPrefix": prefix}})
}

fn names(doc: &Value) -> Vec<String> {
    doc["properties"]["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn vnet_with_inline_subnets() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let path = net("rg1", "virtualNetworks/vnet1");
    let mut body = vnet(Some(json!([
        subnet("app", "10.0.1.0/24"),
        subnet("data", "10.0.2.0/24")
    ])));
    // Read-only values sent by the client are ignored.
    body["properties"]["provisioningState"] = json!("Failed");
    body["properties"]["resourceGuid"] = json!("mine");
    body["etag"] = json!("W/\"mine\"");

    let r = emu.put(&path, NET, body).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.state(), "Updating");
    let status_url = r.header("azure-asyncoperation").unwrap();
    assert!(
        status_url.starts_with(&format!(
            "{}/subscriptions/{SUB}/providers/Microsoft.Network/locations/westeurope/operations/",
            emu.base
        )),
        "{status_url}"
    );
    assert!(status_url.ends_with(&format!("?api-version={NET}")));
    assert!(r.header("retry-after").is_some());
    let status = emu.wait(&r).await;
    assert_eq!(status["status"], "Succeeded");
    assert!(status["endTime"].is_string());

    let r = emu.get(&path, NET).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.state(), "Succeeded");
    assert_eq!(r.body["type"], "Microsoft.Network/virtualNetworks");
    let etag = r.body["etag"].as_str().unwrap().to_string();
    assert!(etag.starts_with("W/\"") && etag != "W/\"mine\"", "{etag}");
    let guid = r.body["properties"]["resourceGuid"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(guid).is_ok());
    assert_eq!(names(&r.body), ["app", "data"]);
    let app = &r.body["properties"]["subnets"][0];
    assert_eq!(app["id"], format!("{path}/subnets/app"));
    assert_eq!(app["type"], "Microsoft.Network/virtualNetworks/subnets");
    assert_eq!(app["etag"], etag.as_str());
    assert_eq!(app["properties"]["addressPrefix"], "10.0.1.0/24");
    assert_eq!(app["properties"]["provisioningState"], "Succeeded");
    assert_eq!(app["properties"]["privateEndpointNetworkPolicies"], "Disabled");
    assert_eq!(app["properties"]["privateLinkServiceNetworkPolicies"], "Enabled");

    let s = emu.get(&format!("{path}/subnets/data"), NET).await;
    assert_eq!(s.status, 200);
    assert_eq!(s.body["name"], "data");

    // Identical PUT: 200, and a new etag.
    let r = emu
        .put(
            &path,
            NET,
            vnet(Some(json!([
                subnet("app", "10.0.1.0/24"),
                subnet("data", "10.0.2.0/24")
            ]))),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_ne!(r.body["etag"], etag.as_str());
    assert_eq!(r.body["properties"]["resourceGuid"], guid, "the guid is stable");
    emu.stop().await;
}

#[tokio::test]
async fn vnet_put_replaces_the_subnet_list() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let path = net("rg1", "virtualNetworks/vnet1");
    let three = json!([
        subnet("a", "10.0.1.0/24"),
        subnet("b", "10.0.2.0/24"),
        subnet("c", "10.0.3.0/24")
    ]);
    emu.wait(&emu.put(&path, NET, vnet(Some(three))).await).await;

    let r = emu
        .put(
            &path,
            NET,
            vnet(Some(json!([
                subnet("c", "10.0.3.0/24"),
                subnet("a", "10.0.1.0/24")
            ]))),
        )
        .await;
    assert_eq!(r.status, 200);
    emu.wait(&r).await;
    assert_eq!(names(&emu.get(&path, NET).await.body), ["c", "a"]);
    let r = emu.get(&format!("{path}/subnets/b"), NET).await;
    assert_eq!((r.status, r.code()), (404, "ResourceNotFound"));

    // The trap: a VNet PUT without `subnets` deletes them all.
    emu.wait(&emu.put(&path, NET, vnet(None)).await).await;
    assert!(names(&emu.get(&path, NET).await.body).is_empty());

    // A subnet in use cannot be dropped that way, nor deleted, nor its VNet.
    emu.wait(
        &emu.put(&path, NET, vnet(Some(json!([subnet("a", "10.0.1.0/24")]))))
            .await,
    )
    .await;
    let nic = net("rg1", "networkInterfaces/nic1");
    let r = emu
        .put(
            &nic,
            NET,
            json!({"location": "westeurope", "properties": {"ipConfigurations": [
                {"name": "ipconfig1", "properties": {"subnet": {"id": format!("{path}/subnets/A")}}}
            ]}}),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = emu.put(&path, NET, vnet(None)).await;
    assert_eq!((r.status, r.code()), (400, "InUseSubnetCannotBeDeleted"));
    assert!(
        r.message().starts_with(&format!("Subnet a is in use by {nic}")),
        "{}",
        r.message()
    );
    assert_eq!(
        emu.delete(&format!("{path}/subnets/a"), NET).await.code(),
        "InUseSubnetCannotBeDeleted"
    );
    assert_eq!(emu.delete(&path, NET).await.code(), "InUseSubnetCannotBeDeleted");
    assert_eq!(
        names(&emu.get(&path, NET).await.body),
        ["a"],
        "a failed PUT changes nothing"
    );

    // Once the user is gone, the subnet can go.
    let r = emu.delete(&nic, NET).await;
    assert_eq!(r.status, 202);
    emu.wait(&r).await;
    emu.wait(&emu.put(&path, NET, vnet(None)).await).await;
    emu.stop().await;
}

#[tokio::test]
async fn vnet_validation() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let path = net("rg1", "virtualNetworks/vnet1");
    let r = emu
        .put(&path, NET, json!({"location": "westeurope", "properties": {}}))
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidAddressSpace"));
    let r = emu
        .put(&path, NET, json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0"]}}}))
        .await;
    assert_eq!(r.code(), "InvalidAddressPrefixFormat");
    assert!(r.message().contains("is not formatted correctly"));
    let r = emu
        .put(
            &path,
            NET,
            json!({"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}),
        )
        .await;
    assert_eq!(r.code(), "LocationRequired");
    let r = emu
        .put(
            &path,
            NET,
            vnet(Some(json!([
                subnet("a", "10.0.1.0/24"),
                subnet("A", "10.0.2.0/24")
            ]))),
        )
        .await;
    assert_eq!(r.code(), "DuplicateResourceName");
    let r = emu
        .put(
            &path,
            NET,
            vnet(Some(json!([
                subnet("a", "10.0.0.0/23"),
                subnet("b", "10.0.1.0/24")
            ]))),
        )
        .await;
    assert_eq!(r.code(), "NetcfgSubnetRangesOverlap");
    let r = emu
        .put(&path, NET, vnet(Some(json!([subnet("a", "10.9.0.0/24")]))))
        .await;
    assert_eq!(r.code(), "NetcfgSubnetRangeOutsideVnet");
    assert_eq!(emu.get(&path, NET).await.status, 404, "nothing was written");

    emu.wait(&emu.put(&path, NET, vnet(None)).await).await;
    let mut moved = vnet(None);
    moved["location"] = json!("eastus");
    let r = emu.put(&path, NET, moved).await;
    assert_eq!((r.status, r.code()), (409, "InvalidResourceLocation"));
    emu.stop().await;
}

#[tokio::test]
async fn child_subnets() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let path = net("rg1", "virtualNetworks/vnet1");
    let r = emu
        .put(
            &format!("{path}/subnets/app"),
            NET,
            json!({"properties": {"addressPrefix": "10.0.1.0/24"}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (404, "ParentResourceNotFound"));
    emu.wait(
        &emu.put(&path, NET, vnet(Some(json!([subnet("app", "10.0.1.0/24")]))))
            .await,
    )
    .await;
    let etag = emu.get(&path, NET).await.body["etag"].clone();

    let data = format!("{path}/subnets/data");
    let put = |prefix: &str| json!({"properties": {"addressPrefix": prefix}});
    let r = emu.put(&data, NET, put("10.1.0.0/24")).await;
    assert_eq!((r.status, r.code()), (400, "NetcfgSubnetRangeOutsideVnet"));
    assert_eq!(
        r.message(),
        "Subnet 'data' is not valid because its IP address range is outside the IP address range of virtual network 'vnet1'."
    );
    let r = emu.put(&data, NET, put("10.0.1.128/25")).await;
    assert_eq!((r.status, r.code()), (400, "NetcfgSubnetRangesOverlap"));
    assert!(
        r.message().contains("overlaps with that of an existing subnet"),
        "{}",
        r.message()
    );
    let r = emu.put(&data, NET, put("10.0.2.1/24")).await;
    assert_eq!(r.code(), "InvalidCIDRNotation");
    let r = emu.put(&data, NET, json!({"properties": {}})).await;
    assert_eq!(r.code(), "AddressPrefixStringCannotBeNullOrEmpty");

    let r = emu
        .put(
            &data,
            NET,
            json!({"properties": {"addressPrefixes": ["10.0.2.0/24", "10.0.3.0/24"]}}),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.state(), "Updating");
    assert!(r.header("azure-asyncoperation").is_some());
    emu.wait(&r).await;

    // The parent shows the new subnet inline, with a new etag.
    let v = emu.get(&path, NET).await;
    assert_eq!(names(&v.body), ["app", "data"]);
    assert_ne!(v.body["etag"], etag);
    let r = emu.get(&format!("{path}/SUBNETS/DATA"), NET).await;
    assert_eq!(r.body["id"], data, "stored casing");
    assert_eq!(
        r.body["properties"]["addressPrefixes"],
        json!(["10.0.2.0/24", "10.0.3.0/24"])
    );

    // Updating a subnet in place does not overlap with itself.
    let r = emu.put(&data, NET, put("10.0.2.0/23")).await;
    assert_eq!(r.status, 200, "{r:?}");
    emu.wait(&r).await;

    // PATCH is not published for subnets.
    assert_eq!(emu.patch(&data, NET, json!({})).await.status, 405);

    let r = emu.delete(&data, NET).await;
    assert_eq!(r.status, 202);
    assert!(r.header("location").is_some() && r.header("azure-asyncoperation").is_some());
    emu.wait(&r).await;
    assert_eq!(names(&emu.get(&path, NET).await.body), ["app"]);
    assert_eq!(emu.delete(&data, NET).await.status, 204);
    let r = emu
        .get(
            &format!(
                "{}/providers/Microsoft.Network/virtualNetworks/nope/subnets/x",
                crate::support::rg("rg1")
            ),
            NET,
        )
        .await;
    assert_eq!((r.status, r.code()), (404, "ResourceNotFound"));
    assert!(
        r.message().contains("'Microsoft.Network/virtualNetworks/nope'"),
        "{}",
        r.message()
    );
    emu.stop().await;
}

#[tokio::test]
async fn concurrent_subnet_writes_conflict() {
    // Subnet writes take a minute: the first one is surely in flight during the checks.
    let emu =
        Emu::start(Latency::parse("default=0s,Microsoft.Network/virtualNetworks/subnets=60s").unwrap()).await;
    emu.group("rg1").await;
    let path = net("rg1", "virtualNetworks/vnet1");
    emu.wait(&emu.put(&path, NET, vnet(None)).await).await;

    let first = emu
        .put(
            &format!("{path}/subnets/a"),
            NET,
            json!({"properties": {"addressPrefix": "10.0.1.0/24"}}),
        )
        .await;
    assert_eq!(first.status, 201);
    let status_url = first.header("azure-asyncoperation").unwrap().to_string();

    let second = emu
        .put(
            &format!("{path}/subnets/b"),
            NET,
            json!({"properties": {"addressPrefix": "10.0.2.0/24"}}),
        )
        .await;
    assert_eq!(
        (second.status, second.code()),
        (409, "AnotherOperationInProgress")
    );
    assert_eq!(
        second.message(),
        format!(
            "Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: {status_url}."
        )
    );
    assert!(second.header("retry-after").is_some());
    assert_eq!(
        emu.put(&path, NET, vnet(None)).await.code(),
        "AnotherOperationInProgress"
    );
    assert_eq!(emu.delete(&path, NET).await.code(), "AnotherOperationInProgress");

    // The first write is still running, and visible as such.
    let s = emu.get(&status_url, "").await;
    assert_eq!(s.body["status"], "InProgress");
    assert_eq!(
        emu.get(&format!("{path}/subnets/a"), NET).await.state(),
        "Updating"
    );
    let v = emu.get(&path, NET).await;
    assert_eq!(v.state(), "Updating", "the parent is busy too");
    assert_eq!(
        v.body["properties"]["subnets"][0]["properties"]["provisioningState"],
        "Updating"
    );

    // Other VNets are not affected.
    let other = net("rg1", "virtualNetworks/vnet2");
    emu.wait(&emu.put(&other, NET, vnet(None)).await).await;
    emu.stop().await;
}

#[tokio::test]
async fn delete_and_patch() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let path = net("rg1", "virtualNetworks/vnet1");
    emu.wait(
        &emu.put(&path, NET, vnet(Some(json!([subnet("a", "10.0.1.0/24")]))))
            .await,
    )
    .await;
    let before = emu.get(&path, NET).await;

    let r = emu
        .patch(
            &path,
            NET,
            json!({"tags": {"env": "dev"}, "properties": {"ignored": true}}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.header("azure-asyncoperation").is_none(), "PATCH is synchronous");
    assert_eq!(r.body["tags"], json!({"env": "dev"}));
    assert!(r.body["properties"].get("ignored").is_none());
    assert_ne!(r.body["etag"], before.body["etag"]);
    assert_eq!(names(&r.body), ["a"]);

    let r = emu.delete(&path, NET).await;
    assert_eq!(r.status, 202);
    let location = r.header("location").unwrap();
    assert!(
        location.contains("/providers/Microsoft.Network/locations/westeurope/operationResults/"),
        "{location}"
    );
    assert_eq!(emu.wait(&r).await["status"], "Succeeded");
    assert_eq!(emu.wait_location(&r).await.status, 200);
    assert_eq!(emu.get(&path, NET).await.status, 404);
    assert_eq!(
        emu.get(&format!("{path}/subnets/a"), NET).await.status,
        404,
        "subnets go with their VNet"
    );
    assert_eq!(emu.delete(&path, NET).await.status, 204);
    assert_eq!(emu.call(Method::HEAD, &path, NET, None).await.status, 404);
    emu.stop().await;
}

#[tokio::test]
async fn updating_shows_until_done() {
    let emu = Emu::start(Latency::parse("default=0s,Microsoft.Network/virtualNetworks=60s").unwrap()).await;
    emu.group("rg1").await;
    let path = net("rg1", "virtualNetworks/vnet1");
    let r = emu.put(&path, NET, vnet(None)).await;
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(emu.get(&path, NET).await.state(), "Updating");
    let s = emu.get(r.header("azure-asyncoperation").unwrap(), "").await;
    assert_eq!(s.body["status"], "InProgress");
    assert!(s.body.get("endTime").is_none());
    let poll = emu
        .get(
            &s.body["id"]
                .as_str()
                .unwrap()
                .replace("/operations/", "/operationResults/"),
            NET,
        )
        .await;
    assert_eq!(poll.status, 202);
    emu.stop().await;
}
