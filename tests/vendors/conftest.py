"""The vendor sandbox for provider tests.

``sandbox`` is the one fixture vendor-client tests need: a real HTTP server (started
once per session on a free port) speaking every vendor's wire contract, reset before
and after each test (faults cleared, call log emptied). Point a provider's endpoint at
``sandbox.base_url`` (or ``sandbox.host_port`` for the Tencent Cloud SDKs) and assert on
``sandbox.calls()`` / ``sandbox.call_count(...)`` to prove how many vendor calls were
made. Faults are injected with ``sandbox.add_fault(kind=..., match=..., times=..., ms=...)``.
"""
from __future__ import annotations

from typing import Any

import copy
import pytest
import requests

from liveness.vendors.base import Departure, departure
from tools.sandbox.server import SandboxServer, start_in_thread


class SandboxClient:
    """A thin client for the sandbox's /_sandbox/ control API."""

    def __init__(self, server: SandboxServer, base_url: str) -> None:
        self.server = server
        self.base_url = base_url
        self.host_port = base_url.split("://", 1)[1]

    def url(self, path: str) -> str:
        return self.base_url + path

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, self.url("/_sandbox/" + path.lstrip("/")), timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    # faults
    def add_fault(self, kind: str, match: str = "*", **spec: Any) -> dict:
        """E.g. ``add_fault("rate_limit", "/face/livedetectpicture", times=1)``."""
        return self._control("POST", "faults", json={"kind": kind, "match": match, **spec})["faults"][0]

    def faults(self) -> list[dict]:
        return self._control("GET", "faults")["faults"]

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    # call log
    def calls(self) -> dict:
        """``{"total": n, "endpoints": {endpoint: {"total", "outcomes", "vendor_codes"}}, "calls": [...]}``"""
        return self._control("GET", "calls")

    def call_count(self, endpoint: str | None = None) -> int:
        """Calls that reached a vendor handler or a fault; endpoint = path or Tencent Cloud action."""
        snapshot = self.calls()
        if endpoint is None:
            return snapshot["total"]
        return snapshot["endpoints"].get(endpoint, {}).get("total", 0)

    def outcomes(self, endpoint: str) -> dict[str, int]:
        return self.calls()["endpoints"].get(endpoint, {}).get("outcomes", {})

    def reset_calls(self) -> None:
        self._control("DELETE", "calls")

    # fixtures: bytes served back at a local URL (for "url" request forms)
    def put_fixture(self, data: bytes, content_type: str = "application/octet-stream") -> str:
        return self._control("POST", "fixtures", data=data, headers={"Content-Type": content_type})["url"]

    def reset(self) -> None:
        self._control("POST", "reset")


@pytest.fixture(scope="session")
def sandbox_server():
    server, base_url = start_in_thread("127.0.0.1", 0)
    yield server, base_url
    server.stop()


@pytest.fixture
def sandbox(sandbox_server) -> SandboxClient:
    client = SandboxClient(*sandbox_server)
    client.reset()
    yield client
    client.reset()


class DepartureProbe:
    """A departure gate (``vendors.base.departure``) that notes how many requests had reached
    the sandbox each time a provider waited at it: a provider that builds its request first and
    then waits shows ``[0]`` and a ``left_at``; one that sent first, or never waited, does not."""

    def __init__(self, sandbox: SandboxClient) -> None:
        self.sandbox = sandbox
        self.calls_when_waited: list[int] = []
        self.gate = Departure(wait=lambda: self.calls_when_waited.append(sandbox.call_count()))

    def __call__(self, operation, *args, **kwargs):
        """Run ``operation`` under the gate and return what it returned or raised."""
        with departure(self.gate):
            try:
                return operation(*args, **kwargs)
            except Exception as exc:  # a vendor fault is fine: the request left all the same
                return exc


@pytest.fixture
def departure_probe(sandbox) -> DepartureProbe:
    return DepartureProbe(sandbox)


#: The sandbox's built-in YouTu demo account (tools/sandbox/youtu.py).
YOUTU_SANDBOX_CREDS = {"appid": "1000001", "secret_id": "AKIDsandboxYoutuLegacy000000000000",
                       "secret_key": "sandboxYoutuLegacySecretKey00000"}


def youtu_at_sandbox(settings, sandbox: SandboxClient, *, timeout: float, selfies: bool = False) -> dict:
    """Make YouTu, at the sandbox, the configured video vendor (and the selfie vendor with
    ``selfies``), with no rate limit unless a test sets one; returns its provider settings."""
    settings.KYC_VIDEO_PROVIDER = "youtu_legacy"
    if selfies:
        settings.KYC_SELFIE_PROVIDER = "youtu_legacy"
    providers = copy.deepcopy(settings.KYC_PROVIDERS)
    providers["youtu_legacy"].update(endpoint=sandbox.base_url, bucket="", timeout=timeout, **YOUTU_SANDBOX_CREDS)
    settings.KYC_PROVIDERS = providers
    settings.KYC_RATE_LIMITS = {k: v for k, v in settings.KYC_RATE_LIMITS.items() if k != "youtu_legacy"}
    return providers["youtu_legacy"]
