"""App Service plans and web apps (azure-mgmt-web)."""

from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.web import WebSiteManagementClient

from common import LOCATION, Suite, client, equal, expect_error, poll

s = Suite("web")
rm = client(ResourceManagementClient)
web = client(WebSiteManagementClient)
RG = "sdk-web"
SITE = "sdk-site-0001"
rm.resource_groups.create_or_update(RG, {"location": LOCATION})


def plan_create():
    p = poll(web.app_service_plans.begin_create_or_update(RG, "plan", {
        "location": LOCATION, "kind": "linux", "sku": {"name": "B1", "tier": "Basic"}, "properties": {"reserved": True},
    }))
    equal(p.sku.name, "B1", "sku")


s.check("plan create", plan_create)
s.check("plan get", lambda: equal(web.app_service_plans.get(RG, "plan").name, "plan", "name"))
s.check("plan list by group", lambda: equal([p.name for p in web.app_service_plans.list_by_resource_group(RG)], ["plan"], "plans"))
s.check("plan update", lambda: equal(web.app_service_plans.update(RG, "plan", {"tags": {"env": "dev"}}).tags, {"env": "dev"}, "tags"))


def site_create():
    plan = web.app_service_plans.get(RG, "plan")
    site = poll(web.web_apps.begin_create_or_update(RG, SITE, {
        "location": LOCATION, "kind": "app,linux", "properties": {
            "serverFarmId": plan.id, "httpsOnly": True,
            "siteConfig": {"linuxFxVersion": "PYTHON|3.12", "minTlsVersion": "1.2"},
        },
    }))
    equal(site.state, "Running", "state")
    if not site.default_host_name:
        raise AssertionError("no default host name")


s.check("site create", site_create)
s.check("site get", lambda: equal(web.web_apps.get(RG, SITE).https_only, True, "httpsOnly"))
s.check("site list by group", lambda: equal([x.name for x in web.web_apps.list_by_resource_group(RG)], [SITE], "sites"))
s.check("site update", lambda: equal(web.web_apps.update(RG, SITE, {"tags": {"env": "dev"}}).tags, {"env": "dev"}, "tags"))
def site_config():
    cfg = web.web_apps.get_configuration(RG, SITE)
    equal(cfg.min_tls_version, "1.2", "minTlsVersion")
    web.web_apps.update_configuration(RG, SITE, {"properties": {"alwaysOn": True}})
    equal(web.web_apps.get_configuration(RG, SITE).always_on, True, "alwaysOn")
    settings = web.web_apps.update_application_settings(RG, SITE, {"properties": {"GREETING": "hello"}})
    equal(settings.properties, {"GREETING": "hello"}, "app settings")
    equal(web.web_apps.list_application_settings(RG, SITE).properties, {"GREETING": "hello"}, "app settings list")
    web.web_apps.update_connection_strings(RG, SITE, {"properties": {"db": {"value": "Server=x", "type": "PostgreSQL"}}})
    equal(web.web_apps.list_connection_strings(RG, SITE).properties["db"].type, "PostgreSQL", "connection string type")


s.check("site configuration, settings and connection strings", site_config)

s.check("missing site", lambda: expect_error(lambda: web.web_apps.get(RG, "no-such-site"), 404))


def deletes():
    web.web_apps.delete(RG, SITE)
    expect_error(lambda: web.web_apps.get(RG, SITE), 404)
    web.app_service_plans.delete(RG, "plan")
    expect_error(lambda: web.app_service_plans.get(RG, "plan"), 404)


s.check("site and plan delete", deletes)
s.finish()
