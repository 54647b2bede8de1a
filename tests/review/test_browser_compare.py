"""The reviewer's main screens in headless Chromium (Debian's /usr/bin/chromium):

* the case page compares selfie, ID card and the returned crops side by side with the face
  similarity and its threshold between them, and any photo opens large (keyboard closes it);
* a case with several submissions shows them grouped, numbered, newest first, each with what
  happened to it;
* the queue finds a case by the start of its public id or reference, shows scores against their
  thresholds, counts a repeated failing code once, and offers no assignment of a closed case;
* the audit log shows details as a key/value list, and a failed webhook is explained in words.

Each test signs in a reviewer with the TOTP helpers (``staff_login``: password and code steps
done) and hands the session cookie to Chromium. Screenshots go to docs/screenshots/dashboard-*.png.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client

from liveness.cases.models import AuditEvent, CaseState, Submission
from liveness.cases.services import case_transition
from liveness.checks.judging import threshold_policy_current
from liveness.checks.models import Check, CheckStatus, Score
from liveness.jobs.models import AttemptOutcome, JobStatus
from liveness.media import files as media
from liveness.media.models import MediaKind
from liveness.partners.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from liveness.review import services
from liveness.review.models import CaseAssignment
from liveness.vendors.base import Metric, Operation
from tests.conftest import staff_login
from tests.factories import PartnerFactory
from tests.mediagen import card_jpeg, selfie_jpeg

from .conftest import make_review_case, role_user

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop

from playwright import sync_api  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
RAW_WEBHOOK_ERROR = (
    "ConnectionError: _PublicHTTPConnectionPool(host='hooks.partner.example', port=443): Max retries exceeded "
    "with url: /kyc (Caused by NewConnectionError('<liveness.partners.webhooks.guard._PublicHTTPSConnection "
    "object at 0x7f3a2c1d0>: Failed to establish a new connection: [Errno 111] Connection refused'))")


def _browser_page(p, live_server, client: Client, *, width: int = 1280, height: int = 900):
    browser = p.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": name, "value": morsel.value, "url": live_server.url}
                         for name, morsel in client.cookies.items()])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return browser, page


def _signed_in(user) -> Client:
    client = Client()
    staff_login(client, user)  # a confirmed TOTP device, both sign-in steps passed
    return client


def _two_submission_case():
    """Submission 1: a blurry selfie, automatically sent back for a retake. Submission 2: a selfie
    and an ID card, liveness passed but the face similarity is under its threshold, so it waits
    for a reviewer; the provider returned a best frame and a face crop."""
    case = make_review_case(reference="two-tries-1")  # its submission, check and states come first
    first = case.submissions.get()
    first_check = Check.objects.get(submission=first)
    first_check.error_vendor, first_check.error_code, first_check.passed = "local", "LOCAL_BLURRY", False
    first_check.save()
    # make_review_case left it in manual review; the pipeline's story for submission 1 is a retake.
    AuditEvent.objects.filter(case=case, action="case.transition", details__to="manual_review").update(
        details={"from": "processing", "to": "retake_requested", "reason": "the photo is blurry"})
    case.state = CaseState.RETAKE_REQUESTED
    case.save(update_fields=["state"])

    selfie, card = selfie_jpeg(), card_jpeg()
    second = Submission.objects.create(
        case=case, kind=case.kind, source="test",
        selfie=media.blob_store(data=selfie, kind=MediaKind.SELFIE, content_type="image/jpeg"),
        card=media.blob_store(data=card, kind=MediaKind.CARD, content_type="image/jpeg"))
    check = Check.objects.create(
        submission=second, case=case, provider="local", operation=Operation.SELFIE_LIVENESS,
        status=CheckStatus.DONE, attempts=1, passed=False, latency_ms=210, error_vendor="local",
        error_code="LOCAL_DIFFERENT_PERSON", raw_response={"similarity": 55.25},
        best_frame=media.blob_store(data=selfie, kind=MediaKind.BEST_FRAME, content_type="image/jpeg"),
        face_crop=media.blob_store(data=selfie, kind=MediaKind.FACE_CROP, content_type="image/jpeg"))
    for metric, value in ((Metric.LIVENESS, 93.0), (Metric.SIMILARITY, 55.25)):
        policy = threshold_policy_current(provider="local", metric=metric)
        Score.objects.create(check_run=check, metric=metric, value=value, scale=policy.scale,
                             threshold=policy.value, policy=policy, passed=value >= policy.value)
    case_transition(case=case, to=CaseState.PROCESSING, reason="submission received", actor_label="test")
    case_transition(case=case, to=CaseState.MANUAL_REVIEW, reason="face similarity below threshold",
                    actor_label="system:pipeline")
    case.refresh_from_db()
    return case, threshold_policy_current(provider="local", metric=Metric.SIMILARITY)


@pytest.mark.django_db(transaction=True)
def test_side_by_side_comparison_with_similarity_and_zoom(live_server):
    reviewer = role_user("rita", "reviewer")
    case, similarity_policy = _two_submission_case()
    client = _signed_in(reviewer)
    SHOTS.mkdir(parents=True, exist_ok=True)

    with sync_api.sync_playwright() as p:
        browser, page = _browser_page(p, live_server, client)
        try:
            page.goto(f"{live_server.url}/dashboard/cases/{case.public_id}/")
            latest = page.locator("#submission-2 .compare")
            page.wait_for_function(
                "() => [...document.querySelectorAll('#submission-2 .compare img')]"
                ".every(i => i.complete && i.naturalWidth > 0)")
            roles = latest.locator(":scope > *").evaluate_all("els => els.map(e => e.className)")
            assert roles[:3] == ["tile selfie", "similarity", "tile card"], roles  # similarity between them
            assert "tile face_crop" in roles[3:], roles
            boxes = [latest.locator(sel).bounding_box() for sel in (".tile.selfie", ".similarity", ".tile.card")]
            assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"] and \
                boxes[1]["x"] + boxes[1]["width"] <= boxes[2]["x"], boxes  # on one row, in that order
            assert latest.locator(".tile.selfie img").bounding_box()["width"] >= 290  # was ~165 px
            sim = latest.locator(".similarity").inner_text()
            assert "55.25" in sim and f"threshold {similarity_policy.value:g}" in sim and "below threshold" in sim
            srcs = latest.locator("img").evaluate_all("els => els.map(e => e.getAttribute('src'))")
            assert srcs and all(s.startswith(f"/dashboard/cases/{case.public_id}/media/") for s in srcs), srcs
            page.screenshot(path=str(SHOTS / "dashboard-case.png"), full_page=True)

            # Click to zoom: a large view of the same audited medium, closed by the keyboard.
            dialog = page.locator("dialog#zoom")
            assert not dialog.is_visible()
            viewed_before = AuditEvent.objects.filter(case=case, action="media.viewed").count()
            latest.locator(".tile.card a.zoomable").click()
            dialog.wait_for(state="visible")
            page.wait_for_function("() => { const i = document.getElementById('zoom-img');"
                                   " return i.complete && i.naturalWidth > 0; }")
            large = page.locator("#zoom-img").bounding_box()
            assert large["width"] > latest.locator(".tile.card img").bounding_box()["width"], large
            assert f"/dashboard/cases/{case.public_id}/media/" in page.locator("#zoom-img").get_attribute("src")
            assert "ID-card photo" in page.inner_text("#zoom-caption")
            page.screenshot(path=str(SHOTS / "dashboard-zoom.png"))
            page.click("#zoom-actual")  # pixel for pixel, then back
            assert page.get_attribute("#zoom-actual", "aria-pressed") == "true"
            page.keyboard.press("Escape")
            dialog.wait_for(state="hidden")
            assert page.evaluate("document.activeElement.closest('.tile.card') !== null")  # focus back
            # The keyboard alone: Enter on the focused photo opens it, Escape closes it.
            page.keyboard.press("Enter")
            dialog.wait_for(state="visible")
            page.keyboard.press("Escape")
            dialog.wait_for(state="hidden")
            # The large view shows the photo the page already has: no second fetch of biometric data.
            assert AuditEvent.objects.filter(case=case, action="media.viewed").count() == viewed_before
        finally:
            browser.close()
    viewed = AuditEvent.objects.filter(case=case, action="media.viewed", actor=reviewer)
    assert viewed.count() >= 4  # the latest submission's four photos at least, through the audited view


@pytest.mark.django_db(transaction=True)
def test_submissions_are_grouped_numbered_newest_first_with_what_happened(live_server):
    reviewer = role_user("rita", "reviewer")
    case, _ = _two_submission_case()
    client = _signed_in(reviewer)

    with sync_api.sync_playwright() as p:
        browser, page = _browser_page(p, live_server, client)
        try:
            page.goto(f"{live_server.url}/dashboard/cases/{case.public_id}/")
            sections = page.locator("section.submission")
            assert sections.evaluate_all("els => els.map(e => e.id)") == ["submission-2", "submission-1"]
            assert page.inner_text("#submission-2-title").startswith("Submission 2 of 2")
            assert page.inner_text("#submission-1-title").startswith("Submission 1 of 2")
            first = page.inner_text("#submission-1")
            assert "Retake requested" in first and "the photo is blurry" in first
            assert "LOCAL_BLURRY" in first and "LOCAL_DIFFERENT_PERSON" not in first  # its own checks only
            assert "LOCAL_DIFFERENT_PERSON" in page.inner_text("#submission-2")
            assert page.locator("#submission-2 .outcome").inner_text() == "Manual review"
            assert page.locator("#submission-1 .compare img").count() == 2  # its selfie and crop, not the others

            # A reviewer asks for a retake: submission 2 now says so, with the message to the person.
            page.check("input[name=outcome][value=retake]")
            page.select_option("#id_reason", "retake:poor_lighting")
            page.fill("#id_user_message", "Your photo was blurry: face a window in daylight.")
            page.click("#decision-form button[type=submit]")
            page.wait_for_selector(".flash-success")
            second = page.inner_text("#submission-2")
            assert "Request a retake by user:rita: Too dark, too bright or blurry" in second
            assert "face a window in daylight" in second
            assert page.locator("#submission-2 .outcome").inner_text() == "Retake requested"
            assert "face a window in daylight" not in page.inner_text("#submission-1")
            page.screenshot(path=str(SHOTS / "dashboard-submissions.png"), full_page=True)
        finally:
            browser.close()


@pytest.mark.django_db(transaction=True)
def test_queue_prefix_search_scores_counted_codes_and_no_assignment_of_closed_cases(live_server):
    reviewer = role_user("rita", "reviewer")
    waiting = make_review_case(reference="ACME-7731")
    for _ in range(4):  # five failing checks with one code
        Check.objects.create(submission=waiting.submissions.get(), case=waiting, provider="local",
                             operation=Operation.SELFIE_LIVENESS, status=CheckStatus.DONE, passed=False,
                             error_vendor="youtu", error_code="-5008", attempts=1)
    make_review_case(reference="other-1")
    approved = make_review_case(reference="ACME-7732", passed=True, score=92.0)
    case_transition(case=approved, to=CaseState.APPROVED, reason="test", actor_label="test")
    client = _signed_in(reviewer)

    with sync_api.sync_playwright() as p:
        browser, page = _browser_page(p, live_server, client)
        try:
            page.goto(f"{live_server.url}/dashboard/")
            prefix = str(waiting.public_id)[:7]
            page.fill("#id_q", prefix.upper())
            page.click("form.filters button[type=submit]")
            page.wait_for_url("**q=*")
            rows = page.locator("#queue tbody tr")
            assert rows.count() == 1 and "ACME-7731" in rows.inner_text()

            page.fill("#id_q", "acme-77")  # the start of a reference, in another case
            page.click("form.filters button[type=submit]")
            page.wait_for_selector("#queue tbody tr >> nth=1")
            text = page.inner_text("#queue tbody")
            assert "ACME-7731" in text and "ACME-7732" in text and "other-1" not in text
            row = page.locator("#queue tbody tr", has_text="ACME-7731")
            assert row.locator(".tag", has_text="-5008").count() == 1  # one tag...
            assert row.locator(".tag", has_text="-5008").inner_text() == "local -5008 ×5"  # ...with its count
            policy = threshold_policy_current(provider="local", metric=Metric.LIVENESS)
            assert row.locator(".scores").inner_text().strip() == f"liveness 41.5 < {policy.value:g}"
            assert row.locator("button", has_text="Assign to me").count() == 1
            closed = page.locator("#queue tbody tr", has_text="ACME-7732")
            assert "Approved" in closed.inner_text() and closed.locator("button", has_text="Assign to me").count() == 0
            page.screenshot(path=str(SHOTS / "dashboard-queue.png"), full_page=True)

            page.goto(f"{live_server.url}/dashboard/cases/{approved.public_id}/")
            assert page.locator("#assign-me").count() == 0
        finally:
            browser.close()
    # The server refuses it too (a form kept open in another tab, or a hand-made POST).
    response = client.post(f"/dashboard/cases/{approved.public_id}/assign/")
    assert response.status_code == 409 and "closed case cannot be assigned" in response.content.decode()
    assert not CaseAssignment.objects.filter(case=approved).exists()


@pytest.mark.django_db(transaction=True)
def test_audit_details_are_readable_and_a_failed_webhook_is_explained(live_server):
    supervisor = role_user("sam", "supervisor")
    role_user("rita", "reviewer")
    partner = PartnerFactory()
    case = make_review_case(reference="hooked-1")
    case.partner = partner
    case.save(update_fields=["partner"])
    services.case_assign(case=case, assignee=supervisor, actor=supervisor)
    endpoint = WebhookEndpoint.objects.create(partner=partner, url="https://hooks.partner.example/kyc", secret="s")
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, case=case, event=WebhookEvent.CHECKS_COMPLETED,
                                              payload={}, status=JobStatus.FAILED, attempts=8)
    for number in range(1, 9):  # eight refused connections, the last one given up on
        DeliveryAttempt.objects.create(delivery=delivery, number=number, outcome=AttemptOutcome.TRANSIENT_ERROR,
                                       error_code="connection", error_message=RAW_WEBHOOK_ERROR)
    client = _signed_in(supervisor)

    with sync_api.sync_playwright() as p:
        browser, page = _browser_page(p, live_server, client)
        try:
            page.goto(f"{live_server.url}/dashboard/audit/?case={case.public_id}")
            row = page.locator("#audit tbody tr", has_text="case.assigned")
            details = row.locator("dl.details")
            assert details.locator("dt").all_inner_texts() == ["Assigned to", "Previously assigned to"]
            assert details.locator("dd").all_inner_texts() == ["sam", "—"]
            body = page.inner_text("#audit")
            assert "{'" not in body and "':" not in body  # no Python dict text anywhere
            page.screenshot(path=str(SHOTS / "dashboard-audit.png"), full_page=True)

            page.goto(f"{live_server.url}/dashboard/cases/{case.public_id}/")
            delivery = page.locator("#deliveries .delivery")
            assert delivery.locator(".problem").inner_text() == (
                "The partner's server could not be reached (connection refused). Gave up after 8 attempts.")
            assert "not delivered" in delivery.inner_text()
            raw = delivery.locator("details pre")
            assert not raw.is_visible()  # the raw detail is collapsed...
            delivery.locator("details summary").click()
            assert raw.is_visible() and "_PublicHTTPConnectionPool" in raw.inner_text()  # ...and still there
            page.locator("#deliveries").screenshot(path=str(SHOTS / "dashboard-webhook-error.png"))
        finally:
            browser.close()
