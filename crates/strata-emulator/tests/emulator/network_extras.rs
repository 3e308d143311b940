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

/// A write with one extra header (`If-Match`, `If-None-Match`): its status and body.
async fn conditional(
    emu: &Emu,
    method: reqwest::Method,
    path: &str,
    header: (&str, &str),
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}{path}?api-version={DNS}", emu.base);
    let mut req = emu.client.request(method, &url).header(header.0, header.1);
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn private_dns_record_sets() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let zone = net("rg1", "privateDnsZones/shop.internal");
    let doc = emu.create(&zone, DNS, json!({"location": "global"})).await;
    // The zone comes with its SOA record set, with Azure's defaults.
    assert_eq!(doc["properties"]["numberOfRecordSets"], 1);
    let soa = emu.get(&format!("{zone}/SOA/@"), DNS).await;
    assert_eq!(soa.status, 200, "{soa:?}");
    assert_eq!(soa.body["type"], "Microsoft.Network/privateDnsZones/SOA");
    assert_eq!(soa.body["properties"]["fqdn"], "shop.internal.");
    assert_eq!(soa.body["properties"]["ttl"], 3600);
    let record = &soa.body["properties"]["soaRecord"];
    assert_eq!(record["host"], "azureprivatedns.net");
    assert_eq!(record["email"], "azureprivatedns-host.microsoft.com");
    assert_eq!(
        (
            &record["refreshTime"],
            &record["retryTime"],
            &record["expireTime"],
            &record["minimumTtl"],
            &record["serialNumber"]
        ),
        (
            &json!(3600),
            &json!(300),
            &json!(2_419_200),
            &json!(10),
            &json!(1)
        )
    );

    // One set of every type, synchronously (201, then 200).
    let sets = [
        ("A", "db", json!({"aRecords": [{"ipv4Address": "10.0.2.4"}]})),
        (
            "AAAA",
            "db6",
            json!({"aaaaRecords": [{"ipv6Address": "fd00::4"}]}),
        ),
        (
            "CNAME",
            "www",
            json!({"cnameRecord": {"cname": "db.shop.internal"}}),
        ),
        (
            "MX",
            "@",
            json!({"mxRecords": [{"preference": 10, "exchange": "mail.shop.internal"}]}),
        ),
        (
            "PTR",
            "4",
            json!({"ptrRecords": [{"ptrdname": "db.shop.internal"}]}),
        ),
        (
            "SRV",
            "_sip._tcp",
            json!({"srvRecords": [{"priority": 1, "weight": 5, "port": 5060, "target": "sip.shop.internal"}]}),
        ),
        ("TXT", "@", json!({"txtRecords": [{"value": ["v=spf1 -all"]}]})),
    ];
    for (kind, name, records) in &sets {
        let mut props = records.clone();
        props["ttl"] = json!(300);
        let path = format!("{zone}/{kind}/{name}");
        let r = emu.put(&path, DNS, json!({"properties": props})).await;
        assert_eq!(r.status, 201, "{kind}: {r:?}");
        assert_eq!(
            r.body["type"],
            format!("Microsoft.Network/privateDnsZones/{kind}")
        );
        assert!(r.body["etag"].is_string(), "{kind}");
        assert_eq!(r.body["properties"]["isAutoRegistered"], false);
        let again = emu.put(&path, DNS, json!({"properties": props})).await;
        assert_eq!(again.status, 200, "{kind}");
        assert_ne!(
            again.body["etag"], r.body["etag"],
            "{kind}: a write changes the etag"
        );
    }
    assert_eq!(
        emu.get(&format!("{zone}/A/db"), DNS).await.body["properties"]["fqdn"],
        "db.shop.internal."
    );
    let all = emu.get(&format!("{zone}/ALL"), DNS).await;
    assert_eq!(all.status, 200, "{all:?}");
    assert_eq!(all.body["value"].as_array().unwrap().len(), 8);
    let a = emu.get(&format!("{zone}/A"), DNS).await.body;
    assert_eq!(a["value"].as_array().unwrap().len(), 1);
    assert_eq!(a["value"][0]["name"], "db");
    assert_eq!(
        emu.get(&zone, DNS).await.body["properties"]["numberOfRecordSets"],
        8
    );

    // Records are checked; a set of one type keeps only its own records.
    let r = emu
        .put(
            &format!("{zone}/A/bad"),
            DNS,
            json!({"properties": {"aRecords": [{"ipv4Address": "10.0.2.999"}]}}),
        )
        .await;
    assert_eq!(r.status, 400, "{r:?}");

    // If-Match / If-None-Match.
    let path = format!("{zone}/A/db");
    let etag = emu.get(&path, DNS).await.body["etag"]
        .as_str()
        .unwrap()
        .to_string();
    let body = json!({"properties": {"ttl": 60, "aRecords": [{"ipv4Address": "10.0.2.5"}]}});
    let (status, err) = conditional(
        &emu,
        reqwest::Method::PUT,
        &path,
        ("if-match", "\"not-the-etag\""),
        Some(body.clone()),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (412, Some("PreconditionFailed"))
    );
    let (status, _) = conditional(
        &emu,
        reqwest::Method::PUT,
        &path,
        ("if-none-match", "*"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 412);
    // The etag is a bare GUID, which the SDKs send back quoted.
    assert!(uuid::Uuid::parse_str(&etag).is_ok(), "{etag}");
    let quoted = format!("\"{etag}\"");
    let (status, doc) = conditional(
        &emu,
        reqwest::Method::PUT,
        &path,
        ("if-match", &quoted),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["properties"]["aRecords"][0]["ipv4Address"], "10.0.2.5");
    let (status, _) = conditional(
        &emu,
        reqwest::Method::PUT,
        &format!("{zone}/A/fresh"),
        ("if-none-match", "*"),
        Some(json!({"properties": {"aRecords": [{"ipv4Address": "10.0.2.6"}]}})),
    )
    .await;
    assert_eq!(status, 201);
    // PATCH merges; a stale etag refuses a DELETE.
    let r = emu
        .patch(&path, DNS, json!({"properties": {"metadata": {"owner": "team"}}}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["properties"]["ttl"], 60);
    assert_eq!(r.body["properties"]["metadata"]["owner"], "team");
    let (status, _) = conditional(&emu, reqwest::Method::DELETE, &path, ("if-match", &etag), None).await;
    assert_eq!(status, 412);
    assert_eq!(emu.delete(&path, DNS).await.status, 200);
    assert_eq!(emu.get(&path, DNS).await.status, 404);
    assert_eq!(emu.delete(&path, DNS).await.status, 204);
    // The SOA set changes but does not go; its host stays Azure's.
    let r = emu
        .put(
            &format!("{zone}/SOA/@"),
            DNS,
            json!({"properties": {"soaRecord": {"host": "elsewhere", "minimumTtl": 30}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["properties"]["soaRecord"]["minimumTtl"], 30);
    assert_eq!(r.body["properties"]["soaRecord"]["host"], "azureprivatedns.net");
    assert_eq!(r.body["properties"]["soaRecord"]["retryTime"], 300);
    assert_eq!(emu.delete(&format!("{zone}/SOA/@"), DNS).await.status, 400);
    assert_eq!(
        emu.get(&zone, DNS).await.body["properties"]["numberOfRecordSets"],
        8
    );
    // Record sets of a missing zone.
    let nowhere = net("rg1", "privateDnsZones/none.internal");
    assert_eq!(emu.get(&format!("{nowhere}/ALL"), DNS).await.status, 404);
    assert_eq!(
        emu.put(
            &format!("{nowhere}/A/x"),
            DNS,
            json!({"properties": {"aRecords": []}})
        )
        .await
        .status,
        404
    );
    emu.stop().await;
}
