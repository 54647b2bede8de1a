"""Running a check: pace, claim, call the provider once, record the answer or the error.

Vendor calls are never made inside a transaction: a slow vendor must not hold row locks, and a
rollback cannot undo a paid call. The attempt row is saved before the call.
"""
from __future__ import annotations

import enum
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from ..cases.audit import audit_record
from ..cases.models import Case, CaseState
from ..cases.services import PIPELINE, case_evaluate
from ..jobs.models import AttemptOutcome
from ..jobs.services import (
    JobPolicy,
    job_attempt_close,
    job_claim,
    job_finish,
    job_ids_to_requeue,
    job_retry_schedule,
    job_runnable,
)
from ..media import files as media
from ..media.burst import FROZEN_BELOW, burst_frozen
from ..media.models import MediaBlob
from ..ops import context as log_context
from ..ops import metrics
from liveness.vendors import catalogue, get_provider
from liveness.vendors.base import Media, Operation, ProviderError, ProviderResult, departure
from liveness.vendors.languages import digit_language_for
from . import pacing
from .judging import result_judge
from .models import Attempt, Check, CheckStatus, Score

#: The check's code when a camera selfie's burst shows a still picture (catalogue family "internal").
FROZEN_CAMERA_FEED = "frozen_camera_feed"

logger = logging.getLogger(__name__)

#: Pauses (s) between tries to save a vendor's answer on a new database connection (``_check_record``).
RECORD_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)



class RunOutcome(enum.Enum):
    DONE = "done"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"
    THROTTLED = "throttled"  # no vendor call slot soon: queue again in retry_in s; not an attempt


@dataclass(frozen=True)
class CheckRunResult:
    outcome: RunOutcome
    retry_in: float | None = None
    provider: str = ""  # set with RETRY / THROTTLED: the queue the task goes back to depends on it


def check_job_policy() -> JobPolicy:
    """Checks' claim window and retry schedule, from settings (KYC_CHECK_STALE_AFTER, KYC_CHECK_RETRY_DELAYS)."""
    return JobPolicy(stale_after=timedelta(seconds=settings.KYC_CHECK_STALE_AFTER),
                     retry_delays=tuple(settings.KYC_CHECK_RETRY_DELAYS))


def check_claim(*, check_id: int, worker: str) -> tuple[Check, Attempt] | None:
    """Take a check for one attempt (``liveness.jobs.services.job_claim``), or None when it is not
    ours to run. A stale check whose attempts are spent is failed as ``internal/abandoned``."""
    def exhausted(check: Check) -> None:
        _check_fail(check=check, vendor="internal", code="abandoned",
                    message="Every attempt was interrupted by a stopped worker.")

    def admissible(check: Check) -> bool:
        """Not once the person withdrew their consent (a check in flight then, reclaimed from a dead worker)."""
        if _case_withdrawn(case_id=check.case_id):
            _check_fail_withdrawn(check)
            return False
        return True

    return job_claim(model=Check, pk=check_id, worker=worker, policy=check_job_policy(), attempt_model=Attempt,
                     attempt_field="check_run", exhausted=exhausted, admissible=admissible)


def check_ids_to_requeue(*, lost_after: timedelta | None = None) -> list[int]:
    """Checks whose message was lost or whose worker died, each returned once per lost window
    (``liveness.jobs.services.job_ids_to_requeue``)."""
    return job_ids_to_requeue(model=Check, policy=check_job_policy(), lost_after=lost_after)


def check_pace(*, check_id: int) -> CheckRunResult | None:
    """Wait for the provider's next call slot (``liveness.checks.pacing``); None means "claim and call now".

    The slot is taken before the claim, so a task waiting for it never holds the check in
    flight. A slot within KYC_RATE_LIMIT_MAX_WAIT is slept for here. A later one is not taken:
    the result is THROTTLED with ``retry_in`` and the check stays pending with no attempt
    counted; only ``next_attempt_at`` is written, so the stuck-check sweep knows the wait is
    deliberate. A check that is not runnable is SKIPPED without spending a slot; a race lost
    after this point (another copy of the message claims it first) wastes one slot.
    """
    check = Check.objects.only("provider", "status", "next_attempt_at", "claimed_at").filter(pk=check_id).first()
    if check is None or pacing.provider_rate(check.provider) is None:
        return None  # no limit: check_claim decides
    if not job_runnable(check, now=timezone.now(), policy=check_job_policy()):
        return CheckRunResult(RunOutcome.SKIPPED)
    reservation = pacing.provider_reserve(check.provider)
    if reservation.granted:
        time.sleep(reservation.wait)
        return None
    Check.objects.filter(pk=check_id, status=CheckStatus.PENDING).update(
        next_attempt_at=timezone.now() + timedelta(seconds=reservation.retry_in))
    return CheckRunResult(RunOutcome.THROTTLED, retry_in=reservation.retry_in, provider=check.provider)


def check_run(*, check_id: int, worker: str = "") -> CheckRunResult:
    """Run one attempt of a check: wait for a vendor call slot, claim, read the media, call the
    provider once, record. The request waits for its departure (``pacing.provider_departure``)
    inside the provider, once built; its latency is counted from then."""
    paced = check_pace(check_id=check_id)
    if paced is not None:
        return paced
    claimed = check_claim(check_id=check_id, worker=worker)
    if claimed is None:
        return CheckRunResult(RunOutcome.SKIPPED)
    check, attempt = claimed
    log_context.bind(check_id=check.pk, case_id=check.case_id)  # on this task's log lines (and the vendor call's)
    started = time.monotonic()
    gate = pacing.provider_departure(check.provider)

    def failed(error: ProviderError) -> CheckRunResult:
        latency_ms = _ms_since(gate.left_at or started)
        metrics.vendor_call_observed(provider=check.provider, operation=check.operation, seconds=latency_ms / 1000,
                                     answered=False)
        return _check_record(check_record_error, check=check, attempt=attempt, error=error, latency_ms=latency_ms)

    try:
        call = _provider_call_prepare(check)
        with departure(gate):
            result = call()
    except ProviderError as error:
        pacing.provider_error_seen(check.provider, vendor=error.vendor, code=error.code)  # "too many": back off
        return failed(error)
    except SoftTimeLimitExceeded:
        return failed(ProviderError("The check ran past its time limit.", vendor="internal", code="time_limit",
                                    transient=True))
    except (OperationalError, InterfaceError) as exc:
        # Only _provider_call_prepare's reads touch the database, and they come before the vendor request:
        # retrying cannot call the vendor twice. Providers themselves never use the database.
        logger.warning("check %s: database unavailable before the vendor call: %s", check.pk, exc)
        return failed(ProviderError(f"The submission could not be loaded ({type(exc).__name__}: {exc}); no request "
                                    f"was sent to the vendor.", vendor="internal", code="database_unavailable",
                                    transient=True))
    except Exception as exc:  # a bug or library failure must still end in a visible state
        logger.exception("check %s: provider %s raised", check.pk, check.provider)
        return failed(ProviderError(f"{type(exc).__name__}: {exc}", vendor="internal", code="provider_crashed",
                                    transient=False))
    latency_ms = _ms_since(gate.left_at or started)
    metrics.vendor_call_observed(provider=check.provider, operation=check.operation, seconds=latency_ms / 1000,
                                 answered=True)
    return _check_record(check_record_result, check=check, attempt=attempt, result=result, latency_ms=latency_ms,
                         photos=returned_photos_prepare(result=result, case_id=check.case_id))


def _check_record(record, **kwargs) -> CheckRunResult:
    """Save what a vendor call produced (``record`` is check_record_result or check_record_error),
    surviving a database connection that dropped during the call.

    The answer exists only in this worker's memory and the call cannot be taken back: if the
    connection died meanwhile (a PostgreSQL restart or failover, a pooler or firewall closing
    it), failing here would leave the check in flight until the stale-check sweep calls the
    vendor a second time. Each record is one transaction, so a failed try wrote nothing: the
    broken connection is closed and the same record tried again on a new one, pausing
    RECORD_RETRY_DELAYS. Should a commit have succeeded with its acknowledgement lost, the
    next try finds the attempt closed and writes nothing (``_attempt_close``). Only if the
    database stays unreachable through every pause is the error raised; the answer is then
    lost, the attempt stays ``started`` and the sweep's second call is explained by it.
    """
    delays = iter(RECORD_RETRY_DELAYS)
    while True:
        try:
            return record(**kwargs)
        except (OperationalError, InterfaceError) as exc:
            delay = next(delays, None)
            if delay is None or connection.in_atomic_block:
                logger.error("check %s: the vendor's answer could not be saved (%s)", kwargs["check"].pk, exc)
                raise
            logger.warning("check %s: saving the vendor's answer failed (%s); again in %g s on a new connection",
                           kwargs["check"].pk, exc, delay)
            connection.close()
            time.sleep(delay)


def _check_run_result(check: Check) -> CheckRunResult:
    """What a run that has nothing left to record reports, from the check as it stands."""
    if check.status == CheckStatus.DONE:
        return CheckRunResult(RunOutcome.DONE)
    if check.status == CheckStatus.FAILED:
        return CheckRunResult(RunOutcome.FAILED)
    if check.status == CheckStatus.PENDING and check.next_attempt_at:
        retry_in = max(0.0, (check.next_attempt_at - timezone.now()).total_seconds())
        return CheckRunResult(RunOutcome.RETRY, retry_in=retry_in, provider=check.provider)
    return CheckRunResult(RunOutcome.SKIPPED)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _provider_call_prepare(check: Check) -> Callable[[], ProviderResult]:
    """Read everything the vendor call needs (database, media store) and return the call itself,
    which touches neither: a failure here is known to have reached no vendor."""
    provider = get_provider(check.provider)
    submission = check.submission
    if check.operation == Operation.SELFIE_LIVENESS:
        image = Media(media.blob_read(submission.selfie), submission.selfie.content_type, "selfie.jpg")
        return functools.partial(provider.check_selfie, image=image)
    video = Media(media.blob_read(submission.video), submission.video.content_type, "video")
    card = Media(media.blob_read(submission.card), submission.card.content_type, "card.jpg") if submission.card else None
    challenge = submission.challenge
    language = digit_language_for(check.provider, challenge.language)

    def call() -> ProviderResult:
        result = provider.check_video(video=video, digits=challenge.digits, card=card, language=language)
        result.raw["digit_language"] = language  # what the provider was told (the reviewer sees it)
        if language != challenge.language:
            result.findings.append(f"the person read the digits in {challenge.get_language_display()}; "
                                   f"{check.provider} only understands {language}")
        return result
    return call


@transaction.atomic
def check_record_error(*, check: Check, attempt: Attempt, error: ProviderError, latency_ms: int) -> CheckRunResult:
    """A call gave no usable answer: schedule the next attempt if it can help, else fail the check."""
    now = timezone.now()
    check = Check.objects.select_for_update().get(pk=check.pk)
    if not job_attempt_close(
            attempt=attempt,
            outcome=AttemptOutcome.TRANSIENT_ERROR if error.transient else AttemptOutcome.PERMANENT_ERROR,
            finished_at=now, latency_ms=latency_ms, error_vendor=error.vendor, error_code=error.code,
            error_message=error.message, http_status=error.http_status):
        return _check_run_result(check)
    delay = job_retry_schedule(job=check, policy=check_job_policy(), now=now) if error.transient else None
    if delay is not None:
        check.error_vendor, check.error_code, check.error_message = error.vendor, error.code, error.message
        check.save(update_fields=["status", "claimed_at", "next_attempt_at", "error_vendor", "error_code",
                                  "error_message"])
        metrics.check_retry_scheduled(provider=check.provider, code=f"{error.vendor}/{error.code}")
        return CheckRunResult(RunOutcome.RETRY, retry_in=delay, provider=check.provider)
    message = error.message
    if error.transient:
        message = f"{error.message} (gave up after {check.attempts} attempts)"
    _check_fail(check=check, vendor=error.vendor, code=error.code, message=message, request_id=error.request_id,
                latency_ms=latency_ms)
    return CheckRunResult(RunOutcome.FAILED)


def _check_fail(*, check: Check, vendor: str, code: str, message: str, request_id: str = "",
                latency_ms: int | None = None) -> None:
    job_finish(job=check, status=CheckStatus.FAILED, now=timezone.now())
    check.passed = False
    check.error_vendor, check.error_code, check.error_message = vendor, code, message
    check.error_category = catalogue.lookup(vendor, code).category.value
    check.request_id = request_id or check.request_id
    check.latency_ms = latency_ms
    check.save()
    metrics.check_recorded(check=check)
    audit_record(action="check.failed", actor_label=PIPELINE, case=check.case,
                 details={"check": check.pk, "vendor": vendor, "code": code})
    case_evaluate(case_id=check.case_id)


def checks_stop_pending(*, case_id: int) -> int:
    """Fail every check of the case that no worker has claimed yet as ``internal/consent_withdrawn``:
    its media is about to be erased, and no vendor may be called with it. A check in flight is left
    to finish (its call is already out). Returns how many were stopped. Call inside the transaction
    that locks the case."""
    pending = list(Check.objects.select_for_update().filter(case_id=case_id, status=CheckStatus.PENDING))
    for check in pending:
        _check_fail_withdrawn(check)
    return len(pending)


def _check_fail_withdrawn(check: Check) -> None:
    _check_fail(check=check, vendor="internal", code="consent_withdrawn",
                message="The person withdrew their consent before this check ran.")


PHOTOS_DROPPED_WITHDRAWN = "returned photos not kept: the person withdrew their consent"


def _case_withdrawn(*, case_id: int) -> bool:
    return Case.objects.filter(pk=case_id, state=CaseState.WITHDRAWN).exists()


@dataclass(frozen=True)
class ReturnedPhotos:
    """A vendor's returned photos, validated, re-encoded and written to storage with their rows not
    yet saved (``media.blob_write``), and a finding for each one that could not be."""

    blobs: dict[str, MediaBlob]
    refusals: list[str]


def returned_photos_prepare(*, result: ProviderResult, case_id: int) -> ReturnedPhotos:
    """Decode, re-encode and write the returned photos before the answer is recorded: decoding a
    video frame takes tens of ms and storage may take seconds, and ``check_record_result`` holds
    the check's row lock. A photo that cannot be stored costs a finding, never the vendor's answer.
    Nothing is written once the person withdrew their consent (during the vendor call); photos
    written just before a withdrawal are erased by ``case_evaluate``, which the recording ends with
    (it locks the case, so it sees the withdrawal)."""
    if result.photos and _case_withdrawn(case_id=case_id):
        return ReturnedPhotos(blobs={}, refusals=[PHOTOS_DROPPED_WITHDRAWN])
    blobs, refusals = {}, []
    for role, data in result.photos.items():
        try:
            image = media.image_normalise(data, what=role.replace("_", " "))
            blobs[role] = media.blob_write(data=image.content, kind=role, content_type=image.content_type,
                                           width=image.width, height=image.height)
        except media.MediaRejected as exc:
            refusals.append(f"returned {role} could not be stored: {exc.message}")
        except Exception as exc:  # a decoder or storage failure must not lose the answer the vendor was paid for
            logger.exception("returned %s could not be stored", role)
            refusals.append(f"returned {role} could not be stored: {type(exc).__name__}")
    return ReturnedPhotos(blobs=blobs, refusals=refusals)


@transaction.atomic
def check_record_result(*, check: Check, attempt: Attempt, result: ProviderResult, latency_ms: int,
                        photos: ReturnedPhotos) -> CheckRunResult:
    """The vendor answered: store scores against the current thresholds, link the photos (written
    by ``returned_photos_prepare``), and move the case."""
    now = timezone.now()
    check = Check.objects.select_for_update().get(pk=check.pk)
    if not job_attempt_close(attempt=attempt, outcome=AttemptOutcome.ANSWERED, finished_at=now, latency_ms=latency_ms,
                             error_vendor=result.vendor if result.error_code else "", error_code=result.error_code):
        transaction.on_commit(lambda: media.blob_discard(*photos.blobs.values()))
        return _check_run_result(check)
    judged = result_judge(provider=check.provider, result=result)
    frozen = not result.error_code and burst_frozen(check.submission.camera_motion)
    for item in judged.scores:
        Score.objects.create(check_run=check, metric=item.score.metric, value=item.score.value, scale=item.score.scale,
                             threshold=item.policy.value if item.policy else None, policy=item.policy,
                             passed=item.passed)
    all_passed = judged.passed and not frozen
    for role, blob in photos.blobs.items():
        blob.save()
        setattr(check, role, blob)
    check.findings = [*check.findings, *photos.refusals]
    job_finish(job=check, status=CheckStatus.DONE, now=now)
    check.passed = all_passed
    check.latency_ms = latency_ms
    check.request_id = result.request_id
    check.findings = [*check.findings, *result.findings]
    check.recognised_digits = result.recognised_digits
    check.raw_response = result.raw
    check.error_vendor = result.vendor if result.error_code else ""
    check.error_code = result.error_code
    check.error_message = result.error_message
    check.error_category = catalogue.lookup(result.vendor, result.error_code).category.value if result.error_code else ""
    if frozen:  # the camera's burst shows a still picture: whatever the vendor's score, not a live person
        check.error_vendor, check.error_code = "internal", FROZEN_CAMERA_FEED
        check.error_message = (f"camera burst: {check.submission.camera_motion:.2%} of the picture moved between "
                               f"frames (a live camera moves {FROZEN_BELOW:.1%} or more)")
        check.error_category = catalogue.lookup("internal", FROZEN_CAMERA_FEED).category.value
        check.findings = [*check.findings, f"internal {FROZEN_CAMERA_FEED}: {check.error_message}"]
    check.save()
    metrics.check_recorded(check=check)
    audit_record(action="check.done", actor_label=PIPELINE, case=check.case,
                 details={"check": check.pk, "passed": all_passed, "code": check.error_code})
    case_evaluate(case_id=check.case_id)
    return CheckRunResult(RunOutcome.DONE)


