"""Key vaults and their secrets (azure-mgmt-keyvault)."""

import os

from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from common import LOCATION, Suite, client, equal, expect_error, poll

s = Suite("keyvault")
rm = client(ResourceManagementClient)
kv = client(KeyVaultManagementClient)
RG = "sdk-kv"
VAULT = "sdk-vault-0001"
TENANT = os.environ["STRATA_SDK_TENANT"]
rm.resource_groups.create_or_update(RG, {"location": LOCATION})


def create():
    v = poll(kv.vaults.begin_create_or_update(RG, VAULT, {
        "location": LOCATION,
        "properties": {"tenantId": TENANT, "sku": {"family": "A", "name": "standard"}, "accessPolicies": []},
    }))
    equal(v.properties.provisioning_state, "Succeeded", "provisioningState")
    if not v.properties.vault_uri:
        raise AssertionError("no vault URI")


s.check("vault create", create)
s.check("vault get", lambda: equal(kv.vaults.get(RG, VAULT).properties.sku.name, "standard", "sku"))
s.check("vault list by group", lambda: equal([v.name for v in kv.vaults.list_by_resource_group(RG)], [VAULT], "vaults"))
s.check("vault list", lambda: equal([v.name for v in kv.vaults.list_by_subscription()], [VAULT], "vaults"))
s.check(
    "vault update",
    lambda: equal(kv.vaults.update(RG, VAULT, {"tags": {"env": "dev"}, "properties": {"enableRbacAuthorization": True}}).tags, {"env": "dev"}, "tags"),
)
s.check(
    "vault name availability",
    lambda: equal(kv.vaults.check_name_availability({"name": VAULT, "type": "Microsoft.KeyVault/vaults"}).name_available, False, "available"),
)


def secret_create():
    sec = kv.secrets.create_or_update(RG, VAULT, "db-password", {"properties": {"value": "s3cret-value"}})
    equal(sec.name, "db-password", "name")
    # The value is write-only on the management plane.
    equal(sec.properties.value, None, "value")


s.check("secret create", secret_create)
s.check("secret get", lambda: equal(kv.secrets.get(RG, VAULT, "db-password").name, "db-password", "name"))
s.check("secret list", lambda: equal([x.name for x in kv.secrets.list(RG, VAULT)], ["db-password"], "secrets"))
s.check(
    "secret update",
    lambda: equal(kv.secrets.update(RG, VAULT, "db-password", {"tags": {"rotated": "yes"}}).tags, {"rotated": "yes"}, "tags"),
)
s.check("missing vault", lambda: expect_error(lambda: kv.vaults.get(RG, "no-such-vault"), 404, "ResourceNotFound"))


def delete():
    kv.vaults.delete(RG, VAULT)
    expect_error(lambda: kv.vaults.get(RG, VAULT), 404, "ResourceNotFound")


s.check("vault delete", delete)
s.check("deleted vault get", lambda: equal(kv.vaults.get_deleted(VAULT, LOCATION).name, VAULT, "name"))
s.check("deleted vaults list", lambda: equal([v.name for v in kv.vaults.list_deleted()], [VAULT], "deleted vaults"))


def purge():
    poll(kv.vaults.begin_purge_deleted(VAULT, LOCATION))
    expect_error(lambda: kv.vaults.get_deleted(VAULT, LOCATION), 404, None)


s.check("deleted vault purge", purge)
s.finish()
