"""Withdrawing consent through the API (``DELETE /api/v1/cases/{id}/consent``): the case's media is
deleted at once, checks not yet started never reach a vendor, an open case ends ``withdrawn`` and the
partner is told by webhook; a decided case keeps its decision. The capture page's own withdrawal is
tests/capture/test_consent_withdraw.py."""
from __future__ import annotations

import base64

import pytest
from django.core.files.storage import default_storage

from liveness.cases.models import AuditEvent, Case, CaseState, OutboxEvent
from liveness.checks import queue
from liveness.checks.models import Check, CheckStatus
from liveness.checks.services import check_claim
from liveness.media.models import MediaBlob
from liveness.media.retention import case_blob_ids
from liveness.partners.models import WebhookDelivery, WebhookEvent
from liveness.partners.webhooks import endpoints as webhook_endpoints
from liveness.partners.webhooks.wire import events_for_transition
from tests.consent import consent_by_api
from liveness.review.services import decision_make
from tests.partners.conftest import jpeg
from tests.partners.webhook_receiver import delivered_payload
from tests.review.conftest import role_user

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


@pytest.fixture
def queued_checks(monkeypatch):
    """Check ids handed to Celery once the upload committed (recorded instead of sent: they stay pending)."""
    ids: list[int] = []
    monkeypatch.setattr(queue, "_enqueue_check", ids.append)
    return ids


def _case_with_selfie(api, django_capture_on_commit_callbacks) -> tuple[str, Case]:
    case_id = api.post(CASES, {"kind": "selfie", "reference": "r"}, format="json").json()["id"]
    consent_by_api(api, case_id)
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = api.post(f"{CASES}/{case_id}/selfie", {"selfie": base64.b64encode(jpeg()).decode()}, format="json")
    assert uploaded.status_code == 202, uploaded.content
    return case_id, Case.objects.get(public_id=case_id)


def _stored_files(case: Case) -> list[str]:
    return [blob.file.name for blob in MediaBlob.objects.filter(pk__in=case_blob_ids(case))]


def test_withdrawing_deletes_the_media_stops_the_pending_check_and_ends_the_case(
        api, queued_checks, django_capture_on_commit_callbacks):
    case_id, case = _case_with_selfie(api, django_capture_on_commit_callbacks)
    files = _stored_files(case)
    assert files and all(default_storage.exists(name) for name in files) and queued_checks

    response = api.delete(f"{CASES}/{case_id}/consent")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "withdrawn" and body["created"] is True and body["media_erased"] == len(files)
    assert not any(default_storage.exists(name) for name in files), "the encrypted files are gone from storage"
    assert all(blob.purged_at for blob in MediaBlob.objects.all())
    check = Check.objects.get(case=case)
    assert check.status == CheckStatus.FAILED and (check.error_vendor, check.error_code) == ("internal",
                                                                                          "consent_withdrawn")
    assert check.attempt_rows.count() == 0, "no vendor call was ever attempted"
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    assert AuditEvent.objects.filter(case=case, action="case.consent_withdrawn").count() == 1
    assert AuditEvent.objects.get(case=case, action="media.purged").details["reason"] == "consent_withdrawn"
    event = OutboxEvent.objects.filter(case=case).latest("pk")
    assert event.payload["state"] == "withdrawn" and event.payload["previous"] == "processing"
    detail = api.get(f"{CASES}/{case_id}").json()
    assert detail["state"] == "withdrawn" and detail["consent"]["withdrawn_at"] == body["withdrawn_at"]


def test_a_claim_after_the_withdrawal_fails_the_check_without_calling_anyone(
        api, queued_checks, django_capture_on_commit_callbacks):
    case_id, case = _case_with_selfie(api, django_capture_on_commit_callbacks)
    check = Check.objects.get(case=case)
    Case.objects.filter(pk=case.pk).update(state=CaseState.WITHDRAWN)  # as if the withdrawal raced the claim

    assert check_claim(check_id=check.pk, worker="w1") is None

    check.refresh_from_db()
    assert check.status == CheckStatus.FAILED and check.error_code == "consent_withdrawn"
    assert check.attempt_rows.count() == 0


def test_withdrawing_twice_changes_nothing_the_second_time(api, queued_checks, django_capture_on_commit_callbacks):
    case_id, _ = _case_with_selfie(api, django_capture_on_commit_callbacks)

    first = api.delete(f"{CASES}/{case_id}/consent").json()
    second = api.delete(f"{CASES}/{case_id}/consent")

    assert second.status_code == 200
    assert second.json() == {**first, "created": False, "media_erased": 0}
    assert AuditEvent.objects.filter(action="case.consent_withdrawn").count() == 1


def test_a_decided_case_keeps_its_decision_and_loses_its_media(api, queued_checks,
                                                                django_capture_on_commit_callbacks):
    case_id, case = _case_with_selfie(api, django_capture_on_commit_callbacks)
    files = _stored_files(case)
    Case.objects.filter(pk=case.pk).update(state=CaseState.APPROVED)

    body = api.delete(f"{CASES}/{case_id}/consent").json()

    assert body["state"] == "approved" and body["media_erased"] == len(files)
    assert not any(default_storage.exists(name) for name in files)
    assert Case.objects.get(pk=case.pk).state == CaseState.APPROVED
    assert not OutboxEvent.objects.filter(case=case, payload__state="withdrawn").exists()


def test_the_partner_of_a_decided_case_is_told_its_media_is_gone(
        api, partner, receiver, queued, queued_checks, django_capture_on_commit_callbacks):
    """No move, but the same webhook: the partner must delete its own copies of the person's media."""
    endpoint = webhook_endpoints.webhook_endpoint_create(partner=partner, url=receiver.url,
                                                         events=[WebhookEvent.CONSENT_WITHDRAWN.value])
    case_id, case = _case_with_selfie(api, django_capture_on_commit_callbacks)
    Case.objects.filter(pk=case.pk).update(state=CaseState.MANUAL_REVIEW)
    decision_make(case=case, outcome="reject", reason_code="spoof_suspected", actor=role_user("rita", "reviewer"))
    assert not WebhookDelivery.objects.exists(), "the endpoint did not subscribe to case.decided"

    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = api.delete(f"{CASES}/{case_id}/consent").json()
    payload = delivered_payload(receiver, endpoint.secret)

    assert (payload["event"], payload["case_id"], payload["state"]) == ("case.consent_withdrawn", case_id, "rejected")
    assert (payload["decision"]["outcome"], payload["decision"]["reason_code"]) == ("reject", "spoof_suspected")
    assert withdrawn["state"] == "rejected" and Case.objects.get(pk=case.pk).state == CaseState.REJECTED

    with django_capture_on_commit_callbacks(execute=True):  # repeating the withdrawal tells nobody again
        api.delete(f"{CASES}/{case_id}/consent")
    assert WebhookDelivery.objects.count() == 1


def test_withdrawing_a_consent_never_given_is_409_and_uploads_stay_closed_after_a_withdrawal(
        api, queued_checks, django_capture_on_commit_callbacks):
    never = api.post(CASES, {"kind": "selfie", "reference": "r"}, format="json").json()["id"]
    refused = api.delete(f"{CASES}/{never}/consent")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "consent_not_given"

    case_id = api.post(CASES, {"kind": "selfie", "reference": "r"}, format="json").json()["id"]
    consent_by_api(api, case_id)
    api.delete(f"{CASES}/{case_id}/consent")
    again = api.post(f"{CASES}/{case_id}/selfie", {"selfie": base64.b64encode(jpeg()).decode()}, format="json")
    assert again.status_code == 409 and not MediaBlob.objects.exists()


def test_another_partners_case_cannot_be_withdrawn(api, other_api):
    case_id = other_api.post(CASES, {"kind": "selfie", "reference": "r"}, format="json").json()["id"]
    consent_by_api(other_api, case_id)

    assert api.delete(f"{CASES}/{case_id}/consent").status_code == 404
    assert Case.objects.get(public_id=case_id).consents.get().withdrawn_at is None


def test_the_withdrawal_is_its_own_webhook_event_not_checks_completed():
    assert events_for_transition(previous="processing", state="withdrawn") == [WebhookEvent.CONSENT_WITHDRAWN]
    assert events_for_transition(previous="awaiting_submission", state="withdrawn") == [
        WebhookEvent.CONSENT_WITHDRAWN]


def test_endpoints_that_took_every_event_are_subscribed_to_the_new_one(partner):
    from importlib import import_module

    from django.apps import apps

    from liveness.partners.models import WebhookEndpoint

    migration = import_module("liveness.partners.migrations.0003_consent_withdrawal")
    everything = WebhookEndpoint.objects.create(partner=partner, url="https://a.example/h", secret="s" * 32,
                                                events=sorted(migration.OLD_EVENTS))
    chosen = WebhookEndpoint.objects.create(partner=partner, url="https://b.example/h", secret="s" * 32,
                                            events=["case.decided"])

    migration.subscribe_all_event_endpoints(apps, None)

    everything.refresh_from_db()
    chosen.refresh_from_db()
    assert WebhookEvent.CONSENT_WITHDRAWN in everything.events and chosen.events == ["case.decided"]


def test_the_schema_documents_the_withdrawal_and_its_webhook(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)

    delete = schema["paths"]["/api/v1/cases/{public_id}/consent"]["delete"]
    assert set(delete["responses"]) >= {"200", "404"} and "deleted" in delete["description"]
    assert "case.consent_withdrawn" in schema["webhooks"]


def test_photos_a_check_in_flight_returns_after_the_withdrawal_are_erased_when_it_records(
        api, queued_checks, django_capture_on_commit_callbacks):
    from liveness.cases.services import case_evaluate
    from liveness.media.files import blob_store
    from liveness.media.models import MediaKind

    case_id, case = _case_with_selfie(api, django_capture_on_commit_callbacks)
    api.delete(f"{CASES}/{case_id}/consent")
    late = blob_store(data=jpeg(), kind=MediaKind.BEST_FRAME, content_type="image/jpeg")
    Check.objects.filter(case=case).update(best_frame=late)

    case_evaluate(case_id=case.pk)  # what recording the in-flight check's answer ends with

    late.refresh_from_db()
    assert late.purged_at is not None and not default_storage.exists(late.file.name)
    assert Case.objects.get(pk=case.pk).state == CaseState.WITHDRAWN


def test_the_reviewers_case_page_says_when_consent_was_withdrawn(api, queued_checks,
                                                                  django_capture_on_commit_callbacks):
    from liveness.review.case_page import case_review

    case_id, case = _case_with_selfie(api, django_capture_on_commit_callbacks)
    assert "withdrawn" not in case_review(case=case).consent_line

    api.delete(f"{CASES}/{case_id}/consent")

    line = case_review(case=case).consent_line
    assert "recorded by the partner" in line and "withdrawn" in line and "deleted" in line


def test_the_reviewers_case_page_shows_erased_media_as_erased_not_as_broken_images(
        api, client, queued_checks, django_capture_on_commit_callbacks):
    from tests.conftest import staff_login
    from tests.review.conftest import role_user

    case_id, case = _case_with_selfie(api, django_capture_on_commit_callbacks)
    [blob_id] = case_blob_ids(case)
    staff_login(client, role_user("rita", "reviewer"))
    page = f"/dashboard/cases/{case_id}/"
    assert f"/media/{blob_id}/" in client.get(page).content.decode()

    api.delete(f"{CASES}/{case_id}/consent")

    html = client.get(page).content.decode()
    assert f"/media/{blob_id}/" not in html, "no link or image to a file that is gone"
    assert html.count('class="erased-media"') == 1 and "erased" in html
