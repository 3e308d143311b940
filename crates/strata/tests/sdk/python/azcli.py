"""The `az` CLI itself against `strata emulator --tls --auth`: registering the emulator as a cloud
from its /metadata/endpoints, signing in as a service principal, and the commands a platform
engineer runs first (groups, networks, storage, Key Vault with soft delete and purge).

`az` is the one installed by scripts/test.sh (STRATA_AZ); its configuration lives in a fresh
folder (AZURE_CONFIG_DIR), so nothing of the machine's own `az` is read or changed. Instance
discovery is off, as Microsoft documents for clouds other than Azure's (Azure Stack)."""

import json
import os
import subprocess
import tempfile

from common import ENDPOINT, LOCATION, SUBSCRIPTION, Suite, equal

s = Suite("azcli")
AZ = os.environ["STRATA_AZ"]
CLIENT = os.environ["STRATA_SDK_CLIENT_ID"]
SECRET = os.environ["STRATA_SDK_CLIENT_SECRET"]
TENANT = os.environ["STRATA_SDK_TENANT"]
CONFIG = tempfile.mkdtemp(prefix="strata-az-")
ENV = {**os.environ, "AZURE_CONFIG_DIR": CONFIG, "AZURE_CORE_COLLECT_TELEMETRY": "false", "AZURE_CORE_NO_COLOR": "true"}


def az(*args, want_json=True):
    cmd = [AZ, *args] + (["-o", "json"] if want_json else ["-o", "none"])
    done = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise AssertionError(f"az {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout) if want_json and done.stdout.strip() else None


def sign_in():
    az("cloud", "register", "-n", "strataemulator", "--endpoint-resource-manager", ENDPOINT, want_json=False)
    az("cloud", "set", "-n", "strataemulator", want_json=False)
    az("config", "set", "core.instance_discovery=false", want_json=False)
    accounts = az("login", "--service-principal", "-u", CLIENT, "-p", SECRET, "--tenant", TENANT)
    equal([a["id"] for a in accounts if a["isDefault"]], [SUBSCRIPTION], "default subscription")


s.check("cloud register and service principal login", sign_in)
s.check("group create", lambda: equal(az("group", "create", "-n", "rg-az", "-l", LOCATION)["properties"]["provisioningState"], "Succeeded", "group"))


def network():
    v = az("network", "vnet", "create", "-g", "rg-az", "-n", "vnet1", "--address-prefixes", "10.0.0.0/16",
           "--subnet-name", "app", "--subnet-prefixes", "10.0.1.0/24")
    equal(v["newVNet"]["provisioningState"], "Succeeded", "vnet")
    equal([x["name"] for x in az("network", "vnet", "subnet", "list", "-g", "rg-az", "--vnet-name", "vnet1")], ["app"], "subnets")
    equal(az("network", "nsg", "create", "-g", "rg-az", "-n", "nsg1")["NewNSG"]["provisioningState"], "Succeeded", "nsg")


s.check("network create and list", network)
s.check(
    "storage account create",
    lambda: equal(az("storage", "account", "create", "-g", "rg-az", "-n", "stazcli0001", "-l", LOCATION, "--sku", "Standard_LRS")["provisioningState"], "Succeeded", "storage"),
)


def key_vault():
    v = az("keyvault", "create", "-g", "rg-az", "-n", "kv-azcli-0001", "-l", LOCATION)
    equal(v["properties"]["provisioningState"], "Succeeded", "vault")
    az("keyvault", "delete", "-n", "kv-azcli-0001", want_json=False)
    equal([x["name"] for x in az("keyvault", "list-deleted")], ["kv-azcli-0001"], "deleted vaults")
    az("keyvault", "purge", "-n", "kv-azcli-0001", want_json=False)
    equal(az("keyvault", "list-deleted"), [], "after purge")


s.check("key vault soft delete and purge", key_vault)
s.check(
    "resource list",
    lambda: equal(sorted(r["type"] for r in az("resource", "list", "-g", "rg-az")),
                  ["Microsoft.Network/networkSecurityGroups", "Microsoft.Network/virtualNetworks", "Microsoft.Storage/storageAccounts"], "types"),
)


def group_delete():
    az("group", "delete", "-n", "rg-az", "--yes", want_json=False)
    equal([g["name"] for g in az("group", "list")], [], "groups")


s.check("group delete", group_delete)
s.finish()
