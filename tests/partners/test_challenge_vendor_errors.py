"""Digits for a video check come from the vendor while a person waits: a vendor failure or a
full rate limiter is a clear 5xx with nothing stored, explained on the case, never a 500.

The vendor is the project's sandbox over real HTTP (YouTu livegetfour); the limiter is the
real Redis one.
"""

import pytest
from django.urls import reverse

from liveness.capture.links import capture_token_make
from liveness.cases import services
from liveness.cases.models import AuditEvent, CaseKind, Challenge
from liveness.checks import pacing as ratelimit
from tests.factories import CaseFactory
from tests.vendors.conftest import sandbox, sandbox_server, youtu_at_sandbox  # noqa: F401  (sandbox fixtures)

pytestmark = pytest.mark.django_db

DIGITS = "/face/livegetfour"
@pytest.fixture
def youtu(settings, sandbox):  # noqa: F811
    """The configured video vendor is YouTu, at the sandbox, with no rate limit unless a test sets one."""
    return youtu_at_sandbox(settings, sandbox, timeout=2.0)


@pytest.fixture
def limited(settings):
    """YouTu limited to one call every 10 s, and that call just spent."""
    settings.KYC_RATE_LIMITS = {**settings.KYC_RATE_LIMITS, "youtu_legacy": 0.1}
    limiter = ratelimit.limiter()
    limiter.reset("youtu_legacy")
    limiter.reserve("youtu_legacy", per_second=0.1, max_wait=2)
    yield limiter
    limiter.reset("youtu_legacy")


def _video_case(**fields):
    return CaseFactory(kind=CaseKind.DIGIT_VIDEO, **fields)


def test_the_vendors_digits_are_issued_when_it_answers(youtu, sandbox):  # noqa: F811
    challenge = services.challenge_issue(case=_video_case(), actor_label="test")

    assert challenge.digits.isdigit() and len(challenge.digits) == 4
    assert sandbox.call_count(DIGITS) == 1


@pytest.mark.parametrize("fault", ["server_error", "malformed", "timeout"])
def test_a_vendor_failure_is_a_503_with_nothing_stored_and_the_reason_on_the_case(youtu, sandbox, fault):  # noqa: F811
    sandbox.add_fault(fault, DIGITS, times=1, **({"ms": 3000} if fault == "timeout" else {}))
    case = _video_case()

    with pytest.raises(services.ChallengeUnavailable) as refused:
        services.challenge_issue(case=case, actor_label="test")

    assert refused.value.status == 503 and refused.value.code == "challenge_unavailable"
    assert "try again" in refused.value.message
    assert not Challenge.objects.exists() and sandbox.call_count(DIGITS) == 1
    event = AuditEvent.objects.get(action="challenge.failed")
    assert event.case == case and event.details["provider"] == "youtu_legacy" and event.details["transient"] is True
    assert event.details["code"] and event.details["message"]
    # The next try, with the vendor back, works.
    assert services.challenge_issue(case=case, actor_label="test").digits


def test_missing_credentials_are_a_502_the_operator_must_fix(youtu, sandbox, settings):  # noqa: F811
    settings.KYC_PROVIDERS["youtu_legacy"]["secret_key"] = ""  # YOUTU_SECRET_KEY not set

    with pytest.raises(services.ChallengeUnavailable) as refused:
        services.challenge_issue(case=_video_case(), actor_label="test")

    assert refused.value.status == 502 and refused.value.code == "challenge_unavailable"
    event = AuditEvent.objects.get(action="challenge.failed")
    assert event.details["vendor"] == "youtu" and event.details["transient"] is False
    assert "YOUTU_SECRET_KEY" in event.details["message"]  # the operator reads what to set
    assert sandbox.call_count(DIGITS) == 0


def test_a_vendor_rate_limit_answer_holds_the_provider_back(youtu, sandbox, settings):  # noqa: F811
    settings.KYC_RATE_LIMITS = {**settings.KYC_RATE_LIMITS, "youtu_legacy": 50}
    ratelimit.limiter().reset("youtu_legacy")
    sandbox.add_fault("rate_limit", DIGITS, times=1)
    try:
        with pytest.raises(services.ChallengeUnavailable):
            services.challenge_issue(case=_video_case(), actor_label="test")
        next_slot = ratelimit.limiter().reserve("youtu_legacy", per_second=50, max_wait=5)
        assert next_slot.wait > 0.9 * ratelimit.PENALTY_S
        assert AuditEvent.objects.get(action="challenge.failed").details["code"] == "15"
    finally:
        ratelimit.limiter().reset("youtu_legacy")


def test_no_call_slot_soon_is_a_busy_503_without_calling_the_vendor(youtu, sandbox, limited):  # noqa: F811
    with pytest.raises(services.ChallengeUnavailable) as refused:
        services.challenge_issue(case=_video_case(), actor_label="test")

    assert refused.value.status == 503 and refused.value.code == "provider_busy"
    assert "try again in 10 seconds" in refused.value.message
    assert sandbox.call_count(DIGITS) == 0 and not Challenge.objects.exists()


def test_the_partner_api_answers_the_failure_in_its_error_envelope(youtu, sandbox, api, partner):  # noqa: F811
    sandbox.add_fault("server_error", DIGITS, times=1)
    case = _video_case(partner=partner)

    response = api.post(f"/api/v1/cases/{case.public_id}/challenge")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "challenge_unavailable"
    assert not Challenge.objects.exists()


def test_the_capture_page_gets_a_message_in_the_persons_language(youtu, sandbox, client, limited):  # noqa: F811
    case = _video_case()
    url = reverse("liveness:capture-challenge", kwargs={"token": capture_token_make(case=case)})

    english = client.post(url, HTTP_ACCEPT="application/json")
    chinese = client.post(url, HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="zh-Hans")

    assert english.status_code == chinese.status_code == 503
    assert english.json()["error"] == {
        "code": "provider_busy",
        "message": "Many video checks are starting right now; please try again in a few seconds."}
    assert chinese.json()["error"]["message"] == "当前有很多人正在开始视频验证，请几秒钟后再试。"
    assert sandbox.call_count(DIGITS) == 0
