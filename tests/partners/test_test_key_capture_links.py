"""Issue 17, item 4: a test key's case never reaches a paid vendor, not even through its capture link.

Attack reproduced: with YouTu configured as the selfie and video vendor (the project's sandbox over
real HTTP), a ``kyc_test_`` key opens a case and asks for its capture link; the person's pages
(``/c/<token>/challenge/``, ``/c/<token>/upload/``, the selfie form) then ask for digits and submit.
Before: those pages used the configured vendor (``livegetfour`` for the digits, a YouTu check for the
submission), since only the API's own endpoints pinned test keys to the local engine. Now the case
remembers it was opened by a test key (``Case.test_mode``) and every challenge and check of it runs
on the local engine, whichever door.
"""
from __future__ import annotations


import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from liveness.cases.models import Case, Challenge
from liveness.checks.models import Check
from liveness.checks.services import check_run
from tests.consent import consent_on_page
from tests.partners.conftest import jpeg, tiny_video
from tests.vendors.conftest import sandbox, sandbox_server, youtu_at_sandbox  # noqa: F401  (sandbox fixtures)

pytestmark = pytest.mark.django_db

@pytest.fixture
def youtu_everywhere(settings, sandbox):  # noqa: F811
    """YouTu, at the sandbox, is the configured vendor for selfies and digit videos, unpaced."""
    youtu_at_sandbox(settings, sandbox, timeout=5.0, selfies=True)
    return sandbox


def _capture_path(key_client, kind: str) -> tuple[Case, str]:
    """Open a case with ``key_client`` and return it with its capture link's path (``/c/<token>/``)."""
    opened = key_client.post("/api/v1/cases", {"kind": kind, "reference": "r"}, format="json")
    assert opened.status_code == 201, opened.content
    case = Case.objects.get(public_id=opened.json()["id"])
    link = key_client.post(f"/api/v1/cases/{case.public_id}/capture-link", format="json")
    assert link.status_code == 201, link.content
    path = "/" + link.json()["url"].split("://", 1)[1].split("/", 1)[1]
    consent_on_page(Client(), path, case)  # the person accepts the privacy notice, the link's first page
    return case, path


def test_a_test_keys_digit_video_capture_link_makes_no_vendor_call(testkey_api, youtu_everywhere):
    case, path = _capture_path(testkey_api, "digit_video")
    person = Client()

    issued = person.post(path + "challenge/")
    assert issued.status_code == 201, issued.content
    uploaded = person.post(path + "upload/", {
        "video": SimpleUploadedFile("v.mp4", tiny_video(), "video/mp4"),
        "card": SimpleUploadedFile("card.jpg", jpeg(), "image/jpeg"),
        "challenge_id": str(issued.json()["challenge_id"])})
    assert uploaded.status_code == 201, uploaded.content

    assert Challenge.objects.get(case=case).provider == "local"
    check = Check.objects.get(case=case)
    assert check.provider == "local"
    check_run(check_id=check.pk)
    assert youtu_everywhere.call_count() == 0, youtu_everywhere.calls()["endpoints"]


def test_a_test_keys_selfie_capture_link_makes_no_vendor_call(testkey_api, youtu_everywhere):
    from tests.mediagen import selfie_jpeg

    case, path = _capture_path(testkey_api, "selfie")

    page = Client().post(path, {"selfie": SimpleUploadedFile("s.jpg", selfie_jpeg(), "image/jpeg")})

    assert page.status_code == 302, page.content[:500]
    check = Check.objects.get(case=case)
    assert check.provider == "local"
    check_run(check_id=check.pk)
    assert youtu_everywhere.call_count() == 0, youtu_everywhere.calls()["endpoints"]


def test_a_live_keys_capture_link_uses_the_configured_vendor(api, youtu_everywhere):
    """The control: the same pages for a live key's case do reach YouTu, so the test above is not
    passing because the vendor was unreachable."""
    case, path = _capture_path(api, "digit_video")

    assert Client().post(path + "challenge/").status_code == 201

    assert Challenge.objects.get(case=case).provider == "youtu_legacy"
    assert youtu_everywhere.call_count("/face/livegetfour") == 1
    assert case.test_mode is False


def test_a_test_key_case_is_marked_and_audited_as_test_mode(testkey_api):
    case, _ = _capture_path(testkey_api, "selfie")

    assert case.test_mode is True
    assert case.audit_events.get(action="case.opened").details["test_mode"] is True
