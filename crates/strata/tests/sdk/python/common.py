"""Shared by the SDK checks: the emulator's address, a credential, clients, and the check runner.

Each check script drives one family of resource types through the official Azure SDK for Python
at its default api-version, against `strata emulator --tls`, and prints one `RESULT {json}` line
per check; the Rust test (tests/sdk/main.rs) reads them. A script exits 1 when a check failed.
"""

import json
import os
import sys
import time
import traceback

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError

ENDPOINT = os.environ["STRATA_SDK_ENDPOINT"].rstrip("/")
SUBSCRIPTION = os.environ["STRATA_SDK_SUBSCRIPTION"]
LOCATION = "westeurope"
# Long-running operations finish within a second or two on the emulator; a poller that takes
# longer is waiting for a default interval, i.e. it did not get a usable Retry-After.
SLOW_POLLER_SECONDS = 20


class EmulatorCredential:
    """A token credential: the emulator runs without --auth, so any bearer token is accepted,
    but the SDKs' bearer policies still insist on https."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken("strata-sdk-test-token", int(time.time()) + 3600)


def client(cls, *args, **kwargs):
    """`cls` pointed at the emulator, with the SDK's default api-version."""
    return cls(
        EmulatorCredential(),
        SUBSCRIPTION,
        *args,
        base_url=ENDPOINT,
        credential_scopes=[ENDPOINT + "/.default"],
        **kwargs,
    )


def rg_id(group):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}"


class Suite:
    def __init__(self, name):
        self.name = name
        self.failed = 0
        self.passed = 0

    def check(self, name, fn):
        """Runs one check; returns what `fn` returned (None when it failed)."""
        start = time.monotonic()
        try:
            value = fn()
            ok, detail = True, ""
        except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
            value, ok = None, False
            detail = f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=6)}"
        elapsed = round(time.monotonic() - start, 2)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print("RESULT " + json.dumps({"suite": self.name, "check": name, "ok": ok, "seconds": elapsed, "detail": detail}), flush=True)
        return value

    def finish(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)


def poll(poller):
    """Waits for a long-running operation and checks it did not sit out a default interval."""
    start = time.monotonic()
    result = poller.result()
    took = time.monotonic() - start
    if took > SLOW_POLLER_SECONDS:
        raise AssertionError(f"the poller took {took:.1f}s: Retry-After was not honoured or missing")
    status = poller.status()
    if str(status).lower() not in ("succeeded", "success"):
        raise AssertionError(f"the poller ended {status}")
    return result


def expect_error(fn, status, code=None):
    """`fn` must fail with HTTP `status` and, if given, ARM error `code`."""
    try:
        fn()
    except HttpResponseError as e:
        got_code = e.error.code if e.error is not None else None
        if e.status_code != status or (code is not None and got_code != code):
            raise AssertionError(f"expected {status} {code}, got {e.status_code} {got_code}: {e.message}") from e
        return e
    raise AssertionError(f"expected {status} {code}, but the call succeeded")


def equal(got, want, what=""):
    if got != want:
        raise AssertionError(f"{what}: expected {want!r}, got {got!r}")
