"""The privacy notice in headless Chromium (Debian /usr/bin/chromium, the fake camera of
test_capture_browser): it shows before any capture with the running retention settings, nothing can
be captured or uploaded until the person agrees, and the consent (notice version, time) reaches the
audit trail, the reviewer's case page and the partner API. Also: the favicon, and the capture pages'
own 404 with DEBUG on. Screenshots: docs/screenshots/capture-consent-*.png."""
from __future__ import annotations

import os

import pytest
from django.db import connections
from rest_framework.test import APIClient

from liveness.capture.links import capture_token_make
from liveness.capture.notice import notice_version
from liveness.cases.models import AuditEvent, CaseKind, Consent, Submission
from liveness.partners import keys as partner_keys
from tests.capture.browser import PHONE, launch, open_page, shot
from tests.factories import CaseFactory, PartnerFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop

from playwright import sync_api

#: A POST to the capture JSON upload endpoint, as a script could send it, with the page's CSRF token.
UPLOAD_DIRECTLY = """async (url) => {
  const form = new FormData();
  form.append('selfie', new Blob([new Uint8Array([255, 216, 255, 224, 0, 16])], {type: 'image/jpeg'}), 'me.jpg');
  form.append('csrfmiddlewaretoken', document.querySelector('[name=csrfmiddlewaretoken]').value);
  const answer = await fetch(url, {method: 'POST', body: form});
  return {status: answer.status, body: await answer.json()};
}"""

FETCH = """async (url) => {
  const answer = await fetch(url);
  return {status: answer.status, type: answer.headers.get('content-type'), size: (await answer.arrayBuffer()).byteLength};
}"""


@pytest.mark.django_db(transaction=True)
def test_no_capture_before_consent_then_consent_is_recorded_audited_and_in_the_api(live_server, fake_media,
                                                                                   settings):
    settings.KYC_RETENTION_DAYS = {"approved": 45, "rejected": 60, "retake_requested": 12}
    partner = PartnerFactory(name="Acme Bank")
    _, raw_key = partner_keys.key_create(partner=partner)
    case = CaseFactory(consent=False, partner=partner, kind=CaseKind.SELFIE)
    token = capture_token_make(case=case)
    with sync_api.sync_playwright() as p:
        browser = launch(p, fake_media)
        try:
            page, errors = open_page(browser, live_server, "en", PHONE, accept_notice=False)
            page.goto(f"/c/{token}/")
            page.wait_for_selector("#consent-form")
            assert page.url.endswith(f"/c/{token}/consent/")
            notice = page.inner_text("#notice")
            for line in ("One photo of your face", "45 days after the check is approved",
                         "60 days after the check is rejected", "12 days after you are asked to try again",
                         "runs on our own servers", "Acme Bank, who asked for this check", "compliance reviewers"):
                assert line in notice, (line, notice)
            assert page.query_selector("#selfie-form") is None and page.query_selector("#use-camera") is None
            shot(page, "consent-en-phone")

            page.click("#consent-accept")  # not ticked: the browser does not send the form
            assert page.url.endswith("/consent/") and page.is_visible("#agree")
            page.goto(f"/c/{token}/")  # the capture page sends the person back to the notice
            assert page.url.endswith("/consent/")
            direct = page.evaluate(UPLOAD_DIRECTLY, f"/c/{token}/upload/")
            assert direct["status"] == 409 and direct["body"]["error"]["code"] == "consent_required", direct
            assert not Consent.objects.exists() and not Submission.objects.exists()

            # the favicon the page links, and the one browsers ask for by themselves
            svg = page.evaluate(FETCH, page.get_attribute("link[rel=icon][type='image/svg+xml']", "href"))
            ico = page.evaluate(FETCH, "/favicon.ico")
            assert svg["status"] == 200 and svg["type"].startswith("image/svg+xml") and svg["size"] > 100
            assert ico["status"] == 200 and "icon" in ico["type"] and ico["size"] > 1000

            page.check("#agree")
            page.click("#consent-accept")
            page.wait_for_selector("#selfie-form")
            assert page.url.endswith(f"/c/{token}/")
            page.click("#use-camera")
            page.wait_for_function("() => document.getElementById('selfie-video').videoWidth > 0")
            page.click("#snap")
            page.wait_for_selector("#preview-wrap:not([hidden])")
            page.click("#send")
            page.wait_for_url("**/status/", timeout=30_000)
            assert errors == []
            page.context.close()

            # the notice in Chinese (a second case), for the screenshot and the words
            zh_case = CaseFactory(consent=False, partner=partner, kind=CaseKind.DIGIT_VIDEO)
            page, errors = open_page(browser, live_server, "zh-CN,zh;q=0.9", PHONE, accept_notice=False)
            page.goto(f"/c/{capture_token_make(case=zh_case)}/")
            page.wait_for_selector("#consent-form")
            assert "开始之前：您的隐私" in page.inner_text("h1")
            assert "验证通过后 45 天" in page.inner_text("#notice")
            shot(page, "consent-zh-hans-phone")
            assert errors == []
            page.context.close()
        finally:
            browser.close()
            connections.close_all()

    consent = Consent.objects.get(case=case)
    assert consent.notice_version == notice_version(case=case) and consent.language == "en"
    assert Submission.objects.filter(case=case).count() == 1
    event = AuditEvent.objects.get(case=case, action="case.consent_given")
    assert event.details["notice_version"] == consent.notice_version and event.ip_address == "127.0.0.1"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    shown = api.get(f"/api/v1/cases/{case.public_id}").json()["consent"]
    assert shown["notice_version"] == consent.notice_version and shown["source"] == "capture_page"
    assert shown["given_at"] == consent.given_at.isoformat().replace("+00:00", "Z")


@pytest.mark.django_db(transaction=True)
def test_a_bad_capture_link_shows_the_capture_pages_own_404_with_debug_on(live_server, fake_media, settings):
    settings.DEBUG = True
    with sync_api.sync_playwright() as p:
        browser = launch(p, fake_media)
        try:
            page, errors = open_page(browser, live_server, "en", PHONE, accept_notice=False)
            for path in ("/c/not-a-real-link/", "/c/not-a-real-link/nowhere/", "/c/"):
                answer = page.goto(path)
                assert answer.status == 404, path
                assert page.inner_text("h1") == "This link is not valid", path
                assert "Ask whoever sent it for a new link." in page.inner_text("main")
                assert "Django" not in page.content() and page.query_selector("link[rel=icon]") is not None
            assert errors == []
        finally:
            browser.close()
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_the_person_withdraws_their_consent_from_the_page_and_their_selfie_is_deleted(live_server, fake_media):
    """The link at the bottom of the capture page, the confirmation (refused unticked), then the status page
    says the photos were deleted; the stored selfie is gone. Screenshot: capture-withdraw-en-phone.png."""
    from django.core.files.storage import default_storage

    from liveness.cases.models import CaseState
    from liveness.media.models import MediaBlob
    from tests import mediagen

    case = CaseFactory(kind=CaseKind.SELFIE)  # consent given
    token = capture_token_make(case=case)
    with sync_api.sync_playwright() as p:
        browser = launch(p, fake_media)
        try:
            page, errors = open_page(browser, live_server, "en", PHONE, accept_notice=False)
            page.goto(f"/c/{token}/")
            page.wait_for_selector("#selfie-form")
            page.set_input_files("input[name=selfie]", files=[{"name": "me.jpg", "mimeType": "image/jpeg",
                                                                "buffer": mediagen.selfie_jpeg()}])
            page.click("#send")
            page.wait_for_url("**/status/", timeout=30_000)
            stored = [blob.file.name for blob in MediaBlob.objects.all()]
            assert stored and all(default_storage.exists(name) for name in stored)

            page.click("#withdraw-link a")
            page.wait_for_selector("#withdraw-form")
            shot(page, "withdraw-en-phone")
            page.click("#withdraw-submit")  # not ticked: the browser does not send the form
            assert page.url.endswith("/consent/withdraw/")
            page.check("#withdraw-confirm")
            page.click("#withdraw-submit")
            page.wait_for_url("**/status/")
            assert "Your photos and video were deleted" in page.inner_text("#status-message")
            assert page.query_selector("#withdraw-link") is None
            assert errors == []
        finally:
            browser.close()
            connections.close_all()

    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    assert not any(default_storage.exists(name) for name in stored)
