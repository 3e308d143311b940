//! Public IPs, NICs, application gateways, private endpoints, private DNS zones.

use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{DNS, Emu, NET, RES, STORAGE, net, res, rg};

fn nic(subnet: &str, extra: Value) -> Value {
    let mut props = json!({"subnet": {"id": subnet}});
    if let Value::Object(m) = extra {
        for (k, v) in m {
            props[k] = v;
        }
    }
    json!({"location": "westeurope", "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": props}]}})
}

fn address(doc: &Value) -> &str {
    doc["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn public_ips_and_nics() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = emu
        .network(
            "rg1",
            &[("app", "10.0.1.0/24", None), ("tiny", "10.0.2.0/29", None)],
        )
        .await;
    let app = format!("{vnet}/subnets/app");

    let pip = net("rg1", "publicIPAddresses/pip1");
    let r = emu
        .put(
            &pip,
            NET,
            json!({"location": "westeurope", "sku": {"name": "Standard"}}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert!(r.header("azure-asyncoperation").is_some());
    emu.wait(&r).await;
    let doc = emu.get(&pip, NET).await.body;
    let ip = doc["properties"]["ipAddress"].as_str().unwrap().to_string();
    assert!(ip.starts_with("198.18.") || ip.starts_with("198.19."), "{ip}");
    assert_eq!(doc["properties"]["publicIPAllocationMethod"], "Static");
    let again = emu
        .create(
            &pip,
            NET,
            json!({"location": "westeurope", "sku": {"name": "Standard"}}),
        )
        .await;
    assert_eq!(
        again["properties"]["ipAddress"],
        ip.as_str(),
        "the address is kept"
    );
    let basic = emu
        .create(
            &net("rg1", "publicIPAddresses/pip-basic"),
            NET,
            json!({"location": "westeurope", "sku": {"name": "Basic"}}),
        )
        .await;
    assert!(
        basic["properties"].get("ipAddress").is_none(),
        "dynamic: no address until used"
    );
    let r = emu
        .put(
            &net("rg1", "publicIPAddresses/pip-bad"),
            NET,
            json!({"location": "westeurope", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Dynamic"}}),
        )
        .await;
    assert_eq!(r.status, 400);
    let labelled =
        json!({"location": "westeurope", "properties": {"dnsSettings": {"domainNameLabel": "shop"}}});
    let d = emu
        .create(&net("rg1", "publicIPAddresses/pip-dns"), NET, labelled.clone())
        .await;
    assert_eq!(
        d["properties"]["dnsSettings"]["fqdn"],
        "shop.westeurope.cloudapp.azure.com"
    );
    let r = emu
        .put(&net("rg1", "publicIPAddresses/pip-dns2"), NET, labelled)
        .await;
    assert_eq!(r.code(), "DnsRecordInUse");

    // NICs get the lowest free address after the five Azure keeps.
    let nic1 = net("rg1", "networkInterfaces/nic1");
    let doc = emu
        .create(&nic1, NET, nic(&app, json!({"publicIPAddress": {"id": pip}})))
        .await;
    assert_eq!(address(&doc), "10.0.1.4");
    assert_eq!(
        doc["properties"]["ipConfigurations"][0]["properties"]["privateIPAllocationMethod"],
        "Dynamic"
    );
    assert_eq!(
        doc["properties"]["ipConfigurations"][0]["id"],
        format!("{nic1}/ipConfigurations/ipconfig1")
    );
    let nic2 = net("rg1", "networkInterfaces/nic2");
    assert_eq!(
        address(&emu.create(&nic2, NET, nic(&app, json!({}))).await),
        "10.0.1.5"
    );
    // Updating a NIC keeps its address.
    assert_eq!(
        address(
            &emu.create(&nic1, NET, nic(&app, json!({"publicIPAddress": {"id": pip}})))
                .await
        ),
        "10.0.1.4"
    );

    let bad = |ip: &str| {
        nic(
            &app,
            json!({"privateIPAllocationMethod": "Static", "privateIPAddress": ip}),
        )
    };
    let nic3 = net("rg1", "networkInterfaces/nic3");
    assert_eq!(
        emu.put(&nic3, NET, bad("10.0.1.3")).await.code(),
        "PrivateIPAddressInReservedRange"
    );
    assert_eq!(
        emu.put(&nic3, NET, bad("10.0.1.255")).await.code(),
        "PrivateIPAddressInReservedRange"
    );
    assert_eq!(
        emu.put(&nic3, NET, bad("10.0.9.9")).await.code(),
        "PrivateIPAddressNotInSubnet"
    );
    assert_eq!(
        emu.put(&nic3, NET, bad("10.0.1.5")).await.code(),
        "PrivateIPAddressIsAllocated"
    );
    assert_eq!(
        address(&emu.create(&nic3, NET, bad("10.0.1.100")).await),
        "10.0.1.100"
    );
    let r = emu
        .put(
            &net("rg1", "networkInterfaces/nic4"),
            NET,
            nic(&app, json!({"publicIPAddress": {"id": pip}})),
        )
        .await;
    assert_eq!(r.code(), "PublicIPAddressInUse");
    let r = emu
        .put(
            &net("rg1", "networkInterfaces/nic4"),
            NET,
            nic(&format!("{vnet}/subnets/nope"), json!({})),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidResourceReference"));
    let r = emu
        .put(
            &net("rg1", "networkInterfaces/nic4"),
            NET,
            json!({"location": "westeurope", "properties": {"ipConfigurations": []}}),
        )
        .await;
    assert_eq!(r.status, 400);

    // A /29 has three usable addresses.
    let tiny = format!("{vnet}/subnets/tiny");
    for i in 0..3 {
        emu.create(
            &net("rg1", &format!("networkInterfaces/t{i}")),
            NET,
            nic(&tiny, json!({})),
        )
        .await;
    }
    let r = emu
        .put(&net("rg1", "networkInterfaces/t3"), NET, nic(&tiny, json!({})))
        .await;
    assert_eq!((r.status, r.code()), (400, "SubnetIsFull"));

    // What uses a thing keeps it.
    let p = emu.get(&pip, NET).await;
    assert_eq!(
        p.body["properties"]["ipConfiguration"]["id"],
        format!("{nic1}/ipConfigurations/ipconfig1")
    );
    let r = emu.delete(&pip, NET).await;
    assert_eq!((r.status, r.code()), (400, "PublicIPAddressCannotBeDeleted"));
    assert!(
        r.message()
            .contains("can not be deleted since it is still allocated to resource"),
        "{}",
        r.message()
    );
    let s = emu.get(&app, NET).await;
    assert_eq!(
        s.body["properties"]["ipConfigurations"].as_array().unwrap().len(),
        3
    );
    assert_eq!(emu.delete(&app, NET).await.code(), "InUseSubnetCannotBeDeleted");

    // Once the NIC lets go, the address can go.
    emu.create(&nic1, NET, nic(&app, json!({}))).await;
    assert!(
        emu.get(&pip, NET).await.body["properties"]
            .get("ipConfiguration")
            .is_none()
    );
    emu.remove(&pip, NET).await;
    emu.stop().await;
}

fn gateway(name: &str, subnet: &str, pip: &str, priority: Option<i64>) -> Value {
    let base = net("rg1", &format!("applicationGateways/{name}"));
    let mut rule = json!({
        "ruleType": "Basic",
        "httpListener": {"id": format!("{base}/httpListeners/listener")},
        "backendAddressPool": {"id": format!("{base}/backendAddressPools/pool")},
        "backendHttpSettings": {"id": format!("{base}/backendHttpSettingsCollection/settings")}
    });
    if let Some(p) = priority {
        rule["priority"] = json!(p);
    }
    json!({"location": "westeurope", "properties": {
        "sku": {"name": "Standard_v2", "tier": "Standard_v2", "capacity": 2},
        "gatewayIPConfigurations": [{"name": "gw", "properties": {"subnet": {"id": subnet}}}],
        "frontendIPConfigurations": [{"name": "fe", "properties": {"publicIPAddress": {"id": pip}}}],
        "frontendPorts": [{"name": "http", "properties": {"port": 80}}],
        "backendAddressPools": [{"name": "pool", "properties": {"backendAddresses": [{"fqdn": "app.azurewebsites.net"}]}}],
        "backendHttpSettingsCollection": [{"name": "settings", "properties": {"port": 443, "protocol": "Https"}}],
        "httpListeners": [{"name": "listener", "properties": {
            "frontendIPConfiguration": {"id": format!("{base}/frontendIPConfigurations/fe")},
            "frontendPort": {"id": format!("{base}/frontendPorts/http")},
            "protocol": "Http"
        }}],
        "requestRoutingRules": [{"name": "rule", "properties": rule}]
    }})
}

#[tokio::test]
async fn application_gateways() {
    let emu =
        Emu::start(Latency::parse("default=0s,Microsoft.Network/applicationGateways=60s").unwrap()).await;
    emu.group("rg1").await;
    let vnet = emu
        .network(
            "rg1",
            &[("agw", "10.0.10.0/24", None), ("app", "10.0.1.0/24", None)],
        )
        .await;
    let pip = net("rg1", "publicIPAddresses/agw-pip");
    emu.create(
        &pip,
        NET,
        json!({"location": "westeurope", "sku": {"name": "Standard"}}),
    )
    .await;
    let agw = net("rg1", "applicationGateways/agw");

    let r = emu
        .put(
            &agw,
            NET,
            gateway("agw", &format!("{vnet}/subnets/agw"), &pip, None),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty")
    );
    // Older api-versions did not require it.
    let r = emu
        .put(
            &agw,
            "2021-05-01",
            gateway("agw", &format!("{vnet}/subnets/agw"), &pip, None),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let r = emu
        .put(
            &net("rg1", "applicationGateways/agw2"),
            NET,
            gateway("agw2", &format!("{vnet}/subnets/agw"), &pip, Some(100)),
        )
        .await;
    assert_eq!(r.code(), "ApplicationGatewaySubnetCannotBeUsedByOtherResources");
    let mut broken = gateway("agw3", &format!("{vnet}/subnets/app"), &pip, Some(100));
    broken["properties"]["httpListeners"][0]["properties"]["frontendPort"]["id"] = json!(format!(
        "{}/frontendPorts/missing",
        net("rg1", "applicationGateways/agw3")
    ));
    let r = emu
        .put(&net("rg1", "applicationGateways/agw3"), NET, broken)
        .await;
    assert_eq!(r.code(), "InvalidResourceReference");

    let r = emu.get(&agw, NET).await;
    assert_eq!(r.state(), "Updating", "creation is slow");
    assert_eq!(r.body["properties"]["operationalState"], "Starting");
    assert_eq!(
        r.body["properties"]["requestRoutingRules"][0]["id"],
        format!("{agw}/requestRoutingRules/rule")
    );
    assert_eq!(r.body["properties"]["sku"]["tier"], "Standard_v2");
    // The gateway holds its public IP and its subnet.
    assert_eq!(
        emu.delete(&pip, NET).await.code(),
        "PublicIPAddressCannotBeDeleted"
    );
    assert_eq!(
        emu.delete(&format!("{vnet}/subnets/agw"), NET).await.code(),
        "InUseSubnetCannotBeDeleted"
    );
    let subnet = emu.get(&format!("{vnet}/subnets/agw"), NET).await;
    assert_eq!(
        subnet.body["properties"]["applicationGatewayIPConfigurations"][0]["id"],
        format!("{agw}/gatewayIPConfigurations/gw")
    );
    emu.stop().await;

    // Once provisioned, it runs.
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = emu.network("rg1", &[("agw", "10.0.10.0/24", None)]).await;
    emu.create(
        &pip,
        NET,
        json!({"location": "westeurope", "sku": {"name": "Standard"}}),
    )
    .await;
    let doc = emu
        .create(
            &agw,
            NET,
            gateway("agw", &format!("{vnet}/subnets/agw"), &pip, Some(100)),
        )
        .await;
    assert_eq!(doc["properties"]["operationalState"], "Running");
    assert_eq!(
        doc["properties"]["requestRoutingRules"][0]["properties"]["provisioningState"],
        "Succeeded"
    );
    let r = emu
        .put(
            &net("rg1", "networkInterfaces/intruder"),
            NET,
            nic(&format!("{vnet}/subnets/agw"), json!({})),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "ApplicationGatewaySubnetCannotBeUsedByOtherResources"),
        "nothing else moves into a gateway's subnet"
    );
    emu.remove(&agw, NET).await;
    emu.stop().await;
}

#[tokio::test]
async fn private_endpoints() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = emu.network("rg1", &[("data", "10.0.2.0/24", None)]).await;
    let data = format!("{vnet}/subnets/data");
    let acct = res("rg1", "Microsoft.Storage/storageAccounts/stprivate");
    emu.create(
        &acct,
        STORAGE,
        json!({"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}),
    )
    .await;
    let pe = net("rg1", "privateEndpoints/pe-blob");
    let body = json!({"location": "westeurope", "properties": {
        "subnet": {"id": data},
        "privateLinkServiceConnections": [{"name": "blob", "properties": {"privateLinkServiceId": acct, "groupIds": ["blob"]}}]
    }});
    let doc = emu.create(&pe, NET, body.clone()).await;
    let p = &doc["properties"];
    assert_eq!(
        p["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]["status"],
        "Approved"
    );
    assert_eq!(
        p["customDnsConfigs"][0]["fqdn"],
        "stprivate.blob.core.windows.net"
    );
    assert_eq!(p["customDnsConfigs"][0]["ipAddresses"][0], "10.0.2.4");
    let nic_id = p["networkInterfaces"][0]["id"].as_str().unwrap().to_string();
    assert!(nic_id.contains("/networkInterfaces/pe-blob.nic."), "{nic_id}");
    let nic = emu.get(&nic_id, NET).await;
    assert_eq!(nic.status, 200);
    assert_eq!(nic.body["properties"]["privateEndpoint"]["id"], pe);
    assert_eq!(address(&nic.body), "10.0.2.4");
    let listed = emu.get(&format!("{}/resources", rg("rg1")), RES).await;
    assert!(
        listed.body.to_string().contains("pe-blob.nic."),
        "the NIC is an ordinary resource"
    );
    // The same PUT again keeps NIC and address.
    let again = emu.create(&pe, NET, body).await;
    assert_eq!(again["properties"]["networkInterfaces"][0]["id"], nic_id.as_str());

    let subnet = emu.get(&data, NET).await;
    assert_eq!(subnet.body["properties"]["privateEndpoints"][0]["id"], pe);
    let r = emu.delete(&data, NET).await;
    assert_eq!(r.code(), "InUseSubnetCannotBeDeleted");
    assert_eq!(emu.delete(&nic_id, NET).await.code(), "NicInUse");
    let r = emu
        .put(
            &net("rg1", "privateEndpoints/pe-nowhere"),
            NET,
            json!({"location": "westeurope", "properties": {"subnet": {"id": data},
                "privateLinkServiceConnections": [{"name": "x", "properties": {"privateLinkServiceId": format!("{acct}x"), "groupIds": ["blob"]}}]}}),
        )
        .await;
    assert_eq!(r.status, 400);

    emu.remove(&pe, NET).await;
    assert_eq!(
        emu.get(&nic_id, NET).await.status,
        404,
        "the endpoint's NIC goes with it"
    );
    emu.remove(&data, NET).await;
    emu.stop().await;
}

#[tokio::test]
async fn private_dns_zones_and_links() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = emu.network("rg1", &[("data", "10.0.2.0/24", None)]).await;
    let zone = net("rg1", "privateDnsZones/shop.postgres.database.azure.com");
    let r = emu.put(&zone, NET, json!({"location": "global"})).await;
    assert_eq!(
        r.code(),
        "NoRegisteredProviderFound",
        "private DNS has its own api-versions"
    );
    let r = emu.put(&zone, DNS, json!({"location": "westeurope"})).await;
    assert_eq!(r.status, 400);
    let doc = emu.create(&zone, DNS, json!({"location": "global"})).await;
    assert_eq!(doc["location"], "global");
    assert_eq!(doc["properties"]["numberOfVirtualNetworkLinks"], 0);
    let link = format!("{zone}/virtualNetworkLinks/vnet1");
    let body = json!({"location": "global", "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": false}});
    let l = emu.create(&link, DNS, body.clone()).await;
    assert_eq!(l["properties"]["virtualNetworkLinkState"], "Completed");
    assert_eq!(
        emu.get(&zone, DNS).await.body["properties"]["numberOfVirtualNetworkLinks"],
        1
    );
    let r = emu
        .put(&format!("{zone}/virtualNetworkLinks/twice"), DNS, body)
        .await;
    assert_eq!(r.status, 409);
    let r = emu
        .put(
            &format!("{zone}/virtualNetworkLinks/nowhere"),
            DNS,
            json!({"location": "global", "properties": {"virtualNetwork": {"id": net("rg1", "virtualNetworks/nope")}}}),
        )
        .await;
    assert_eq!(r.code(), "InvalidResourceReference");
    assert_eq!(emu.delete(&zone, DNS).await.status, 409, "links first");
    emu.remove(&link, DNS).await;
    emu.remove(&zone, DNS).await;
    emu.stop().await;
}
