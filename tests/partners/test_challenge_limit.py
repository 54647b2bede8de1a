"""Issue 17, item 5: digit challenges per case are limited, whichever door asks, and the limit holds
under concurrent requests.

Attack reproduced: a capture link's ``POST /c/<token>/challenge/`` sent 30 times made 30 YouTu
``livegetfour`` calls, and 63 concurrent requests made 63. Now a case gets at most
``KYC_CHALLENGES_PER_CASE`` challenges (API and capture link together); past that the answer is
``429 too_many_challenges`` with a message, and no vendor call.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client

from liveness.capture.links import capture_token_make
from liveness.cases.models import AuditEvent, CaseKind, Challenge
from tests.factories import CaseFactory
from tests.vendors.conftest import sandbox, sandbox_server, youtu_at_sandbox  # noqa: F401  (sandbox fixtures)

DIGITS = "/face/livegetfour"
@pytest.fixture
def youtu(settings, sandbox):  # noqa: F811
    """YouTu at the sandbox is the video vendor, unpaced (so only the new limit can refuse)."""
    youtu_at_sandbox(settings, sandbox, timeout=10.0)
    return sandbox


def _challenge_path(case) -> str:
    return f"/c/{capture_token_make(case=case)}/challenge/"


def test_the_default_limit_is_declared_and_sane():
    from django.conf import settings

    assert 5 <= settings.KYC_CHALLENGES_PER_CASE <= 100


@pytest.mark.django_db
def test_a_capture_link_and_the_api_share_one_limit_per_case(youtu, settings, api):
    settings.KYC_CHALLENGES_PER_CASE = 3
    case = CaseFactory(kind=CaseKind.DIGIT_VIDEO, partner=api.key.partner)
    person = Client()
    api_path = f"/api/v1/cases/{case.public_id}/challenge"

    statuses = [person.post(_challenge_path(case)).status_code, api.post(api_path).status_code,
                person.post(_challenge_path(case)).status_code]
    over_link, over_api = person.post(_challenge_path(case)), api.post(api_path)

    assert statuses == [201, 201, 201]
    for response in (over_link, over_api):
        assert response.status_code == 429
        error = response.json()["error"]
        assert error["code"] == "too_many_challenges" and "new check" in error["message"]
    assert youtu.call_count(DIGITS) == 3 and Challenge.objects.filter(case=case).count() == 3
    assert AuditEvent.objects.filter(case=case, action="challenge.limit_reached").count() == 1
    other = CaseFactory(kind=CaseKind.DIGIT_VIDEO)
    assert person.post(_challenge_path(other)).status_code == 201  # per case: another case is not affected


@pytest.mark.django_db
def test_a_vendor_failure_counts_but_a_busy_refusal_does_not(youtu, settings):
    settings.KYC_CHALLENGES_PER_CASE = 2
    case = CaseFactory(kind=CaseKind.DIGIT_VIDEO)
    youtu.add_fault("server_error", DIGITS, times=1)

    assert Client().post(_challenge_path(case)).status_code == 503  # a call was made: it counts
    case.refresh_from_db()
    assert case.challenges_issued == 1


@pytest.mark.django_db(transaction=True)
def test_63_concurrent_requests_on_one_link_make_no_more_vendor_calls_than_the_limit(youtu, settings):
    settings.KYC_CHALLENGES_PER_CASE = 5
    case = CaseFactory(kind=CaseKind.DIGIT_VIDEO)
    path = _challenge_path(case)

    def ask(_):
        try:
            return Client().post(path).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=32) as pool:  # 32 connections at most: the database is shared
        statuses = list(pool.map(ask, range(63)))

    assert statuses.count(201) == 5 and statuses.count(429) == 58, sorted(statuses)
    assert youtu.call_count(DIGITS) == 5
    assert Challenge.objects.filter(case=case).count() == 5
