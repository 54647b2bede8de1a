"""Consent through the API: no upload before it (409 consent_required), the partner's own record
(POST /api/v1/cases/{id}/consent, once, audited), and the consent in the case's representation."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from liveness.capture.notice import notice_version
from liveness.cases.models import AuditEvent, Case, Consent, Submission
from liveness.media.models import MediaBlob
from tests.consent import consent_on_page
from tests.partners.conftest import jpeg

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


def _open(api) -> str:
    return api.post(CASES, {"kind": "selfie", "reference": "r"}, format="json").json()["id"]


def _selfie(api, case_id):
    return api.post(f"{CASES}/{case_id}/selfie", {"selfie": base64.b64encode(jpeg()).decode()}, format="json")


def test_an_upload_before_any_consent_is_409_consent_required_and_stores_nothing(api):
    case_id = _open(api)

    response = _selfie(api, case_id)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "consent_required" and "/consent" in error["message"]
    assert not Submission.objects.exists() and not MediaBlob.objects.exists()
    assert api.get(f"{CASES}/{case_id}").json()["consent"] is None


def test_the_partner_records_consent_once_then_uploads(api, django_capture_on_commit_callbacks):
    case_id = _open(api)
    given = (timezone.now() - timedelta(minutes=3)).replace(microsecond=0)

    first = api.post(f"{CASES}/{case_id}/consent", {"notice_version": "acme-2026-11", "given_at": given.isoformat()},
                     format="json")
    second = api.post(f"{CASES}/{case_id}/consent", {"notice_version": "other"}, format="json")
    with django_capture_on_commit_callbacks():
        uploaded = _selfie(api, case_id)

    assert first.status_code == 201 and second.status_code == 200
    assert first.json() == second.json() == {"given_at": given.isoformat().replace("+00:00", "Z"),
                                             "notice_version": "acme-2026-11", "source": "partner_api",
                                             "withdrawn_at": None}
    assert uploaded.status_code == 202, uploaded.content
    assert Consent.objects.get().notice_version == "acme-2026-11"
    event = AuditEvent.objects.get(action="case.consent_given")
    assert event.actor_label.startswith("partner:") and event.details["source"] == "partner_api"
    assert api.get(f"{CASES}/{case_id}").json()["consent"]["notice_version"] == "acme-2026-11"


@pytest.mark.parametrize("body, field", [({}, "notice_version"), ({"notice_version": ""}, "notice_version"),
                                         ({"notice_version": "x" * 51}, "notice_version"),
                                         ({"notice_version": "v1", "given_at": "2999-01-01T00:00:00Z"}, "given_at")])
def test_a_bad_consent_record_is_400_naming_the_field(api, body, field):
    case_id = _open(api)

    response = api.post(f"{CASES}/{case_id}/consent", body, format="json")

    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not Consent.objects.exists()


def test_another_partners_case_is_404(api, other_api):
    case_id = _open(other_api)

    response = api.post(f"{CASES}/{case_id}/consent", {"notice_version": "v1"}, format="json")

    assert response.status_code == 404 and not Consent.objects.exists()


def test_consent_on_the_capture_link_shows_in_the_api_and_opens_api_uploads(api, django_capture_on_commit_callbacks):
    case_id = _open(api)
    link = api.post(f"{CASES}/{case_id}/capture-link", format="json").json()["url"]
    case = Case.objects.get(public_id=case_id)

    consent_on_page(Client(), "/" + link.split("://", 1)[1].split("/", 1)[1], case)

    consent = api.get(f"{CASES}/{case_id}").json()["consent"]
    assert consent["notice_version"] == notice_version(case=case) and consent["source"] == "capture_page"
    assert consent["given_at"]
    with django_capture_on_commit_callbacks():
        assert _selfie(api, case_id).status_code == 202


def test_the_schema_documents_the_consent_endpoint_and_field(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)

    post = schema["paths"]["/api/v1/cases/{public_id}/consent"]["post"]
    assert set(post["responses"]) >= {"200", "201", "400", "404"}
    assert "consent" in schema["components"]["schemas"]["CaseDetail"]["properties"]
