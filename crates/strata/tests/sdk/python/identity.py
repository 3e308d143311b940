"""azure-identity signs in to the emulator's identity endpoint over https (`--auth --tls`):
MSAL reads the tenant's OpenID configuration, asks the token endpoint, and the management
clients use the token; Entra's refusals come back as ClientAuthenticationError."""

import os

from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient

from common import ENDPOINT, LOCATION, SUBSCRIPTION, Suite, equal

s = Suite("identity")
TENANT = os.environ["STRATA_SDK_TENANT"]
CLIENT_ID = os.environ["STRATA_SDK_CLIENT_ID"]
SECRET = os.environ["STRATA_SDK_CLIENT_SECRET"]
SCOPE = ENDPOINT + "/.default"


def credential(secret, tenant=TENANT):
    return ClientSecretCredential(tenant, CLIENT_ID, secret, authority=ENDPOINT, disable_instance_discovery=True)


def token():
    t = credential(SECRET).get_token(SCOPE)
    if t.token.count(".") != 2:
        raise AssertionError("the access token is not a JWT")


s.check("client secret credential gets a token", token)


def arm_with_token():
    rm = ResourceManagementClient(credential(SECRET), SUBSCRIPTION, base_url=ENDPOINT, credential_scopes=[SCOPE])
    g = rm.resource_groups.create_or_update("sdk-identity", {"location": LOCATION})
    equal(g.name, "sdk-identity", "name")
    equal([x.name for x in rm.resource_groups.list()], ["sdk-identity"], "groups")


s.check("management client with the credential", arm_with_token)


def refused(secret, tenant, code):
    try:
        credential(secret, tenant).get_token(SCOPE)
    except ClientAuthenticationError as e:
        if code not in str(e):
            raise AssertionError(f"expected {code}: {e}") from e
        return
    raise AssertionError("a token was issued")


s.check("wrong secret is refused", lambda: refused("not-the-secret", TENANT, "AADSTS7000215"))
# As with Entra, the tenant's discovery document is refused (400) and MSAL stops there.
s.check(
    "unknown tenant is refused",
    lambda: refused(SECRET, "99999999-9999-9999-9999-999999999999", "Unable to get authority configuration"),
)
s.finish()
