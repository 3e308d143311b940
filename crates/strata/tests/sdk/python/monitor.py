"""Log Analytics workspaces (azure-mgmt-loganalytics), Application Insights components
(azure-mgmt-applicationinsights) and diagnostic settings (azure-mgmt-monitor)."""

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient

from common import LOCATION, Suite, client, equal, expect_error, poll

s = Suite("monitor")
rm = client(ResourceManagementClient)
la = client(LogAnalyticsManagementClient)
ai = client(ApplicationInsightsManagementClient)
mon = client(MonitorManagementClient)
st = client(StorageManagementClient)
RG = "sdk-monitor"
rm.resource_groups.create_or_update(RG, {"location": LOCATION})


def workspace_create():
    w = poll(la.workspaces.begin_create_or_update(RG, "logs", {
        "location": LOCATION, "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30},
    }))
    equal(w.provisioning_state, "Succeeded", "provisioningState")
    if not w.customer_id:
        raise AssertionError("no customer id")


s.check("workspace create", workspace_create)
s.check("workspace get", lambda: equal(la.workspaces.get(RG, "logs").retention_in_days, 30, "retentionInDays"))
s.check("workspace list by group", lambda: equal([w.name for w in la.workspaces.list_by_resource_group(RG)], ["logs"], "workspaces"))
s.check("workspace list", lambda: equal([w.name for w in la.workspaces.list()], ["logs"], "workspaces"))
s.check(
    "workspace update",
    lambda: equal(la.workspaces.update(RG, "logs", {"tags": {"env": "dev"}, "properties": {"retentionInDays": 60}}).retention_in_days, 60, "retentionInDays"),
)
s.check("missing workspace", lambda: expect_error(lambda: la.workspaces.get(RG, "nope"), 404))


def component_create():
    c = ai.components.create_or_update(RG, "insights", {
        "location": LOCATION, "kind": "web",
        "properties": {"Application_Type": "web", "WorkspaceResourceId": la.workspaces.get(RG, "logs").id},
    })
    equal(c.application_type, "web", "Application_Type")
    if not c.connection_string:
        raise AssertionError("no connection string")


s.check("app insights create", component_create)
s.check("app insights get", lambda: equal(ai.components.get(RG, "insights").kind, "web", "kind"))
s.check("app insights list by group", lambda: equal([c.name for c in ai.components.list_by_resource_group(RG)], ["insights"], "components"))
s.check("app insights list", lambda: equal([c.name for c in ai.components.list()], ["insights"], "components"))
s.check(
    "app insights without Application_Type is refused",
    lambda: expect_error(
        lambda: ai.components.create_or_update(RG, "insights-bad", {"location": LOCATION, "kind": "web", "properties": {}}),
        400,
        "BadRequest",
    ),
)
s.check(
    "app insights update tags",
    lambda: equal(ai.components.update_tags(RG, "insights", {"tags": {"env": "dev"}}).tags, {"env": "dev"}, "tags"),
)


def diagnostics():
    account = poll(st.storage_accounts.begin_create(RG, "sdkdiagsa0001", {
        "location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
    }))
    workspace = la.workspaces.get(RG, "logs").id
    d = mon.diagnostic_settings.create_or_update(account.id, "to-logs", {
        "workspace_id": workspace, "metrics": [{"category": "Transaction", "enabled": True}],
    })
    equal(d.workspace_id.lower(), workspace.lower(), "workspaceId")
    equal(mon.diagnostic_settings.get(account.id, "to-logs").name, "to-logs", "name")
    equal([x.name for x in mon.diagnostic_settings.list(account.id)], ["to-logs"], "settings")
    d = mon.diagnostic_settings.create_or_update(account.id, "to-logs", {
        "workspace_id": workspace, "metrics": [{"category": "Transaction", "enabled": False}],
    })
    equal(d.metrics[0].enabled, False, "metrics enabled")
    # A resource takes at most five settings: the sixth is refused with 409.
    for n in range(1, 5):
        mon.diagnostic_settings.create_or_update(account.id, f"extra-{n}", {
            "workspace_id": workspace, "metrics": [{"category": "Transaction", "enabled": True}],
        })
    expect_error(
        lambda: mon.diagnostic_settings.create_or_update(account.id, "sixth", {
            "workspace_id": workspace, "metrics": [{"category": "Transaction", "enabled": True}],
        }),
        409,
    )
    for n in range(1, 5):
        mon.diagnostic_settings.delete(account.id, f"extra-{n}")
    mon.diagnostic_settings.delete(account.id, "to-logs")
    equal(list(mon.diagnostic_settings.list(account.id)), [], "settings left")


s.check("diagnostic settings create, get, list, update, delete", diagnostics)


def deletes():
    ai.components.delete(RG, "insights")
    expect_error(lambda: ai.components.get(RG, "insights"), 404)
    poll(la.workspaces.begin_delete(RG, "logs", force=True))
    try:
        la.workspaces.get(RG, "logs")
    except ResourceNotFoundError:
        return
    raise AssertionError("the workspace still exists")


s.check("app insights and workspace delete", deletes)
s.finish()
