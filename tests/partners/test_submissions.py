"""Digits and uploads through the API: multipart or base64 JSON, same limits, same error codes."""
import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from liveness.cases.models import AuditEvent, CaseKind, CaseState, Challenge, Submission
from liveness.checks import queue
from liveness.checks.models import Check
from liveness.media.models import MediaBlob
from tests.partners.conftest import jpeg, tiny_video
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _url(case, suffix):
    return f"/api/v1/cases/{case.public_id}/{suffix}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def queued_checks(monkeypatch):
    """Check ids handed to Celery once the upload committed (recorded instead of sent)."""
    ids = []
    monkeypatch.setattr(queue, "_enqueue_check", ids.append)
    return ids


def _file(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- challenge ----------------------------------------------------------------------------

def test_a_digit_video_case_gets_digits_with_an_expiry(api, partner, stub_providers):
    case = CaseFactory(partner=partner, kind=CaseKind.DIGIT_VIDEO)

    response = api.post(_url(case, "challenge"))

    assert response.status_code == 201
    body = response.json()
    challenge = Challenge.objects.get(pk=body["challenge_id"])
    assert body["digits"] == challenge.digits == "9999", "a live key uses the configured vendor"
    assert challenge.case == case and challenge.expires_at > timezone.now()
    assert AuditEvent.objects.get(action="challenge.issued").actor_label == f"partner:{partner.pk}"


def test_a_test_key_gets_digits_from_the_local_engine_never_the_vendor(testkey_api, partner, stub_providers):
    case = CaseFactory(partner=partner, kind=CaseKind.DIGIT_VIDEO)

    response = testkey_api.post(_url(case, "challenge"))

    assert response.status_code == 201 and response.json()["digits"] == "1111"
    assert Challenge.objects.get().provider == "local"
    assert stub_providers.VendorDigits.calls == 0


def test_a_partner_asks_for_mandarin_digits_and_the_check_will_listen_for_mandarin(testkey_api, partner,
                                                                                   stub_providers):
    case = CaseFactory(partner=partner, kind=CaseKind.DIGIT_VIDEO)

    response = testkey_api.post(_url(case, "challenge"), {"language": "zh"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["language"] == "zh"
    assert Challenge.objects.get().language == "zh"
    assert AuditEvent.objects.get(action="challenge.issued").details["language"] == "zh"


def test_without_a_language_the_digits_are_in_the_providers_first_language(api, testkey_api, partner,
                                                                            stub_providers):
    vendor_case, local_case = (CaseFactory(partner=partner, kind=CaseKind.DIGIT_VIDEO) for _ in range(2))

    assert api.post(_url(vendor_case, "challenge")).json()["language"] == "zh"
    assert testkey_api.post(_url(local_case, "challenge")).json()["language"] == "en"


def test_a_language_the_vendor_cannot_hear_is_refused_before_any_vendor_call(api, partner, stub_providers):
    case = CaseFactory(partner=partner, kind=CaseKind.DIGIT_VIDEO)

    response = api.post(_url(case, "challenge"), {"language": "en"}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "language_unsupported" and "zh" in error["message"]
    assert stub_providers.VendorDigits.calls == 0 and not Challenge.objects.exists()


def test_an_unknown_language_is_an_invalid_request(testkey_api, partner, stub_providers):
    case = CaseFactory(partner=partner, kind=CaseKind.DIGIT_VIDEO)

    response = testkey_api.post(_url(case, "challenge"), {"language": "fr"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert "language" in response.json()["error"]["fields"]
    assert not Challenge.objects.exists()


@pytest.mark.parametrize("kind, state, status, code", [
    (CaseKind.SELFIE, CaseState.AWAITING_SUBMISSION, 400, "wrong_kind"),
    (CaseKind.DIGIT_VIDEO, CaseState.PROCESSING, 409, "case_closed"),
])
@pytest.mark.parametrize("client_fixture", ["api", "testkey_api"])
def test_no_digits_for_a_selfie_case_or_a_busy_case(request, partner, stub_providers, kind, state, status, code,
                                                    client_fixture):
    client = request.getfixturevalue(client_fixture)
    case = CaseFactory(partner=partner, kind=kind, state=state)

    response = client.post(_url(case, "challenge"))

    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not Challenge.objects.exists()


# --- selfie -------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["multipart", "json"])
def test_a_selfie_is_accepted_as_multipart_or_base64_and_its_check_queued_on_commit(
        api, partner, encoding, django_capture_on_commit_callbacks, queued_checks):
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)
    image = jpeg()
    data = {"selfie": _file("me.jpg", image, "image/jpeg")} if encoding == "multipart" else {"selfie": _b64(image)}

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(_url(case, "selfie"), data, format=encoding)

    assert response.status_code == 202, response.content
    body = response.json()
    submission = Submission.objects.get(pk=body["submission_id"])
    assert submission.case == case and submission.source == "api:live" and submission.selfie is not None
    assert body["case"]["state"] == "processing"
    assert queued_checks == [Check.objects.get(submission=submission).pk], "the check is queued after commit"
    assert AuditEvent.objects.get(case=case, action="submission.accepted").actor_label == f"partner:{partner.pk}"


def test_a_data_url_is_accepted_too(api, partner, django_capture_on_commit_callbacks):
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)

    with django_capture_on_commit_callbacks():
        response = api.post(_url(case, "selfie"), {"selfie": f"data:image/jpeg;base64,{_b64(jpeg())}"}, format="json")

    assert response.status_code == 202


def test_a_test_keys_check_runs_on_the_local_engine(testkey_api, partner, settings,
                                                    django_capture_on_commit_callbacks):
    settings.KYC_SELFIE_PROVIDER = "youtu_legacy"
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)

    with django_capture_on_commit_callbacks():
        response = testkey_api.post(_url(case, "selfie"), {"selfie": _b64(jpeg())}, format="json")

    assert response.status_code == 202
    assert Check.objects.get(case=case).provider == "local"
    assert Submission.objects.get().source == "api:test"


def test_a_live_keys_check_uses_the_configured_vendor(api, partner, settings, django_capture_on_commit_callbacks):
    settings.KYC_SELFIE_PROVIDER = "youtu_legacy"
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)

    with django_capture_on_commit_callbacks():
        api.post(_url(case, "selfie"), {"selfie": _b64(jpeg())}, format="json")

    assert Check.objects.get(case=case).provider == "youtu_legacy"


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


@pytest.mark.parametrize("encoding", ["multipart", "json"])
@pytest.mark.parametrize("payload, status, code", [
    (GIF, 400, "gif"),
    (b"hello, not an image", 400, "not_an_image"),
    (None, 400, "selfie_required"),
])
def test_refused_selfies_answer_the_media_code_in_both_encodings(api, partner, encoding, payload, status, code):
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)
    if payload is None:
        data = {}
    elif encoding == "multipart":
        data = {"selfie": _file("x.jpg", payload)}
    else:
        data = {"selfie": _b64(payload)}

    response = api.post(_url(case, "selfie"), data, format=encoding)

    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_SUBMISSION and not MediaBlob.objects.exists()


@pytest.mark.parametrize("encoding", ["multipart", "json"])
def test_an_oversized_selfie_is_413_in_both_encodings(api, partner, settings, encoding):
    settings.KYC_MAX_IMAGE_BYTES = 500
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)
    image = jpeg()
    assert len(image) > 500
    data = {"selfie": _file("me.jpg", image)} if encoding == "multipart" else {"selfie": _b64(image)}

    response = api.post(_url(case, "selfie"), data, format=encoding)

    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_a_request_body_over_the_server_limit_is_413(api, partner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)

    response = api.post(_url(case, "selfie"), {"selfie": _b64(jpeg())}, format="json", HTTP_IDEMPOTENCY_KEY="big-1")

    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"


def test_invalid_base64_is_a_form_error(api, partner):
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)

    response = api.post(_url(case, "selfie"), {"selfie": "***not base64***"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request" and "selfie" in response.json()["error"]["fields"]


def test_a_second_selfie_while_processing_is_409(api, partner, django_capture_on_commit_callbacks):
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)
    with django_capture_on_commit_callbacks():
        api.post(_url(case, "selfie"), {"selfie": _b64(jpeg())}, format="json")

    response = api.post(_url(case, "selfie"), {"selfie": _b64(jpeg())}, format="json")

    assert response.status_code == 409 and response.json()["error"]["code"] == "case_not_accepting"


# --- digit video --------------------------------------------------------------------------

@pytest.fixture
def video_case(partner):
    case = CaseFactory(partner=partner, kind=CaseKind.DIGIT_VIDEO)
    challenge = Challenge.objects.create(case=case, digits="4821", provider="local",
                                         expires_at=timezone.now() + timezone.timedelta(minutes=10))
    return case, challenge


@pytest.mark.parametrize("encoding", ["multipart", "json"])
def test_a_video_with_card_and_challenge_is_accepted_in_both_encodings(api, video_case, encoding,
                                                                       django_capture_on_commit_callbacks,
                                                                       queued_checks):
    case, challenge = video_case
    video, card = tiny_video(), jpeg()
    if encoding == "multipart":
        data = {"video": _file("clip.mp4", video), "card": _file("card.jpg", card), "challenge_id": challenge.pk}
    else:
        data = {"video": _b64(video), "card": _b64(card), "challenge_id": challenge.pk}

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(_url(case, "video"), data, format=encoding)

    assert response.status_code == 202, response.content
    submission = Submission.objects.get(pk=response.json()["submission_id"])
    assert submission.challenge == challenge and submission.video and submission.card
    assert queued_checks == [Check.objects.get(submission=submission).pk]
    challenge.refresh_from_db()
    assert challenge.used_at is not None


@pytest.mark.parametrize("change, status, code", [
    ({"challenge_id": None}, 400, "video_card_challenge_required"),
    ({"card": None}, 400, "video_card_challenge_required"),
    ({"video": b"not a video at all"}, 400, "not_a_video"),
    ({"card": GIF}, 400, "gif"),
    ({"challenge_id": 10**9}, 400, "challenge_unknown"),
    ({"expired": True}, 409, "challenge_expired"),
])
def test_refused_videos_answer_the_service_codes(api, video_case, change, status, code):
    case, challenge = video_case
    if change.pop("expired", False):
        Challenge.objects.filter(pk=challenge.pk).update(expires_at=timezone.now())
    values = {"video": tiny_video(), "card": jpeg(), "challenge_id": challenge.pk, **change}
    data = {k: (_b64(v) if isinstance(v, bytes) else v) for k, v in values.items() if v is not None}

    response = api.post(_url(case, "video"), data, format="json")

    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not Submission.objects.exists()


def test_a_used_challenge_is_409(api, video_case, partner, django_capture_on_commit_callbacks):
    case, challenge = video_case
    Challenge.objects.filter(pk=challenge.pk).update(used_at=timezone.now())

    response = api.post(_url(case, "video"), {"video": _b64(tiny_video()), "card": _b64(jpeg()),
                                              "challenge_id": challenge.pk}, format="json")

    assert response.status_code == 409 and response.json()["error"]["code"] == "challenge_used"


def test_a_video_too_large_is_413(api, video_case, settings):
    settings.KYC_MAX_VIDEO_BYTES = 100
    case, challenge = video_case

    response = api.post(_url(case, "video"), {"video": _file("clip.mp4", tiny_video()),
                                              "card": _file("card.jpg", jpeg()), "challenge_id": challenge.pk},
                        format="multipart")

    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_a_selfie_sent_to_the_video_endpoint_is_refused(api, partner):
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)

    response = api.post(_url(case, "video"), {"video": _b64(tiny_video())}, format="json")

    assert response.status_code == 400
