"""The vendor rate limiter (liveness/checks/pacing.py) against real Redis, the pipeline's use of it,
and a burst through a real worker against the sandbox's quota fault."""
import copy
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from liveness.cases.models import Case, CaseKind, CaseState
from liveness.cases.services import case_open, submission_accept
from liveness.checks import pacing as ratelimit
from liveness.checks.models import Attempt, Check, CheckStatus
from liveness.checks.services import RunOutcome, check_run
from tests.conftest import wait_for
from tests.mediagen import selfie_jpeg

RATE_LIMITED = "tests.fault_providers.AlwaysRateLimitedProvider"


@pytest.fixture
def client(settings):
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2)


@pytest.fixture
def limiter(client):
    """A limiter under a private key prefix, removed afterwards."""
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    yield ratelimit.RateLimiter(client, prefix=prefix)
    keys = client.keys(prefix + "*")
    if keys:
        client.delete(*keys)


def _max_in_any_window(times: list[float], width: float = 1.0) -> int:
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t < start + width) for i, start in enumerate(times))


# --- the limiter -----------------------------------------------------------------------

def test_reservations_are_spaced_one_interval_apart(limiter):
    reservations = [limiter.reserve("p", per_second=20, max_wait=5) for _ in range(10)]

    assert all(r.granted for r in reservations)
    slots = [r.slot for r in reservations]
    assert [round(b - a, 6) for a, b in itertools.pairwise(slots)] == [0.05] * 9
    assert reservations[0].wait == 0  # an idle limiter grants the first call at once...
    assert 0.45 - 0.2 < reservations[-1].wait <= 0.45  # ...and the tenth one 9 intervals later


def test_a_slot_beyond_the_max_wait_is_refused_with_its_wait_and_reserves_nothing(limiter):
    first = limiter.reserve("p", per_second=2, max_wait=0.6)
    second = limiter.reserve("p", per_second=2, max_wait=0.6)
    refused = [limiter.reserve("p", per_second=2, max_wait=0.6) for _ in range(3)]

    assert first.granted and first.wait == 0
    assert second.granted and 0.4 < second.wait <= 0.5
    assert not any(r.granted for r in refused)
    assert all(0.9 < r.wait <= 1.0 for r in refused)  # the next free slot, one second away
    # Refused callers are told to come back one interval apart, a little before their turn.
    assert 1.1 < refused[0].retry_in <= 1.2
    assert all(0.45 < b.retry_in - a.retry_in <= 0.5 for a, b in itertools.pairwise(refused))
    # Nothing was reserved by the refusals: the next caller gets the very slot they were refused.
    patient = limiter.reserve("p", per_second=2, max_wait=5)
    assert patient.granted and round(patient.slot, 6) == round(refused[0].slot, 6) == round(second.slot + 0.5, 6)


def test_concurrent_callers_in_many_threads_and_processes_never_exceed_the_rate(limiter, client):
    rate, per_thread, threads = 20, 5, 10
    slots: list[float] = []
    calls: list[float] = []
    refusals = []
    lock = threading.Lock()

    def caller(own_client: bool) -> None:
        # Half the callers have their own connection pool, as separate worker processes would.
        own = redis.Redis(connection_pool=redis.ConnectionPool(**client.connection_pool.connection_kwargs))
        mine = ratelimit.RateLimiter(own, prefix=limiter.prefix) if own_client else limiter
        done = 0
        while done < per_thread:
            reservation = mine.reserve("p", per_second=rate, max_wait=0.2)
            if not reservation.granted:
                with lock:
                    refusals.append(reservation)
                time.sleep(reservation.retry_in)
                continue
            time.sleep(reservation.wait)
            with lock:
                slots.append(reservation.slot)
                calls.append(time.time())
            done += 1

    workers = [threading.Thread(target=caller, args=(i % 2 == 0,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)

    n = per_thread * threads
    assert len(slots) == n
    ordered = sorted(slots)
    assert [round(b - a, 6) for a, b in itertools.pairwise(ordered)] == [1 / rate] * (n - 1)  # no slot twice
    assert refusals, "10 callers at 20/s with a 0.2-s max wait must be refused at times"
    assert _max_in_any_window(calls) <= rate + 1  # +1: a window closed at both ends of the schedule
    achieved = (n - 1) / (max(calls) - min(calls))
    assert 0.85 * rate < achieved < 1.1 * rate


def test_requests_built_together_depart_one_interval_apart(limiter):
    waits = [limiter.space("p", per_second=20) for _ in range(6)]

    assert waits[0] == 0  # nothing left recently: at once
    assert all(0.05 - 0.02 < b - a <= 0.05 for a, b in itertools.pairwise(waits)), waits
    time.sleep(waits[-1] + 0.06)
    assert limiter.space("p", per_second=20) == 0  # an idle provider's next request leaves at once


def test_departures_respace_checks_whose_slots_were_bunched_by_a_stall(limiter):
    """The case admission alone got wrong: 5 slots 50 ms apart, all held up 300 ms (a busy
    core), reach the send stage together; they must still leave 50 ms apart."""
    slots = [limiter.reserve("p", per_second=20, max_wait=5) for _ in range(5)]
    time.sleep(slots[-1].wait + 0.3)
    departures = []  # when the limiter told each to leave: a sleep overshot on a busy core is not its doing
    for _ in slots:
        wait = limiter.space("p", per_second=20)
        departures.append(time.monotonic() + wait)
        time.sleep(wait)

    assert all(0.03 < b - a < 0.1 for a, b in itertools.pairwise(departures)), departures


def test_a_clock_that_went_back_does_not_block_the_limiter(limiter, client):
    seconds, micros = client.time()
    ahead = (seconds + 3600) * 1_000_000 + micros
    client.set(limiter._keys("p")[0], ahead)  # a slot an hour ahead
    client.set(limiter._keys("p")[2], ahead)  # and a departure

    reservation = limiter.reserve("p", per_second=5, max_wait=1)

    assert reservation.granted and reservation.wait == 0
    assert limiter.space("p", per_second=5) == 0


def test_a_vendor_rate_limit_answer_holds_the_provider_for_the_penalty(limiter):
    limiter.penalise("p", seconds=1.0)

    reservation = limiter.reserve("p", per_second=50, max_wait=2)

    assert reservation.granted and 0.9 < reservation.wait <= 1.0
    assert 0.9 < limiter.space("p", per_second=50) <= 1.0  # a request already built waits too


def _spacing(times: list[float]) -> list[float]:
    return [round(b - a, 4) for a, b in itertools.pairwise(times)]


def _sent_off(waits: Iterable[float]) -> list[float]:
    """When the limiter sent each caller off: the caller's clock as the answer came back plus the wait
    it was given. A busy core that delays the next call delays its 'now' too, so these gaps stay the
    limiter's, where raw differences of waits shrink by every such delay."""
    return [time.monotonic() + wait for wait in waits]


def test_a_vendor_rate_limit_answer_slows_the_pace_which_then_recovers(client):
    limiter = ratelimit.RateLimiter(client, prefix=f"test:{uuid.uuid4().hex[:8]}:", recovery_per_s=0.1)
    try:
        assert limiter.pace("p") == 1.0
        assert limiter.penalise("p", seconds=0.05) == pytest.approx(0.8, abs=0.001)
        time.sleep(0.06)  # past the hold; the pace has recovered a little (0.1 a second) since the cut

        slots = _spacing([limiter.reserve("p", per_second=20, max_wait=5).slot for _ in range(4)])
        departures = _spacing(_sent_off(limiter.space("p", per_second=20) for _ in range(4)))

        # 1/20 s at 80-90 % of the rate: 55-63 ms apart instead of 50, for admission and departure
        # (departures as the caller saw them: a few ms either way for the round trip to Redis)
        assert all(0.055 < gap < 0.0635 for gap in slots), slots
        assert all(0.052 < gap < 0.066 for gap in departures), departures
        time.sleep(2.1)  # recovered: 0.8 + 0.1/s x 2.1 s > 1
        assert limiter.pace("p") == 1.0
        time.sleep(0.2)  # the reservations above made no debt past now
        full_rate = _spacing([limiter.reserve("p", per_second=20, max_wait=5).slot for _ in range(3)])
        assert all(0.0495 < gap <= 0.0505 for gap in full_rate), full_rate  # full rate again
    finally:
        client.delete(*client.keys(limiter.prefix + "*"))


def test_answers_that_arrive_together_cut_the_pace_once_and_never_below_the_floor(limiter):
    paces = [limiter.penalise("p", seconds=1.0) for _ in range(3)]  # three refusals of calls already sent

    assert paces == [pytest.approx(0.8, abs=0.001)] * 3
    assert [round(limiter.penalise("q", seconds=0), 3) for _ in range(5)] == [0.8, 0.64, 0.512, 0.5, 0.5]


def test_the_limiter_fails_open_with_a_log_line_when_redis_is_unreachable(monkeypatch, caplog):
    monkeypatch.setattr(ratelimit, "_open_warned_at", 0.0)
    dead = ratelimit.RateLimiter(redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5))

    started = time.monotonic()
    reservation = dead.reserve("p", per_second=1, max_wait=1)

    departure = dead.space("p", per_second=1)

    assert reservation.granted and reservation.wait == 0 and reservation.slot is None
    assert departure == 0  # a built request leaves at once too
    assert time.monotonic() - started < 3
    assert "rate limiter unavailable" in caplog.text


@pytest.mark.parametrize(
    ("vendor", "code", "expected"),
    [("youtu", "15", True), ("tencent_cloud", "RequestLimitExceeded", True),
     ("tencent_cloud", "RequestLimitExceeded.UinLimitExceeded", True),
     ("tencent_cloud", "FailedOperation.RequestLimitExceeded", True), ("http", "429", True),
     ("youtu", "-1101", False), ("http", "500", False), ("tencent_cloud", "LimitExceeded", False)],
)
def test_rate_limit_answers_are_recognised(vendor, code, expected):
    assert ratelimit.is_rate_limit_answer(vendor=vendor, code=code) is expected


# --- settings ---------------------------------------------------------------------------

def _settings_in_a_fresh_process(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KYC_", "YOUTU_", "CELERY_TASK_SOFT"))}
    code = ("import django, json; django.setup(); from django.conf import settings as s; "
            "print(json.dumps([s.KYC_RATE_LIMITS, s.KYC_CHECK_QUEUES, s.KYC_RATE_LIMIT_MAX_WAIT]))")
    return subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          env={**clean, "DJANGO_SETTINGS_MODULE": "kyc_portal.settings", "KYC_ENV_FILE": "", **env},
                          capture_output=True, text=True, timeout=60, check=False)


def test_rates_and_queues_default_to_the_documented_quotas_and_can_be_overridden():
    default = _settings_in_a_fresh_process()
    changed = _settings_in_a_fresh_process(
        KYC_RATE_LIMIT_YOUTU_LEGACY="20/s", KYC_RATE_LIMIT_SENSEID="600/min", KYC_RATE_LIMIT_TENCENT_IAI="off",
        KYC_RATE_LIMIT_TENCENT_FACEID="0", KYC_CHECK_QUEUE_LOCAL="default", KYC_RATE_LIMIT_MAX_WAIT="0.5")

    assert json.loads(default.stdout) == [
        {"youtu_legacy": 5.0, "tencent_iai": 50.0, "tencent_faceid": 100.0, "senseid": 5.0},
        {"local": "engine", "youtu_legacy": "vendor", "tencent_iai": "vendor", "tencent_faceid": "vendor",
         "senseid": "vendor"},
        2.0,
    ]
    rates, queues, max_wait = json.loads(changed.stdout)
    assert rates == {"youtu_legacy": 20.0, "senseid": 10.0} and queues["local"] == "default" and max_wait == 0.5


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"KYC_RATE_LIMIT_YOUTU_LEGACY": "fast"}, "KYC_RATE_LIMIT_YOUTU_LEGACY must look like"),
     ({"KYC_RATE_LIMIT_SENSEID": "5/fortnight"}, "KYC_RATE_LIMIT_SENSEID must look like"),
     ({"KYC_RATE_LIMIT_SENSEID": "-5/s"}, "KYC_RATE_LIMIT_SENSEID must look like"),
     ({"KYC_RATE_LIMIT_YOUTU": "5/s"}, "KYC_RATE_LIMIT_YOUTU: expected"),
     ({"KYC_RATE_LIMIT_MAX_WAIT": "60"}, "KYC_RATE_LIMIT_MAX_WAIT must be between"),
     ({"KYC_RATE_LIMIT_REDIS_URL": "memcached://x"}, "KYC_RATE_LIMIT_REDIS_URL must be a redis:// URL"),
     ({"KYC_CHECK_QUEUE_LOCAL": "gpu"}, "KYC_CHECK_QUEUE_LOCAL must be one of default, engine, vendor"),
     ({"KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT": "0"}, "KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT must be more than 0"),
     ({"SENSEID_TIMEOUT": "119"}, "the senseid timeout (119 s) plus KYC_RATE_LIMIT_MAX_WAIT and "
                                  "KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT must be shorter"),
     # 80 + 2 + 30 = 112 < 120 passes on its own; a longer departure wait takes it over the limit.
     ({"SENSEID_TIMEOUT": "80", "KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT": "40"}, "the senseid timeout (80 s) plus")],
)
def test_bad_rate_limit_and_queue_settings_stop_the_process(env, expected):
    result = _settings_in_a_fresh_process(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and expected in result.stderr


# --- the pipeline ----------------------------------------------------------------------

@pytest.fixture
def provider_limit(settings):
    """Rate-limit a provider in this process (shared Redis limiter); returns the limiter."""
    def limit(provider: str, per_second: float) -> ratelimit.RateLimiter:
        settings.KYC_RATE_LIMITS = {**settings.KYC_RATE_LIMITS, provider: per_second}
        active = ratelimit.limiter()
        active.reset(provider)
        names.append(provider)
        return active

    names: list[str] = []
    yield limit
    for name in names:
        ratelimit.limiter().reset(name)


def _selfie_check(provider: str) -> Check:
    case = case_open(kind=CaseKind.SELFIE, actor_label="test")
    submission_accept(case=case, selfie=selfie_jpeg(), source="test", actor_label="test",
                               provider_name=provider)
    return Check.objects.get(case=case)


@pytest.mark.django_db
def test_a_check_without_a_slot_soon_is_throttled_without_an_attempt(provider_limit):
    active = provider_limit("youtu_legacy", 0.1)  # one call every 10 s...
    check = _selfie_check("youtu_legacy")
    assert active.reserve("youtu_legacy", per_second=0.1, max_wait=2).granted  # ...and it was just spent

    result = check_run(check_id=check.pk, worker="test")

    assert result.outcome is RunOutcome.THROTTLED and result.provider == "youtu_legacy"
    # Back a little (half the max wait) before its estimated turn: the free slot in 10 s + one interval.
    assert 18.5 < result.retry_in <= 19
    check.refresh_from_db()
    assert check.status == CheckStatus.PENDING and check.attempts == 0 and not Attempt.objects.exists()
    assert check.claimed_at is None and check.case.state == CaseState.PROCESSING
    expected = timezone.now() + timezone.timedelta(seconds=result.retry_in)
    assert abs((check.next_attempt_at - expected).total_seconds()) < 2  # the sweep knows it is waiting
    # The message that comes back too early (or a duplicate) is skipped without taking a slot.
    assert check_run(check_id=check.pk, worker="test").outcome is RunOutcome.SKIPPED


@pytest.mark.django_db
def test_a_slot_within_the_max_wait_is_slept_for_then_the_vendor_is_called_once(provider_limit, settings):
    active = provider_limit(RATE_LIMITED, 50)
    check = _selfie_check(RATE_LIMITED)
    active.penalise(RATE_LIMITED, seconds=0.8)

    started = time.monotonic()
    result = check_run(check_id=check.pk, worker="test")

    assert time.monotonic() - started >= 0.75
    assert result.outcome is RunOutcome.RETRY  # the call was made: it answered "rate limited"
    assert Attempt.objects.filter(check_run=check).count() == 1
    # ...and that answer held the provider back for the penalty.
    assert active.reserve(RATE_LIMITED, per_second=50, max_wait=5).wait > 0.9 * ratelimit.PENALTY_S


@pytest.mark.django_db
def test_a_claimed_check_waits_for_its_departure_after_reading_its_media(provider_limit):
    active = provider_limit(RATE_LIMITED, 2)
    check = _selfie_check(RATE_LIMITED)
    active.space(RATE_LIMITED, per_second=2)  # a request left just now: the next may leave in 0.5 s

    started = time.monotonic()
    result = check_run(check_id=check.pk, worker="test")

    assert time.monotonic() - started >= 0.45
    assert result.outcome is RunOutcome.RETRY
    attempt = Attempt.objects.get(check_run=check)
    assert attempt.latency_ms < 300  # the vendor's latency, not the wait for the departure


@pytest.mark.django_db
def test_a_finished_check_spends_no_slot(provider_limit):
    active = provider_limit("youtu_legacy", 5)
    check = _selfie_check("youtu_legacy")
    Check.objects.filter(pk=check.pk).update(status=CheckStatus.DONE)

    assert check_run(check_id=check.pk, worker="test").outcome is RunOutcome.SKIPPED
    assert active.reserve("youtu_legacy", per_second=5, max_wait=1).wait == 0  # the slot is still free


# --- end to end --------------------------------------------------------------------------

ENDPOINT = "/face/livedetectpicture"
CREDS = {"appid": "1000001", "secret_id": "AKIDsandboxYoutuLegacy000000000000",
         "secret_key": "sandboxYoutuLegacySecretKey00000"}


def _settled(case: Case) -> bool:
    case.refresh_from_db()
    return case.state != CaseState.PROCESSING


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_burst_through_a_real_worker_reaches_the_vendor_at_its_quota_and_never_over(
        celery_worker, sandbox, settings, provider_limit):
    rate, n = 5, 20
    settings.KYC_SELFIE_PROVIDER = "youtu_legacy"
    providers = copy.deepcopy(settings.KYC_PROVIDERS)
    providers["youtu_legacy"].update(endpoint=sandbox.base_url, bucket="", timeout=10.0, **CREDS)
    settings.KYC_PROVIDERS = providers
    image = selfie_jpeg()
    provider_limit("youtu_legacy", rate)
    # The vendor's quota: 5 calls/s, a bucket of 2 (one call of slack for network jitter: calls
    # leave exactly 200 ms apart but cannot arrive so; see docs/scaling.md). Sent as it comes, the
    # burst would be refused 18 times. Calls within the quota get a canned answer after 300 ms:
    # the emulated vendor's engine would compete for the CI machine's cores and delay the moment
    # the sandbox reads (and counts) each request.
    sandbox.add_fault("quota", ENDPOINT, per_second=rate, burst=2)
    sandbox.add_fault("fixed", ENDPOINT, ms=300)

    # The burst is queued before any worker runs, so the worker finds all of it at once.
    cases = []
    for _ in range(n):
        case = case_open(kind=CaseKind.SELFIE, actor_label="test")
        submission_accept(case=case, selfie=image, source="test", actor_label="test")
        cases.append(case)
    worker = celery_worker(
        queues="vendor", pool="threads", concurrency=16, KYC_SELFIE_PROVIDER="youtu_legacy",
        YOUTU_ENDPOINT=sandbox.base_url, YOUTU_APPID=CREDS["appid"], YOUTU_SECRET_ID=CREDS["secret_id"],
        YOUTU_SECRET_KEY=CREDS["secret_key"], YOUTU_BUCKET="", KYC_RATE_LIMIT_YOUTU_LEGACY=f"{rate}/s")
    wait_for(lambda: all(_settled(c) for c in cases), timeout=90, message="every check of the burst to finish")

    checks = Check.objects.filter(case__in=cases)
    assert all(c.status == CheckStatus.DONE and c.attempts == 1 for c in checks)
    assert sandbox.outcomes(ENDPOINT) == {"fixed": n}  # the vendor never said "too many"
    assert sandbox.call_count(ENDPOINT) == Attempt.objects.count() == n  # and no call was repeated
    times = [call["time"] for call in sandbox.calls()["calls"] if call["path"] == ENDPOINT]
    achieved = (n - 1) / (max(times) - min(times))
    assert 0.85 * rate < achieved < 1.1 * rate, achieved
    assert _max_in_any_window(times) <= rate + 1
    # 16 threads want slots up to 3.2 s ahead; past the 2-s max wait they were queued again.
    with open(worker.log_path, encoding="utf-8", errors="replace") as log:
        assert "'throttled'" in log.read()
