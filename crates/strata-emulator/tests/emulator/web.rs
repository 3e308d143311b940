//! App Service plans and web apps.

use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{Emu, NET, SUB, SUB2, WEB, res, res_in};

fn plan(sku: &str, linux: bool) -> Value {
    let mut body = json!({"location": "westeurope", "sku": {"name": sku, "capacity": 1}, "kind": "linux"});
    if linux {
        body["properties"] = json!({"reserved": true});
    }
    body
}

fn site(plan: &str, subnet: Option<&str>) -> Value {
    let mut props = json!({"serverFarmId": plan, "httpsOnly": true, "siteConfig": {
        "linuxFxVersion": "PYTHON|3.12",
        "appSettings": [{"name": "DB_PASSWORD", "value": "sup3r-secret"}]
    }});
    if let Some(s) = subnet {
        props["virtualNetworkSubnetId"] = json!(s);
    }
    json!({"location": "westeurope", "kind": "app,linux", "properties": props})
}

#[tokio::test]
async fn plans_and_sites() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    emu.group_in(SUB2, "other").await;
    let plan_path = res("rg1", "Microsoft.Web/serverfarms/plan-linux");
    let r = emu.put(&plan_path, WEB, plan("P1v3", true)).await;
    assert_eq!(r.status, 202, "{r:?}");
    assert!(
        r.header("location")
            .unwrap()
            .contains("/providers/Microsoft.Web/locations/westeurope/operationResults/")
    );
    let done = emu.wait_location(&r).await;
    assert_eq!(done.status, 200);
    assert_eq!(done.body["kind"], "linux");
    assert_eq!(done.body["properties"]["reserved"], true);
    assert_eq!(done.body["sku"]["tier"], "PremiumV3");
    assert_eq!(done.body["properties"]["status"], "Ready");
    // An update is synchronous.
    let r = emu.put(&plan_path, WEB, plan("P1v3", true)).await;
    assert_eq!(r.status, 200);

    // `kind: linux` without `reserved` is a Windows plan, as in Azure.
    let windows = emu
        .create(
            &res("rg1", "Microsoft.Web/serverfarms/plan-oops"),
            WEB,
            plan("B1", false),
        )
        .await;
    assert_eq!(windows["kind"], "app");
    assert_eq!(windows["properties"]["reserved"], false);
    let r = emu
        .put(
            &res("rg1", "Microsoft.Web/serverfarms/plan-bad"),
            WEB,
            plan("Z9", true),
        )
        .await;
    assert_eq!(r.status, 400);
    let mut zr = plan("B1", true);
    zr["properties"]["zoneRedundant"] = json!(true);
    assert_eq!(
        emu.put(&res("rg1", "Microsoft.Web/serverfarms/plan-zr"), WEB, zr)
            .await
            .status,
        400
    );
    let mut zr = plan("P1v3", true);
    zr["properties"]["zoneRedundant"] = json!(true);
    zr["sku"]["capacity"] = json!(3);
    assert_eq!(
        emu.create(&res("rg1", "Microsoft.Web/serverfarms/plan-zr"), WEB, zr)
            .await["properties"]["zoneRedundant"],
        true
    );

    let app = res("rg1", "Microsoft.Web/sites/shop-app-dev");
    let r = emu.put(&app, WEB, site(&plan_path, None)).await;
    assert_eq!(r.status, 202);
    let done = emu.wait_location(&r).await;
    let p = &done.body["properties"];
    assert_eq!(p["defaultHostName"], "shop-app-dev.azurewebsites.net");
    assert_eq!(p["hostNames"], json!(["shop-app-dev.azurewebsites.net"]));
    assert_eq!(p["state"], "Running");
    assert_eq!(p["httpsOnly"], true);
    assert_eq!(p["serverFarmId"], plan_path);
    assert!(
        !done.body.to_string().contains("sup3r-secret"),
        "app settings are never returned"
    );
    assert_eq!(
        emu.get(&plan_path, WEB).await.body["properties"]["numberOfSites"],
        1
    );

    // Site names are global.
    let r = emu
        .put(
            &res_in(SUB2, "other", "Microsoft.Web/sites/shop-app-dev"),
            WEB,
            site(&plan_path, None),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "Conflict"));
    assert_eq!(
        r.message(),
        "Website with given name shop-app-dev already exists."
    );
    let check = emu
        .post(
            &format!("/subscriptions/{SUB}/providers/Microsoft.Web/checknameavailability"),
            WEB,
            Some(json!({"name": "shop-app-dev", "type": "Site"})),
        )
        .await;
    assert_eq!(check.body["nameAvailable"], false);
    assert_eq!(check.body["reason"], "AlreadyExists");

    let r = emu
        .put(
            &res("rg1", "Microsoft.Web/sites/no-plan"),
            WEB,
            site(&res("rg1", "Microsoft.Web/serverfarms/nope"), None),
        )
        .await;
    assert_eq!((r.status, r.code()), (404, "NotFound"));
    assert_eq!(r.message(), "Cannot find ServerFarm with name nope.");

    let r = emu.delete(&plan_path, WEB).await;
    assert_eq!((r.status, r.code()), (409, "Conflict"));
    assert!(
        r.message().contains("has web app(s) shop-app-dev"),
        "{}",
        r.message()
    );
    assert_eq!(emu.delete(&app, WEB).await.status, 200);
    assert_eq!(emu.delete(&plan_path, WEB).await.status, 200);
    emu.stop().await;
}

#[tokio::test]
async fn new_sites_are_404_until_created() {
    let emu = Emu::start(Latency::parse("default=0s,Microsoft.Web/sites=60s").unwrap()).await;
    emu.group("rg1").await;
    let plan_path = res("rg1", "Microsoft.Web/serverfarms/plan");
    emu.create(&plan_path, WEB, plan("B1", true)).await;
    let app = res("rg1", "Microsoft.Web/sites/slow-app");
    let r = emu.put(&app, WEB, site(&plan_path, None)).await;
    assert_eq!(r.status, 202);
    assert_eq!(emu.get(&app, WEB).await.status, 404);
    assert_eq!(emu.get(r.header("location").unwrap(), "").await.status, 202);
    emu.stop().await;
}

#[tokio::test]
async fn vnet_integration_needs_a_delegated_subnet() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = emu
        .network(
            "rg1",
            &[
                ("app", "10.0.1.0/24", Some("Microsoft.Web/serverFarms")),
                ("plain", "10.0.3.0/24", None),
            ],
        )
        .await;
    let app_subnet = format!("{vnet}/subnets/app");
    let s = emu.get(&app_subnet, NET).await.body;
    let delegation = &s["properties"]["delegations"][0];
    assert_eq!(delegation["id"], format!("{app_subnet}/delegations/delegation"));
    assert_eq!(
        delegation["properties"]["serviceName"],
        "Microsoft.Web/serverFarms"
    );
    assert_eq!(
        delegation["properties"]["actions"],
        json!(["Microsoft.Network/virtualNetworks/subnets/action"])
    );

    let plan_path = res("rg1", "Microsoft.Web/serverfarms/plan");
    emu.create(&plan_path, WEB, plan("P1v3", true)).await;
    let r = emu
        .put(
            &res("rg1", "Microsoft.Web/sites/app-plain"),
            WEB,
            site(&plan_path, Some(&format!("{vnet}/subnets/plain"))),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.message().contains("delegation to Microsoft.Web/serverFarms"),
        "{}",
        r.message()
    );
    let free = res("rg1", "Microsoft.Web/serverfarms/free");
    emu.create(&free, WEB, plan("F1", true)).await;
    let r = emu
        .put(
            &res("rg1", "Microsoft.Web/sites/app-free"),
            WEB,
            site(&free, Some(&app_subnet)),
        )
        .await;
    assert!(
        r.message()
            .contains("does not support virtual network integration"),
        "{r:?}"
    );

    let app = res("rg1", "Microsoft.Web/sites/app-vnet");
    let doc = emu.create(&app, WEB, site(&plan_path, Some(&app_subnet))).await;
    assert_eq!(doc["properties"]["virtualNetworkSubnetId"], app_subnet);

    // A delegated subnet in use: shown, kept, and its delegation too.
    let s = emu.get(&app_subnet, NET).await.body;
    assert_eq!(
        s["properties"]["serviceAssociationLinks"][0]["properties"]["link"],
        app
    );
    assert_eq!(
        emu.delete(&app_subnet, NET).await.code(),
        "InUseSubnetCannotBeDeleted"
    );
    let r = emu
        .put(
            &app_subnet,
            NET,
            json!({"properties": {"addressPrefix": "10.0.1.0/24"}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "SubnetMissingRequiredDelegation"));

    emu.remove(&app, WEB).await;
    emu.remove(&app_subnet, NET).await;
    emu.stop().await;
}

#[tokio::test]
async fn site_configuration_views() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let plan_path = res("rg1", "Microsoft.Web/serverfarms/plan");
    emu.create(&plan_path, WEB, plan("B1", true)).await;
    let app = res("rg1", "Microsoft.Web/sites/app-config");
    emu.create(&app, WEB, site(&plan_path, None)).await;

    // config/web is the site's siteConfig.
    let web = emu.get(&format!("{app}/config/web"), WEB).await;
    assert_eq!(web.status, 200, "{web:?}");
    assert_eq!(web.body["id"], format!("{app}/config/web"));
    assert_eq!(web.body["name"], "web");
    assert_eq!(web.body["type"], "Microsoft.Web/sites/config");
    assert_eq!(web.body["properties"]["linuxFxVersion"], "PYTHON|3.12");
    assert!(!web.body.to_string().contains("sup3r-secret"));
    let listed = emu.get(&format!("{app}/config"), WEB).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    assert_eq!(listed.body["value"][0]["name"], "web");
    assert_eq!(listed.body["value"].as_array().unwrap().len(), 1);
    // PUT keeps what it leaves out; PATCH merges; the site shows both.
    let r = emu
        .put(
            &format!("{app}/config/web"),
            WEB,
            json!({"properties": {"alwaysOn": true, "minTlsVersion": "1.3"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["properties"]["alwaysOn"], true);
    assert_eq!(r.body["properties"]["linuxFxVersion"], "PYTHON|3.12");
    let r = emu
        .patch(
            &format!("{app}/config/web"),
            WEB,
            json!({"properties": {"linuxFxVersion": "NODE|22-lts"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let site_doc = emu.get(&app, WEB).await.body;
    let config = &site_doc["properties"]["siteConfig"];
    assert_eq!(config["linuxFxVersion"], "NODE|22-lts");
    assert_eq!(config["alwaysOn"], true);
    assert_eq!(config["minTlsVersion"], "1.3");

    // App settings: the site's, as a map; PUT replaces them and answers with the map.
    let list = emu
        .post(&format!("{app}/config/appsettings/list"), WEB, None)
        .await;
    assert_eq!(list.status, 200, "{list:?}");
    assert_eq!(list.body["name"], "appsettings");
    assert_eq!(list.body["properties"], json!({"DB_PASSWORD": "sup3r-secret"}));
    let r = emu
        .put(
            &format!("{app}/config/appsettings"),
            WEB,
            json!({"properties": {"FEATURE": "on", "WORKERS": "4"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["properties"], json!({"FEATURE": "on", "WORKERS": "4"}));
    let list = emu
        .post(&format!("{app}/config/appsettings/list"), WEB, None)
        .await;
    assert_eq!(list.body["properties"], json!({"FEATURE": "on", "WORKERS": "4"}));
    // Settings are read through list only, and never in the site's document.
    assert_eq!(
        emu.get(&format!("{app}/config/appsettings"), WEB).await.status,
        405
    );
    assert!(!emu.get(&app, WEB).await.body.to_string().contains("WORKERS"));

    // Connection strings.
    let r = emu
        .put(
            &format!("{app}/config/connectionstrings"),
            WEB,
            json!({"properties": {"db": {"value": "Server=x;Password=p4ss", "type": "PostgreSQL"}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let list = emu
        .post(&format!("{app}/config/connectionstrings/list"), WEB, None)
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(
        list.body["properties"]["db"],
        json!({"value": "Server=x;Password=p4ss", "type": "PostgreSQL"})
    );
    let r = emu
        .put(
            &format!("{app}/config/connectionstrings"),
            WEB,
            json!({"properties": {"db": {"value": "x", "type": "Oracle"}}}),
        )
        .await;
    assert_eq!(r.status, 400, "{r:?}");
    assert!(!emu.get(&app, WEB).await.body.to_string().contains("p4ss"));

    // A site that does not exist has no configuration.
    let none = res("rg1", "Microsoft.Web/sites/nope");
    assert_eq!(emu.get(&format!("{none}/config/web"), WEB).await.status, 404);
    assert_eq!(
        emu.post(&format!("{none}/config/appsettings/list"), WEB, None)
            .await
            .status,
        404
    );
    emu.stop().await;
}

#[tokio::test]
async fn swift_vnet_integration_through_network_config() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = emu
        .network(
            "rg1",
            &[
                ("app", "10.0.1.0/24", Some("Microsoft.Web/serverFarms")),
                ("plain", "10.0.3.0/24", None),
            ],
        )
        .await;
    let app_subnet = format!("{vnet}/subnets/app");
    let plan_path = res("rg1", "Microsoft.Web/serverfarms/plan");
    emu.create(&plan_path, WEB, plan("P1v3", true)).await;
    let app = res("rg1", "Microsoft.Web/sites/app-swift");
    emu.create(&app, WEB, site(&plan_path, None)).await;
    let swift = format!("{app}/networkConfig/virtualNetwork");

    let r = emu.get(&swift, WEB).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["type"], "Microsoft.Web/sites/networkConfig");
    assert!(r.body["properties"]["subnetResourceId"].is_null());
    let r = emu
        .put(
            &swift,
            WEB,
            json!({"properties": {"subnetResourceId": format!("{vnet}/subnets/plain")}}),
        )
        .await;
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.message().contains("delegation"), "{}", r.message());
    let r = emu
        .put(
            &swift,
            WEB,
            json!({"properties": {"subnetResourceId": app_subnet}}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["properties"]["subnetResourceId"], app_subnet);
    // The site's own field says the same, and the subnet shows the site.
    let doc = emu.get(&app, WEB).await.body;
    assert_eq!(doc["properties"]["virtualNetworkSubnetId"], app_subnet);
    let s = emu.get(&app_subnet, NET).await.body;
    assert_eq!(
        s["properties"]["serviceAssociationLinks"][0]["properties"]["link"],
        app
    );
    assert_eq!(emu.delete(&swift, WEB).await.status, 200);
    assert!(
        emu.get(&app, WEB).await.body["properties"]
            .get("virtualNetworkSubnetId")
            .is_none()
    );
    assert!(emu.get(&swift, WEB).await.body["properties"]["subnetResourceId"].is_null());
    emu.stop().await;
}
