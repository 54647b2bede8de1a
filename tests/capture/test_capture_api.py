"""The capture JSON endpoints (challenge, upload, status) and the pages around them."""
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from liveness.capture.links import capture_token_make
from liveness.cases.models import Case, CaseKind, CaseState, Challenge, Submission
from liveness.checks import queue
from liveness.checks.models import Check
from liveness.media.models import MediaBlob
from liveness.vendors import catalogue
from tests.consent import consent_on_page
from tests.factories import CaseFactory
from tests.mediagen import card_jpeg, digit_video, selfie_jpeg

pytestmark = pytest.mark.django_db

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def _file(name, data, content_type):
    return SimpleUploadedFile(name, data, content_type=content_type)


_TOKENS: dict = {}


def _url(name, case):
    """One token per case, so URLs compare equal (a token embeds its signing time)."""
    token = _TOKENS.setdefault(case.public_id, capture_token_make(case=case))
    return reverse(f"liveness:{name}", kwargs={"token": token})


def _video_case():
    return CaseFactory(kind=CaseKind.DIGIT_VIDEO)


def _challenge(client, case):
    response = client.post(_url("capture-challenge", case))
    assert response.status_code == 201, response.content
    return response.json()


def _send_video(client, case, challenge_id, video=None, card=None):
    return client.post(_url("capture-upload", case), {
        "video": _file("digits.webm", video if video is not None else digit_video("1234"), "video/webm"),
        "card": _file("card.jpg", card if card is not None else card_jpeg(), "image/jpeg"),
        "challenge_id": str(challenge_id),
    })


def test_the_start_page_offers_both_checks_and_opens_a_video_case(client):
    page = client.get(reverse("liveness:start"))
    assert b'value="selfie"' in page.content and b'value="digit_video"' in page.content

    response = client.post(reverse("liveness:start"), {"kind": "digit_video"})

    case = Case.objects.get()
    assert case.kind == CaseKind.DIGIT_VIDEO
    assert client.get(response.url).url == response.url + "consent/"  # the privacy notice first
    consent_on_page(client, response.url, case)
    video_page = client.get(response.url)
    assert video_page.status_code == 200 and b'id="video-app"' in video_page.content
    assert b"capture/capture.js" in video_page.content


def test_a_challenge_returns_digits_id_and_expiry(client):
    case = _video_case()

    body = _challenge(client, case)

    challenge = Challenge.objects.get(case=case)
    assert body["challenge_id"] == challenge.pk and body["digits"] == challenge.digits
    assert len(body["digits"]) == 4 and body["digits"].isdigit()
    assert 0 < body["expires_in"] <= 600 and body["expires_at"].startswith(str(challenge.expires_at.date()))


def test_a_challenge_for_a_selfie_case_or_a_bad_link_is_refused(client):
    response = client.post(_url("capture-challenge", CaseFactory()))
    assert response.status_code == 400 and response.json()["error"]["code"] == "wrong_kind"

    token = capture_token_make(case=_video_case())
    response = client.post(reverse("liveness:capture-challenge", kwargs={"token": token[:-2] + "xx"}))
    assert response.status_code == 404 and response.json()["error"]["code"] == "link_invalid"
    assert client.get(reverse("liveness:capture-challenge", kwargs={"token": token})).status_code == 405


def test_a_video_upload_is_accepted_and_queued(client, django_capture_on_commit_callbacks):
    case = _video_case()
    challenge_id = _challenge(client, case)["challenge_id"]

    with django_capture_on_commit_callbacks() as queued:
        response = _send_video(client, case, challenge_id)

    assert response.status_code == 201, response.content
    assert response.json()["status_url"] == _url("status", case)
    submission = Submission.objects.get(case=case)
    assert submission.challenge_id == challenge_id and submission.video and submission.card
    assert [cb.args[0] for cb in queued if getattr(cb, "func", None) is queue._enqueue_check] == [
        case.checks.get().pk]
    status = client.get(_url("status-json", case)).json()
    assert status["outcome"] == "processing" and status["done"] is False and status["retry_url"] is None


def test_an_oversized_video_is_413_and_nothing_is_stored(client, settings):
    case = _video_case()
    challenge_id = _challenge(client, case)["challenge_id"]
    settings.KYC_MAX_VIDEO_BYTES = 1000

    response = _send_video(client, case, challenge_id)

    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert not MediaBlob.objects.exists()


def test_a_gif_card_is_400_with_a_clear_message(client):
    case = _video_case()
    challenge_id = _challenge(client, case)["challenge_id"]

    response = _send_video(client, case, challenge_id, card=GIF)

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "gif", "message": "GIF images are not accepted; please send a JPEG or PNG photo."}
    assert not MediaBlob.objects.exists()
    assert not Challenge.objects.get(pk=challenge_id).used_at  # the digits are still usable


def test_a_gif_selfie_through_the_json_upload_is_400(client):
    response = client.post(_url("capture-upload", CaseFactory()), {"selfie": _file("me.jpg", GIF, "image/jpeg")})
    assert response.status_code == 400 and response.json()["error"]["code"] == "gif"



@pytest.mark.parametrize("lang, photo_message, video_message, missing_message", [
    ("en", "The photo is damaged or incomplete; please take or choose it again.",
     "The recording could not be read; please record the video again.",
     "Record the video and choose the ID-card photo first."),
    ("zh-hans", "照片已损坏或不完整，请重新拍摄或选择。", "无法读取该录像，请重新录制视频。", "请先录制视频并选择身份证照片。"),
])
def test_a_damaged_photo_or_unreadable_recording_is_explained_in_the_persons_words(
        client, lang, photo_message, video_message, missing_message):
    """Not the decoder's words ("image file is truncated (6 bytes not processed)", "piped jpeg sequence")
    and not English on a Chinese page."""
    truncated = selfie_jpeg()[:3000]
    selfie_case = CaseFactory()
    response = client.post(_url("capture-upload", selfie_case), {"selfie": _file("me.jpg", truncated, "image/jpeg")},
                           HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "corrupt_image", "message": photo_message}

    page = client.post(_url("capture", selfie_case), {"selfie": _file("me.jpg", truncated, "image/jpeg")},
                       HTTP_ACCEPT_LANGUAGE=lang)  # the no-JS form says the same
    assert page.status_code == 400 and photo_message in page.content.decode()
    assert "truncated" not in page.content.decode()

    case = _video_case()
    challenge_id = _challenge(client, case)["challenge_id"]
    response = client.post(_url("capture-upload", case), {
        "video": _file("digits.webm", selfie_jpeg(), "video/webm"), "card": _file("card.jpg", card_jpeg(), "image/jpeg"),
        "challenge_id": str(challenge_id)}, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "unsupported_video", "message": video_message}

    response = client.post(_url("capture-upload", case), {"challenge_id": str(challenge_id)},
                           HTTP_ACCEPT_LANGUAGE=lang)
    assert response.json()["error"] == {"code": "video_card_challenge_required", "message": missing_message}
    assert not MediaBlob.objects.exists()

def test_a_used_or_expired_challenge_is_409(client):
    case = _video_case()
    used = Challenge.objects.create(case=case, digits="1234", provider="local",
                                    expires_at=timezone.now() + timedelta(minutes=5), used_at=timezone.now())
    expired = Challenge.objects.create(case=case, digits="1234", provider="local",
                                       expires_at=timezone.now() - timedelta(seconds=1))

    for challenge, code in ((used, "challenge_used"), (expired, "challenge_expired")):
        response = _send_video(client, case, challenge.pk)
        assert response.status_code == 409 and response.json()["error"]["code"] == code
    assert not Submission.objects.exists()


def test_a_challenge_of_another_case_is_404(client):
    case, other = _video_case(), _video_case()
    challenge_id = _challenge(client, other)["challenge_id"]

    response = _send_video(client, case, challenge_id)

    assert response.status_code == 404 and response.json()["error"]["code"] == "challenge_unknown"
    assert not Challenge.objects.get(pk=challenge_id).used_at


def test_missing_parts_are_400(client):
    case = _video_case()
    response = client.post(_url("capture-upload", case), {"challenge_id": "x"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "video_card_challenge_required"


def _failed_submission(case, **check):
    submission = Submission.objects.create(case=case, kind=case.kind)
    return Check.objects.create(submission=submission, case=case, provider="local", operation="digit_video",
                                status="done", passed=False, error_vendor="local", error_code="LOCAL_NO_FACE",
                                **check)


def test_five_failed_submissions_in_ten_minutes_cool_the_case_down(client):
    MAX_FAILED_SUBMISSIONS = 5  # the defaults: KYC_CAPTURE_MAX_FAILURES, KYC_CAPTURE_FAILURE_WINDOW_MINUTES=10
    case = _video_case()
    case.state = CaseState.RETAKE_REQUESTED
    case.save()
    old = _failed_submission(case)
    Check.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    for _ in range(MAX_FAILED_SUBMISSIONS - 1):
        _failed_submission(case)
    assert client.post(_url("capture-challenge", case)).status_code == 201  # 4 recent failures: still allowed

    _failed_submission(case)

    for response in (client.post(_url("capture-challenge", case)),
                     _send_video(client, case, Challenge.objects.get(case=case).pk)):
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "too_many_attempts"
        assert "10 minutes" in response.json()["error"]["message"]
    assert "10 minutes" in client.get(_url("status-json", case)).json()["message"]
    selfie_case = CaseFactory(state=CaseState.RETAKE_REQUESTED)
    for _ in range(MAX_FAILED_SUBMISSIONS):
        _failed_submission(selfie_case)
    response = client.post(_url("capture", selfie_case), {"selfie": _file("me.jpg", selfie_jpeg(), "image/jpeg")})
    assert response.status_code == 429 and b"10 minutes" in response.content


def test_the_cool_down_limit_and_window_come_from_settings(client, settings):
    settings.KYC_CAPTURE_MAX_FAILURES = 2
    settings.KYC_CAPTURE_FAILURE_WINDOW_MINUTES = 3
    case = _video_case()
    case.state = CaseState.RETAKE_REQUESTED
    case.save()
    _failed_submission(case)
    assert client.post(_url("capture-challenge", case)).status_code == 201
    _failed_submission(case)
    old = _failed_submission(case)
    Check.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=4))  # outside 3 minutes

    refused = client.post(_url("capture-challenge", case))
    zh = client.get(_url("status-json", case), HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert refused.status_code == 429 and "about 3 minutes" in refused.json()["error"]["message"]
    assert "约 3 分钟" in zh["message"]
    Check.objects.filter(case=case).exclude(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=4))
    assert client.post(_url("capture-challenge", case)).status_code == 201  # the window has passed


def test_status_json_gives_the_outcome_in_words_never_codes_or_scores(client):
    case = _video_case()
    _failed_submission(case, )
    case.state = CaseState.RETAKE_REQUESTED
    case.save()
    entry = catalogue.lookup("local", "LOCAL_NO_FACE")

    en = client.get(_url("status-json", case)).json()
    zh = client.get(_url("status-json", case), HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert en["outcome"] == "retry" and en["done"] is True and en["retry_url"] == _url("capture", case)
    assert entry.user_message_en in en["message"] and "LOCAL_NO_FACE" not in str(en)
    assert entry.user_message_zh in zh["message"]
    for state, outcome in ((CaseState.APPROVED, "passed"), (CaseState.MANUAL_REVIEW, "review"),
                           (CaseState.REJECTED, "rejected")):
        case.state = state
        case.save()
        body = client.get(_url("status-json", case)).json()
        assert body["outcome"] == outcome and body["done"] is True and body["retry_url"] is None


def test_pages_are_translated_to_simplified_chinese_and_the_language_switch_works(client):
    page = client.get(reverse("liveness:start"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "身份验证" in page.content.decode() and 'lang="zh-hans"' in page.content.decode()

    response = client.post(reverse("liveness:set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert "视频验证" in client.get(reverse("liveness:start")).content.decode()
    status = client.get(_url("status-json", _video_case())).json()
    assert status["message"] == "我们正在等待您的提交。"


def _csrf_client(lang="en"):
    """A client that enforces CSRF like a browser's session (the test client skips the check by default)."""
    from django.test import Client

    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=lang)


def _csrf_token(client, case):
    page = client.get(_url("capture", case))
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()


@pytest.mark.parametrize("lang, message", [
    ("en", "This page's security check failed (cookies may be blocked, or the page is out of date). "
           "Reload the page and try again."),
    ("zh-hans", "此页面的安全校验未通过（可能禁用了 Cookie，或页面已过期）。请刷新页面后重试。"),
])
def test_a_csrf_refusal_on_the_json_endpoints_is_json_in_the_persons_language(lang, message):
    client = _csrf_client(lang)
    video, selfie = _video_case(), CaseFactory()
    _csrf_token(client, video)
    for name, case in [("capture-challenge", video), ("capture-upload", selfie)]:
        response = client.post(_url(name, case), {"selfie": _file("s.jpg", selfie_jpeg(), "image/jpeg")})  # no token
        assert response.status_code == 403, name
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"error": {"code": "csrf_failed", "message": message}}
    assert not Challenge.objects.exists() and not Submission.objects.exists()  # still refused, nothing done

    token = _csrf_token(client, video)
    assert client.post(_url("capture-challenge", video), HTTP_X_CSRFTOKEN=token).status_code == 201
    # other pages keep Django's own 403 page
    response = _csrf_client(lang).post(_url("capture", selfie), {"selfie": _file("s.jpg", selfie_jpeg(), "image/jpeg")})
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")


def test_too_many_fields_on_the_json_endpoints_is_json_in_the_persons_language(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    case = CaseFactory()
    for lang, message in [("en", "The request could not be read. Reload the page and try again."),
                          ("zh-hans", "无法读取该请求。请刷新页面后重试。")]:
        client = _csrf_client(lang)
        token = _csrf_token(client, case)
        fields = {f"f{i}": "x" for i in range(10)}
        response = client.post(_url("capture-upload", case), {**fields, "selfie": _file("s.jpg", selfie_jpeg(),
                                                                                          "image/jpeg")},
                               HTTP_X_CSRFTOKEN=token)
        assert response.status_code == 400
        assert response.json() == {"error": {"code": "too_many_fields", "message": message}}
    assert not Submission.objects.exists()
    client = _csrf_client()
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', client.get("/").content).group(1).decode()
    response = client.post(reverse("liveness:start"), {f"f{i}": "x" for i in range(10)}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")  # a page: HTML


def test_the_start_page_opens_at_most_the_limit_of_cases_per_address_then_429(client, settings):
    """Each POST / opens a case: past KYC_SELF_SERVICE_CASE_LIMIT within the window from one address, a 429
    page (translated) with Retry-After, nothing opened, audited once per window; other addresses unaffected."""
    from liveness.cases.models import AuditEvent

    settings.KYC_SELF_SERVICE_CASE_LIMIT, settings.KYC_SELF_SERVICE_CASE_WINDOW = 3, 3600
    start = reverse("liveness:start")
    for _ in range(3):
        assert client.post(start, {"kind": "selfie"}, REMOTE_ADDR="203.0.113.7").status_code == 302
    for lang, text in [("en", "Too many checks were started from your network. Please wait about 60 min, then "
                              "try again."),
                       ("zh-hans", "您所在网络发起的验证过多。请等待约 60 分钟后再试。")]:
        response = client.post(start, {"kind": "digit_video"}, REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE=lang)
        assert response.status_code == 429
        assert 3590 <= int(response["Retry-After"]) <= 3600
        assert text in response.content.decode()
    assert Case.objects.count() == 3
    events = AuditEvent.objects.filter(action="capture.self_service_throttled")
    assert [(e.actor_label, e.ip_address, e.details["limit"]) for e in events] == [
        ("address:203.0.113.7", "203.0.113.7", 3)]
    assert client.post(start, {"kind": "selfie"}, REMOTE_ADDR="203.0.113.8").status_code == 302  # another address
    assert client.get(start, REMOTE_ADDR="203.0.113.7").status_code == 200  # the page itself still shows


def test_behind_a_proxy_the_start_page_limit_counts_the_forwarded_client(client, settings):
    settings.KYC_SELF_SERVICE_CASE_LIMIT, settings.KYC_TRUSTED_PROXY_COUNT = 1, 1
    start = reverse("liveness:start")
    post = lambda forwarded: client.post(start, {"kind": "selfie"}, REMOTE_ADDR="10.0.0.2",  # noqa: E731 - the proxy
                                         HTTP_X_FORWARDED_FOR=forwarded).status_code
    assert post("198.51.100.1") == 302 and post("198.51.100.2") == 302
    assert post("6.6.6.6, 198.51.100.1") == 429  # a forged left-hand entry does not make a new client
