"""The person withdraws their consent on the capture pages: a link on every page once they consented,
a confirmation page, then their media is gone, the case ended and the pages say so (EN and ZH)."""
from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liveness.capture.links import capture_token_make
from liveness.cases.models import AuditEvent, CaseState
from liveness.checks import queue
from liveness.media.models import MediaBlob
from tests.factories import CaseFactory
from tests.mediagen import selfie_jpeg

pytestmark = pytest.mark.django_db


def _path(case, name="capture") -> str:
    return reverse(f"liveness:{name}", kwargs={"token": capture_token_make(case=case)})


def test_every_capture_page_offers_the_withdrawal_once_consent_was_given(client):
    consented, not_yet = CaseFactory(), CaseFactory(consent=False)

    assert b'id="withdraw-link"' in client.get(_path(consented)).content
    assert b'id="withdraw-link"' in client.get(_path(consented, "status")).content
    assert b'id="withdraw-link"' not in client.get(_path(not_yet, "status")).content
    assert client.get(_path(not_yet, "consent-withdraw")).status_code == 302, "nothing to withdraw yet"


def test_withdrawing_on_the_page_deletes_the_selfie_and_ends_the_case(client, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    monkeypatch.setattr(queue, "_enqueue_check", lambda check_id: None)  # the check stays pending
    case = CaseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(_path(case), {"selfie": SimpleUploadedFile("me.jpg", selfie_jpeg(), "image/jpeg")})
    assert sent.status_code == 302
    stored = MediaBlob.objects.get()
    assert default_storage.exists(stored.file.name)

    page = client.get(_path(case, "consent-withdraw"))
    unconfirmed = client.post(_path(case, "consent-withdraw"), {})
    done = client.post(_path(case, "consent-withdraw"), {"confirm": "yes"}, REMOTE_ADDR="203.0.113.9")

    assert page.status_code == 200 and b'id="withdraw-form"' in page.content
    assert unconfirmed.status_code == 400 and b'id="withdraw-error"' in unconfirmed.content
    assert done.status_code == 302 and done.url == _path(case, "status")
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    assert not default_storage.exists(stored.file.name)
    event = AuditEvent.objects.get(case=case, action="case.consent_withdrawn")
    assert event.actor_label == "self-service:web" and event.ip_address == "203.0.113.9"
    status = client.get(_path(case, "status-json")).json()
    assert status["outcome"] == "withdrawn" and status["retry_url"] is None and status["done"] is True
    assert "deleted" in status["message"]
    assert client.get(_path(case)).status_code == 302, "the capture page sends them to the status page"
    assert b'id="withdraw-link"' not in client.get(_path(case, "status")).content


def test_the_withdrawal_pages_speak_chinese(client):
    case = CaseFactory()
    client.cookies["django_language"] = "zh-hans"

    page = client.get(_path(case, "consent-withdraw")).content.decode()
    client.post(_path(case, "consent-withdraw"), {"confirm": "yes"})
    status = client.get(_path(case, "status-json")).json()

    assert "撤回" in page and "撤回" in status["message"]
