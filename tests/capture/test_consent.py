"""The privacy notice before any capture: what it says (read from the running settings), the consent it
records (version, time, language, audited), the refusals of every upload door without it, the
capture pages' own 404 with DEBUG on, and the favicon."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liveness.capture.links import capture_token_make
from liveness.capture.notice import NOTICE_REVISION, notice_version
from liveness.cases.models import AuditEvent, CaseKind, CaseState, Challenge, Consent, Submission
from liveness.media.models import MediaBlob
from tests.factories import CaseFactory, PartnerFactory
from tests.mediagen import selfie_jpeg

pytestmark = pytest.mark.django_db


_TOKENS: dict[str, str] = {}


def _path(case, name="capture"):
    """One token per case (a token names its second of issue, so two made apart would differ)."""
    token = _TOKENS.setdefault(str(case.public_id), capture_token_make(case=case))
    return reverse(f"liveness:{name}", kwargs={"token": token})


def _jpeg(name="me.jpg"):
    return SimpleUploadedFile(name, selfie_jpeg(), "image/jpeg")


def test_the_capture_page_sends_a_person_without_consent_to_the_notice(client):
    case = CaseFactory(consent=False)

    response = client.get(_path(case))

    assert response.status_code == 302 and response.url == _path(case, "consent")
    notice = client.get(response.url)
    assert notice.status_code == 200
    assert b'id="consent-form"' in notice.content and b'id="selfie-form"' not in notice.content


def test_the_notice_states_what_is_collected_why_how_long_and_who_from_the_settings(client, settings):
    settings.KYC_RETENTION_DAYS = {"approved": 45, "retake_requested": 12}  # rejected: off
    case = CaseFactory(consent=False, kind=CaseKind.DIGIT_VIDEO, partner=PartnerFactory(name="Acme Bank"))

    text = client.get(_path(case, "consent")).content.decode()

    assert "your image and your voice" in text and "A photo of your ID card" in text
    assert "the same person as on your ID card" in text
    assert "45 days after the check is approved" in text
    assert "12 days after you are asked to try again" in text
    assert "after the check is rejected: kept until the operator deletes them" in text
    assert "runs on our own servers" in text  # the local engine is configured in tests
    assert "Acme Bank, who asked for this check" in text
    assert notice_version(case=case) in text

    settings.KYC_RETENTION_DAYS = {"approved": 90, "rejected": 90, "retake_requested": 30}
    settings.KYC_SELFIE_PROVIDER = "youtu_legacy"
    selfie = client.get(_path(CaseFactory(consent=False), "consent")).content.decode()
    assert "One photo of your face" in selfie and "ID card" not in selfie
    assert "90 days after the check is rejected" in selfie
    assert "Tencent YouTu, which runs the automatic check" in selfie


def test_the_version_changes_with_a_retention_period(settings):
    case = CaseFactory(consent=False)
    before = notice_version(case=case)
    settings.KYC_RETENTION_DAYS = {**settings.KYC_RETENTION_DAYS, "approved": 7}

    assert notice_version(case=case) != before and before.startswith(f"{NOTICE_REVISION}.")


def test_consent_is_recorded_once_with_its_version_time_language_and_audit(client):
    case = CaseFactory(consent=False)
    version = notice_version(case=case)

    response = client.post(_path(case, "consent"), {"agree": "yes", "notice_version": version},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    again = client.post(_path(case, "consent"), {"agree": "yes", "notice_version": version})

    assert response.status_code == 302 and response.url == _path(case)
    assert again.status_code == 302
    consent = Consent.objects.get(case=case)
    assert (consent.notice_version, consent.source, consent.language) == (version, "capture_page", "zh-hans")
    event = AuditEvent.objects.get(case=case, action="case.consent_given")
    assert event.details["notice_version"] == version and event.details["source"] == "capture_page"
    assert event.ip_address == "127.0.0.1" and event.details["given_at"] == consent.given_at.isoformat()
    assert client.get(_path(case)).status_code == 200  # the capture page now opens
    assert client.get(_path(case, "consent")).url == _path(case)


def test_no_tick_or_an_outdated_notice_records_nothing(client, settings):
    case = CaseFactory(consent=False)

    unticked = client.post(_path(case, "consent"), {"notice_version": notice_version(case=case)})
    stale = client.post(_path(case, "consent"), {"agree": "yes", "notice_version": "1.00000000"})

    assert unticked.status_code == 400 and b"Tick the box" in unticked.content
    assert stale.status_code == 409 and b"This notice has changed" in stale.content
    assert not Consent.objects.exists() and not AuditEvent.objects.filter(action="case.consent_given").exists()


def test_the_notice_is_in_simplified_chinese(client):
    case = CaseFactory(consent=False, kind=CaseKind.DIGIT_VIDEO)

    text = client.get(_path(case, "consent"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "我们收集什么" in text and "您的图像和声音" in text and "同意并继续" in text


def test_every_upload_door_refuses_a_case_without_consent_and_stores_nothing(client):
    selfie_case = CaseFactory(consent=False)
    video_case = CaseFactory(consent=False, kind=CaseKind.DIGIT_VIDEO)

    form = client.post(_path(selfie_case), {"selfie": _jpeg()})
    upload = client.post(_path(selfie_case, "capture-upload"), {"selfie": _jpeg()})
    digits = client.post(_path(video_case, "capture-challenge"))
    video = client.post(_path(video_case, "capture-upload"), {"card": _jpeg("card.jpg")})

    assert form.status_code == 409 and b'id="consent-form"' in form.content
    assert b"give your consent first" in form.content
    for response in (upload, digits, video):
        assert response.status_code == 409, response.content
        assert response.json()["error"]["code"] == "consent_required"
        assert "privacy notice" in response.json()["error"]["message"]
    assert not Submission.objects.exists() and not MediaBlob.objects.exists() and not Challenge.objects.exists()
    selfie_case.refresh_from_db()
    assert selfie_case.state == CaseState.AWAITING_SUBMISSION


def test_a_closed_case_says_it_takes_nothing_rather_than_asking_for_consent(client):
    case = CaseFactory(consent=False, state=CaseState.APPROVED)

    assert client.get(_path(case, "consent")).url == _path(case, "status")
    response = client.post(_path(case, "capture-upload"), {"selfie": _jpeg()})
    assert response.status_code == 409 and response.json()["error"]["code"] == "case_not_accepting"


@pytest.mark.parametrize("path", ["/c/", "/c/not-a-token/nowhere/", "/c/a/b/c/d/"])
def test_unknown_capture_paths_get_the_capture_pages_own_404_with_debug_on(client, settings, path):
    settings.DEBUG = True

    response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 404
    text = response.content.decode()
    assert "此链接无效" in text and "capture/capture.css" in text and "Django" not in text


def test_a_capture_path_missing_its_slash_is_still_redirected(client):
    token = capture_token_make(case=CaseFactory())

    response = client.get(f"/c/{token}/status?x=1")

    assert response.status_code == 301 and response.url == f"/c/{token}/status/?x=1"


def test_the_favicon_is_linked_from_every_base_template_and_served(client, admin_client):
    for page in (client.get("/"), admin_client.get("/dashboard/")):
        assert b'rel="icon" href="/static/favicon.svg"' in page.content
        assert b'rel="icon" href="/static/favicon.ico"' in page.content
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url == "/static/favicon.ico"


def test_the_reviewers_case_page_shows_the_consent_in_one_line(client):
    from tests.conftest import staff_login
    from tests.review.conftest import role_user

    staff_login(client, role_user("rita", "reviewer"))
    without = CaseFactory(consent=False)
    given = CaseFactory(consent=False)
    version = notice_version(case=given)
    client.post(_path(given, "consent"), {"agree": "yes", "notice_version": version}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    consent = Consent.objects.get(case=given)

    page = client.get(f"/dashboard/cases/{given.public_id}/").content.decode()
    missing = client.get(f"/dashboard/cases/{without.public_id}/").content.decode()

    line = page.split('id="case-consent">', 1)[1].split("</p>", 1)[0]
    assert line == (f"Consent: given {consent.given_at:%Y-%m-%d %H:%M:%S} to privacy notice {version} "
                    f"(on the capture page, zh-hans)")
    assert "Consent: not given yet; uploads are refused" in missing
