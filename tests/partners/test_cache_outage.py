"""Issue 17, item 2: the shared cache (``CACHE_URL``, Redis) down must not turn the partner API and
the public start page into 500 pages; the API answers its JSON envelope on every error, 500 included.

Attack reproduced: ``CACHE_URL`` pointing at a Redis that does not answer (a closed port, and a
real ``redis-server`` stopped mid-run). Before: every API request with a key was a 500 HTML page
(the invalid-key counter is read before the key), and so was every POST of the start page.
"""
from __future__ import annotations

import json
import socket

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from liveness.cases.models import Case
from liveness.partners.api import views as api_views
from liveness.partners.api.permissions import PartnerKeyThrottle
from liveness.web import shared_cache
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_cache(url: str) -> dict:
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}


@pytest.fixture
def cache_down(settings):
    """The default cache is a Redis on a closed port: every operation raises a connection error."""
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{_closed_port()}/1")
    with pytest.raises(Exception):
        cache.get("probe")  # the outage is real
    shared_cache.reset()
    yield
    shared_cache.reset()


def _assert_json_envelope(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert response.json()["error"]["code"] == code


def test_with_the_cache_down_a_valid_key_is_served(api, cache_down):
    assert api.get(CASES).status_code == 200
    created = api.post(CASES, {"kind": "selfie", "reference": "outage-1"}, format="json")
    assert created.status_code == 201 and Case.objects.filter(reference="outage-1").exists()


def test_with_the_cache_down_invalid_keys_still_get_401_json_then_429_per_process(cache_down, settings):
    settings.KYC_API_KEY_FAILURE_LIMIT = 3
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer kyc_live_000000000000_nope")

    answers = [client.get(CASES) for _ in range(4)]

    for response in answers[:3]:
        _assert_json_envelope(response, 401, "invalid_api_key")
    _assert_json_envelope(answers[3], 429, "rate_limited")  # the block still holds, counted in this process


def test_with_the_cache_down_the_per_key_throttle_still_counts(api, cache_down, monkeypatch):
    monkeypatch.setattr(PartnerKeyThrottle, "THROTTLE_RATES", {"partner_key": "2/min"})

    statuses = [api.get(CASES).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_with_the_cache_down_the_start_page_opens_a_case_and_still_limits(cache_down, settings):
    settings.KYC_SELF_SERVICE_CASE_LIMIT = 2
    client = Client()

    statuses = [client.post(reverse("liveness:start"), {"kind": "selfie"}).status_code for _ in range(3)]

    assert statuses == [302, 302, 429]
    assert Case.objects.count() == 2


def test_a_real_redis_stopped_and_restarted_under_the_api_and_the_start_page(api, settings, tmp_path):
    from tests.security.test_reliability_infra import PrivateRedis

    server = PrivateRedis(tmp_path, persistent=False)
    server.start()
    try:
        settings.CACHES = _redis_cache(server.url)
        assert api.get(CASES).status_code == 200
        assert server.client().keys("*"), "the throttle counted in the real Redis"

        server.crash()
        assert api.get(CASES).status_code == 200
        _assert_json_envelope(APIClient().get(CASES, HTTP_AUTHORIZATION="Bearer kyc_live_x_y"), 401,
                              "invalid_api_key")
        assert Client().post(reverse("liveness:start"), {"kind": "selfie"}).status_code == 302

        server.start()
        shared_cache.reset()  # skip the 5-s pause before the shared cache is tried again
        server.client().flushdb()
        assert api.get(CASES).status_code == 200
        assert server.client().keys("*"), "back on the shared cache once Redis answers again"
    finally:
        server.stop()


def test_an_unexpected_error_in_an_api_view_is_a_json_500(api, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(api_views.selectors, "cases_for", boom)

    response = api.get(CASES)

    _assert_json_envelope(response, 500, "server_error")
    assert "fire" not in response.content.decode()


def test_an_error_under_api_outside_drf_is_a_json_500(monkeypatch):
    def boom(request, rest=""):
        raise RuntimeError("outside DRF")

    from liveness.partners.api import urls as api_urls

    client = Client(raise_request_exception=False)
    pattern = next(p for p in api_urls.urlpatterns if getattr(p, "name", "") == "unknown-endpoint")
    monkeypatch.setattr(pattern, "callback", boom)

    response = client.get("/api/v1/nothing-here")

    _assert_json_envelope(response, 500, "server_error")
    page = client.get("/dashboard/")  # other pages keep Django's handling (a redirect to sign in here)
    assert not page["Content-Type"].startswith("application/json")


def test_too_many_fields_on_the_api_is_the_json_envelope(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    case = CaseFactory(partner=api.key.partner)

    response = api.post(f"/api/v1/cases/{case.public_id}/selfie", {f"f{i}": "x" for i in range(10)},
                        format="multipart")

    _assert_json_envelope(response, 400, "too_many_fields")


def test_too_many_fields_refused_before_any_api_view_is_the_json_envelope(settings):
    from django.core.exceptions import TooManyFieldsSent

    from kyc_portal import error_views

    request = Client().get("/").wsgi_request
    request.path_info = "/api/v1/cases"

    response = error_views.bad_request(request, TooManyFieldsSent("x"))

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert json.loads(response.content)["error"]["code"] == "too_many_fields"
