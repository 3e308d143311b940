//! List APIs: `{value: […]}`, paging, filters.

use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{Emu, NET, RES, SUB, net, rg};

fn ids(r: &Value) -> Vec<String> {
    r["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn list_apis() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    emu.group("rg2").await;
    let vnet = |prefix: &str| {
        json!({"location": "westeurope", "tags": {"env": "dev"}, "properties": {
            "addressSpace": {"addressPrefixes": [prefix]},
            "subnets": [{"name": "a", "properties": {"addressPrefix": prefix}}]
        }})
    };
    emu.wait(
        &emu.put(&net("rg1", "virtualNetworks/v1"), NET, vnet("10.1.0.0/16"))
            .await,
    )
    .await;
    emu.wait(
        &emu.put(&net("rg1", "virtualNetworks/v2"), NET, vnet("10.2.0.0/16"))
            .await,
    )
    .await;
    emu.wait(
        &emu.put(&net("rg2", "virtualNetworks/v3"), NET, vnet("10.3.0.0/16"))
            .await,
    )
    .await;
    emu.wait(
        &emu.put(
            &net("rg1", "networkSecurityGroups/n1"),
            NET,
            json!({"location": "westeurope"}),
        )
        .await,
    )
    .await;

    let r = emu
        .get(&format!("/subscriptions/{SUB}/resourcegroups"), RES)
        .await;
    assert_eq!(ids(&r.body), [rg("rg1"), rg("rg2")]);

    // Generic lists: top-level resources only, without properties.
    let r = emu.get(&format!("/subscriptions/{SUB}/resources"), RES).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["value"].as_array().unwrap().len(), 4, "{}", r.body);
    assert!(r.body["value"][0].get("properties").is_none());
    let r = emu.get(&format!("{}/resources", rg("rg1")), RES).await;
    assert_eq!(
        ids(&r.body),
        [
            net("rg1", "networkSecurityGroups/n1"),
            net("rg1", "virtualNetworks/v1"),
            net("rg1", "virtualNetworks/v2")
        ]
    );
    let r = emu
        .get(
            &format!(
                "{}/resources?$filter=resourceType eq 'Microsoft.Network/virtualNetworks'",
                rg("rg1")
            ),
            RES,
        )
        .await;
    assert_eq!(
        ids(&r.body),
        [net("rg1", "virtualNetworks/v1"), net("rg1", "virtualNetworks/v2")]
    );
    let r = emu
        .get(
            &format!("/subscriptions/{SUB}/resources?$filter=tagName eq 'env' and tagValue eq 'dev'"),
            RES,
        )
        .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 3);
    let r = emu
        .get(
            &format!("/subscriptions/{SUB}/resources?$filter=startswith(name, 'v')"),
            RES,
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidFilterInQueryString"));
    let r = emu.get(&format!("{}/resources", rg("nope")), RES).await;
    assert_eq!(r.code(), "ResourceGroupNotFound");

    // Collections of a type: full documents.
    let r = emu.get(&net("rg1", "virtualNetworks"), NET).await;
    assert_eq!(
        ids(&r.body),
        [net("rg1", "virtualNetworks/v1"), net("rg1", "virtualNetworks/v2")]
    );
    assert_eq!(r.body["value"][0]["properties"]["subnets"][0]["name"], "a");
    let r = emu.get(&net("rg1", "virtualNetworks/v1/subnets"), NET).await;
    assert_eq!(ids(&r.body), [net("rg1", "virtualNetworks/v1/subnets/a")]);
    let r = emu.get(&net("rg1", "virtualNetworks/nope/subnets"), NET).await;
    assert_eq!((r.status, r.code()), (404, "ResourceNotFound"));
    let r = emu
        .get(
            &format!("/subscriptions/{SUB}/providers/Microsoft.Network/virtualNetworks"),
            NET,
        )
        .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 3);

    // Paging: nextLink until exhausted.
    let mut url = format!("{}{}/resources?api-version={RES}&$top=2", emu.base, rg("rg1"));
    let mut seen = Vec::new();
    for _ in 0..10 {
        let page = emu.get(&url, "").await;
        assert_eq!(page.status, 200);
        seen.extend(ids(&page.body));
        match page.body.get("nextLink").and_then(Value::as_str) {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);
    emu.stop().await;
}
