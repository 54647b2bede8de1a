"""Cases through the API: open, list, read with checks explained, photos audited, capture links."""
import base64
import uuid

import pytest
from django.urls import reverse

from liveness.capture.links import capture_token_case
from liveness.cases.models import AuditEvent, Case, CaseKind, CaseState, Submission
from liveness.checks.models import Check, CheckStatus, Score
from liveness.media import files as media
from tests.partners.conftest import jpeg
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


def _case_url(case, suffix=""):
    return f"{CASES}/{case.public_id}{suffix}"


def test_opening_a_case_records_the_partner_and_audits_it(api, partner):
    response = api.post(CASES, {"kind": "digit_video", "reference": "customer-42"}, format="json")

    assert response.status_code == 201
    body = response.json()
    case = Case.objects.get(public_id=body["id"])
    assert case.partner == partner and case.reference == "customer-42" and case.kind == CaseKind.DIGIT_VIDEO
    assert body["state"] == "awaiting_submission" and body["reference"] == "customer-42"
    assert response["Location"] == _case_url(case)
    event = AuditEvent.objects.get(case=case, action="case.opened")
    assert event.actor_label == f"partner:{partner.pk}"


@pytest.mark.parametrize("payload, field", [
    ({"kind": "passport"}, "kind"),
    ({}, "kind"),
    ({"kind": "selfie", "reference": "x" * 201}, "reference"),
])
def test_an_invalid_case_is_refused_with_the_fields_named(api, payload, field):
    response = api.post(CASES, payload, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and field in error["fields"]
    assert not Case.objects.exists()


def test_malformed_json_is_a_400_in_the_same_envelope(api):
    response = api.post(CASES, "{not json", content_type="application/json")

    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_request"



@pytest.mark.parametrize("path", [CASES, "/api/v1/webhooks/endpoints"])
def test_json_nested_too_deeply_is_a_400_not_a_server_error(api, path):
    """[[[[...]]]] deeper than Python's recursion limit made the JSON decoder raise RecursionError: a 500."""
    body = "[" * 100_000 + "]" * 100_000

    response = api.post(path, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == {"code": "malformed_request",
                                        "message": "JSON parse error - the document is nested too deeply."}
    assert not Case.objects.exists()
    case_id = api.post(CASES, {"kind": "selfie"}, format="json").json()["id"]
    response = api.post(f"{CASES}/{case_id}/selfie", body, content_type="application/json")  # uploads too
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_request"

@pytest.mark.parametrize("body", [
    '{"kind": "selfie", "reference": 1e999999}',  # overflows a double: was stored as the string "inf"
    '{"kind": "selfie", "reference": -1e999999}',
    '{"kind": "selfie", "reference": "x", "extra": {"deep": [1, 2, 1E400]}}',  # anywhere, ignored fields too
    '{"kind": "selfie", "reference": NaN}',
    '{"kind": "selfie", "reference": Infinity}',
    '{"kind": "selfie", "reference": -Infinity}',
])
def test_a_number_that_is_not_finite_anywhere_in_the_body_is_a_400(api, body):
    response = api.post(CASES, body, content_type="application/json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_request"
    assert error["message"].startswith("JSON parse error - Out of range float values are not JSON compliant")
    assert not Case.objects.exists()


def test_non_finite_numbers_are_refused_on_uploads_and_webhook_endpoints_too(api):
    case_id = api.post(CASES, {"kind": "selfie", "reference": 1.5e300}, format="json").json()["id"]
    assert Case.objects.get().reference == "1.5e+300"  # a large finite number is still a number
    for method, path, body in [
        (api.post, f"{CASES}/{case_id}/selfie", '{"selfie": 1e999}'),
        (api.post, "/api/v1/webhooks/endpoints", '{"url": "https://example.com/h", "events": [1e999]}'),
    ]:
        response = method(path, body, content_type="application/json")
        assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_request", path
    assert not Submission.objects.exists()


def test_listing_shows_only_own_cases_newest_first_paginated_and_filtered(api, partner, other_partner):
    mine = [CaseFactory(partner=partner, reference=f"r{i}") for i in range(3)]
    CaseFactory(partner=other_partner, reference="r0")
    CaseFactory(partner=None, reference="r0")
    Case.objects.filter(pk=mine[0].pk).update(state=CaseState.APPROVED)

    page1 = api.get(CASES, {"page_size": 2}).json()
    page2 = api.get(CASES, {"page_size": 2, "page": 2}).json()

    assert page1["count"] == 3 and page1["next"] and page2["previous"]
    ids = [c["id"] for c in page1["results"] + page2["results"]]
    assert ids == [str(c.public_id) for c in reversed(mine)]
    by_reference = api.get(CASES, {"reference": "r0"}).json()["results"]
    assert [c["id"] for c in by_reference] == [str(mine[0].public_id)]
    by_state = api.get(CASES, {"state": "approved"}).json()["results"]
    assert [c["id"] for c in by_state] == [str(mine[0].public_id)]
    assert AuditEvent.objects.filter(action="api.cases_listed", actor_label=f"partner:{partner.pk}").count() == 4


@pytest.mark.parametrize("path", [CASES, "/api/v1/webhooks/deliveries", "/api/v1/webhooks/endpoints"])
@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "3", "99999999999999999999999"])
def test_a_page_that_is_not_a_page_of_the_list_is_a_400_naming_the_parameter(api, partner, path, page):
    """Not DRF's 404 'Invalid page.', which partners read as a wrong case id."""
    CaseFactory(partner=partner)
    response = api.get(path, {"page": page, "page_size": 1})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_page"
    assert error["message"].startswith("The 'page' query parameter must be a page number from 1 to ")
    assert f"got '{page[:20]}" in error["message"]


def test_the_first_and_last_pages_of_a_list_are_still_pages(api, partner):
    CaseFactory(partner=partner)
    assert api.get("/api/v1/webhooks/deliveries", {"page": 1}).json()["results"] == []  # empty list, page 1
    assert len(api.get(CASES, {"page": "last"}).json()["results"]) == 1
    assert len(api.get(CASES, {"page": 1}).json()["results"]) == 1


def test_listing_with_an_unknown_state_is_a_400(api):
    response = api.get(CASES, {"state": "lost"})

    assert response.status_code == 400 and "state" in response.json()["error"]["fields"]


def _checked_case(partner):
    """A case whose selfie check answered: one score under its threshold, one vendor error code."""
    case = CaseFactory(partner=partner, kind=CaseKind.DIGIT_VIDEO, state=CaseState.MANUAL_REVIEW)
    submission = Submission.objects.create(case=case, kind=case.kind, source="api:live")
    check = Check.objects.create(
        submission=submission, case=case, provider="youtu_legacy", operation="digit_video", status=CheckStatus.DONE,
        passed=False, attempts=1, latency_ms=812, request_id="req-123", error_vendor="youtu", error_code="-5015",
        error_message="face not matched", error_category="possible_fraud", recognised_digits="1234")
    Score.objects.create(check_run=check, metric="similarity", value=72.5, scale=100, threshold=80, passed=False)
    Score.objects.create(check_run=check, metric="liveness", value=91, scale=100, threshold=None, passed=None)
    return case, check


def test_a_case_shows_each_check_with_scores_thresholds_meanings_and_explained_errors(api, partner):
    case, check = _checked_case(partner)

    response = api.get(_case_url(case))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(case.public_id) and body["state"] == "manual_review" and "photos" not in body
    [item] = body["checks"]
    assert item["provider"] == "youtu_legacy" and item["operation"] == "digit_video" and item["status"] == "done"
    assert item["latency_ms"] == 812 and item["request_id"] == "req-123" and item["passed"] is False
    similarity = next(s for s in item["scores"] if s["metric"] == "similarity")
    assert similarity == {"metric": "similarity", "value": 72.5, "threshold": 80.0, "scale": 100.0, "passed": False,
                          "threshold_meaning": "false-accept rate 1 in 10,000"}
    informational = next(s for s in item["scores"] if s["metric"] == "liveness")
    assert informational["threshold"] is None and informational["threshold_meaning"] == ""
    error = item["error"]
    assert error["vendor"] == "youtu" and error["code"] == "-5015" and error["category"] == "possible_fraud"
    assert error["explanation"] and error["user_message"]
    assert AuditEvent.objects.filter(case=case, action="api.case_viewed", actor_label=f"partner:{partner.pk}").exists()
    assert not AuditEvent.objects.filter(action="media.viewed").exists()


def test_a_retake_tells_what_the_person_should_do(api, partner):
    case, check = _checked_case(partner)
    Case.objects.filter(pk=case.pk).update(state=CaseState.RETAKE_REQUESTED)

    body = api.get(_case_url(case)).json()

    assert body["retake_message"] and body["retake_message"] == body["checks"][0]["error"]["user_message"]


def test_returned_photos_come_only_on_request_and_every_one_is_audited(api, partner):
    case, check = _checked_case(partner)
    frame, crop = jpeg(64, 48), jpeg(32, 32, color=(10, 20, 30))
    check.best_frame = media.blob_store(data=frame, kind="best_frame", content_type="image/jpeg", width=64, height=48)
    check.face_crop = media.blob_store(data=crop, kind="face_crop", content_type="image/jpeg", width=32, height=32)
    check.save()

    assert "photos" not in api.get(_case_url(case)).json()
    response = api.get(_case_url(case), {"include": "photos"})
    assert response["Cache-Control"] == "no-store"  # issue 17: biometric photos never cached

    photos = {p["role"]: p for p in response.json()["photos"]}
    assert base64.b64decode(photos["best_frame"]["data_base64"]) == frame
    assert base64.b64decode(photos["face_crop"]["data_base64"]) == crop
    assert photos["best_frame"]["check_id"] == check.pk and photos["best_frame"]["width"] == 64
    viewed = AuditEvent.objects.filter(case=case, action="media.viewed")
    assert viewed.count() == 2
    assert {e.details["kind"] for e in viewed} == {"best_frame", "face_crop"}
    assert all(e.actor_label == f"partner:{partner.pk}" for e in viewed)


def test_an_unknown_include_is_a_400(api, partner):
    case = CaseFactory(partner=partner)

    assert api.get(_case_url(case), {"include": "everything"}).status_code == 400


def test_a_capture_link_names_the_case_and_is_audited(api, partner):
    case = CaseFactory(partner=partner)

    response = api.post(_case_url(case, "/capture-link"))

    assert response.status_code == 201
    url = response.json()["url"]
    assert url.startswith("http://testserver/c/") and response.json()["expires_at"]
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert capture_token_case(token=token) == case
    assert url.endswith(reverse("liveness:capture", kwargs={"token": token}))
    assert AuditEvent.objects.filter(case=case, action="capture_link.created",
                                     actor_label=f"partner:{partner.pk}").exists()


def test_no_capture_link_for_a_case_that_takes_no_submission(api, partner):
    case = CaseFactory(partner=partner, state=CaseState.PROCESSING)

    response = api.post(_case_url(case, "/capture-link"))

    assert response.status_code == 409 and response.json()["error"]["code"] == "case_not_accepting", response.content


# --- another partner's case is not found, on every endpoint ---------------------------------

CASE_ENDPOINTS = [
    ("get", ""), ("get", "?include=photos"), ("post", "/challenge"), ("post", "/selfie"), ("post", "/video"),
    ("post", "/capture-link"),
]


@pytest.mark.parametrize("method, suffix", CASE_ENDPOINTS)
def test_another_partners_case_is_404_on_every_endpoint(api, other_partner, method, suffix):
    theirs = CaseFactory(partner=other_partner, kind=CaseKind.SELFIE)
    _, check = _checked_case(other_partner)
    check.best_frame = media.blob_store(data=jpeg(), kind="best_frame", content_type="image/jpeg")
    check.save()
    audit_before = AuditEvent.objects.count()

    for case in (theirs, check.case):
        response = getattr(api, method)(_case_url(case, suffix), {"selfie": base64.b64encode(jpeg()).decode()},
                                        format="json") if method == "post" else api.get(_case_url(case, suffix))
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
        assert str(case.public_id) not in response.content.decode()
        case.refresh_from_db()
    assert theirs.state == CaseState.AWAITING_SUBMISSION and not theirs.submissions.exists()
    assert AuditEvent.objects.count() == audit_before, "nothing was done or seen"


@pytest.mark.parametrize("method, suffix", CASE_ENDPOINTS)
def test_unknown_or_malformed_case_ids_are_404(api, method, suffix):
    for public_id in (uuid.uuid4(), "not-a-uuid"):
        response = getattr(api, method)(f"{CASES}/{public_id}{suffix}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"



@pytest.mark.parametrize("method, path", [("get", "/api/v1/nope"), ("post", "/api/v1/nope"), ("get", "/api/v1/"),
                                          ("get", f"{CASES}/"), ("post", f"{CASES}/"),
                                          ("get", f"{CASES}/{uuid.uuid4()}/")])
def test_an_unknown_api_path_is_a_json_404_and_a_trailing_slash_is_named(api, method, path):
    """Every API error has the JSON envelope, also for a path that is no endpoint (not Django's HTML page)."""
    response = getattr(api, method)(path, format="json") if method == "post" else api.get(path)

    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "not_found" and path in error["message"]
    if path.startswith(CASES):
        assert f"use {path.rstrip('/')}" in error["message"], "the slip is named with the right path"
    assert api.get("/api/docs").status_code == 301  # outside v1, Django's slash redirect still helps

def test_a_case_opened_outside_the_api_is_not_visible_to_partners(api):
    case = CaseFactory(partner=None)

    assert api.get(_case_url(case)).status_code == 404
    assert api.get(CASES).json()["count"] == 0
