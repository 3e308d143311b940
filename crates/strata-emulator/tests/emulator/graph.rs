//! Azure Resource Graph: the tables built from rendered documents, the KQL operators, paging
//! with `$skipToken`, the `table` format and refused queries (the quota, access, the lag and
//! outages in `graph_service`).

use std::collections::BTreeSet;

use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{DS, Emu, NET, RES, Resp, SUB, SUB2, res, rg};

pub const ARG: &str = "2024-04-01";
pub const PATH: &str = "/providers/Microsoft.ResourceGraph/resources";
pub const MI: &str = "2023-01-31";
const LAW: &str = "2023-09-01";

pub async fn query(emu: &Emu, body: Value) -> Resp {
    emu.post(PATH, ARG, Some(body)).await
}

/// The rows of a successful query.
pub async fn rows(emu: &Emu, q: &str) -> Vec<Value> {
    let r = query(emu, json!({ "query": q })).await;
    assert_eq!(r.status, 200, "{q}: {r:?}");
    r.body["data"].as_array().cloned().unwrap()
}

pub fn identity(group: &str, name: &str) -> String {
    res(
        group,
        &format!("Microsoft.ManagedIdentity/userAssignedIdentities/{name}"),
    )
}

/// A group `RG-A` (tagged) with a virtual network of two subnets (with a diagnostic setting to
/// a workspace) and two identities, and a group `rg-b` with one identity.
async fn estate(emu: &Emu) -> String {
    let r = emu
        .put(
            &rg("RG-A"),
            RES,
            json!({"location": "westeurope", "tags": {"env": "dev"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    emu.group("rg-b").await;
    let vnet = emu
        .network(
            "RG-A",
            &[("app", "10.0.1.0/24", None), ("data", "10.0.2.0/24", None)],
        )
        .await;
    let ws = res("RG-A", "Microsoft.OperationalInsights/workspaces/law-graph");
    emu.create(
        &ws,
        LAW,
        json!({"location": "westeurope", "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30}}),
    )
    .await;
    let setting =
        json!({"properties": {"workspaceId": ws, "logs": [{"categoryGroup": "allLogs", "enabled": true}]}});
    let ds = format!("{vnet}/providers/Microsoft.Insights/diagnosticSettings/to-law");
    assert_eq!(emu.put(&ds, DS, setting).await.status, 200);
    for (group, name, env) in [
        ("RG-A", "Id-One", "dev"),
        ("RG-A", "id-two", "prod"),
        ("rg-b", "id-three", "Prod"),
    ] {
        let r = emu
            .put(
                &identity(group, name),
                MI,
                json!({"location": "westeurope", "tags": {"env": env}}),
            )
            .await;
        assert_eq!(r.status, 201, "{r:?}");
    }
    vnet
}

#[tokio::test]
async fn tables_hold_what_a_get_returns() {
    let emu = Emu::start(Latency::none()).await;
    let vnet = estate(&emu).await;
    let all = rows(&emu, "Resources").await;
    let types: BTreeSet<&str> = all.iter().map(|r| r["type"].as_str().unwrap()).collect();
    // Subnets live inside their network's row; diagnostic settings are not in the graph.
    assert_eq!(
        types,
        BTreeSet::from([
            "microsoft.managedidentity/userassignedidentities",
            "microsoft.network/virtualnetworks",
            "microsoft.operationalinsights/workspaces",
        ])
    );
    assert_eq!(all.len(), 5);
    let got = emu.get(&vnet, NET).await.body;
    let row = all
        .iter()
        .find(|r| r["type"] == "microsoft.network/virtualnetworks")
        .unwrap();
    assert_eq!(row["properties"], got["properties"]);
    assert_eq!(row["id"], got["id"]);
    assert_eq!(row["resourceGroup"], "rg-a");
    assert_eq!(row["subscriptionId"], SUB);
    assert_eq!(row["location"], "westeurope");
    assert_eq!(row["kind"], "");
    assert_eq!(row["properties"]["subnets"].as_array().unwrap().len(), 2);
    // Rows come in id order.
    let ids: Vec<String> = all
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);

    let containers = rows(&emu, "ResourceContainers | project id, type, resourceGroup, tags").await;
    let group = containers.iter().find(|r| r["resourceGroup"] == "rg-a").unwrap();
    assert_eq!(group["type"], "microsoft.resources/subscriptions/resourcegroups");
    assert_eq!(group["tags"], json!({"env": "dev"}));
    assert!(
        containers
            .iter()
            .any(|r| r["type"] == "microsoft.resources/subscriptions"
                && r["id"] == format!("/subscriptions/{SUB}"))
    );
    assert_eq!(containers.len(), 2 + 2);
    emu.stop().await;
}

#[tokio::test]
async fn operators() {
    let emu = Emu::start(Latency::none()).await;
    estate(&emu).await;
    let names = |rows: Vec<Value>| -> Vec<String> {
        rows.iter()
            .map(|r| r["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let ids = "Resources | where type =~ 'Microsoft.ManagedIdentity/userAssignedIdentities'";
    let q = |tail: &str| format!("{ids} | {tail}");
    assert_eq!(
        names(rows(&emu, &q("where tags.env == 'prod' | project name")).await),
        ["id-two"]
    );
    assert_eq!(
        names(
            rows(
                &emu,
                &q("where tags['env'] =~ 'prod' | order by name asc | project name")
            )
            .await
        ),
        ["id-three", "id-two"]
    );
    assert_eq!(
        names(
            rows(
                &emu,
                &q("where tags.env != 'prod' | order by name desc | project name")
            )
            .await
        ),
        ["id-three", "Id-One"]
    );
    assert_eq!(
        names(rows(&emu, &q("where tags.env !~ 'prod' | project name")).await),
        ["Id-One"]
    );
    assert_eq!(
        names(rows(&emu, &q("where name in ('id-two', 'ID-THREE') | project name")).await),
        ["id-two"]
    );
    assert_eq!(
        names(
            rows(
                &emu,
                &q("where name in~ ('id-two', 'ID-THREE') | order by name asc | project name")
            )
            .await
        ),
        ["id-three", "id-two"]
    );
    assert_eq!(
        names(rows(&emu, &q("where name !in~ ('id-two', 'ID-THREE') | project name")).await),
        ["Id-One"]
    );
    assert_eq!(
        names(
            rows(
                &emu,
                &q("where name has 'one' and resourceGroup == 'rg-a' | project name")
            )
            .await
        ),
        ["Id-One"]
    );
    assert_eq!(
        names(
            rows(
                &emu,
                &q("where name contains 'THR' or name startswith 'id-t' | order by name asc | project name")
            )
            .await
        ),
        ["id-three", "id-two"]
    );
    assert_eq!(
        names(rows(&emu, &q("where not(name startswith 'id-t') | project name")).await),
        ["Id-One"]
    );
    assert_eq!(
        names(rows(&emu, &q("where (tolower(name) == 'id-one') | project name")).await),
        ["Id-One"]
    );
    let r = rows(
        &emu,
        &q("extend lower = tolower(name) | project lower, state = properties.provisioningState | take 1"),
    )
    .await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["lower"], "id-one");
    assert_eq!(
        r[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["lower", "state"]
    );
    let r = rows(&emu, &q("project name, properties.principalId | take 1")).await;
    assert_eq!(
        r[0]["properties_principalId"].as_str().map(str::len),
        Some(36),
        "{r:?}"
    );
    let r = rows(
        &emu,
        &q("summarize count() by resourceGroup | order by resourceGroup asc"),
    )
    .await;
    assert_eq!(
        r,
        [
            json!({"resourceGroup": "rg-a", "count_": 2}),
            json!({"resourceGroup": "rg-b", "count_": 1})
        ]
    );
    assert_eq!(rows(&emu, &q("summarize n = count()")).await, [json!({"n": 3})]);
    assert_eq!(rows(&emu, "Resources | count").await, [json!({"Count": 5})]);
    assert_eq!(rows(&emu, &q("limit 2")).await.len(), 2);
    let subnets = rows(
        &emu,
        "Resources | where type == 'microsoft.network/virtualnetworks' | mv-expand subnet = properties.subnets \
         | project name = tostring(subnet.name), prefix = subnet.properties.addressPrefix",
    )
    .await;
    assert_eq!(
        subnets,
        [
            json!({"name": "app", "prefix": "10.0.1.0/24"}),
            json!({"name": "data", "prefix": "10.0.2.0/24"})
        ]
    );
    // Restricted to the subscriptions asked for.
    emu.group_in(SUB2, "other").await;
    let other = json!({"location": "westeurope"});
    let path = format!(
        "/subscriptions/{SUB2}/resourceGroups/other/providers/Microsoft.ManagedIdentity/userAssignedIdentities/far"
    );
    assert_eq!(emu.put(&path, MI, other).await.status, 201);
    let r = query(&emu, json!({"query": ids, "subscriptions": [SUB2]})).await;
    assert_eq!(names(r.body["data"].as_array().cloned().unwrap()), ["far"]);
    assert_eq!(rows(&emu, ids).await.len(), 4);
    emu.stop().await;
}

#[tokio::test]
async fn pages_over_a_thousand_rows_with_skip_tokens() {
    let emu = Emu::start(Latency::none()).await;
    for i in 0..1005 {
        emu.group(&format!("rg-{i:04}")).await;
    }
    let q = "ResourceContainers | where type == 'microsoft.resources/subscriptions/resourcegroups' | project id, name";
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut body = json!({ "query": q });
        if let Some(t) = &token {
            body["options"] = json!({ "$skipToken": t });
        }
        let r = query(&emu, body).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.body["totalRecords"], 1005);
        assert_eq!(r.body["resultTruncated"], "false");
        let data = r.body["data"].as_array().unwrap();
        assert_eq!(r.body["count"], data.len());
        seen.extend(data.iter().map(|d| d["name"].as_str().unwrap().to_string()));
        pages += 1;
        match r.body["$skipToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    let expected: Vec<String> = (0..1005).map(|i| format!("rg-{i:04}")).collect();
    assert_eq!(seen, expected);
    // $top sets the page size; $skip where to start.
    let r = query(&emu, json!({"query": q, "options": {"$top": 400, "$skip": 1000}})).await;
    assert_eq!(
        (r.body["count"].as_u64(), r.body.get("$skipToken")),
        (Some(5), None)
    );
    let r = query(&emu, json!({"query": q, "options": {"$top": 400}})).await;
    assert_eq!(r.body["count"], 400);
    assert!(r.body["$skipToken"].is_string());
    // `take` caps the result itself: no token, the rest is cut.
    let r = query(&emu, json!({"query": format!("{q} | take 1002")})).await;
    assert_eq!(
        (r.body["count"].as_u64(), r.body["totalRecords"].as_u64()),
        (Some(1000), Some(1002))
    );
    assert!(r.body.get("$skipToken").is_none());
    assert_eq!(r.body["resultTruncated"], "true");
    // Without an `id` column there is no paging: the first page, truncated.
    let r = query(
        &emu,
        json!({"query": "ResourceContainers | where type == 'microsoft.resources/subscriptions/resourcegroups' | project name"}),
    )
    .await;
    assert_eq!(r.body["count"], 1000);
    assert_eq!(r.body["resultTruncated"], "true");
    assert!(r.body.get("$skipToken").is_none());
    // A token of another query is refused.
    let r = query(
        &emu,
        json!({"query": "ResourceContainers | project id", "options": {"$skipToken": token}}),
    )
    .await;
    assert_eq!(r.status, 400, "{r:?}");
    emu.stop().await;
}

#[tokio::test]
async fn table_format() {
    let emu = Emu::start(Latency::none()).await;
    estate(&emu).await;
    let body = json!({
        "query": "Resources | where name == 'id-two' | project id, name, tags, n = strlen(name), p = isnotempty(name)",
        "options": {"resultFormat": "table"}
    });
    let r = query(&emu, body).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.body["data"]["columns"],
        json!([
            {"name": "id", "type": "string"},
            {"name": "name", "type": "string"},
            {"name": "tags", "type": "object"},
            {"name": "n", "type": "integer"},
            {"name": "p", "type": "boolean"}
        ])
    );
    assert_eq!(
        r.body["data"]["rows"],
        json!([[identity("RG-A", "id-two"), "id-two", {"env": "prod"}, 6, true]])
    );
    assert_eq!(
        (r.body["count"].as_u64(), r.body["facets"].clone()),
        (Some(1), json!([]))
    );
    emu.stop().await;
}

#[tokio::test]
async fn refuses_what_it_does_not_serve() {
    let emu = Emu::start(Latency::none()).await;
    let q = "Resources\n| where name == 'x'\n| join kind=inner (ResourceContainers) on subscriptionId";
    let r = query(&emu, json!({ "query": q })).await;
    assert_eq!((r.status, r.code()), (400, "BadRequest"), "{r:?}");
    let details = &r.body["error"]["details"];
    assert_eq!(details[0]["code"], "InvalidQuery");
    assert_eq!(details[1]["code"], "InvalidQueryLanguage");
    let message = details[1]["message"].as_str().unwrap();
    assert!(
        message.contains("'join'") && message.contains("line 3, position 2"),
        "{message}"
    );
    for (bad, code) in [
        ("Resources | where name ==", "ParserFailure"),
        ("Resources | where nosuch == 'a'", "ParserFailure"),
        ("Resources | where name matches regex 'a'", "ParserFailure"),
        ("Resources | extend x = split(name, '-')", "InvalidQueryLanguage"),
        ("Resources | summarize max(name)", "InvalidQueryLanguage"),
        ("SecurityResources", "InvalidQueryLanguage"),
    ] {
        let r = query(&emu, json!({ "query": bad })).await;
        assert_eq!(
            (r.status, r.body["error"]["details"][1]["code"].as_str()),
            (400, Some(code)),
            "{bad}: {r:?}"
        );
    }
    let r = emu
        .post(PATH, "2020-01-01", Some(json!({"query": "Resources"})))
        .await;
    assert_eq!((r.status, r.code()), (400, "NoRegisteredProviderFound"), "{r:?}");
    for version in ["2022-10-01", "2021-03-01"] {
        assert_eq!(
            emu.post(PATH, version, Some(json!({"query": "Resources"})))
                .await
                .status,
            200
        );
    }
    assert_eq!(query(&emu, json!({"subscriptions": [SUB]})).await.status, 400);
    assert_eq!(
        query(&emu, json!({"query": "Resources", "options": {"$top": 0}}))
            .await
            .status,
        400
    );
    assert_eq!(
        query(
            &emu,
            json!({"query": "Resources", "options": {"resultFormat": "csv"}})
        )
        .await
        .status,
        400
    );
    assert_eq!(emu.get(PATH, ARG).await.status, 405);
    emu.stop().await;
}
