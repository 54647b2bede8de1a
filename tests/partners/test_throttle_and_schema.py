"""Per-key throttling with Retry-After, and the OpenAPI schema and docs page (local assets only)."""
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.cache import cache
from rest_framework.test import APIClient

from liveness.partners.api.permissions import PartnerKeyThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_per_minute(monkeypatch):
    cache.clear()
    monkeypatch.setattr(PartnerKeyThrottle, "THROTTLE_RATES", {"partner_key": "3/min"})
    yield
    cache.clear()


def test_a_key_over_its_rate_gets_429_with_retry_after_and_others_are_unaffected(api, other_api,
                                                                                 three_per_minute):
    statuses = [api.get("/api/v1/cases").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    limited = api.post("/api/v1/cases", {"kind": "selfie"}, format="json")
    assert limited.status_code == 429 and 0 < int(limited["Retry-After"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"
    assert other_api.get("/api/v1/cases").status_code == 200


def test_the_default_rate_comes_from_settings():
    from django.conf import settings

    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["partner_key"]


def test_the_openapi_schema_describes_every_endpoint_and_the_key(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/v1/cases", "/api/v1/cases/{public_id}", "/api/v1/cases/{public_id}/challenge",
        "/api/v1/cases/{public_id}/selfie", "/api/v1/cases/{public_id}/video",
        "/api/v1/cases/{public_id}/capture-link", "/api/v1/webhooks/deliveries",
        "/api/v1/webhooks/deliveries/{delivery_id}/redeliver",
    }
    assert schema["components"]["securitySchemes"]["partnerApiKey"]["scheme"] == "bearer"
    selfie = schema["paths"]["/api/v1/cases/{public_id}/selfie"]["post"]
    assert set(selfie["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert any(p["name"] == "Idempotency-Key" for p in selfie["parameters"])
    assert {"202", "400", "401", "404", "409", "413", "422", "429"} <= set(selfie["responses"])


def test_the_openapi_schema_states_what_the_api_enforces(client):
    """Issue 17: photos appear only with ?include=photos (not required), page >= 1, events
    non-empty, the Idempotency-Key rules, and the case states as an enum."""
    schema = yaml.safe_load(client.get("/api/schema/").content)
    components = schema["components"]["schemas"]
    assert "photos" in components["CaseDetail"]["properties"] and "photos" not in components["CaseDetail"]["required"]
    for path in ("/api/v1/cases", "/api/v1/webhooks/deliveries", "/api/v1/webhooks/endpoints"):
        page = next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "page")
        assert page["schema"]["minimum"] == 1, path
    for name in ("WebhookEndpointCreateRequest", "PatchedWebhookEndpointUpdateRequest"):
        assert components[name]["properties"]["events"]["minItems"] == 1, name
    key = next(p for p in schema["paths"]["/api/v1/cases"]["post"]["parameters"] if p["name"] == "Idempotency-Key")
    assert key["schema"] == {"type": "string", "minLength": 1, "maxLength": 255}
    assert "invalid_idempotency_key" in key["description"] and "422" in key["description"]
    states = components["StateEnum"]["enum"]
    assert set(states) == {"awaiting_submission", "processing", "manual_review", "retake_requested", "approved",
                           "rejected", "withdrawn"}
    state_filter = next(p for p in schema["paths"]["/api/v1/cases"]["get"]["parameters"] if p["name"] == "state")
    assert set(state_filter["schema"]["enum"]) == set(states)


def test_the_docs_page_loads_its_assets_from_this_server_not_a_cdn(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(not s.startswith(("http://", "https://", "//")) for s in sources), sources
    bundle = next(s for s in sources if s.endswith("swagger-ui-bundle.js"))
    assert finders.find(bundle.removeprefix("/static/")), "the asset ships with drf-spectacular-sidecar"


def test_the_docs_page_needs_no_key():
    assert APIClient().get("/api/schema/").status_code == 200
