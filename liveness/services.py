"""The use cases: every write that changes what a case means goes through here.

Naming: ``<entity>_<action>``, keyword-only arguments, ``@transaction.atomic``
where a function writes. Vendor calls are never made inside a transaction: a
slow vendor must not hold row locks, and a rollback cannot undo a paid call.
"""
from __future__ import annotations

import enum
import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.utils import timezone

from . import media, ratelimit, signals
from .errors import UserFacingError
from .models import (
    Attempt,
    AttemptOutcome,
    AuditEvent,
    Case,
    CaseKind,
    CaseState,
    Challenge,
    Check,
    CheckStatus,
    MediaKind,
    Partner,
    Score,
    Submission,
    ThresholdPolicy,
)
from .vendors import catalogue, get_provider, provider_name_for
from .vendors.base import Media, Operation, ProviderError, ProviderResult, departure
from .vendors.base import Score as ProviderScore
from .queueing import enqueue_or_leave_for_sweep
from .thresholds import threshold_default

logger = logging.getLogger(__name__)

PIPELINE = "system:pipeline"
CHALLENGE_TTL = timedelta(minutes=10)
#: Pauses (s) between tries to save a vendor's answer on a new database connection (``_check_record``).
RECORD_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)


class IllegalTransition(Exception):
    pass


class SubmissionRefused(UserFacingError):
    """The case cannot take this submission now (wrong state, challenge used or expired...)."""


class ChallengeUnavailable(UserFacingError):
    """The video provider issued no digits, and nothing was stored: ``provider_busy`` (no call
    slot within the limiter's max wait; 503, nothing sent), ``challenge_unavailable`` (the vendor
    failed: 503 when trying again may help, 502 when it needs the operator)."""


# --- audit -----------------------------------------------------------------------------

def audit_record(
    *, action: str, actor_label: str, actor: AbstractBaseUser | None = None, case: Case | None = None,
    details: dict | None = None, ip_address: str | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action, actor=actor, actor_label=actor_label, case=case, details=details or {},
        ip_address=ip_address,
    )


# --- cases -------------------------------------------------------------------------------

@transaction.atomic
def case_open(
    *, kind: str, actor_label: str, reference: str = "", partner: Partner | None = None,
    actor: AbstractBaseUser | None = None,
) -> Case:
    if kind not in CaseKind.values:
        raise ValueError(f"unknown case kind {kind!r}")
    case = Case.objects.create(kind=kind, reference=reference, partner=partner, state_changed_by_label=actor_label)
    audit_record(action="case.opened", actor=actor, actor_label=actor_label, case=case,
                 details={"kind": kind, "reference": reference})
    return case


@transaction.atomic
def case_transition(
    *, case: Case, to: str, reason: str, actor_label: str, actor: AbstractBaseUser | None = None,
) -> Case:
    """Move a case along :data:`liveness.models.CASE_TRANSITIONS`; anything else is refused."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not locked.can_move_to(to):
        raise IllegalTransition(f"a case cannot go from {locked.state} to {to}")
    previous = locked.state
    locked.state = to
    locked.state_changed_at = timezone.now()
    locked.state_changed_by = actor
    locked.state_changed_by_label = actor_label
    locked.state_reason = reason
    locked.save(update_fields=["state", "state_changed_at", "state_changed_by", "state_changed_by_label", "state_reason"])
    audit_record(action="case.transition", actor=actor, actor_label=actor_label, case=locked,
                 details={"from": previous, "to": to, "reason": reason})
    transaction.on_commit(lambda: signals.case_state_changed.send(
        sender=Case, case_id=locked.pk, previous=previous, state=to, reason=reason, actor_label=actor_label))
    case.refresh_from_db()
    return locked


# --- challenges --------------------------------------------------------------------------

def challenge_issue(*, case: Case, actor_label: str, provider_name: str | None = None) -> Challenge:
    """Ask the video provider for digits (a vendor call, outside any transaction) and bind them to the case.

    ``provider_name`` overrides the configured video provider (test API keys pin the local engine).
    """
    if case.kind != CaseKind.DIGIT_VIDEO:
        raise SubmissionRefused("wrong_kind", "This case takes a selfie, not a digit video.")
    if case.state not in (CaseState.AWAITING_SUBMISSION, CaseState.RETAKE_REQUESTED):
        raise SubmissionRefused("case_closed", "This case is not waiting for a video.", status=409)
    provider_name = provider_name or provider_name_for(Operation.DIGIT_VIDEO)
    digits = _challenge_digits_fetch(case=case, provider_name=provider_name, actor_label=actor_label)
    with transaction.atomic():
        challenge = Challenge.objects.create(
            case=case, digits=digits, provider=provider_name, expires_at=timezone.now() + CHALLENGE_TTL,
        )
        audit_record(action="challenge.issued", actor_label=actor_label, case=case,
                     details={"challenge": challenge.pk, "provider": provider_name})
    return challenge


def _challenge_digits_fetch(*, case: Case, provider_name: str, actor_label: str) -> str:
    """The vendor's digits, paced by the provider's rate limiter like the checks (a person is
    waiting, so a slot further away than the max wait is a "busy" refusal, not a queue). A
    vendor failure is audited on the case (``challenge.failed``) and refused in words a person
    can act on; the vendor's code stays in the audit and the log, for the operator."""
    busy_for = ratelimit.provider_call_now(provider_name)
    if busy_for is not None:
        raise ChallengeUnavailable(
            "provider_busy", f"Many video checks are starting right now; please try again in {math.ceil(busy_for)} "
                             f"seconds.", status=503)
    try:
        with departure(ratelimit.provider_departure(provider_name)):
            return get_provider(provider_name).challenge_digits()
    except ProviderError as error:
        ratelimit.provider_error_seen(provider_name, vendor=error.vendor, code=error.code)
        logger.warning("challenge for case %s: %s %s/%s: %s", case.public_id, provider_name, error.vendor, error.code,
                       error.message)
        audit_record(action="challenge.failed", actor_label=actor_label, case=case, details={
            "provider": provider_name, "vendor": error.vendor, "code": error.code, "message": error.message[:500],
            "transient": error.transient})
        if error.transient:
            raise ChallengeUnavailable(
                "challenge_unavailable", "The verification service could not give digits just now; please try again "
                                         "in a moment.", status=503) from error
        raise ChallengeUnavailable(
            "challenge_unavailable", "Video checks are not available right now; please try again later.",
            status=502) from error


def _challenge_consume(*, case: Case, challenge_id: int) -> Challenge:
    """Single use, atomically: of two concurrent submissions only one wins the challenge."""
    now = timezone.now()
    won = Challenge.objects.filter(pk=challenge_id, case=case, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if not won:
        challenge = Challenge.objects.filter(pk=challenge_id, case=case).first()
        if challenge is None:
            raise SubmissionRefused("challenge_unknown", "These digits were not issued for this case.", status=400)
        if challenge.used_at:
            raise SubmissionRefused("challenge_used", "These digits were already used; ask for new digits.", status=409)
        raise SubmissionRefused("challenge_expired", "These digits have expired; ask for new digits.", status=409)
    return Challenge.objects.get(pk=challenge_id)


# --- submissions ------------------------------------------------------------------------

def submission_accept(
    *, case: Case, actor_label: str, source: str, selfie: bytes | None = None, video: bytes | None = None,
    card: bytes | None = None, challenge_id: int | None = None, actor: AbstractBaseUser | None = None,
    provider_name: str | None = None,
) -> Submission:
    """Validate and store the media of a submission, then queue its check once committed.

    Media is validated before any row is written (a refused upload leaves nothing
    behind). Raises ``media.MediaRejected`` or ``SubmissionRefused``. ``provider_name``
    overrides the configured provider for this submission's check.
    """
    if case.kind == CaseKind.SELFIE:
        if selfie is None:
            raise SubmissionRefused("selfie_required", "A selfie is required.", status=400)
        selfie_image = media.image_normalise(selfie, what="selfie")
        operation = Operation.SELFIE_LIVENESS
    else:
        if video is None or card is None or challenge_id is None:
            raise SubmissionRefused("video_card_challenge_required",
                                    "A digit video, an ID-card photo and the challenge are required.", status=400)
        video_info = media.video_probe(video)
        card_image = media.image_normalise(card, what="ID-card photo")
        operation = Operation.DIGIT_VIDEO

    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.state not in (CaseState.AWAITING_SUBMISSION, CaseState.RETAKE_REQUESTED):
            raise SubmissionRefused("case_not_accepting",
                                    f"This case is {locked.get_state_display().lower()} and takes no new submission.",
                                    status=409)
        submission = Submission(case=locked, kind=locked.kind, source=source)
        if operation == Operation.SELFIE_LIVENESS:
            submission.selfie = media.blob_store(
                data=selfie_image.content, kind=MediaKind.SELFIE, content_type=selfie_image.content_type,
                width=selfie_image.width, height=selfie_image.height)
        else:
            submission.challenge = _challenge_consume(case=locked, challenge_id=challenge_id)
            submission.video = media.blob_store(
                data=video, kind=MediaKind.VIDEO, content_type=f"video/{video_info.container.split(',')[0]}",
                width=video_info.width, height=video_info.height, duration_s=video_info.duration_s)
            submission.card = media.blob_store(
                data=card_image.content, kind=MediaKind.CARD, content_type=card_image.content_type,
                width=card_image.width, height=card_image.height)
        submission.save()
        check = Check.objects.create(
            submission=submission, case=locked, provider=provider_name or provider_name_for(operation),
            operation=operation)
        audit_record(action="submission.accepted", actor=actor, actor_label=actor_label, case=locked,
                     details={"submission": submission.pk, "source": source, "check": check.pk})
        case_transition(case=locked, to=CaseState.PROCESSING, reason="submission received", actor_label=actor_label,
                        actor=actor)
        transaction.on_commit(functools.partial(_enqueue_check, check.pk))
    case.refresh_from_db()
    return submission


def _enqueue_check(check_id: int) -> None:
    """After the commit: a broker that is down leaves the check pending for ``checks_requeue_stuck``."""
    from .tasks import check_enqueue

    enqueue_or_leave_for_sweep(lambda: check_enqueue(check_id=check_id), what=f"check {check_id}",
                               sweep="the stuck-check sweep")


# --- checks ------------------------------------------------------------------------------

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


def max_attempts() -> int:
    return 1 + len(settings.KYC_CHECK_RETRY_DELAYS)


def check_claim(*, check_id: int, worker: str) -> tuple[Check, Attempt] | None:
    """Take a check for one attempt, or return None when it is not ours to run.

    Pending checks are claimed; in-flight ones are skipped unless they are stale
    (their worker died), in which case the open attempt is marked abandoned and
    the check is reclaimed. Done and failed checks are never run again.
    """
    now = timezone.now()
    with transaction.atomic():
        check = Check.objects.select_for_update().filter(pk=check_id).first()
        if check is None or not _check_runnable(check, now):
            return None
        if check.status == CheckStatus.IN_FLIGHT:
            check.attempt_rows.filter(outcome=AttemptOutcome.STARTED).update(
                outcome=AttemptOutcome.ABANDONED, finished_at=now,
                error_message="The worker stopped during this call or could not save its answer; the vendor may "
                              "have been reached once. The check was claimed again.")
            if check.attempts >= max_attempts():
                _check_fail(check=check, vendor="internal", code="abandoned",
                            message="Every attempt was interrupted by a stopped worker.")
                return None
        check.attempts += 1
        check.status = CheckStatus.IN_FLIGHT
        check.claimed_at = now
        check.next_attempt_at = None
        check.save(update_fields=["attempts", "status", "claimed_at", "next_attempt_at"])
        attempt = Attempt.objects.create(check_run=check, number=check.attempts, worker=worker)
    return check, attempt


def _check_runnable(check: Check, now: datetime) -> bool:
    """Pending and due (a second early is fine), or in flight for a worker that died."""
    if check.status == CheckStatus.IN_FLIGHT:
        stale_before = now - timedelta(seconds=settings.KYC_CHECK_STALE_AFTER)
        return not (check.claimed_at and check.claimed_at > stale_before)
    return check.status == CheckStatus.PENDING and not (
        check.next_attempt_at and check.next_attempt_at > now + timedelta(seconds=1))


def check_pace(*, check_id: int) -> CheckRunResult | None:
    """Wait for the provider's next call slot (``liveness.ratelimit``); None means "claim and call now".

    The slot is taken before the claim, so a task waiting for it never holds the check in
    flight. A slot within KYC_RATE_LIMIT_MAX_WAIT is slept for here. A later one is not taken:
    the result is THROTTLED with ``retry_in`` and the check stays pending with no attempt
    counted; only ``next_attempt_at`` is written, so the stuck-check sweep knows the wait is
    deliberate. A check that is not runnable is SKIPPED without spending a slot; a race lost
    after this point (another copy of the message claims it first) wastes one slot.
    """
    check = Check.objects.only("provider", "status", "next_attempt_at", "claimed_at").filter(pk=check_id).first()
    if check is None or ratelimit.provider_rate(check.provider) is None:
        return None  # no limit: check_claim decides
    if not _check_runnable(check, timezone.now()):
        return CheckRunResult(RunOutcome.SKIPPED)
    reservation = ratelimit.provider_reserve(check.provider)
    if reservation.granted:
        time.sleep(reservation.wait)
        return None
    Check.objects.filter(pk=check_id, status=CheckStatus.PENDING).update(
        next_attempt_at=timezone.now() + timedelta(seconds=reservation.retry_in))
    return CheckRunResult(RunOutcome.THROTTLED, retry_in=reservation.retry_in, provider=check.provider)


def check_run(*, check_id: int, worker: str = "") -> CheckRunResult:
    """Run one attempt of a check: wait for a vendor call slot, claim, read the media, call the
    provider once, record. The request waits for its departure (``ratelimit.provider_departure``)
    inside the provider, once built; its latency is counted from then."""
    paced = check_pace(check_id=check_id)
    if paced is not None:
        return paced
    claimed = check_claim(check_id=check_id, worker=worker)
    if claimed is None:
        return CheckRunResult(RunOutcome.SKIPPED)
    check, attempt = claimed
    started = time.monotonic()
    gate = ratelimit.provider_departure(check.provider)

    def failed(error: ProviderError) -> CheckRunResult:
        latency_ms = _ms_since(gate.left_at or started)
        return _check_record(check_record_error, check=check, attempt=attempt, error=error, latency_ms=latency_ms)

    try:
        call = _provider_call_prepare(check)
        with departure(gate):
            result = call()
    except ProviderError as error:
        ratelimit.provider_error_seen(check.provider, vendor=error.vendor, code=error.code)  # "too many": back off
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
    return _check_record(check_record_result, check=check, attempt=attempt, result=result, latency_ms=latency_ms,
                         photos=returned_photos_prepare(result=result))


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


def _attempt_close(*, attempt: Attempt, **fields) -> bool:
    """Finish an attempt that is still open. False when it is not (already recorded by a try whose
    commit acknowledgement was lost, or abandoned by a reclaim): the caller then writes nothing."""
    return bool(Attempt.objects.filter(pk=attempt.pk, outcome=AttemptOutcome.STARTED).update(**fields))


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
    return functools.partial(provider.check_video, video=video, digits=submission.challenge.digits, card=card)


@transaction.atomic
def check_record_error(*, check: Check, attempt: Attempt, error: ProviderError, latency_ms: int) -> CheckRunResult:
    """A call gave no usable answer: schedule the next attempt if it can help, else fail the check."""
    now = timezone.now()
    check = Check.objects.select_for_update().get(pk=check.pk)
    if not _attempt_close(
            attempt=attempt,
            outcome=AttemptOutcome.TRANSIENT_ERROR if error.transient else AttemptOutcome.PERMANENT_ERROR,
            finished_at=now, latency_ms=latency_ms, error_vendor=error.vendor, error_code=error.code,
            error_message=error.message, http_status=error.http_status):
        return _check_run_result(check)
    if error.transient and check.attempts < max_attempts():
        delay = settings.KYC_CHECK_RETRY_DELAYS[check.attempts - 1]
        check.status = CheckStatus.PENDING
        check.next_attempt_at = now + timedelta(seconds=delay)
        check.error_vendor, check.error_code, check.error_message = error.vendor, error.code, error.message
        check.save(update_fields=["status", "next_attempt_at", "error_vendor", "error_code", "error_message"])
        return CheckRunResult(RunOutcome.RETRY, retry_in=delay, provider=check.provider)
    message = error.message
    if error.transient:
        message = f"{error.message} (gave up after {check.attempts} attempts)"
    _check_fail(check=check, vendor=error.vendor, code=error.code, message=message, request_id=error.request_id,
                latency_ms=latency_ms)
    return CheckRunResult(RunOutcome.FAILED)


def _check_fail(*, check: Check, vendor: str, code: str, message: str, request_id: str = "",
                latency_ms: int | None = None) -> None:
    check.status = CheckStatus.FAILED
    check.passed = False
    check.finished_at = timezone.now()
    check.error_vendor, check.error_code, check.error_message = vendor, code, message
    check.error_category = catalogue.lookup(vendor, code).category.value
    check.request_id = request_id or check.request_id
    check.latency_ms = latency_ms
    check.save()
    audit_record(action="check.failed", actor_label=PIPELINE, case=check.case,
                 details={"check": check.pk, "vendor": vendor, "code": code})
    case_evaluate(case_id=check.case_id)


@dataclass(frozen=True)
class ReturnedPhotos:
    """A vendor's returned photos, validated and re-encoded (``media.image_normalise``), and a
    finding for each one that could not be."""

    images: dict[str, media.NormalisedImage]
    refusals: list[str]


def returned_photos_prepare(*, result: ProviderResult) -> ReturnedPhotos:
    """Decode and re-encode the returned photos before the answer is recorded: this is the slow
    part (tens of ms for a video frame), and ``check_record_result`` holds the check's row lock.
    A photo that cannot be stored costs a finding, never the vendor's answer."""
    images, refusals = {}, []
    for role, data in result.photos.items():
        try:
            images[role] = media.image_normalise(data, what=role.replace("_", " "))
        except media.MediaRejected as exc:
            refusals.append(f"returned {role} could not be stored: {exc.message}")
        except Exception as exc:  # a decoder bug must not lose the answer the vendor was paid for
            logger.exception("returned %s could not be normalised", role)
            refusals.append(f"returned {role} could not be stored: {type(exc).__name__}")
    return ReturnedPhotos(images=images, refusals=refusals)


@transaction.atomic
def check_record_result(*, check: Check, attempt: Attempt, result: ProviderResult, latency_ms: int,
                        photos: ReturnedPhotos) -> CheckRunResult:
    """The vendor answered: store scores against the current thresholds, photos (prepared by
    ``returned_photos_prepare``), and move the case."""
    now = timezone.now()
    check = Check.objects.select_for_update().get(pk=check.pk)
    if not _attempt_close(attempt=attempt, outcome=AttemptOutcome.ANSWERED, finished_at=now, latency_ms=latency_ms,
                          error_vendor=result.vendor if result.error_code else "", error_code=result.error_code):
        return _check_run_result(check)
    judged = result_judge(provider=check.provider, result=result)
    for item in judged.scores:
        Score.objects.create(check_run=check, metric=item.score.metric, value=item.score.value, scale=item.score.scale,
                             threshold=item.policy.value if item.policy else None, policy=item.policy,
                             passed=item.passed)
    all_passed = judged.passed
    for role, image in photos.images.items():
        blob = media.blob_store(data=image.content, kind=role, content_type=image.content_type,
                                width=image.width, height=image.height)
        setattr(check, role, blob)
    check.findings = [*check.findings, *photos.refusals]
    check.status = CheckStatus.DONE
    check.passed = all_passed
    check.finished_at = now
    check.latency_ms = latency_ms
    check.request_id = result.request_id
    check.findings = [*check.findings, *result.findings]
    check.recognised_digits = result.recognised_digits
    check.raw_response = result.raw
    check.error_vendor = result.vendor if result.error_code else ""
    check.error_code = result.error_code
    check.error_message = result.error_message
    check.error_category = catalogue.lookup(result.vendor, result.error_code).category.value if result.error_code else ""
    check.save()
    audit_record(action="check.done", actor_label=PIPELINE, case=check.case,
                 details={"check": check.pk, "passed": all_passed, "code": result.error_code})
    case_evaluate(case_id=check.case_id)
    return CheckRunResult(RunOutcome.DONE)


# --- policy ------------------------------------------------------------------------------

@dataclass(frozen=True)
class JudgedScore:
    score: ProviderScore
    policy: ThresholdPolicy | None
    passed: bool | None  # None: informational, no threshold for this metric


@dataclass(frozen=True)
class Judgement:
    passed: bool
    scores: list[JudgedScore]


def result_judge(*, provider: str, result: ProviderResult) -> Judgement:
    """A provider answer passes when the vendor raised no error and every judged score meets its threshold."""
    scores = []
    for score in result.scores:
        policy = threshold_policy_current(provider=provider, metric=score.metric)
        scores.append(JudgedScore(score, policy, None if policy is None else score.value >= policy.value))
    passed = not result.error_code and all(item.passed is not False for item in scores)
    return Judgement(passed=passed, scores=scores)


def threshold_policy_current(*, provider: str, metric: str) -> ThresholdPolicy | None:
    """The newest policy version; version 1 is created from the defaults on first use."""
    policy = ThresholdPolicy.objects.filter(provider=provider, metric=metric).order_by("-version").first()
    if policy is not None:
        return policy
    default = threshold_default(provider=provider, metric=metric)
    if default is None:
        return None
    try:
        with transaction.atomic():
            return ThresholdPolicy.objects.create(
                provider=provider, metric=metric, version=1, value=default.value, scale=default.scale,
                reason=f"default: {default.source}")
    except IntegrityError:  # another worker seeded it first
        return ThresholdPolicy.objects.get(provider=provider, metric=metric, version=1)


@transaction.atomic
def case_evaluate(*, case_id: int) -> Case:
    """Apply the decision policy once every check of the latest submission has finished.

    All passed → approved (or manual review when KYC_AUTO_APPROVE is off).
    Only failures the person can fix → retake requested, with the reason.
    Anything else (a score under its threshold, possible fraud, a vendor or
    configuration failure) → manual review. Rejection is always a human decision.
    """
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.state != CaseState.PROCESSING:
        return case
    submission = case.submissions.order_by("-created_at", "-pk").first()
    checks = list(submission.checks.prefetch_related("scores")) if submission else []
    if not checks or not all(c.is_terminal for c in checks):
        return case
    failing = [c for c in checks if not c.passed]
    if not failing:
        if settings.KYC_AUTO_APPROVE:
            return case_transition(case=case, to=CaseState.APPROVED, reason="all checks passed", actor_label=PIPELINE)
        return case_transition(case=case, to=CaseState.MANUAL_REVIEW,
                               reason="all checks passed; automatic approval is off", actor_label=PIPELINE)
    reasons = [_failure_reason(c) for c in failing]
    user_fixable = all(
        c.status == CheckStatus.DONE and c.error_category == catalogue.Category.USER_FIXABLE.value for c in failing
    )
    target = CaseState.RETAKE_REQUESTED if user_fixable else CaseState.MANUAL_REVIEW
    return case_transition(case=case, to=target, reason="; ".join(reasons), actor_label=PIPELINE)


def _failure_reason(check: Check) -> str:
    if check.error_code:
        entry = catalogue.lookup(check.error_vendor, check.error_code)
        return f"{check.provider} {check.error_code}: {entry.reviewer_explanation}"
    below = [s for s in check.scores.all() if s.passed is False]
    return "; ".join(f"{check.provider} {s.metric} {s.value:g} below threshold {s.threshold:g}" for s in below)
