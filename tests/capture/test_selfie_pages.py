import pytest
from django.urls import reverse

from liveness.capture.links import capture_token_make
from liveness.cases.models import Case, CaseState
from liveness.checks import queue
from liveness.media.models import MediaBlob
from tests.factories import CaseFactory
from tests.mediagen import selfie_jpeg

pytestmark = pytest.mark.django_db


def _upload(name: str, data: bytes, content_type: str = "image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def test_start_opens_a_case_and_sends_the_user_to_its_capture_link(client):
    response = client.post(reverse("liveness:start"))

    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("liveness:capture", kwargs={"token": capture_token_make(case=case)})
    page = client.get(response.url)  # the privacy notice comes first
    assert page.status_code == 302 and page.url == reverse("liveness:consent", kwargs={"token": capture_token_make(case=case)})


def test_a_selfie_upload_is_accepted_and_the_status_page_follows_the_case(client, django_capture_on_commit_callbacks):
    case = CaseFactory()
    token = capture_token_make(case=case)

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("liveness:capture", kwargs={"token": token}),
                               {"selfie": _upload("me.jpg", selfie_jpeg())})

    assert response.status_code == 302
    assert [cb.args[0] for cb in queued if getattr(cb, "func", None) is queue._enqueue_check] == [
        case.checks.get().pk]
    case.refresh_from_db()
    assert case.state == CaseState.PROCESSING
    page = client.get(response.url)
    assert b"We are checking your submission" in page.content and b'http-equiv="refresh"' in page.content


def test_a_gif_disguised_as_jpeg_is_refused_with_a_clear_message_and_nothing_stored(client):
    case = CaseFactory()
    gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"

    response = client.post(reverse("liveness:capture", kwargs={"token": capture_token_make(case=case)}),
                           {"selfie": _upload("me.jpg", gif)})

    assert response.status_code == 400
    assert b"GIF images are not accepted" in response.content
    assert not MediaBlob.objects.exists()


def test_a_tampered_link_is_not_found_and_an_expired_one_is_gone(client, settings):
    token = capture_token_make(case=CaseFactory())

    assert client.get(reverse("liveness:capture", kwargs={"token": token[:-2] + "xx"})).status_code == 404
    settings.KYC_CAPTURE_LINK_MAX_AGE = -1
    response = client.get(reverse("liveness:capture", kwargs={"token": token}))
    assert response.status_code == 410 and b"expired" in response.content


def test_the_status_page_tells_what_to_do_on_a_retake_without_scores(client):
    case = CaseFactory(state=CaseState.RETAKE_REQUESTED)
    from liveness.cases.models import Submission
    from liveness.checks.models import Check

    submission = Submission.objects.create(case=case, kind=case.kind)
    Check.objects.create(submission=submission, case=case, provider="local", operation="selfie_liveness",
                         status="done", passed=False, error_vendor="local", error_code="LOCAL_NO_FACE")
    from liveness.vendors import catalogue

    page = client.get(reverse("liveness:status", kwargs={"token": capture_token_make(case=case)}))

    assert catalogue.lookup("local", "LOCAL_NO_FACE").user_message_en.encode() in page.content.replace(b"&#x27;", b"'")
    assert b"LOCAL_NO_FACE" not in page.content
