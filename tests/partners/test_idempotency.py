"""Idempotency-Key on every POST: replay for 24 h, 422 on a different request, one winner under concurrency."""
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.client import encode_multipart
from django.utils import timezone

from liveness.cases.models import Case, CaseKind, Submission
from liveness.partners import idempotency
from liveness.partners import services as partner_services
from liveness.partners.models import IdempotencyRecord
from tests.partners.conftest import jpeg
from tests.factories import CaseFactory

CASES = "/api/v1/cases"


def _open(client, key, body=None):
    return client.post(CASES, body or {"kind": "selfie", "reference": "ref-1"}, format="json",
                       HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_answer(api):
    first = _open(api, "key-1")
    again = _open(api, "key-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Case.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert record.response_status == 201 and record.expires_at - record.created_at == timedelta(hours=24)


@pytest.mark.django_db
def test_without_a_key_every_post_acts(api):
    api.post(CASES, {"kind": "selfie"}, format="json")
    api.post(CASES, {"kind": "selfie"}, format="json")

    assert Case.objects.count() == 2 and not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("second", [
    {"path": CASES, "body": {"kind": "selfie", "reference": "ref-2"}},
    {"path": CASES, "body": {"kind": "digit_video", "reference": "ref-1"}},
    {"path": "capture-link", "body": None},
])
def test_the_same_key_with_a_different_request_is_422(api, partner, second):
    _open(api, "key-1")
    path = second["path"]
    if path == "capture-link":
        path = f"{CASES}/{CaseFactory(partner=partner).public_id}/capture-link"

    response = api.post(path, second["body"], format="json", HTTP_IDEMPOTENCY_KEY="key-1")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused" and "different request" in error["message"]
    assert Case.objects.filter(reference="ref-2").count() == 0


@pytest.mark.django_db
def test_errors_are_replayed_too(api, partner):
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)
    url = f"{CASES}/{case.public_id}/selfie"

    first = api.post(url, {"selfie": "aGVsbG8="}, format="json", HTTP_IDEMPOTENCY_KEY="up-1")
    again = api.post(url, {"selfie": "aGVsbG8="}, format="json", HTTP_IDEMPOTENCY_KEY="up-1")

    assert first.status_code == again.status_code == 400
    assert again.json() == first.json() and first.json()["error"]["code"] == "not_an_image"


@pytest.mark.django_db
def test_a_multipart_retry_with_a_new_boundary_is_the_same_request(api, partner,
                                                                   django_capture_on_commit_callbacks):
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)
    url = f"{CASES}/{case.public_id}/selfie"
    image = jpeg()

    def send(boundary, data):
        from django.core.files.uploadedfile import SimpleUploadedFile

        body = encode_multipart(boundary, {"selfie": SimpleUploadedFile("me.jpg", data, "image/jpeg")})
        return api.generic("POST", url, body, content_type=f"multipart/form-data; boundary={boundary}",
                           HTTP_IDEMPOTENCY_KEY="mp-1")

    with django_capture_on_commit_callbacks():
        first = send("boundaryAAAA", image)
    again = send("boundaryBBBB", image)
    other = send("boundaryCCCC", jpeg(100, 100))

    assert first.status_code == again.status_code == 202 and again.json() == first.json()
    assert other.status_code == 422
    assert Submission.objects.count() == 1


@pytest.mark.django_db
def test_a_server_error_frees_the_key_for_the_retry(api, monkeypatch):
    real = partner_services.case_open_for

    def broken(**kwargs):
        raise RuntimeError("database fell over")

    monkeypatch.setattr(partner_services, "case_open_for", broken)
    api.raise_request_exception = False
    assert _open(api, "key-5xx").status_code == 500
    assert not IdempotencyRecord.objects.exists()

    monkeypatch.setattr(partner_services, "case_open_for", real)
    assert _open(api, "key-5xx").status_code == 201


@pytest.mark.django_db
def test_an_expired_key_is_a_new_request(api):
    _open(api, "key-old")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = _open(api, "key-old")

    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Case.objects.count() == 2 and IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_per_partner(api, other_api):
    mine, theirs = _open(api, "shared"), _open(other_api, "shared")

    assert mine.status_code == theirs.status_code == 201 and mine.json()["id"] != theirs.json()["id"]


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_an_unusable_key_is_a_400(api, key):
    response = _open(api, key)

    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_idempotency_key"


@pytest.mark.django_db
def test_a_post_with_a_key_still_processing_is_409(api):
    _open(api, "busy")
    IdempotencyRecord.objects.update(response_status=None, response_body=None)  # as if still running

    response = _open(api, "busy")

    assert response.status_code == 409 and response.json()["error"]["code"] == "idempotency_in_progress"
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_act_once(api, monkeypatch):
    """The first request is held inside its use case while the second arrives: the second is told to wait."""
    entered, release = threading.Event(), threading.Event()
    real = partner_services.case_open_for

    def slow(**kwargs):
        entered.set()
        assert release.wait(10)
        return real(**kwargs)

    monkeypatch.setattr(partner_services, "case_open_for", slow)
    results = {}
    def first_request():
        try:
            results["first"] = _open(api, "race")
        finally:
            connection.close()

    first = threading.Thread(target=first_request)
    first.start()
    assert entered.wait(10)

    second = _open(api, "race")
    release.set()
    first.join(10)
    third = _open(api, "race")

    assert second.status_code == 409 and second.json()["error"]["code"] == "idempotency_in_progress"
    assert results["first"].status_code == 201 and third.status_code == 201
    assert third.json() == results["first"].json()
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_unique_constraint_makes_one_claim_win():
    from tests.factories import PartnerFactory

    partner = PartnerFactory()
    claims = [idempotency.idempotency_claim(partner=partner, key="k", method="POST", path=CASES, fingerprint="f")
              for _ in range(2)]

    assert [c.state for c in claims] == [idempotency.IdempotencyState.NEW, idempotency.IdempotencyState.IN_PROGRESS]
    assert IdempotencyRecord.objects.count() == 1
