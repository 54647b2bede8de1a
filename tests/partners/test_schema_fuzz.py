"""Schemathesis over the published OpenAPI schema: whatever a client sends, no 5xx.

Runs in-process against the WSGI app (the test's database transaction is visible to it),
with a valid key and a few examples per operation to keep the suite fast.
"""
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from kyc_portal.wsgi import application
from liveness.partners.api.permissions import PartnerKeyThrottle

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def in_process(monkeypatch):
    """Like Django's test client: keep the test's connection (and transaction) open across requests."""
    monkeypatch.setattr(PartnerKeyThrottle, "THROTTLE_RATES", {"partner_key": "100000/min"})
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail_with_a_server_error(case, api, in_process):
    case.call_and_validate(headers={"Authorization": f"Bearer {api.raw}"}, checks=[not_a_server_error])
