"""The digit-video page's server side: the reading language (issue 16 item 2), the per-link challenge
limit (issue 17), and uploaded video files refused with precise 4xx (issue 18 item 7)."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liveness.capture.links import capture_token_make
from liveness.cases.models import AuditEvent, CaptureLinkUse, CaseKind, Challenge, Submission
from liveness.vendors.languages import digit_language_for, digit_languages_of
from liveness.vendors.local.adapter import LocalProvider
from tests.factories import CaseFactory
from tests.mediagen import card_jpeg, digit_video

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
RADIO = 'name="digit_language" value='


@pytest.fixture(autouse=True)
def _pinned_digits(monkeypatch):
    monkeypatch.setattr(LocalProvider, "challenge_digits", lambda self: "1234")


def _video_case_and_token():
    case = CaseFactory(kind=CaseKind.DIGIT_VIDEO)
    return case, capture_token_make(case=case)


def _challenge(client, token, language=None, **headers):
    data = {"language": language} if language is not None else {}
    return client.post(reverse("liveness:capture-challenge", kwargs={"token": token}), data, **headers)


# --- the reading language -------------------------------------------------------------------

def test_the_chosen_language_is_kept_on_the_challenge_and_answered(client):
    case, token = _video_case_and_token()
    for language in ("zh", "en"):
        response = _challenge(client, token, language)
        assert response.status_code == 201
        assert response.json()["language"] == language
        assert Challenge.objects.get(pk=response.json()["challenge_id"]).language == language
    issued = AuditEvent.objects.filter(case=case, action="challenge.issued").order_by("created_at")
    assert [event.details["language"] for event in issued] == ["zh", "en"]


def test_without_a_choice_the_page_language_is_the_default(client):
    _, token = _video_case_and_token()
    assert _challenge(client, token, **ZH).json()["language"] == "zh"
    assert _challenge(client, token, HTTP_ACCEPT_LANGUAGE="en").json()["language"] == "en"


def test_an_unknown_language_is_400_and_asks_for_nothing(client):
    case, token = _video_case_and_token()
    response = _challenge(client, token, "fr")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "language_unsupported",
        "message": "The digits cannot be read in that language for this check; please choose one of the "
                   "languages shown."}
    case.refresh_from_db()
    assert not Challenge.objects.exists() and case.challenges_issued == 0 and not CaptureLinkUse.objects.exists()


def test_the_page_offers_both_languages_and_defaults_to_the_page_language(client):
    _, token = _video_case_and_token()
    url = reverse("liveness:capture", kwargs={"token": token})
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'{RADIO}"en" checked' in english and f'{RADIO}"zh">' in english and "普通话 (Mandarin)" in english
    chinese = client.get(url, **ZH).content.decode()
    assert f'{RADIO}"zh" checked' in chinese and "您将用哪种语言读出数字" in chinese and "English (英语)" in chinese
    assert "in English" not in english.split("<noscript>")[0]  # no page says "read in English" any more


def test_a_provider_that_hears_mandarin_only_is_offered_and_given_mandarin_only(client, settings):
    settings.KYC_VIDEO_PROVIDER = "tencent_faceid"
    case, token = _video_case_and_token()
    page = client.get(reverse("liveness:capture", kwargs={"token": token}), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'{RADIO}"zh" checked' in page and f'{RADIO}"en"' not in page
    # English is refused before the vendor is asked for digits (no slot of the case or link is spent)
    response = _challenge(client, token, "en")
    assert response.status_code == 400 and response.json()["error"]["code"] == "language_unsupported"
    case.refresh_from_db()
    assert case.challenges_issued == 0 and CaptureLinkUse.objects.get().challenges_issued == 0


def test_what_each_provider_hears():
    assert digit_languages_of("local") == ("en", "zh")
    assert digit_languages_of("tencent_faceid") == ("zh",) and digit_languages_of("youtu_legacy") == ("zh",)
    assert set(digit_languages_of("senseid")) == {"en", "zh"}  # it does not listen to the digits
    # a deployment's own provider class that declares nothing is taken to hear English, as pages asked before
    assert digit_languages_of("tests.fault_providers.CrashingProvider") == ("en",)
    assert digit_language_for("local", "zh") == "zh"
    assert digit_language_for("tencent_faceid", "en") == "zh"  # a one-language vendor gets what it supports


# --- the per-link challenge limit -------------------------------------------------------------

def test_a_link_gets_at_most_the_per_link_limit_of_challenges_then_a_clear_429(client, settings):
    settings.KYC_CHALLENGES_PER_LINK = 2
    settings.KYC_CHALLENGES_PER_CASE = 10
    case, leaked = _video_case_and_token()
    assert [_challenge(client, leaked, "en").status_code for _ in range(2)] == [201, 201]
    for headers, message in (
            ({"HTTP_ACCEPT_LANGUAGE": "en"}, "This link was used to ask for new digits 2 times, the most one link "
                                             "may; ask whoever sent it for a new link."),
            (ZH, "此链接已用于获取新数字 2 次，已达单个链接的上限；请联系发送链接的一方获取新链接。")):
        response = _challenge(client, leaked, "en", **headers)
        assert response.status_code == 429
        assert response.json()["error"] == {"code": "too_many_link_challenges", "message": message}
    assert Challenge.objects.filter(case=case).count() == 2
    refusals = AuditEvent.objects.filter(case=case, action="challenge.link_limit_reached")
    assert refusals.count() == 1 and leaked not in str(refusals.get().details)  # audited once, never the token
    case.refresh_from_db()
    assert case.challenges_issued == 2  # the refused requests took no slot of the case

    other = capture_token_make(case=case)
    while other == leaked:  # a token names its signing second
        other = capture_token_make(case=case)
    assert _challenge(client, other, "en").status_code == 201


def test_the_case_limit_still_applies_and_its_refusal_gives_the_links_slot_back(client, settings):
    settings.KYC_CHALLENGES_PER_LINK = 5
    settings.KYC_CHALLENGES_PER_CASE = 1
    case, token = _video_case_and_token()
    assert _challenge(client, token, "en").status_code == 201
    response = _challenge(client, token, "en", **ZH)
    assert response.status_code == 429
    assert response.json()["error"] == {
        "code": "too_many_challenges",
        "message": "此验证已获取新数字 1 次，已达上限；请联系引导您来到这里的一方重新发起验证。"}
    assert CaptureLinkUse.objects.get().challenges_issued == 1


# --- uploaded video files ---------------------------------------------------------------------

def _upload(client, token, challenge_id, name, data, content_type, **headers):
    return client.post(reverse("liveness:capture-upload", kwargs={"token": token}), {
        "video": SimpleUploadedFile(name, data, content_type=content_type),
        "card": SimpleUploadedFile("card.jpg", card_jpeg(), content_type="image/jpeg"),
        "challenge_id": str(challenge_id)}, **headers)


def _mov(mp4: bytes) -> bytes:
    """The same streams in a QuickTime (.mov) container, as an iPhone's camera app writes."""
    import av

    out = io.BytesIO()
    with av.open(io.BytesIO(mp4)) as source, av.open(out, "w", format="mov") as target:
        streams = {s.index: target.add_stream_from_template(s) for s in source.streams if s.type in ("video", "audio")}
        for packet in source.demux():
            if packet.stream.index in streams and packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                target.mux(packet)
    return out.getvalue()


@pytest.mark.parametrize("name, content_type, fmt", [
    ("clip.mov", "video/quicktime", "mov"), ("clip.mp4", "video/mp4", "mp4"), ("clip.webm", "video/webm", "webm")])
def test_a_chosen_video_file_takes_the_same_path_as_a_recording(client, name, content_type, fmt):
    _, token = _video_case_and_token()
    challenge_id = _challenge(client, token, "zh").json()["challenge_id"]
    data = _mov(digit_video("1234", fmt="mp4")) if fmt == "mov" else digit_video("1234", fmt=fmt)
    response = _upload(client, token, challenge_id, name, data, content_type)
    assert response.status_code == 201, response.content
    submission = Submission.objects.get()
    assert submission.challenge_id == challenge_id and submission.challenge.language == "zh"
    assert submission.video.duration_s < 10 and submission.checks.count() == 1


@pytest.mark.parametrize("make, status, code, message", [
    (lambda s: b"just some text", 400, "not_a_video", "The file is not a video we can read."),
    (lambda s: card_jpeg(), 400, "unsupported_video", "The recording could not be read; please record the video "
                                                      "again."),
    (lambda s: digit_video("1234", duration=4.0), 400, "video_too_long",
     "The recording is too long; please record the video again (a few seconds are enough)."),
    (lambda s: digit_video("1234", audio=False, duration=2.5), 400, "no_audio",
     "The recording has no sound; allow the microphone and record the video again, reading the digits aloud."),
    (lambda s: b"\x1aE\xdf\xa3" + b"\0" * (s.KYC_MAX_VIDEO_BYTES + 1), 413, "too_large",
     "The file is too large; the limit is 2 MiB."),  # KYC_MAX_VIDEO_BYTES below
])
def test_a_bad_video_file_is_refused_with_a_precise_4xx_and_the_digits_stay_usable(
        client, settings, make, status, code, message):
    settings.KYC_MAX_VIDEO_SECONDS = 3
    settings.KYC_MAX_VIDEO_BYTES = 2 * 1024 * 1024
    _, token = _video_case_and_token()
    challenge_id = _challenge(client, token, "en").json()["challenge_id"]
    response = _upload(client, token, challenge_id, "clip.mp4", make(settings), "video/mp4")
    assert response.status_code == status
    assert response.json()["error"] == {"code": code, "message": message}
    assert not Submission.objects.exists() and not Challenge.objects.get(pk=challenge_id).used_at
