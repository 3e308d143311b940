"""Storage accounts and blob containers (azure-mgmt-storage)."""

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient

from common import LOCATION, Suite, client, equal, expect_error, poll

s = Suite("storage")
rm = client(ResourceManagementClient)
st = client(StorageManagementClient)
RG = "sdk-storage"
NAME = "sdkstorage0001"
rm.resource_groups.create_or_update(RG, {"location": LOCATION})
rm.resource_groups.create_or_update("sdk-storage-2", {"location": LOCATION})
ACCOUNT = {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}


def create():
    equal(st.storage_accounts.check_name_availability({"name": NAME, "type": "Microsoft.Storage/storageAccounts"}).name_available, True, "available")
    a = poll(st.storage_accounts.begin_create(RG, NAME, ACCOUNT))
    equal(a.provisioning_state, "Succeeded", "provisioningState")
    if not a.primary_endpoints or not a.primary_endpoints.blob:
        raise AssertionError("no blob endpoint")


s.check("account create", create)
s.check("account get", lambda: equal(st.storage_accounts.get_properties(RG, NAME).sku.name, "Standard_LRS", "sku"))
s.check("account list by group", lambda: equal([a.name for a in st.storage_accounts.list_by_resource_group(RG)], [NAME], "accounts"))
s.check("account list", lambda: equal([a.name for a in st.storage_accounts.list()], [NAME], "accounts"))
s.check(
    "account update",
    lambda: equal(st.storage_accounts.update(RG, NAME, {"tags": {"env": "dev"}, "properties": {"minimumTlsVersion": "TLS1_2"}}).tags, {"env": "dev"}, "tags"),
)
s.check("account keys", lambda: equal(len(st.storage_accounts.list_keys(RG, NAME)["keys"]), 2, "keys"))
s.check(
    "name taken",
    lambda: equal(st.storage_accounts.check_name_availability({"name": NAME, "type": "Microsoft.Storage/storageAccounts"}).name_available, False, "available"),
)
s.check(
    "account name taken in another group",
    lambda: expect_error(lambda: poll(st.storage_accounts.begin_create("sdk-storage-2", NAME, ACCOUNT)), 409, "StorageAccountInAnotherResourceGroup"),
)


def container_create():
    c = st.blob_containers.create(RG, NAME, "state", {"properties": {"publicAccess": "None"}})
    equal(c.name, "state", "name")


s.check("container create", container_create)
s.check("container get", lambda: equal(st.blob_containers.get(RG, NAME, "state").public_access, "None", "publicAccess"))
s.check("container list", lambda: equal([c.name for c in st.blob_containers.list(RG, NAME)], ["state"], "containers"))
s.check(
    "container update",
    lambda: equal(st.blob_containers.update(RG, NAME, "state", {"properties": {"metadata": {"owner": "sdk"}}}).metadata, {"owner": "sdk"}, "metadata"),
)


def container_delete():
    st.blob_containers.delete(RG, NAME, "state")
    expect_error(lambda: st.blob_containers.get(RG, NAME, "state"), 404)


s.check("container delete", container_delete)


def account_delete():
    st.storage_accounts.delete(RG, NAME)
    try:
        st.storage_accounts.get_properties(RG, NAME)
    except ResourceNotFoundError:
        return
    raise AssertionError("the account still exists")


s.check("account delete", account_delete)
s.finish()
