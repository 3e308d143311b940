//! Network security groups and their rules, and subnets that use them.

use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{Emu, NET, net};

fn rule(name: &str, priority: i64, direction: &str) -> Value {
    json!({"name": name, "properties": {
        "protocol": "Tcp", "access": "Allow", "direction": direction, "priority": priority,
        "sourcePortRange": "*", "destinationPortRange": "443",
        "sourceAddressPrefix": "Internet", "destinationAddressPrefix": "*"
    }})
}

fn nsg(rules: Value) -> Value {
    json!({"location": "westeurope", "properties": {"securityRules": rules}})
}

#[tokio::test]
async fn nsg_with_rules() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let path = net("rg1", "networkSecurityGroups/nsg1");
    let r = emu
        .put(
            &path,
            NET,
            nsg(json!([
                rule("https", 100, "Inbound"),
                rule("out", 100, "Outbound")
            ])),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.state(), "Updating");
    emu.wait(&r).await;

    let r = emu.get(&path, NET).await;
    assert_eq!(r.state(), "Succeeded");
    let props = &r.body["properties"];
    assert_eq!(props["securityRules"].as_array().unwrap().len(), 2);
    assert_eq!(
        props["securityRules"][0]["id"],
        format!("{path}/securityRules/https")
    );
    assert_eq!(
        props["securityRules"][0]["properties"]["provisioningState"],
        "Succeeded"
    );
    let defaults: Vec<(&str, i64, &str)> = props["defaultSecurityRules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap(),
                d["properties"]["priority"].as_i64().unwrap(),
                d["properties"]["direction"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        defaults,
        [
            ("AllowVnetInBound", 65000, "Inbound"),
            ("AllowAzureLoadBalancerInBound", 65001, "Inbound"),
            ("DenyAllInBound", 65500, "Inbound"),
            ("AllowVnetOutBound", 65000, "Outbound"),
            ("AllowInternetOutBound", 65001, "Outbound"),
            ("DenyAllOutBound", 65500, "Outbound"),
        ]
    );
    assert!(r.body["etag"].as_str().unwrap().starts_with("W/"));
    assert!(props.get("subnets").is_none(), "no users yet");

    // Rules with the same priority and direction conflict, inline or as children.
    let r = emu
        .put(
            &path,
            NET,
            nsg(json!([rule("a", 200, "Inbound"), rule("b", 200, "Inbound")])),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "SecurityRuleConflict"));
    assert_eq!(
        r.message(),
        "Security rule a conflicts with rule b. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules."
    );
    let child = format!("{path}/securityRules/ssh");
    let mut ssh = rule("ssh", 100, "Inbound");
    let r = emu.put(&child, NET, ssh.clone()).await;
    assert_eq!(r.code(), "SecurityRuleConflict");
    ssh["properties"]["priority"] = json!(110);
    let r = emu.put(&child, NET, ssh.clone()).await;
    assert_eq!(r.status, 201, "{r:?}");
    emu.wait(&r).await;
    ssh["properties"]["priority"] = json!(5000);
    let r = emu.put(&child, NET, ssh).await;
    assert_eq!(r.code(), "SecurityRuleInvalidPriority");
    assert_eq!(
        r.message(),
        "Security rule has invalid Priority. Value provided: 5000 Allowed range 100-4096."
    );
    let names: Vec<String> = emu.get(&path, NET).await.body["properties"]["securityRules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["https", "out", "ssh"]);

    // An NSG PUT replaces the rules: absent means none.
    emu.wait(&emu.put(&path, NET, json!({"location": "westeurope"})).await)
        .await;
    let r = emu.get(&path, NET).await;
    assert_eq!(r.body["properties"]["securityRules"], json!([]));
    assert_eq!(emu.get(&child, NET).await.status, 404);
    emu.stop().await;
}

#[tokio::test]
async fn subnets_use_nsgs() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let nsg_path = net("rg1", "networkSecurityGroups/nsg1");
    let vnet = net("rg1", "virtualNetworks/vnet1");
    let body = |nsg_id: &str| {
        json!({"location": "westeurope", "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "app", "properties": {"addressPrefix": "10.0.1.0/24", "networkSecurityGroup": {"id": nsg_id}}}]
        }})
    };
    let r = emu.put(&vnet, NET, body(&nsg_path)).await;
    assert_eq!((r.status, r.code()), (400, "InvalidResourceReference"));
    assert!(r.message().contains("was not found"), "{}", r.message());

    emu.wait(&emu.put(&nsg_path, NET, nsg(json!([]))).await).await;
    emu.wait(&emu.put(&vnet, NET, body(&nsg_path.to_lowercase())).await)
        .await;
    let n = emu.get(&nsg_path, NET).await;
    assert_eq!(
        n.body["properties"]["subnets"],
        json!([{"id": format!("{vnet}/subnets/app")}])
    );

    let r = emu.delete(&nsg_path, NET).await;
    assert_eq!(
        (r.status, r.code()),
        (400, "InUseNetworkSecurityGroupCannotBeDeleted")
    );
    assert!(
        r.message().contains(&format!("{vnet}/subnets/app")),
        "{}",
        r.message()
    );

    // Dissociate, then the NSG can go.
    let r = emu
        .put(
            &format!("{vnet}/subnets/app"),
            NET,
            json!({"properties": {"addressPrefix": "10.0.1.0/24"}}),
        )
        .await;
    emu.wait(&r).await;
    assert!(
        emu.get(&nsg_path, NET).await.body["properties"]
            .get("subnets")
            .is_none()
    );
    let r = emu.delete(&nsg_path, NET).await;
    assert_eq!(r.status, 202);
    emu.wait(&r).await;
    emu.stop().await;
}

#[tokio::test]
async fn referencing_an_nsg_still_provisioning_is_retryable() {
    let emu =
        Emu::start(Latency::parse("default=0s,Microsoft.Network/networkSecurityGroups=60s").unwrap()).await;
    emu.group("rg1").await;
    let nsg_path = net("rg1", "networkSecurityGroups/nsg1");
    assert_eq!(emu.put(&nsg_path, NET, nsg(json!([]))).await.status, 201);
    let vnet = net("rg1", "virtualNetworks/vnet1");
    let r = emu
        .put(
            &vnet,
            NET,
            json!({"location": "westeurope", "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "app", "properties": {"addressPrefix": "10.0.1.0/24", "networkSecurityGroup": {"id": nsg_path}}}]
            }}),
        )
        .await;
    assert_eq!((r.status, r.code()), (429, "RetryableError"));
    let detail = &r.body["error"]["details"][0];
    assert_eq!(detail["code"], "ReferencedResourceNotProvisioned");
    let message = detail["message"].as_str().unwrap();
    assert!(
        message.ends_with("is PutNetworkSecurityGroupOperation."),
        "{message}"
    );
    assert!(r.header("retry-after").is_some());
    emu.stop().await;
}
