//! What ARM clients other than strata need: https with a certificate they can trust (`--tls`),
//! a positive `Retry-After` on long-running operations, the `$filter`s ARM documents for the
//! generic lists, and the cloud metadata document in each api-version's shape.

use reqwest::Method;
use serde_json::json;
use strata_emulator::{AuthConfig, EmulatorConfig, Latency, TestClient, TlsConfig};

use crate::support::{Emu, LAW, NET, RES, STORAGE, SUB, net, res, rg};

fn retry_after(r: &crate::support::Resp) -> u64 {
    r.header("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After: {r:?}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn tls_serves_arm_and_the_identity_endpoint_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let cert_file = dir.path().join("ca.pem");
    let handle = strata_emulator::start(EmulatorConfig {
        latency: Latency::default(),
        auth: Some(AuthConfig {
            clients: vec![TestClient::parse_secret("app:s3cret-Value").unwrap()],
            ..AuthConfig::default()
        }),
        tls: Some(TlsConfig {
            cert_file: cert_file.clone(),
        }),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let base = handle.endpoint();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    // The file holds the authority the handle reports, and it is a CA certificate in PEM.
    let pem = std::fs::read_to_string(&cert_file).unwrap();
    assert_eq!(Some(pem.as_str()), handle.ca_certificate_pem());
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");

    // A client that does not trust it is refused by TLS itself.
    let untrusting = reqwest::Client::new();
    assert!(
        untrusting
            .get(format!("{base}/metadata/endpoints"))
            .send()
            .await
            .is_err()
    );
    // Plain http to the https port gets no ARM answer.
    let plain = format!("http://{}/metadata/endpoints", handle.addr());
    assert!(
        reqwest::Client::new()
            .get(&plain)
            .send()
            .await
            .map_or(true, |r| !r.status().is_success())
    );

    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    let client = reqwest::Client::builder().tls_certs_only([ca]).build().unwrap();
    // localhost is covered too.
    let local = base.replace("127.0.0.1", "localhost");
    let r = client
        .get(format!("{local}/metadata/endpoints?api-version=2022-09-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cloud: serde_json::Value = r.json().await.unwrap();
    assert_eq!(cloud["resourceManager"], format!("{local}/"));
    assert_eq!(cloud["authentication"]["loginEndpoint"], format!("{local}/"));
    // The DNS suffixes of the host names the emulator writes (vault URIs, storage endpoints,
    // PostgreSQL servers): the `az` CLI's Key Vault commands refuse a cloud without them.
    assert_eq!(cloud["suffixes"]["keyVaultDns"], "vault.azure.net");
    assert_eq!(cloud["suffixes"]["storage"], "core.windows.net");
    assert_eq!(
        cloud["suffixes"]["postgresqlServerEndpoint"],
        "postgres.database.azure.com"
    );

    // The tenant's OpenID configuration (what MSAL reads first) points at the emulator.
    let tenant = AuthConfig::default().tenant_id;
    let r = client
        .get(format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let discovery: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        discovery["token_endpoint"],
        format!("{base}/{tenant}/oauth2/v2.0/token")
    );
    assert_eq!(discovery["issuer"], format!("{base}/{tenant}/v2.0"));
    assert!(discovery["authorization_endpoint"].as_str().is_some());
    let r = client
        .get(format!(
            "{base}/99999999-9999-9999-9999-999999999999/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let refusal: serde_json::Value = r.json().await.unwrap();
    assert_eq!(refusal["error_codes"], json!([90002]));

    // A token from the identity endpoint over https, for ARM over https.
    let r = client
        .post(format!("{base}/{tenant}/oauth2/v2.0/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "client_credentials")
                .append_pair("client_id", "app")
                .append_pair("client_secret", "s3cret-Value")
                .append_pair("scope", &format!("{base}/.default"))
                .finish(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let token: serde_json::Value = r.json().await.unwrap();
    let emu = Emu {
        handle,
        client,
        base: base.clone(),
    };
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let r = emu
        .client
        .request(Method::PUT, format!("{base}{}?api-version={RES}", rg("tls")))
        .header("authorization", &bearer)
        .json(&json!({"location": "westeurope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Without the token, ARM over https still says 401.
    let r = emu.get(&rg("tls"), RES).await;
    assert_eq!(r.status, 401, "{r:?}");
    // Long-running operations point back over https.
    let r = emu
        .client
        .request(
            Method::PUT,
            format!("{base}{}?api-version={NET}", net("tls", "virtualNetworks/v1")),
        )
        .header("authorization", &bearer)
        .json(&json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let status_url = r.headers()["azure-asyncoperation"].to_str().unwrap();
    assert!(
        status_url.starts_with(&format!("{base}/subscriptions/")),
        "{status_url}"
    );
    emu.stop().await;
}

#[tokio::test]
async fn every_long_running_answer_has_a_positive_retry_after() {
    let emu = Emu::start(Latency::default()).await;
    emu.group("rg1").await;
    // A synchronous create has none.
    let r = emu.put(&rg("rg2"), RES, json!({"location": "westeurope"})).await;
    assert_eq!(r.status, 201);
    assert!(r.header("retry-after").is_none(), "{r:?}");

    // Azure-AsyncOperation: the 201 and the status while running.
    let vnet = net("rg1", "virtualNetworks/v1");
    let r = emu
        .put(
            &vnet,
            NET,
            json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert!(retry_after(&r) >= 1);
    let status = emu.get(r.header("azure-asyncoperation").unwrap(), "").await;
    if status.body["status"] == "InProgress" {
        assert!(retry_after(&status) >= 1);
    }

    // Location: a storage account's 202 and its poll.
    let r = emu
        .put(
            &res("rg1", "Microsoft.Storage/storageAccounts/clientsretry01"),
            STORAGE,
            json!({"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}),
        )
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    assert!(retry_after(&r) >= 1);
    let poll = emu.get(r.header("location").unwrap(), "").await;
    if poll.status == 202 {
        assert!(retry_after(&poll) >= 1);
    }

    // A type whose rules answer 201 with the resource still provisioning, and the reads of it
    // while it provisions (clients then poll the resource itself).
    let workspace = res("rg1", "Microsoft.OperationalInsights/workspaces/logs");
    let r = emu
        .put(
            &workspace,
            LAW,
            json!({"location": "westeurope", "properties": {"sku": {"name": "PerGB2018"}}}),
        )
        .await;
    assert!(matches!(r.status, 200 | 201), "{r:?}");
    if r.state() != "Succeeded" {
        assert!(retry_after(&r) >= 1);
        let read = emu.get(&workspace, LAW).await;
        if read.state() != "Succeeded" {
            assert!(retry_after(&read) >= 1);
        }
    }

    // A resource group's deletion.
    let r = emu.delete(&rg("rg2"), RES).await;
    assert_eq!(r.status, 202);
    assert!(retry_after(&r) >= 1);
    emu.stop().await;
}

#[tokio::test]
async fn metadata_endpoints_answer_in_each_api_versions_shape() {
    let emu = Emu::start(Latency::none()).await;
    let base = emu.base.clone();
    let get = |v: &'static str| {
        let url = format!("{base}/metadata/endpoints?api-version={v}");
        let client = emu.client.clone();
        async move {
            client
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let single = get("2022-09-01").await;
    assert_eq!(single["resourceManager"], format!("{base}/"));
    assert_eq!(single["authentication"]["audiences"][0], format!("{base}/"));
    assert!(single["name"].as_str().unwrap().contains("Strata"));
    let list = get("2019-05-01").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0], single);
    let original = get("2015-01-01").await;
    assert_eq!(original["galleryEndpoint"], format!("{base}/"));
    assert_eq!(original["authentication"]["loginEndpoint"], format!("{base}/"));
    assert!(original.get("resourceManager").is_none(), "{original}");
    emu.stop().await;
}

/// The sorted names `GET /subscriptions/{s}/resources?$filter=…` answers, and its body.
async fn names(emu: &Emu, filter: &str) -> (Vec<String>, serde_json::Value) {
    let path = format!(
        "/subscriptions/{SUB}/resources?$filter={}",
        url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
    );
    let r = emu.get(&path, RES).await;
    assert_eq!(r.status, 200, "{filter}: {r:?}");
    let mut names: Vec<String> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    (names, r.body)
}

#[tokio::test]
async fn generic_lists_take_the_filters_arm_documents() {
    let emu = Emu::start(Latency::none()).await;
    for (group, tag) in [("app-prod", "prod"), ("app-dev", "dev")] {
        let r = emu
            .put(
                &rg(group),
                RES,
                json!({"location": "westeurope", "tags": {"env": tag}}),
            )
            .await;
        assert_eq!(r.status, 201);
    }
    let vnet = |tier: &str| {
        json!({"location": "westeurope", "tags": {"tier": tier},
               "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
    };
    emu.create(&net("app-prod", "virtualNetworks/web-vnet"), NET, vnet("web"))
        .await;
    emu.create(&net("app-dev", "virtualNetworks/data-vnet"), NET, vnet("data"))
        .await;
    emu.create(
        &net("app-dev", "networkSecurityGroups/web-nsg"),
        NET,
        json!({"location": "westeurope"}),
    )
    .await;
    assert_eq!(
        names(&emu, "resourceGroup eq 'APP-DEV'").await.0,
        ["data-vnet", "web-nsg"]
    );
    assert_eq!(names(&emu, "resourceGroup ne 'app-dev'").await.0, ["web-vnet"]);
    assert_eq!(
        names(&emu, "substringof('web', name)").await.0,
        ["web-nsg", "web-vnet"]
    );
    assert_eq!(
        names(
            &emu,
            "substringof('web', name) and resourceType eq 'Microsoft.Network/virtualNetworks'"
        )
        .await
        .0,
        ["web-vnet"]
    );
    assert_eq!(
        names(
            &emu,
            "(substringof('data', name) or substringof('nsg', name)) and substringof('dev', resourceGroup)"
        )
        .await
        .0,
        ["data-vnet", "web-nsg"]
    );
    // Filtering by a tag's value leaves the tags out, as ARM does.
    let (found, body) = names(&emu, "tagName eq 'tier' and tagValue eq 'web'").await;
    assert_eq!(found, ["web-vnet"]);
    assert!(body["value"][0].get("tags").is_none(), "{body}");
    let (found, body) = names(&emu, "tagName eq 'tier'").await;
    assert_eq!(found, ["data-vnet", "web-vnet"]);
    assert!(body["value"][0].get("tags").is_some(), "{body}");

    // $top pages.
    let r = emu
        .get(&format!("/subscriptions/{SUB}/resources?$top=2"), RES)
        .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 2);
    assert!(r.body["nextLink"].as_str().is_some(), "{r:?}");

    // The group list by tag.
    let r = emu
        .get(
            &format!("/subscriptions/{SUB}/resourcegroups?$filter=tagName%20eq%20'env'%20and%20tagValue%20eq%20'dev'"),
            RES,
        )
        .await;
    let groups: Vec<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["app-dev"]);

    // What ARM does not document is refused, naming what is supported.
    let r = emu
        .get(
            &format!("/subscriptions/{SUB}/resources?$filter=plan%20eq%20'x'"),
            RES,
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "InvalidFilterInQueryString");
    assert!(r.message().contains("substringof"), "{r:?}");
    emu.stop().await;
}
